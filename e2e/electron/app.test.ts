// The desktop app end to end with Playwright's `_electron`: the flow of e2e/ui/web-shell.test.ts
// (same steps, same locators) in the real Electron window, plus what only the app does: its
// isolation as the page sees it, and quitting with a VM running (the driver processes end, the
// VM does not) and reopening to find it Running. It needs the Electron binary and a working QEMU
// driver; where either is missing it reports a SKIP with the reason, never a pass.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { _electron } from 'playwright-core';
import type { ElectronApplication, Locator, Page } from 'playwright-core';
import { Engine } from '../../src-main/core/engine.ts';
import { bridgeKeys } from '../../src-main/api/bridge.ts';
import { findElectron } from '../support/electron.ts';
import { readyMarker, writeGuestTemplate } from '../support/guest.ts';
import { alive, childrenOf, waitForExit } from '../support/processes.ts';
import { repoRoot, tempDir } from '../support/temp.ts';
import { ensureRendererBuilt } from '../ui/renderer-build.ts';

const resultsDir = path.join(repoRoot, 'test-results');
const bootTimeout = 90_000;

/** Resolves once `locator` shows `text` (Playwright waits on DOM changes, no sleeps). */
function shows(locator: Locator, text: string | RegExp, timeout = 15_000): Promise<void> {
  return locator.filter({ hasText: text }).first().waitFor({ timeout });
}

/** Why this spec cannot run here, or undefined when it can (the QEMU check needs an engine). */
async function skipReason(): Promise<string | undefined> {
  const electron = findElectron();
  if ('missing' in electron) return `Electron binary not installed: ${electron.missing}`;
  const root = await tempDir();
  const probe = new Engine({ home: path.join(root, 'home'), cache: path.join(root, 'cache'), health: { intervalMs: 0, timeoutMs: 1000 } });
  try {
    const qemu = (await probe.listDrivers()).find((d) => d.name === 'qemu');
    if (!qemu) return 'QEMU driver unavailable: not installed';
    return qemu.available.ok ? undefined : `QEMU driver unavailable: ${qemu.available.reason}`;
  } finally {
    await probe.close();
    await fsp.rm(root, { recursive: true, force: true });
  }
}

