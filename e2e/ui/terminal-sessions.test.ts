// Terminals that outlive the instance page, and keys typed before a shell is open. The instance
// runs on the scripted driver declaring ssh; the SSH port its start recorded is a
// real SSH server on 127.0.0.1, ssh2's own, which holds each shell until the test lets it open
// (so keys can be typed while the terminal still connects) and can speak while nobody looks.
// The Terminal tab against the real guest is e2e/ui/terminal.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import type { Page } from 'playwright-core';
import { readEndpoint } from '../../src-main/core/ssh/guest-endpoint.ts';
import { readBootId, writeGuestStatus } from '../../src-main/core/guest/status.ts';
import { ensureIdentity } from '../../src-main/core/ssh/identity.ts';
import { repoRoot, tempDir, writeTemplate } from '../support/temp.ts';
import { seriousViolations } from './browser.ts';
import { openScriptedShell, shows, sshScriptedDriver } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

// ssh2 is CommonJS whose Server Node's ESM loader does not find as a named export.
const { Server } = ssh2;
const resultsDir = path.join(repoRoot, 'test-results');

interface Shell { write(text: string): void }

/** An SSH server whose shells echo each line (`you said ...`), each opened only when `release()` is called. */
async function heldShellServer(port: number): Promise<{ shells: Shell[]; release(): void; close(): Promise<void> }> {
  const shells: Shell[] = [];
  const held: (() => void)[] = [];
  let released = false;
  // A host key from ssh-keygen: about 1 in 250 ed25519 keys from ssh2's own generateKeyPairSync fail its parser.
  const keyHome = await tempDir();
  const hostKey = await fs.readFile((await ensureIdentity(keyHome)).privateKey);
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    // A test server on loopback: any key will do (Corral's own key is what the engine offers).
    client.on('authentication', (context) => (context.method === 'publickey' ? context.accept() : context.reject(['publickey'])));
    client.on('ready', () => client.on('session', (accept) => {
      const session = accept();
      session.on('pty', (ok) => ok());
      session.on('window-change', (ok) => ok?.());
      session.on('exec', (_ok, reject) => reject()); // the host agent's probes: this is no guest
      session.on('shell', (ok) => {
        const open = (): void => {
          const channel = ok();
          shells.push({ write: (text) => channel.write(text) });
          channel.write('ready$ ');
          let line = '';
          channel.on('data', (bytes: Buffer) => {
            line += bytes.toString();
            let end: number;
            while ((end = line.indexOf('\r')) >= 0) {
              channel.write(`\r\nyou said ${line.slice(0, end)}\r\nready$ `);
              line = line.slice(end + 1);
            }
          });
        };
        if (released) open();
        else held.push(open);
      });
    }));
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    shells,
    release() {
      released = true;
      for (const open of held.splice(0)) open();
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fs.rm(keyHome, { recursive: true, force: true });
    },
  };
}

/** Moves to another of the app's pages by its address, as a link in the app would (no reload). */
async function goTo(page: Page, hash: string): Promise<void> {
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
}

async function keepScreenshot(page: Page, name: string): Promise<void> {
  await fs.mkdir(resultsDir, { recursive: true });
  await page.screenshot({ path: path.join(resultsDir, name), fullPage: true });
}

