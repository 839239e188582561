// The desktop app end to end with Playwright's `_electron`: start the app from the built
// bundles, create an instance from the dialog, start it, see Running and the guest's marker on
// the serial console, and check the window's isolation from inside the page. It needs the
// Electron binary and a working QEMU driver; where either is missing it reports a SKIP with
// the reason, never a pass.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { _electron } from 'playwright-core';
import type { Locator } from 'playwright-core';
import { Engine } from '../../src-main/core/engine.ts';
import { findElectron } from '../support/electron.ts';
import { readyMarker, writeGuestTemplate } from '../support/guest.ts';
import { repoRoot, tempDir } from '../support/temp.ts';
import { ensureRendererBuilt } from '../ui/renderer-build.ts';

const bootTimeout = 90_000;

function shows(locator: Locator, text: string | RegExp, timeout = 15_000): Promise<void> {
  return locator.filter({ hasText: text }).first().waitFor({ timeout });
}

describe('Electron app', () => {
  it('creates and starts an instance and shows its console', { timeout: bootTimeout * 3 }, async (t) => {
    const electron = findElectron();
    if ('missing' in electron) return t.skip(`Electron binary not installed: ${electron.missing}`);

    const root = await tempDir();
    const env = { CORRAL_HOME: path.join(root, 'home'), CORRAL_CACHE: path.join(root, 'cache') };
    // The test's own engine (same home): asks whether QEMU runs here, and cleans up the VM after.
    const engine = new Engine({ home: env.CORRAL_HOME, cache: env.CORRAL_CACHE, health: { intervalMs: 0, timeoutMs: 1000 } });
    t.after(async () => {
      await engine.delete('desk1', { force: true }).catch(() => undefined);
      await engine.close();
      await fs.rm(root, { recursive: true, force: true });
    });
    const qemu = (await engine.listDrivers()).find((d) => d.name === 'qemu');
    if (!qemu?.available.ok) return t.skip(`QEMU driver unavailable: ${qemu?.available.ok === false ? qemu.available.reason : 'not installed'}`);

    await ensureRendererBuilt();
    await promisify(execFile)(process.execPath, [path.join(repoRoot, 'scripts/build-electron.ts')], { cwd: repoRoot });
    const template = await writeGuestTemplate(root);

    const app = await _electron.launch({ executablePath: electron.path, args: [repoRoot], cwd: repoRoot, env: { ...process.env, ...env } as Record<string, string> });
    t.after(() => app.close());
    const page = await app.firstWindow();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    assert.match(page.url(), /^corral-app:\/\/app\//);
    await page.locator('html[data-connected="true"]').waitFor({ state: 'attached' });
    // Isolation as the page sees it: no Node, only the bridge's three functions, CSP in force.
    const seen = await page.evaluate(async () => {
      const w = globalThis as unknown as Record<string, unknown>; // the page's window (no DOM types here)
      let evalBlocked = false;
      try { (0, eval)('1'); } catch { evalBlocked = true; }
      const fetchBlocked = await fetch('https://example.invalid/').then(() => false, () => true);
      return { require: typeof w.require, process: typeof w.process, bridge: Object.keys(w.corral ?? {}).sort(), evalBlocked, fetchBlocked };
    });
    assert.deepEqual(seen, { require: 'undefined', process: 'undefined', bridge: ['invoke', 'onMessage', 'send'], evalBlocked: true, fetchBlocked: true });

    await page.getByRole('button', { name: 'New instance…' }).click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await dialog.getByLabel('Name').fill('desk1');
    await dialog.getByLabel('Template file (lima.yaml path)').fill(template);
    await shows(dialog.getByLabel('Driver'), 'qemu');
    await dialog.getByLabel('Driver').selectOption('qemu');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: bootTimeout });
    await shows(page.getByTestId('status-desk1'), 'Stopped');

    await page.getByRole('button', { name: 'Start desk1' }).click();
    await shows(page.getByTestId('status-desk1'), 'Running', bootTimeout);
    await page.getByRole('link', { name: 'desk1' }).click();
    await shows(page.getByTestId('terminal'), readyMarker, bootTimeout);
    await fs.mkdir(path.join(repoRoot, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(repoRoot, 'test-results', 'electron-console.png') });
    assert.deepEqual(pageErrors, []);
  });
});
