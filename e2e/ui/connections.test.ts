// The Connections page and where connections show elsewhere, in Chromium against a real web
// shell: the libvirt driver (unsandboxed, real virsh and libvirtd) beside the scripted one.
// A bad URI is refused with the engine's one line; a good one is tested, added and listed; an
// instance made on it shows its connection in the list, which filters by it; the create dialog
// offers it beside the driver; removing it is refused while it is used, then works.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireLibvirt, removeDomainsUnder } from '../../src-drivers/libvirt/test-support/libvirt.ts';
import type { Virsh } from '../../src-drivers/libvirt/virsh.ts';
import { guestTemplate } from '../support/guest.ts';
import { repoRoot, writeTemplate } from '../support/temp.ts';
import { openScriptedShell, shows } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';
import { screens } from './screens.ts';

describe('connections in the app', () => {
  let shell: ScriptedShell;
  let virsh: Virsh;

  before(async () => {
    virsh = await requireLibvirt();
    shell = await openScriptedShell({ drivers: [{ name: 'libvirt', entry: path.join(repoRoot, 'src-drivers/libvirt/main.ts') }] });
    await shell.engine.create('here1', { template: await writeTemplate(shell.root, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' }) });
  });

  after(async () => {
    if (virsh && shell) await removeDomainsUnder(virsh, shell.root);
    await shell?.close();
  });

  it('lists where VMs run, refuses a bad URI in one line, and adds a good one after testing it', async () => {
    const { page } = shell;
    await page.goto(shell.server.url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
    await shows(page.locator('tr[data-connection="local"]'), 'this machine');
    await shows(page.locator('tr[data-connection="scripted"]'), 'here1'); // a driver's default connection

    await page.getByLabel('Name', { exact: true }).fill('lab');
    await page.getByLabel('libvirt URI').fill('qemu+ssh://host/system;reboot');
    await page.getByRole('button', { name: 'Test and add' }).click();
    await shows(page.getByRole('alert'), 'connection "lab": setting uri expected something like qemu+ssh://user@host/system');
    assert.equal(await page.locator('tr[data-connection="lab"]').count(), 0);

    await page.getByLabel('libvirt URI').fill('qemu:///system');
    await page.getByRole('button', { name: 'Test and add' }).click();
    await shows(page.getByRole('status'), /Added lab: .*QEMU [\d.]+/, 60_000);
    await shows(page.locator('tr[data-connection="lab"]'), 'uri qemu:///system');
    await page.getByRole('button', { name: 'Test lab' }).click();
    await shows(page.getByRole('status'), /lab works: .*libvirt [\d.]+/, 60_000);
    await screens(page, 'connections');
  });

  it('the create dialog offers the connection beside the driver', async () => {
    const { page } = shell;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Instances' }).click();
    await page.getByRole('button', { name: 'New instance…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Driver').selectOption('libvirt');
    const picker = dialog.getByLabel('Connection');
    await picker.waitFor();
    assert.deepEqual(await picker.locator('option').allTextContents(), ["The libvirt driver's default", 'lab (qemu:///system)']);
    await dialog.getByLabel('Driver').selectOption('scripted');
    assert.equal(await dialog.getByLabel('Connection').count(), 0, 'no picker for a driver without named connections');
    await page.keyboard.press('Escape');
  });

  it('an instance on it shows its connection in the list, which filters by it; remove waits until it is gone', async () => {
    const { page } = shell;
    await shell.engine.create('far1', { template: await guestTemplate(), connection: 'lab' });
    await page.reload();
    await shows(page.getByTestId('connection-far1'), 'on lab');
    assert.equal(await page.getByTestId('connection-here1').count(), 0, 'an instance on its driver\'s default connection needs no note');
    // A phone's width hides the driver column: the connection moves under the name.
    await page.setViewportSize({ width: 390, height: 844 });
    await shows(page.getByTestId('connection-far1-phone'), 'on lab');
    await page.getByTestId('connection-far1').waitFor({ state: 'hidden' });
    assert.equal(await page.getByTestId('connection-here1-phone').count(), 0);
    // The filters keep their whole words there: none is squeezed below the width its options need.
    const squeezed = await page.evaluate(`[...document.querySelectorAll('.list-toolbar select')].filter((select) => {
      const width = select.getBoundingClientRect().width;
      select.style.flex = 'none';
      const natural = select.getBoundingClientRect().width;
      select.style.flex = '';
      return width + 0.5 < natural;
    }).map((select) => select.id)`);
    assert.deepEqual(squeezed, [], 'filters cut off at 390 px');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('connection-far1-phone').waitFor({ state: 'hidden' });
    await page.getByLabel('Connection').selectOption('lab');
    await shows(page.getByRole('status'), 'Showing 1 of 2.');
    assert.equal(await page.locator('tr[data-instance]').count(), 1);
    await screens(page, 'connections-list', { sideways: true });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('button', { name: 'Remove lab' }).click();
    await shows(page.getByRole('alert'), 'connection "lab" is used by far1: delete that instance first');
    await shell.engine.delete('far1', { force: true });
    await page.getByRole('button', { name: 'Remove lab' }).click();
    await page.locator('tr[data-connection="lab"]').waitFor({ state: 'detached' });
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors.filter((e) => !/status of 4\d\d/.test(e)), []);
  });
});
