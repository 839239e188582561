// The trust dialog of a bundle that logs in to other hosts over SSH as the user (the libvirt
// bundle, for qemu+ssh:// connections): what that grants (~/.ssh read-only, the SSH agent) is
// one of the terms the user approves. In Debian's Chromium against a real Engine and web shell;
// screenshots at both widths, light and dark; axe clean.
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

describe('the trust dialog of a bundle that uses SSH', () => {
  let root: string;
  let engine: Engine;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const staticDir = await ensureRendererBuilt();
    root = await tempDir('corral-trust-ssh-');
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
});
