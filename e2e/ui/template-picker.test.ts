// The create dialog's template picker: a template from the engine's catalog (assets/templates)
// picked in the dialog makes the instance, with that template's CPUs and memory. Its images
// are remote, so create fetches nothing (they come at first start, which this does not do).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { effectiveConfig } from '../../src-main/core/instances/effective.ts';
import { loadTemplate } from '../../src-main/core/templates/load.ts';
import { formatBytes } from '../../src-renderer/ui/format.ts';
import { openScriptedShell, shows } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

describe('template picker', () => {
  let shell: ScriptedShell;

  before(async () => {
    shell = await openScriptedShell();
  });

  after(async () => {
    await shell?.close();
  });

  it('creates an instance from a catalog template with its CPUs and memory', { timeout: 60_000 }, async () => {
    const { page, engine } = shell;
    const catalog = await engine.listTemplates();
    const picked = catalog.find((t) => t.name === 'debian') ?? catalog[0];
    assert.ok(picked, 'the catalog has templates');
    const expected = effectiveConfig((await loadTemplate(picked.name, { vmTypes: engine.drivers.names() })).config);

    await page.goto(shell.server.url);
    await page.getByRole('button', { name: 'New instance…' }).click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    const templateSelect = dialog.getByLabel('Template', { exact: true });
    await shows(templateSelect, picked.description); // the catalog has answered
    await templateSelect.selectOption(picked.name);
    await dialog.getByLabel('Name').fill('from-catalog');
    const driverSelect = dialog.getByLabel('Driver');
    await shows(driverSelect, 'scripted');
    await driverSelect.selectOption('scripted'); // no hypervisor needed to create
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 }).catch(async (error: unknown) => {
      throw new Error(`the dialog stayed open showing: ${await dialog.innerText()}`, { cause: error });
    });

    const row = page.locator('tr[data-instance="from-catalog"]');
    await shows(row.getByTestId('status-from-catalog'), 'Stopped');
    const cells = await row.locator('td').allInnerTexts();
    // Status, driver, CPUs, memory, disk, actions.
    assert.equal(cells[1], 'scripted');
    assert.equal(cells[2], String(expected.cpus));
    assert.equal(cells[3], formatBytes(expected.memoryBytes));
    assert.equal((await engine.inspect('from-catalog')).cpus, expected.cpus, 'the engine agrees');
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });
});