/** Every process below `pid` (Linux /proc), children first. */
function descendantsOf(pid: number): number[] {
  return childrenOf(pid).flatMap((child) => [child, ...descendantsOf(child)]);
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** The isolation probe's own eval and fetch, which the CSP refuses (and Chromium logs) on purpose. */
const probeViolation = /example\.invalid|'unsafe-eval'/;

const skip = await skipReason();

describe('Electron app', () => {
  let root: string;
  let engine: Engine;
  let env: Record<string, string>;
  let app: ElectronApplication;
  let page: Page;
  let template: string;
  const pageErrors: string[] = [];

  /** Starts the app from the built bundles and waits for its window to connect to the engine. */
  async function launch(): Promise<void> {
    app = await _electron.launch({ executablePath: (findElectron() as { path: string }).path, args: [repoRoot], cwd: repoRoot, env });
    page = await app.firstWindow();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !probeViolation.test(message.text())) pageErrors.push(message.text());
    });
    await page.locator('html[data-connected="true"]').waitFor({ state: 'attached' });
  }

  before(async () => {
    if (skip) return; // every test below reports the reason
    await ensureRendererBuilt();
    await promisify(execFile)(process.execPath, [path.join(repoRoot, 'scripts/build-electron.ts')], { cwd: repoRoot });
    root = await tempDir();
    await fsp.mkdir(resultsDir, { recursive: true });
    const home = path.join(root, 'home');
    const cache = path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache');
    env = { ...process.env, CORRAL_HOME: home, CORRAL_CACHE: cache } as Record<string, string>;
    // The test's own engine on the same home: makes the second instance, reads facts, cleans up.
    engine = new Engine({ home, cache, health: { intervalMs: 0, timeoutMs: 1000 } });
    template = await writeGuestTemplate(root);
    await launch();
  });

  after(async () => {
    if (skip) return;
    await app?.close();
    for (const instance of await engine.list().catch(() => [])) await engine.delete(instance.name, { force: true }).catch(() => undefined);
    await engine?.close();
    await fsp.rm(root, { recursive: true, force: true });
  });

  it('opens isolated: no Node, only the bridge, the CSP in force', { skip }, async () => {
    assert.match(page.url(), /^corral-app:\/\/app\//);
    await shows(page.locator('main'), 'No instances yet');
    const seen = await page.evaluate(async () => {
      const w = globalThis as unknown as Record<string, unknown>; // the page's window (no DOM types here)
      let evalBlocked = false;
      try { (0, eval)('1'); } catch { evalBlocked = true; }
      const fetchBlocked = await fetch('https://example.invalid/').then(() => false, () => true);
      return { require: typeof w.require, process: typeof w.process, bridge: Object.keys(w.corral ?? {}).sort(), evalBlocked, fetchBlocked };
    });
    assert.deepEqual(seen, { require: 'undefined', process: 'undefined', bridge: [...bridgeKeys].sort(), evalBlocked: true, fetchBlocked: true });
  });

  it('creates an instance from the dialog with the driver chosen in the dropdown', { skip, timeout: bootTimeout + 30_000 }, async () => {
    await page.getByRole('button', { name: 'New instance…' }).click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    const driverSelect = dialog.getByLabel('Driver');
    await shows(driverSelect, 'qemu'); // the drivers have answered
    await dialog.getByLabel('Name').fill('desk1');
    await dialog.getByRole('radio', { name: 'From file…' }).check();
    await dialog.getByLabel('Template file (lima.yaml path)').fill(template);
    await driverSelect.selectOption('qemu');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: bootTimeout }).catch(async (error: unknown) => {
      throw new Error(`the dialog stayed open showing: ${await dialog.innerText()}`, { cause: error });
    });
    const row = page.locator('tr[data-instance="desk1"]');
    await shows(row.getByTestId('status-desk1'), 'Stopped');
    await shows(row, 'qemu');
  });

  it('starts it, shows Running and the guest on the serial console, and runs a command', { skip, timeout: bootTimeout + 60_000 }, async () => {
    await page.getByRole('button', { name: 'Start desk1' }).click();
    await shows(page.getByTestId('status-desk1'), 'Running', bootTimeout);
    assert.equal(await page.getByRole('button', { name: 'Start desk1' }).isDisabled(), true);
    await page.getByRole('link', { name: 'desk1' }).click();
    const terminal = page.getByTestId('terminal');
    await shows(terminal, readyMarker, bootTimeout);
    await terminal.click();
    await page.keyboard.type('echo $((6*7))\n');
    await shows(terminal.locator('.xterm-rows'), /^(.|\n)*\b42\b/);
    const screenshot = path.join(resultsDir, 'electron-console.png');
    await page.screenshot({ path: screenshot });
    assert.deepEqual((await fsp.readFile(screenshot)).subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'a PNG was kept');
  });

  it('shows the console history after a reload', { skip }, async () => {
    await page.reload();
    await page.locator('html[data-connected="true"]').waitFor({ state: 'attached' });
    const terminal = page.getByTestId('terminal');
    await shows(terminal, readyMarker);
    await shows(terminal.locator('.xterm-rows'), /\b42\b/);
  });

  it('stops and deletes from the list, deleting only after confirmation', { skip, timeout: 120_000 }, async () => {
    await page.getByRole('button', { name: '← All instances' }).click();
    await page.getByRole('button', { name: 'Stop desk1', exact: true }).click();
    await shows(page.getByTestId('status-desk1'), 'Stopped', 90_000);
    await page.getByRole('button', { name: 'Delete desk1' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete desk1?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    assert.equal(await page.locator('tr[data-instance="desk1"]').count(), 1);
    await page.getByRole('button', { name: 'Delete desk1' }).click();
    await confirm.getByRole('button', { name: 'Delete desk1' }).click();
    await page.locator('tr[data-instance="desk1"]').waitFor({ state: 'detached' });
    assert.deepEqual((await engine.list()).map((i) => i.name), []);
  });

  it('quits with a VM running: the driver processes end, the VM keeps running and shows Running on reopening', { skip, timeout: bootTimeout * 2 }, async () => {
    await engine.create('desk2', { template, driver: 'qemu' });
    await shows(page.getByTestId('status-desk2'), 'Stopped'); // made by another front end, seen live
    await page.getByRole('button', { name: 'Start desk2' }).click();
    await shows(page.getByTestId('status-desk2'), 'Running', bootTimeout);
    const vm = Number((await fsp.readFile(path.join((await engine.inspect('desk2')).dir, 'qemu.pid'), 'utf8')).trim());
    const appProcesses = descendantsOf(app.process().pid ?? -1).filter((pid) => pid !== vm);
    const drivers = appProcesses.filter((pid) => commandLine(pid).includes('node.mojom.NodeService'));
    assert.ok(drivers.length > 0, 'the app runs its driver in a utility process');

    await app.close(); // app.quit(): the shell's will-quit closes the engine first
    for (const pid of appProcesses) await waitForExit(pid);
    assert.ok(alive(vm), 'the VM keeps running after the app quit');

    await launch();
    await shows(page.getByTestId('status-desk2'), 'Running');
    await page.getByRole('button', { name: 'Force stop desk2' }).click();
    await shows(page.getByTestId('status-desk2'), 'Stopped');
    await waitForExit(vm);
    await page.getByRole('button', { name: 'Delete desk2' }).click();
    await page.getByRole('dialog', { name: 'Delete desk2?' }).getByRole('button', { name: 'Delete desk2' }).click();
    await page.locator('tr[data-instance="desk2"]').waitFor({ state: 'detached' });
    assert.deepEqual((await engine.list()).map((i) => i.name), []);
  });

  it('logged no page errors (CSP violations included)', { skip }, () => {
    assert.deepEqual(pageErrors, []);
  });
});
