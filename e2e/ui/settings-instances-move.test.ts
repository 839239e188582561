// Settings' "Move…" for the instances folder, in Chromium through the web shell: a folder that
// is not empty is refused on the field with the dialog kept open; a new folder takes the
// stopped instance, the page shows where the folder now is, the list still shows the instance,
// and a later engine on the same home finds it in the new folder. (The refusal while an
// instance runs, and a guest booting after the move, are in e2e/instances-move.test.ts.)
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { Engine } from '../../src-main/core/engine.ts';
import { writeTemplate } from '../support/temp.ts';
import { screens } from './screens.ts';
import { openWebShell } from './web-shell-fixture.ts';
import type { WebShell } from './web-shell-fixture.ts';

describe('moving the instances folder from Settings', () => {
  let shell: WebShell;
  let root: string;
  let home: string;
  let engine: Engine;
  let server: WebShell['server'];
  let page: Page;

  before(async () => {
    shell = await openWebShell();
    ({ root, home, engine, server, page } = shell);
    await engine.create('keeper', { template: await writeTemplate(root) });
  });

  after(async () => {
    await shell?.close();
  });

  const dialog = () => page.getByRole('dialog', { name: 'Move the instances folder' });
  const setting = () => page.getByRole('region', { name: 'Instances folder' });

  it('refuses a folder that is not empty on the field, keeping the dialog and the instances', { timeout: 120_000 }, async () => {
    const full = path.join(root, 'full');
    await fs.mkdir(full);
    await fs.writeFile(path.join(full, 'notes.txt'), 'mine');
    await page.goto(`${server.url}#/settings`);
    await setting().getByText(path.join(home, 'instances'), { exact: true }).waitFor();
    await screens(page, 'settings-instances');
    await setting().getByRole('button', { name: 'Move…' }).click();
    await dialog().getByLabel('New folder').fill(full);
    await screens(page, 'settings-instances-move');
    await dialog().getByRole('button', { name: 'Move', exact: true }).click();
    await dialog().getByRole('alert').filter({ hasText: `${full} is not empty; choose an empty or new folder` }).waitFor();
    assert.equal(await dialog().getByLabel('New folder').inputValue(), full);
    assert.deepEqual(await fs.readdir(full), ['notes.txt']);
    assert.deepEqual((await engine.list()).map((i) => i.name), ['keeper']);
  });

  it('moves the stopped instance to a new folder; the page, the list and a later start use it', { timeout: 120_000 }, async () => {
    const target = path.join(root, 'elsewhere', 'corral-instances');
    await dialog().getByLabel('New folder').fill(target);
    await dialog().getByRole('button', { name: 'Move', exact: true }).click();
    const escaped = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await page.getByRole('status').filter({ hasText: new RegExp(`Moved the instances folder \\(.+\\) to ${escaped}\\.`) }).waitFor({ timeout: 60_000 });
    await dialog().waitFor({ state: 'hidden' });
    await setting().getByText(target, { exact: true }).waitFor();
    assert.match(await setting().innerText(), /Moved here; recorded in .*instances-location\.json/);
    await screens(page, 'settings-instances-moved');
    await page.goto(`${server.url}#/`);
    await page.getByTestId('status-keeper').filter({ hasText: 'Stopped' }).waitFor();
    const later = new Engine({ home, cache: path.join(root, 'cache') });
    try {
      assert.equal(later.paths.instances, target);
      assert.deepEqual((await later.list()).map((i) => [i.name, i.dir]), [['keeper', path.join(target, 'keeper')]]);
    } finally {
      await later.close();
    }
  });
});
