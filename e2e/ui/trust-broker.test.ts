// The trust dialog's terms for bundles that reach beyond their sandbox, in Debian's Chromium
// against a real Engine and web shell, screenshots at both widths, light and dark:
// - a bundle that logs in to other hosts over SSH as the user (the libvirt bundle, for
//   qemu+ssh:// connections): ~/.ssh read-only and the SSH agent are one of the terms;
// - a bundle that asks the engine's spawn broker to start an executable for it (the example
//   bundle src-drivers/qemu-brokered): the executable is a term, named with what it means.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Engine } from '../../src-main/core/engine.ts';
import { startServer } from '../../src-main/server/server.ts';
import type { RunningServer } from '../../src-main/server/server.ts';
import { repoRoot, tempDir } from '../support/temp.ts';
import { launchChromium, seriousViolations } from './browser.ts';
import { dropFile } from './drop.ts';
import { ensureRendererBuilt } from './renderer-build.ts';
import { screens } from './screens.ts';

describe('the trust dialog\'s terms for bundles that reach beyond their sandbox', () => {
  let root: string;
  let engine: Engine;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const staticDir = await ensureRendererBuilt();
    root = await tempDir('corral-trust-brk-');
    engine = new Engine({ home: path.join(root, 'home'), cache: path.join(root, 'cache'), health: { intervalMs: 0, timeoutMs: 1000 } });
    server = await startServer({ engine, port: 0, staticDir });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('says it logs in to other hosts as the user, with ~/.ssh read-only and the agent; Cancel installs nothing', async () => {
    const out = path.join(root, 'dist');
    await promisify(execFile)(process.execPath, [path.join(repoRoot, 'scripts/pack-driver.ts'), 'libvirt', '--out', out], { cwd: repoRoot });
    await dropFile(page, path.join(out, 'libvirt-0.1.0.corral-driver'));
    const dialog = page.getByRole('dialog', { name: 'Install a driver?' });
    await dialog.filter({ hasText: 'libvirt 0.1.0' }).waitFor();
    const terms = dialog.getByLabel('Permissions it asks for');
    assert.deepEqual(await terms.getByRole('term').allInnerTexts(), ['Read', 'Write', 'Run', 'Network', 'SSH']);
    assert.equal(await terms.getByRole('definition').nth(4).innerText(),
      'log in to other hosts as you: your ~/.ssh read-only (keys, known_hosts, config) and your SSH agent');
    assert.deepEqual(await seriousViolations(page), []);
    await screens(page, 'trust-ssh');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.deepEqual(await engine.bundles.list(), []);
  });

  it('names the executable the broker may start among the terms, and installs on approval', async () => {
    const out = path.join(root, 'dist');
    await promisify(execFile)(process.execPath, [path.join(repoRoot, 'scripts/pack-driver.ts'), 'qemu-brokered', '--out', out], { cwd: repoRoot });
    await dropFile(page, path.join(out, 'qemu-brokered-0.1.0.corral-driver'));
    const dialog = page.getByRole('dialog', { name: 'Install a driver?' });
    await dialog.filter({ hasText: 'qemu-brokered 0.1.0' }).waitFor();
    const terms = dialog.getByLabel('Permissions it asks for');
    assert.deepEqual(await terms.getByRole('term').allInnerTexts(), ['Read', 'Write', 'Run', 'Start', 'Network']);
    assert.equal(await terms.getByRole('definition').nth(3).innerText(),
      '/usr/bin/qemu-system-x86_64 (through Corral’s broker: kept running after the driver exits, reaching only the files above)');
    await screens(page, 'trust-broker');
    await dialog.getByRole('button', { name: 'Install anyway' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.deepEqual((await engine.bundles.list()).map((d) => [d.name, d.manifest.permissions.spawn]), [['qemu-brokered', ['/usr/bin/qemu-system-x86_64']]]);
  });
});
