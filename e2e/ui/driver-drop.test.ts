// Installing a driver by dragging its bundle onto the page (web shell: the page uploads it),
// in Debian's Chromium against a real Engine: the trust dialog lists what the bundle asks
// for, approving installs it, and it is in the create dialog's driver dropdown at once, ready
// to run an instance. Broken and malicious bundles are refused with the engine's message.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import type { Engine } from '../../src-main/core/engine.ts';
import { craftBundle, packExampleBundle } from '../../src-main/core/drivers/bundles/test-support/bundles.ts';
import { readyMarker, writeGuestTemplate } from '../support/guest.ts';
import { repoRoot, writeTemplate } from '../support/temp.ts';
import { removeDomainsUnder, requireLibvirt } from '../../src-drivers/libvirt/test-support/libvirt.ts';
import { seriousViolations } from './browser.ts';
import { dropFile } from './drop.ts';
import { openWebShell } from './web-shell-fixture.ts';
import type { WebShell } from './web-shell-fixture.ts';

function shows(locator: Locator, text: string | RegExp, timeout = 15_000): Promise<void> {
  return locator.filter({ hasText: text }).first().waitFor({ timeout });
}

describe('installing a driver by drag and drop (web shell)', () => {
  let shell: WebShell;
  let root: string;
  let home: string;
  let engine: Engine;
  let server: WebShell['server'];
  let page: Page;
  let pageErrors: string[];

  before(async () => {
    shell = await openWebShell({
      prefix: 'corral-drop-',
      engine: { health: { intervalMs: 0, timeoutMs: 1000 } },
      context: { viewport: { width: 1200, height: 800 } },
      // Refused bundles answer 4xx, which Chromium logs as a failed resource; the page shows the message.
      expectedConsoleErrors: /status of 4\d\d/,
    });
    ({ root, home, engine, server, page, pageErrors } = shell);
    await page.goto(server.url);
  });

  after(async () => {
    await shell?.close();
    // Even when the test failed midway: no domain outlives the test.
    if (root) await removeDomainsUnder(await requireLibvirt(), root).catch(() => undefined);
  });

  it('shows the trust dialog for a dropped bundle, installs on approval, and offers the driver at once', async () => {
    const bundle = await packExampleBundle(root);
    await dropFile(page, bundle, {
      beforeDrop: () => shows(page.getByRole('status'), 'Drop a .corral-driver file to install the driver'),
    });
    const dialog = page.getByRole('dialog', { name: 'Install a driver?' });
    await shows(dialog, 'example 0.1.0');
    await shows(dialog, 'UNSIGNED: nobody vouches for this bundle');
    const permissions = dialog.getByRole('definition');
    assert.deepEqual(await permissions.allInnerTexts(), ['nothing', 'nothing (besides its instance folders and cache)', 'nothing', 'no']);
    await shows(dialog, engine.bundles.sandbox.enforced ? 'Sandbox: enforced' : 'UNSANDBOXED');
    assert.deepEqual(await seriousViolations(page), []);
    await dialog.getByRole('button', { name: 'Install' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await shows(page.getByRole('status'), /Installed driver example 0\.1\.0/);
    assert.deepEqual((await engine.bundles.list()).map((d) => d.name), ['example']);

    // In the dropdown without a reload, and an instance runs on it.
    await page.getByRole('button', { name: 'New instance…' }).click();
    const create = page.getByRole('dialog', { name: 'New instance' });
    await create.getByLabel('Driver').locator('option', { hasText: /^example 0\.1\.0/ }).waitFor({ state: 'attached' });
    await create.getByLabel('Name').fill('dropped');
    await create.getByRole('radio', { name: 'From file…' }).check();
    await create.getByLabel('Template file (lima.yaml path)').fill(await writeTemplate(root, { cpus: 1, memory: '256MiB', disk: '1GiB' }));
    await create.getByLabel('Driver').selectOption('example');
    await create.getByRole('button', { name: 'Create' }).click();
    await create.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Start dropped' }).click();
    await shows(page.getByTestId('status-dropped'), 'Running');
    assert.deepEqual(pageErrors, []);
  });

  it('lists it on the Drivers page, refuses to remove it while its instance runs, then turns it off and on', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Drivers' }).click();
    const dialog = page.getByRole('table', { name: 'Installed drivers' });
    const row = dialog.locator('tr[data-driver="example"]');
    await shows(row, engine.bundles.sandbox.enforced ? 'sandboxed (bubblewrap' : 'UNSANDBOXED');
    await shows(dialog.locator('tr[data-driver="qemu"]'), 'built in');
    assert.deepEqual(await seriousViolations(page), []);
    await row.getByRole('button', { name: 'Remove example' }).click();
    await shows(page.getByRole('alert'), 'cannot remove driver example: instances dropped run on it; stop them first, or force it');
    await engine.stop('dropped', { force: true });
    await row.getByRole('button', { name: 'Disable example' }).click();
    await shows(row.locator('td').nth(2), /^no: disabled/);
    await row.getByRole('button', { name: 'Enable example' }).click();
    await shows(row.locator('td').nth(2), /^yes$/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Instances' }).click();
  });

  it('installs the libvirt bundle by drag and drop and boots the test guest on it to its console marker', { timeout: 240_000 }, async () => {
    const out = path.join(root, 'libvirt-bundle');
    // Built and packed as `npm run build:drivers` does it.
    await promisify(execFile)(process.execPath, [path.join(repoRoot, 'scripts/pack-driver.ts'), 'libvirt', '--out', out], { cwd: repoRoot });
    const [bundle] = (await fs.readdir(out)).filter((f) => f.endsWith('.corral-driver'));
    assert.ok(bundle, 'pack-driver wrote no bundle');
    await dropFile(page, path.join(out, bundle));
    const dialog = page.getByRole('dialog', { name: 'Install a driver?' });
    await shows(dialog, /libvirt \d+\.\d+\.\d+/);
    const permissions = dialog.getByRole('definition');
    assert.deepEqual(await permissions.allInnerTexts(), ['nothing', '/var/run/libvirt/libvirt-sock (besides its instance folders and cache)', 'virsh, ssh, script, /bin/sh, stty', 'yes',
      'log in to other hosts as you: your ~/.ssh read-only (keys, known_hosts, config) and your SSH agent']);
    await dialog.getByRole('button', { name: 'Install' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await shows(page.getByRole('status'), /Installed driver libvirt/);

    await page.getByRole('button', { name: 'New instance…' }).click();
    const create = page.getByRole('dialog', { name: 'New instance' });
    await create.getByLabel('Driver').locator('option', { hasText: /^libvirt / }).waitFor({ state: 'attached' });
    await create.getByLabel('Name').fill('on-libvirt');
    await create.getByRole('radio', { name: 'From file…' }).check();
    const guestDir = path.join(root, 'guest');
    await fs.mkdir(guestDir);
    await create.getByLabel('Template file (lima.yaml path)').fill(await writeGuestTemplate(guestDir));
    await create.getByLabel('Driver').selectOption('libvirt');
    await create.getByRole('button', { name: 'Create' }).click();
    await create.waitFor({ state: 'hidden', timeout: 60_000 }).catch(async (error: unknown) => {
      throw new Error(`the dialog stayed open showing: ${await create.innerText()}`, { cause: error });
    });
    await page.getByRole('button', { name: 'Start on-libvirt' }).click();
    await shows(page.getByTestId('status-on-libvirt'), 'Running', 120_000);
    await page.getByRole('link', { name: 'on-libvirt' }).click();
    await page.getByRole('tab', { name: 'Console' }).click();
    await shows(page.getByTestId('terminal'), readyMarker, 120_000);
    await page.getByRole('button', { name: '← All instances' }).click();
  });

  it('a cancelled dialog installs nothing', async () => {
    const other = await packExampleBundle(root, { version: '0.3.0' });
    await dropFile(page, other);
    const dialog = page.getByRole('dialog', { name: 'Install a driver?' });
    await shows(dialog, 'example 0.3.0 (replaces 0.1.0)');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.deepEqual((await engine.bundles.list()).filter((d) => d.name === 'example').map((d) => d.version), ['0.1.0']);
  });

  it('refuses a malicious bundle and a file that is no bundle, saying why, writing nothing', async () => {
    const evil = await craftBundle(path.join(root, 'evil.corral-driver'), { extra: [{ type: 'link', path: 'passwd', target: '/etc/passwd', hard: false }] });
    await dropFile(page, evil);
    await shows(page.getByRole('alert'), /driver bundle evil\.corral-driver refused: .*link/);
    assert.equal(await page.getByRole('dialog', { name: 'Install a driver?' }).isVisible(), false);
    const notes = path.join(root, 'notes.txt');
    await fs.writeFile(notes, 'just text');
    await dropFile(page, notes);
    await shows(page.getByRole('alert'), 'To install a driver, drop a .corral-driver file (got notes.txt).');
    assert.deepEqual((await engine.bundles.list()).map((d) => d.name), ['example', 'libvirt']);
    // Installed and refused uploads are gone at once; the cancelled one waits for the hourly sweep.
    assert.equal((await fs.readdir(path.join(home, 'tmp', 'uploads'))).length, 1);
  });
});
