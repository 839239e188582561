// lima.yaml edited by hand while its page is open, as Lima users do in their editor: the page
// shows the saved figures without a reload, whether the editor writes in place or renames a
// temp file over the old one; a save that does not load shows the instance Broken with why,
// and the fixed file brings it back. A running VM keeps what it started with (as in Lima): the
// page says the file's figures apply at the next start, and the list shows what it runs with and
// sorts by it. Scripted driver: no VM is needed to edit a config.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeTemplate } from '../support/temp.ts';
import { screens } from './screens.ts';
import { openScriptedShell, shows } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

describe('lima.yaml edited by hand', () => {
  let shell: ScriptedShell;
  let file: string;
  let template: string;

  before(async () => {
    shell = await openScriptedShell();
    template = await writeTemplate(shell.root, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await shell.engine.create('handy', { template });
    file = path.join(shell.engine.store.dir('handy'), 'lima.yaml');
  });

  after(async () => {
    await shell?.close();
  });

  const withCpus = async (cpus: string) => (await fs.readFile(file, 'utf8')).replace(/^cpus: .*$/m, `cpus: ${cpus}`);

  it('shows each save on the open page without a reload, Broken while the file does not load', async () => {
    const { page } = shell;
    await page.goto(shell.server.url);
    await page.getByRole('link', { name: 'handy', exact: true }).click();
    const facts = page.locator('.instance-page .facts');
    await shows(facts, '1 CPU');
    await page.evaluate('window.sameDocument = true'); // gone if the page reloaded

    const temp = path.join(path.dirname(file), '.lima.yaml.swp'); // a temp file renamed over it, as vim and VS Code save
    await fs.writeFile(temp, await withCpus('2'));
    await fs.rename(temp, file);
    await shows(facts, '2 CPUs');

    await fs.writeFile(file, await withCpus('[2')); // in place, half typed
    await shows(page.getByTestId('broken-reason'), /Corral cannot use this instance: .*lima\.yaml/);
    await page.locator('[data-testid="status-handy"][data-state="Broken"]').waitFor();

    await fs.writeFile(file, await withCpus('3'));
    await shows(facts, '3 CPUs');
    await page.getByTestId('broken-reason').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate('window.sameDocument'), true, 'no reload');

    await page.getByRole('button', { name: '← All instances' }).click();
    const row = page.locator('tr[data-instance="handy"]');
    assert.equal(await row.getByRole('cell', { name: '3', exact: true }).count(), 1, 'the list shows the saved CPUs');
  });

  it('says a running VM keeps the CPUs, memory and disk it started with until its next start', async () => {
    const { page, engine } = shell;
    await engine.start('handy');
    await page.getByRole('link', { name: 'handy', exact: true }).click();
    await page.locator('[data-testid="status-handy"][data-state="Running"]').waitFor();
    await fs.writeFile(file, (await withCpus('4')).replace(/^disk: .*$/m, 'disk: 2GiB'));
    await shows(page.locator('.instance-page .facts').first(), /4 CPUs · 256 MiB memory · 2 GiB disk/);
    await shows(page.getByTestId('next-start'), /apply at the next start\. Until then it has 3 CPUs, 256 MiB memory and a 1 GiB disk\./);
    await screens(page, 'next-start-note');

    // The list shows what the VM runs with, and the file's figure for its next start, apart.
    await page.getByRole('button', { name: '← All instances' }).click();
    const row = page.locator('tr[data-instance="handy"]');
    const cpus = row.getByRole('cell', { name: 'Runs with 3 CPUs; lima.yaml gives it 4 CPUs from its next start.', exact: true });
    await shows(cpus, /^3\s*→ 4$/);
    assert.equal(await cpus.getAttribute('title'), 'Runs with 3 CPUs; lima.yaml gives it 4 CPUs from its next start.', 'the sentence shows on hover too');
    assert.equal(await row.getByRole('cell', { name: '256 MiB', exact: true }).count(), 1, 'memory, unchanged, reads plainly');
    await shows(row.getByRole('cell', { name: 'Runs with a 1 GiB disk; lima.yaml gives it a 2 GiB disk from its next start.', exact: true }), /^1 GiB\s*→ 2 GiB$/);
    // A phone's row has no room for those columns: a quiet line under the name says the next start changes it.
    const hint = row.getByTestId('next-start-hint-handy');
    assert.equal(await hint.isVisible(), false, 'the columns say it at 1280 px');
    await page.setViewportSize({ width: 390, height: 844 });
    await shows(hint, 'changes at next start');
    assert.equal(await hint.isVisible(), true, 'at 390 px, where the columns are hidden');
    await screens(page, 'next-start-list');
    // Sorted by CPUs it goes by the 3 it runs with, which its cell shows first, not by its file's 4:
    // before a stopped instance with 4 (which, tied at 4, its name would put first).
    await engine.create('able', { template, cpus: 4 });
    await page.locator('tr[data-instance="able"]').waitFor();
    const cpusHeader = page.getByRole('columnheader', { name: 'CPUs' });
    await cpusHeader.getByRole('button').click();
    assert.equal(await cpusHeader.getAttribute('aria-sort'), 'ascending');
    const rowNames = await page.locator('tbody tr[data-instance]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-instance')));
    assert.deepEqual(rowNames, ['handy', 'able'], 'by the CPUs it runs with');
    await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').click();
    await engine.delete('able');
    // The scripted driver cannot resize disks (the engine's test covers what a start then says): the disk goes back first.
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace(/^disk: .*$/m, 'disk: 1GiB'));
    await shows(row.getByRole('cell', { name: '1 GiB', exact: true }), '1 GiB');
    await page.getByRole('link', { name: 'handy', exact: true }).click();
    await engine.stop('handy');
    await engine.start('handy');
    await page.getByTestId('next-start').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: '← All instances' }).click();
    assert.equal(await page.locator('tr[data-instance="handy"]').getByRole('cell', { name: '4', exact: true }).count(), 1, 'a new start runs with the file\'s CPUs, said plainly');
    assert.equal(await page.getByTestId('next-start-hint-handy').count(), 0, 'nor does its row hint at a change on a phone');
    await engine.stop('handy');
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });
});
