// Actions follow the driver's capabilities, not only the status: on a driver that cannot
// pause, a running instance's Pause (in its menu) is off and says why; on one that can, it works.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeTemplate } from '../support/temp.ts';
import { noPauseDriver, openScriptedShell, shows } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

describe('actions by driver capability', () => {
  let shell: ScriptedShell;

  before(async () => {
    shell = await openScriptedShell({ drivers: [noPauseDriver] });
    const template = await writeTemplate(shell.root, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await shell.engine.create('steady1', { template, driver: 'steady' });
    await shell.engine.create('pausable1', { template });
    await shell.engine.start('steady1');
    await shell.engine.start('pausable1');
  });

  after(async () => {
    await shell?.close();
  });

  it('turns Pause off with the reason where the driver cannot pause, and keeps it for a driver that can', async () => {
    const { page } = shell;
    await page.goto(shell.server.url);
    await shows(page.getByTestId('status-steady1'), 'Running');
    await page.getByRole('button', { name: 'More actions for steady1' }).click();
    const pause = page.getByRole('menu', { name: 'More actions for steady1' }).getByRole('menuitem', { name: 'Pause' });
    // The drivers query answers after the list: wait for the reason rather than a state.
    await shows(pause, 'the steady driver cannot pause');
    assert.equal(await pause.getAttribute('aria-disabled'), 'true');
    await page.keyboard.press('Escape');
    assert.equal(await page.getByRole('button', { name: 'Stop steady1', exact: true }).isEnabled(), true, 'the rest follow the status');

    await page.getByRole('button', { name: 'More actions for pausable1' }).click();
    const pausable = page.getByRole('menu', { name: 'More actions for pausable1' }).getByRole('menuitem', { name: 'Pause' });
    assert.equal(await pausable.getAttribute('aria-disabled'), 'false');
    await pausable.click();
    await shows(page.getByTestId('status-pausable1'), 'Paused');
  });

  it('says the same on the instance page, where a Pause that could run would be a button', async () => {
    const { page } = shell;
    await page.getByRole('link', { name: 'steady1' }).click();
    await page.getByRole('heading', { name: 'steady1' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Pause steady1' }).count(), 0, 'no Pause button');
    await page.getByRole('button', { name: 'More actions for steady1' }).click();
    const pause = page.getByRole('menu', { name: 'More actions for steady1' }).getByRole('menuitem', { name: 'Pause' });
    await shows(pause, 'the steady driver cannot pause');
    assert.equal(await pause.getAttribute('aria-disabled'), 'true');
    await page.keyboard.press('Escape');
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });
});
