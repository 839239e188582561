// The instance page's display and snapshots, end to end: a real QEMU test guest with
// `video.display: vnc`, the web shell in Debian's Chromium. The page shows the vnc:// link and
// copies the password; the embedded noVNC view, relayed through the shell's /vnc/NAME
// WebSocket (token and Origin checked like /ws), paints the guest's VGA console; a snapshot
// taken in the UI shows up in the list. Skipped where the QEMU driver cannot run.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { Engine } from '../../src-main/core/engine.ts';
import { writeGuestTemplate } from '../support/guest.ts';
import { repoRoot, tempDir } from '../support/temp.ts';
import { seriousViolations } from './browser.ts';
import { openWebShell } from './web-shell-fixture.ts';
import type { WebShell } from './web-shell-fixture.ts';

const resultsDir = path.join(repoRoot, 'test-results');
const bootTimeout = 120_000;
const name = 'screen1';

function shows(locator: Locator, text: string | RegExp, timeout = 15_000): Promise<void> {
  return locator.filter({ hasText: text }).first().waitFor({ timeout });
}

/** Opens a WebSocket to the shell and settles with 'open' or the HTTP status of the refusal. */
function connect(url: string, headers: Record<string, string>): Promise<number | 'open'> {
  const socket = new WebSocket(url, ['binary'], { headers });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

/** Runs in the page (a string: the Node type check has no DOM types): any non-black pixel on noVNC's canvas. */
const litPixel = `(() => {
  const canvas = document.querySelector('[data-testid="vnc-screen"] canvas');
  const context = canvas && canvas.width > 0 && canvas.height > 0 ? canvas.getContext('2d') : null;
  if (!context) return false;
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 0; i < pixels.length; i += 4) if (pixels[i] + pixels[i + 1] + pixels[i + 2] > 0) return true;
  return false;
})()`;

describe('instance page: display and snapshots', async () => {
  const probeHome = await tempDir();
  const probe = new Engine({ home: probeHome, cache: path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache') });
  const qemu = (await probe.listDrivers()).find((d) => d.name === 'qemu');
  await probe.close();
  await fs.rm(probeHome, { recursive: true, force: true });
  const skip = qemu?.available.ok ? false : `the QEMU driver cannot run here${qemu && !qemu.available.ok ? `: ${qemu.available.reason}` : ''}`;

  let shell: WebShell;
  let engine: Engine;
  let server: WebShell['server'];
  let page: Page;
  let pageErrors: string[];
  const pageLog: string[] = [];

  before(async () => {
    if (skip) return;
    // Every console line goes to pageLog; pageErrors keeps the page's own errors only.
    shell = await openWebShell({ engine: { cache: path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache') }, context: { viewport: { width: 1200, height: 900 } }, expectedConsoleErrors: /./ });
    ({ engine, server, page, pageErrors } = shell);
    await fs.mkdir(resultsDir, { recursive: true });
    const template = await writeGuestTemplate(shell.root, { video: { display: 'vnc' } });
    await engine.create(name, { template });
    await engine.start(name);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${server.port}` });
    page.on('console', (message) => pageLog.push(`${message.type()}: ${message.text()}`));
  }, { timeout: bootTimeout + 60_000 });

  after(async () => {
    if (skip) return;
    await shell?.close();
  });

  it('shows the vnc:// link and copies the password', { skip, timeout: 60_000 }, async () => {
    const display = await engine.display(name);
    assert.ok(display, 'the engine reports a display');
    await page.goto(server.url);
    await page.getByRole('link', { name }).click();
    await page.getByRole('tab', { name: 'Display' }).click();
    const link = page.getByTestId('vnc-link');
    await shows(link, `vnc://127.0.0.1:${display.port}`);
    assert.equal(await link.getAttribute('href'), `vnc://127.0.0.1:${display.port}`);
    await page.getByRole('button', { name: 'Copy password' }).click();
    await shows(page.locator('.display-link'), 'Password copied.');
    // A string: the Node type check has no DOM types.
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), display.password);
  });

  it('renders the guest screen in the embedded view, through the shell', { skip, timeout: bootTimeout }, async () => {
    await page.getByRole('tab', { name: 'Display' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Display' });
    await shows(panel.getByRole('status'), 'Connected', 30_000).catch(async (error: unknown) => {
      throw new Error(`the display did not connect; the panel shows: ${await panel.innerText()}\npage log:\n${pageLog.join('\n')}`, { cause: error });
    });
    const canvas = panel.getByTestId('vnc-screen').locator('canvas');
    await canvas.waitFor();
    // The guest's kernel console draws on the VGA card: wait for any lit pixel.
    await page.waitForFunction(litPixel, undefined, { timeout: bootTimeout - 30_000, polling: 'raf' });
    await page.screenshot({ path: path.join(resultsDir, 'display-embedded.png') });
    assert.deepEqual(await seriousViolations(page), []);
  });

  it('refuses the display socket without the token or from another origin', { skip }, async () => {
    const url = `ws://127.0.0.1:${server.port}/vnc/${name}`;
    const origin = `http://127.0.0.1:${server.port}`;
    assert.equal(await connect(url, { Origin: origin }), 401);
    assert.equal(await connect(url, { Origin: 'http://evil.example', Authorization: `Bearer ${server.token}` }), 403);
    assert.equal(await connect(`ws://127.0.0.1:${server.port}/vnc/nope`, { Origin: origin, Authorization: `Bearer ${server.token}` }), 409);
    assert.equal(await connect(url, { Origin: origin, Authorization: `Bearer ${server.token}` }), 'open');
  });

  it('takes a snapshot from the page and lists it', { skip, timeout: 120_000 }, async () => {
    await page.getByRole('tab', { name: 'Snapshots' }).click();
    const section = page.getByRole('region', { name: 'Snapshots' });
    await section.getByLabel('Snapshot tag').fill('ui-first');
    await section.getByRole('button', { name: 'Take snapshot' }).click();
    const row = section.locator('tr[data-snapshot="ui-first"]');
    await shows(row, 'taken running', 90_000);
    assert.deepEqual((await engine.listSnapshots(name)).map((s) => s.tag), ['ui-first']);
    await page.screenshot({ path: path.join(resultsDir, 'display-snapshots.png') });
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(pageLog.filter((line) => line.startsWith('error:')), [], 'no console errors (CSP violations included)');
  });
});
