// The Terminal tab against the real Debian cloud guest (e2e/fixtures/debian-guest): login
// shells over SSH in xterm, through the web shell's WebSocket, on a pty whose size follows the
// page. The guest boots ONCE (1 to 3 minutes under TCG); every check runs against that boot,
// in order, then it is stopped and deleted.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Browser, Locator, Page } from 'playwright-core';
import { Engine } from '../../src-main/core/engine.ts';
import { startServer } from '../../src-main/server/server.ts';
import type { RunningServer } from '../../src-main/server/server.ts';
import { repoRoot, tempDir } from '../support/temp.ts';
import { launchChromium, seriousViolations } from './browser.ts';
import { ensureRendererBuilt } from './renderer-build.ts';
import { shows } from './scripted-shell.ts';

const bin = path.join(repoRoot, 'bin', 'corral.js');
const resultsDir = path.join(repoRoot, 'test-results');
const name = 'deb';
/** Lima's own limit for a guest to become reachable. */
const readyDeadlineMs = 10 * 60_000;

/** `corral shell NAME -- CMD` exit status: 255 is ssh's own failure (not reachable yet). */
function corralShell(home: string, env: NodeJS.ProcessEnv, command: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, '--home', home, 'shell', name, '--', ...command], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

/** The text xterm shows in one terminal (its rows, joined). */
const screenOf = (terminal: Locator): Locator => terminal.locator('.xterm-rows');

