// Shared folders on the instance page with real QEMU tiny guests: the Overview lists each host
// folder, where the guest sees it, read-only or writable, and over 9p or virtiofs, or says none
// are shared, and why when Lima's default folders could not be; the Snapshots form of a running VM with virtiofs folders says its memory cannot be
// saved (the driver refuses it) instead of promising memory and disk.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { writeGuestTemplate } from '../support/guest.ts';
import { seriousViolations } from './browser.ts';
import { openQemuShell, screenshots } from './qemu-shell.ts';
import type { QemuShell } from './qemu-shell.ts';
import { shows } from './scripted-shell.ts';

const slow = 120_000;

describe('shared folders: listed on the Overview, and the snapshot form knows virtiofs (QEMU)', () => {
  let shell: QemuShell;
  let page: Page;
  let readOnly: string;
  let writable: string;

  /** A template of the tiny guest with these template fields, in a folder of its own. */
  async function template(name: string, fields: Record<string, unknown>): Promise<string> {
    const dir = path.join(shell.root, `template-${name}`);
    await fs.mkdir(dir, { recursive: true });
    return writeGuestTemplate(dir, fields);
  }

  before(async () => {
    shell = await openQemuShell();
    page = shell.page;
    readOnly = path.join(shell.root, 'shared', 'read-only');
    writable = path.join(shell.root, 'shared', 'writable');
    await fs.mkdir(readOnly, { recursive: true });
    await fs.mkdir(writable, { recursive: true });
    const mounts = [{ location: readOnly, mountPoint: '/mnt/ro' }, { location: writable, mountPoint: '/mnt/rw', writable: true }];
    await shell.engine.create('shares9p', { template: await template('9p', { mountType: '9p', mounts }) });
    await shell.engine.create('sharesnone', { template: await template('none', { mounts: [] }) });
    // Lima's default folders, for a guest that mounts neither kind QEMU serves: skipped, not warned of.
    const ruledOut = await shell.engine.create('sharesruledout', { template: await template('ruled-out', { mountTypesUnsupported: ['9p', 'virtiofs'] }) });
    assert.deepEqual(ruledOut.warnings.filter((w) => /mount|shared/i.test(w.message)), [], 'the user asked for no folders: nothing to warn of');
    await shell.engine.create('sharesvfs', { template: await template('vfs', { mountType: 'virtiofs', mounts }) });
  });

  after(async () => {
    await shell?.close();
  });

  it('lists each shared folder: host path → guest path, read-only or writable, the type', async () => {
    await page.goto(`${shell.server.url}#/instances/shares9p`);
    const section = page.getByRole('region', { name: 'Shared folders' });
    const rows = section.getByTestId('shared-folders').getByRole('listitem');
    await shows(rows.nth(1), 'writable, 9p');
    assert.deepEqual(await rows.allInnerTexts(), [
      `${readOnly} → /mnt/ro read-only, 9p`,
      `${writable} → /mnt/rw writable, 9p`,
    ]);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshots(page, 'shared-folders');
  });

  it('says so when nothing is shared', async () => {
    await page.goto(`${shell.server.url}#/instances/sharesnone`);
    await shows(page.getByRole('region', { name: 'Shared folders' }), /^Shared folders\s*No folders are shared with the guest\.$/);
    await page.goto(`${shell.server.url}#/instances/sharesruledout`);
    await shows(page.getByRole('region', { name: 'Shared folders' }), 'No folders are shared with the guest: its template says the guest cannot mount 9p or virtiofs (mountTypesUnsupported), and the qemu driver offers no other kind here.');
  });

  it('on a running or paused VM with virtiofs folders, the snapshot form says only its stopped disk can be saved', { timeout: slow }, async () => {
    await shell.engine.start('sharesvfs');
    await page.goto(`${shell.server.url}#/instances/sharesvfs/snapshots`);
    const form = page.getByRole('region', { name: 'Snapshots' });
    const diskOnly = 'QEMU cannot save the memory of a VM with virtiofs folders: stop sharesvfs to snapshot its disk.';
    await shows(form, diskOnly, slow);
    assert.equal((await form.innerText()).includes('Saves memory and disk'), false);
    await screenshots(page, 'shared-folders-virtiofs-snapshots');
    // Paused, the form says the same and calls the VM nothing: the badge names its state.
    await shell.engine.pause('sharesvfs');
    await page.getByTestId('status-sharesvfs').and(page.locator('[data-state="Paused"]')).waitFor();
    await shows(form, diskOnly, slow);
    assert.equal((await form.innerText()).includes('Running'), false, 'a paused VM is not called running');
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });
});