describe('terminals that outlive the page, and keys typed while connecting', () => {
  let shell: ScriptedShell;
  let ssh: Awaited<ReturnType<typeof heldShellServer>>;
  const terminal = (page: Page, number: number) => page.getByRole('region', { name: new RegExp(`^Terminal ${number}:`) });
  const screen = (page: Page, number: number) => terminal(page, number).locator('.xterm-rows');

  before(async () => {
    shell = await openScriptedShell({ drivers: [sshScriptedDriver] });
    const template = await writeTemplate(shell.root, { vmType: 'booting', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await shell.engine.create('t1', { template });
    await shell.engine.start('t1');
    // The scripted VM forwards nothing: the SSH server takes the port the start recorded.
    const endpoint = await readEndpoint(shell.engine.store.dir('t1'));
    assert.ok(endpoint?.ssh, 'the start recorded an SSH endpoint');
    ssh = await heldShellServer(endpoint.ssh.port);
    // SSH has let Corral in, as the host agent would write it; this SSH server runs no boot
    // script, so the boot stays 'booting': New terminal waits only for SSH (e2e/ui/guest-status.test.ts).
    const dir = shell.engine.store.dir('t1');
    const bootId = await readBootId(dir);
    assert.ok(bootId, 'the start recorded its boot');
    const now = new Date().toISOString();
    await writeGuestStatus(dir, { bootId, phase: 'booting', sshSince: now, updatedAt: now });
  });

  after(async () => {
    await shell?.engine.delete('t1', { force: true }).catch(() => undefined);
    await shell?.close();
    await ssh?.close();
  });

  it('delivers keys typed while the terminal is still connecting, once it is connected', async () => {
    const { page } = shell;
    await page.goto(shell.server.url);
    await page.getByRole('link', { name: 't1' }).click();
    await page.getByRole('tab', { name: 'Terminal' }).click();
    await page.getByRole('button', { name: 'New terminal' }).click();
    await shows(page.getByRole('status').filter({ hasText: 'Connecting over SSH' }), 'Connecting over SSH');
    await terminal(page, 1).click();
    await page.keyboard.type('typed early');
    await page.keyboard.press('Enter');
    await keepScreenshot(page, 'terminal-connecting-light.png');
    ssh.release();
    await shows(screen(page, 1), 'you said typed early');
    await shows(page.getByRole('status').filter({ hasText: 'Connected' }), 'Connected');
  });

  it('keeps the terminal, its shell and what it printed meanwhile, across leaving the instance page', async () => {
    const { page } = shell;
    await page.keyboard.type('before leaving');
    await page.keyboard.press('Enter');
    await shows(screen(page, 1), 'you said before leaving');
    await goTo(page, '#/downloads');
    await terminal(page, 1).waitFor({ state: 'detached' });
    ssh.shells[0]?.write('\r\nprinted while you were away\r\n');
    await goTo(page, '#/');
    await page.getByRole('link', { name: 't1' }).click();
    await page.getByRole('tab', { name: 'Terminal' }).click();
    await shows(screen(page, 1), 'printed while you were away');
    assert.match(await screen(page, 1).innerText(), /you said typed early[\s\S]*you said before leaving/);
    await terminal(page, 1).click();
    await page.keyboard.type('after coming back');
    await page.keyboard.press('Enter');
    await shows(screen(page, 1), 'you said after coming back');
    assert.equal(ssh.shells.length, 1, 'the same shell, not a new one');
    assert.equal(await page.getByRole('tab', { name: /^Terminal \d/ }).count(), 1);
    // At 1280 px the close button sits beside the terminal's status line, not alone at the far right.
    await page.setViewportSize({ width: 1280, height: 800 });
    const status = await page.getByRole('status').filter({ hasText: 'Connected' }).evaluate((p) => {
      const range = p.ownerDocument.createRange();
      range.selectNodeContents(p);
      return range.getBoundingClientRect().right; // the text's end, not the paragraph's box
    });
    const close = await page.getByRole('button', { name: 'Close terminal 1' }).boundingBox();
    assert.ok(close && close.x - status < 40, `Close terminal 1 starts ${close ? Math.round(close.x - status) : '?'} px after the status line`);
    await keepScreenshot(page, 'terminal-kept-light.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 844 });
    await keepScreenshot(page, 'terminal-kept-dark-390.png');
    assert.deepEqual(await seriousViolations(page), []);
  });

  it('moves between terminals with the arrow keys, Home and End, as the page\'s tabs do', async () => {
    const { page } = shell;
    await page.getByRole('button', { name: 'New terminal' }).click();
    await shows(screen(page, 2), 'ready$');
    // The selected tab has focus and its terminal shows; the other terminal is hidden.
    const selected = async (number: number, other: number): Promise<void> => {
      await page.locator(`#terminal-tab-${number}[aria-selected="true"]:focus`).waitFor();
      await terminal(page, number).waitFor({ state: 'visible' });
      await terminal(page, other).waitFor({ state: 'hidden' });
    };
    await page.locator('#terminal-tab-2').focus();
    await page.keyboard.press('ArrowLeft');
    await selected(1, 2);
    await page.keyboard.press('ArrowRight');
    await selected(2, 1);
    await page.keyboard.press('ArrowRight'); // past the last: back to the first
    await selected(1, 2);
    await page.keyboard.press('End');
    await selected(2, 1);
    await keepScreenshot(page, 'terminal-tabs-dark-390.png');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.keyboard.press('Home');
    await selected(1, 2);
    await keepScreenshot(page, 'terminal-tabs-light.png');
    assert.deepEqual(await seriousViolations(page), []);
    await page.keyboard.press('End');
    await selected(2, 1);
    await page.getByRole('button', { name: 'Close terminal 2' }).click();
    await terminal(page, 2).waitFor({ state: 'detached' });
  });

  it('closing a terminal ends its shell and forgets it, also after coming back', async () => {
    const { page } = shell;
    await page.getByRole('button', { name: 'Close terminal 1' }).click();
    await terminal(page, 1).waitFor({ state: 'detached' });
    await goTo(page, '#/');
    await page.getByRole('link', { name: 't1' }).click();
    await page.getByRole('tab', { name: 'Terminal' }).click();
    await page.getByRole('button', { name: 'New terminal' }).waitFor();
    assert.equal(await page.getByRole('tab', { name: /^Terminal \d/ }).count(), 0);
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });
});
