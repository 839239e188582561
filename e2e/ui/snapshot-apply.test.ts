// Snapshots on the instance page with a real QEMU tiny guest: a snapshot taken while running
// holds memory (its size says so), applying it says it did; once the VM is stopped, its Apply is
// off with the reason, before any question is asked; a snapshot of the stopped disk reads
// "disk only" (not "0 B") and applies, saying so.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { seriousViolations } from './browser.ts';
import { openQemuShell, screenshots } from './qemu-shell.ts';
import type { QemuShell } from './qemu-shell.ts';
import { shows } from './scripted-shell.ts';

const slow = 120_000; // savevm and loadvm copy the guest's RAM under TCG

describe('snapshots: apply where it can work, refuse before asking where it cannot (QEMU)', () => {
  let shell: QemuShell;
  let page: Page;
  let section: Locator;

  before(async () => {
    shell = await openQemuShell();
    page = shell.page;
    await shell.engine.create('snap1', { template: shell.template });
    await shell.engine.start('snap1');
  });

  after(async () => {
    await shell?.close();
  });

  it('takes a snapshot of the running VM: its size is the memory it saved', { timeout: slow }, async () => {
    await page.goto(`${shell.server.url}#/instances/snap1/snapshots`);
    section = page.getByRole('region', { name: 'Snapshots' });
    await section.getByLabel('Snapshot tag').fill('live1');
    await section.getByRole('button', { name: 'Take snapshot' }).click();
    await shows(section.getByTestId('snapshot-status'), 'Took snapshot “live1”.', slow);
    const row = section.locator('tr[data-snapshot="live1"]');
    await shows(row, 'taken running');
    await shows(row, /\d+(\.\d)? MiB memory/);
  });

  it('applies it while running, after asking, and says it did', { timeout: slow }, async () => {
    await section.getByRole('button', { name: 'Apply snapshot live1' }).click();
    const confirm = page.getByRole('dialog', { name: 'Apply snapshot live1?' });
    await confirm.getByRole('button', { name: 'Apply' }).click();
    await shows(section.getByTestId('snapshot-status'), 'Applied snapshot “live1”: snap1 is back where it was when it was taken.', slow);
  });

  it('once stopped, turns Apply of the running snapshot off with the reason, asking nothing', { timeout: slow }, async () => {
    await shell.engine.stop('snap1', { force: true });
    await shows(page.getByTestId('status-snap1'), 'Stopped');
    const row = section.locator('tr[data-snapshot="live1"]');
    await shows(row, 'Taken while running: start snap1 to apply it.');
    const apply = row.getByRole('button', { name: 'Apply snapshot live1' });
    assert.equal(await apply.isDisabled(), true);
    await apply.click({ force: true }); // what a determined click does: nothing
    assert.equal(await page.locator('dialog[open]').count(), 0, 'no question asked');
  });

  it('takes a snapshot of the stopped disk: "disk only", not "0 B"; it applies and says so', { timeout: slow }, async () => {
    await section.getByLabel('Snapshot tag').fill('disk1');
    await section.getByRole('button', { name: 'Take snapshot' }).click();
    const row = section.locator('tr[data-snapshot="disk1"]');
    await shows(row, 'taken stopped', slow);
    await shows(row, 'disk only');
    assert.equal((await section.innerText()).includes('0 B'), false, 'no "0 B" anywhere');
    await row.getByRole('button', { name: 'Apply snapshot disk1' }).click();
    await page.getByRole('dialog', { name: 'Apply snapshot disk1?' }).getByRole('button', { name: 'Apply' }).click();
    await shows(section.getByTestId('snapshot-status'), 'Applied snapshot “disk1”', slow);
    assert.deepEqual(await seriousViolations(page), []);
    await section.scrollIntoViewIfNeeded();
    await screenshots(page, 'snapshots-stopped');
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });
});