/** Types a line into a terminal as a user would: focus it, then the keys. */
async function typeLine(page: Page, terminal: Locator, line: string): Promise<void> {
  await terminal.click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** Waits until the terminal shows `pattern`, and returns the match. */
async function waitForText(terminal: Locator, pattern: RegExp, timeout = 60_000): Promise<RegExpMatchArray> {
  const screen = screenOf(terminal);
  await screen.filter({ hasText: pattern }).waitFor({ timeout });
  const match = pattern.exec((await screen.textContent()) ?? '');
  assert.ok(match, `terminal shows ${pattern}`);
  return match;
}

/** Waits until the terminal's xterm has a column count other than `than`, and returns it. */
async function colsChangedFrom(page: Page, terminal: Locator, than: number): Promise<number> {
  const handle = await page.waitForFunction(
    ([element, before]) => {
      const cols = Number((element as unknown as { dataset: Record<string, string | undefined> }).dataset.cols ?? 0);
      return cols > 0 && cols !== before ? cols : false;
    },
    [await terminal.elementHandle(), than] as const,
    { timeout: 10_000 },
  );
  return Number(await handle.jsonValue());
}

async function keepScreenshot(page: Page, file: string): Promise<void> {
  await fs.mkdir(resultsDir, { recursive: true });
  await page.screenshot({ path: path.join(resultsDir, file), fullPage: true });
}

describe('Terminal tab on a real Debian guest', () => {
  let root: string;
  let engine: Engine;
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  let ssh: { user: string; port: number };

  before(async () => {
    const { stdout } = await promisify(execFile)('bash', [path.join(repoRoot, 'e2e/fixtures/debian-guest/build.sh')], { maxBuffer: 16 * 1024 ** 2 });
    root = await tempDir('corral-terminal-');
    const home = path.join(root, 'home');
    const env = { ...process.env, CORRAL_CACHE: path.join(root, 'cache') };
    engine = new Engine({ home, cache: env.CORRAL_CACHE });
    await engine.create(name, { template: path.join(stdout.trim(), 'guest.yaml') });
    await engine.start(name);
    // Ready as e2e/real-guest.test.ts has it: SSH answers and cloud-init is done (until then
    // its config stage may restart sshd, dropping a login made in that moment).
    const deadline = Date.now() + readyDeadlineMs;
    for (;;) {
      const result = await corralShell(home, env, ['cloud-init', 'status', '--wait']);
      if (result.code !== 255) break;
      assert.ok(Date.now() < deadline, `no SSH login within ${readyDeadlineMs / 60_000} minutes: ${result.stderr}`);
      // Each attempt costs a Node start and an ssh handshake; spacing them keeps the guest's CPU for booting.
      await delay(2000);
    }
    const instance = await engine.inspect(name);
    assert.ok(instance.ssh, 'the started instance records its SSH endpoint');
    ssh = instance.ssh;
    server = await startServer({ engine, port: 0, staticDir: await ensureRendererBuilt() });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1200, height: 900 }, colorScheme: 'light' })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    // Whatever failed above, no QEMU is left behind.
    if (engine) {
      await engine.delete(name, { force: true }).catch(() => undefined);
      await engine.close();
    }
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('shows where SSH reaches the guest, and the corral shell command', async () => {
    await page.goto(server?.url ?? '');
    await page.getByRole('link', { name }).click();
    const endpoint = page.getByTestId('ssh-endpoint');
    await shows(endpoint, `${ssh.user}@127.0.0.1 -p ${ssh.port}`);
    await shows(endpoint, `corral shell ${name}`);
  });

  it('opens two terminals; a command typed in each shows its output there', async () => {
    await page.getByRole('tab', { name: 'Terminal' }).click();
    await page.getByRole('button', { name: 'New terminal' }).click();
    // The login shell's prompt: the guest user on the guest's host name.
    const prompt = new RegExp(`${ssh.user}@${name}:~\\$`);
    const first = page.getByRole('region', { name: /^Terminal 1:/ });
    await waitForText(first, prompt);
    await page.getByRole('button', { name: 'New terminal' }).click();
    const second = page.getByRole('region', { name: /^Terminal 2:/ });
    await waitForText(second, prompt);
    // Computed in the guest, so the output is not the echo of what was typed.
    await typeLine(page, second, 'echo "two-$((6 * 7))"; id -un');
    await waitForText(second, new RegExp(`two-42\\s*${ssh.user}`));
    await page.getByRole('tab', { name: /^Terminal 1/ }).click();
    await typeLine(page, first, 'echo "one-$((20 + 3))"; hostname');
    await waitForText(first, /one-23\s*deb/);
    // Each output only in its own terminal.
    assert.doesNotMatch((await screenOf(first).textContent()) ?? '', /two-42/);
    await keepScreenshot(page, 'terminal-light.png');
    assert.deepEqual(await seriousViolations(page), []);
  });

  it('resizes the guest\'s pty with the page: stty size follows the xterm', async () => {
    const first = page.getByRole('region', { name: /^Terminal 1:/ });
    const wide = Number(await first.getAttribute('data-cols'));
    await typeLine(page, first, 'clear; echo "size=[$(stty size)]"');
    const [, rows, cols] = await waitForText(first, /size=\[(\d+) (\d+)\]/);
    assert.equal(Number(cols), wide, 'the pty starts at the xterm\'s size');
    assert.equal(Number(rows), Number(await first.getAttribute('data-rows')));
    await page.setViewportSize({ width: 700, height: 900 });
    const narrow = await colsChangedFrom(page, first, wide);
    assert.ok(narrow < wide);
    await typeLine(page, first, 'clear; echo "resized=[$(stty size)]"');
    const [, , newCols] = await waitForText(first, /resized=\[(\d+) (\d+)\]/);
    assert.equal(Number(newCols), narrow, `the guest's pty went from ${wide} to ${narrow} columns`);
    await page.setViewportSize({ width: 1200, height: 900 });
  });

  it('says in the tab that a terminal ended when its shell exits; the other stays', async () => {
    await page.getByRole('tab', { name: /^Terminal 2/ }).click();
    const second = page.getByRole('region', { name: /^Terminal 2:/ });
    await typeLine(page, second, 'exit 3');
    await page.getByRole('tab', { name: 'Terminal 2 (ended)' }).waitFor({ timeout: 30_000 });
    await shows(page.locator('#terminal-panel-2'), 'the shell exited with status 3');
    await waitForText(second, /\[the shell exited with status 3\]/);
    // The first one still answers.
    await page.getByRole('tab', { name: 'Terminal 1', exact: true }).click();
    const first = page.getByRole('region', { name: /^Terminal 1:/ });
    await typeLine(page, first, 'echo "still-$((1 + 1))"');
    await waitForText(first, /still-2/);
  });

  it('closes a terminal with its close button', async () => {
    await page.getByRole('tab', { name: /^Terminal 2/ }).click();
    await page.getByRole('button', { name: 'Close terminal 2' }).click();
    await page.getByRole('tab', { name: /^Terminal 2/ }).waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('region', { name: /^Terminal 2:/ }).count(), 0);
  });

  it('looks right in dark and at 390 px', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await keepScreenshot(page, 'terminal-dark.png');
    await page.setViewportSize({ width: 390, height: 844 });
    await keepScreenshot(page, 'terminal-390.png');
    const first = page.getByRole('region', { name: /^Terminal 1:/ });
    const cols = Number(await first.getAttribute('data-cols'));
    assert.ok(cols > 10 && cols < 50, `the terminal fits a phone's width (${cols} columns)`);
    // Nothing wider than the phone's viewport: no sideways scrolling.
    const overflow = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
    assert.ok(overflow <= 390, `page is ${overflow} px wide at a 390 px viewport`);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1200, height: 900 });
  });

  it('when the guest stops, the open terminal says so and New terminal is disabled with the reason', async () => {
    await engine.stop(name, { force: true });
    await page.getByRole('tab', { name: 'Terminal 1 (ended)' }).waitFor({ timeout: 60_000 });
    await shows(page.locator('#terminal-panel-1'), /Terminal ended: .*(closed|failed)/);
    assert.equal(await page.getByRole('button', { name: 'New terminal' }).isDisabled(), true);
    await shows(page.locator('#terminal-unavailable'), 'Terminals open while the instance runs; it is stopped.');
    assert.equal(await page.getByTestId('ssh-endpoint').count(), 0, 'no endpoint is shown for a stopped guest');
  });

  it('logged no page errors', () => {
    // The serial console (open beside the terminals) replays the guest's boot log, where
    // systemd puts '…' inside colour sequences; xterm reports each as a parsing error.
    assert.deepEqual(pageErrors.filter((line) => !line.startsWith('xterm.js: Parsing error:')), []);
  });
});
