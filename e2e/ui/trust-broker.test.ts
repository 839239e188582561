// The trust dialog's terms for bundles that reach beyond their sandbox, in Debian's Chromium
// against a real Engine and web shell, screenshots at both widths, light and dark:
// - a bundle that logs in to other hosts over SSH as the user (the libvirt bundle, for
//   qemu+ssh:// connections): ~/.ssh read-only and the SSH agent are one of the terms;
// - a bundle that asks the engine's spawn broker to start an executable for it (the example
//   bundle src-drivers/qemu-brokered): the executable is a term, named with what it means.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { Engine } from '../../src-main/core/engine.ts';
import { repoRoot } from '../support/temp.ts';
import { seriousViolations } from './browser.ts';
import { dropFile } from './drop.ts';
import { screens } from './screens.ts';
import { openWebShell } from './web-shell-fixture.ts';
import type { WebShell } from './web-shell-fixture.ts';

describe('the trust dialog\'s terms for bundles that reach beyond their sandbox', () => {
  let shell: WebShell;
  let root: string;
  let engine: Engine;
  let page: Page;

  before(async () => {
    shell = await openWebShell({ prefix: 'corral-trust-brk-', engine: { health: { intervalMs: 0, timeoutMs: 1000 } } });
    ({ root, engine, page } = shell);
    await page.goto(shell.server.url);
  });

  after(async () => {
    await shell?.close();
  });

  /** Packs the repository's driver `name`, drops it on the page, and returns its trust dialog and terms once shown. */
  async function dropBundle(name: string) {
    const out = path.join(root, 'dist');
    await promisify(execFile)(process.execPath, [path.join(repoRoot, 'scripts/pack-driver.ts'), name, '--out', out], { cwd: repoRoot });
    await dropFile(page, path.join(out, `${name}-0.1.0.corral-driver`));
    const dialog = page.getByRole('dialog', { name: 'Install a driver?' });
    await dialog.filter({ hasText: `${name} 0.1.0` }).waitFor();
    return { dialog, terms: dialog.getByLabel('Permissions it asks for') };
  }

  it('says it logs in to other hosts as the user, with ~/.ssh read-only and the agent; Cancel installs nothing', async () => {
    const { dialog, terms } = await dropBundle('libvirt');
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
    const { dialog, terms } = await dropBundle('qemu-brokered');
    assert.deepEqual(await terms.getByRole('term').allInnerTexts(), ['Read', 'Write', 'Run', 'Start', 'Network']);
    assert.equal(await terms.getByRole('definition').nth(3).innerText(),
      '/usr/bin/qemu-system-x86_64 (through Corral’s broker: kept running after the driver exits, reaching only the files above)');
    await screens(page, 'trust-broker');
    await dialog.getByRole('button', { name: 'Install anyway' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.deepEqual((await engine.bundles.list()).map((d) => [d.name, d.manifest.permissions.spawn]), [['qemu-brokered', ['/usr/bin/qemu-system-x86_64']]]);
  });
});
