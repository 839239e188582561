// Settings' "Move…" for the instances folder, in Chromium through the web shell: a folder that
// is not empty is refused on the field with the dialog kept open; a new folder takes the
// stopped instance, the page shows where the folder now is, the list still shows the instance,
// and a later engine on the same home finds it in the new folder. (The refusal while an
// instance runs, and a guest booting after the move, are in e2e/instances-move.test.ts.)
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Engine } from '../../src-main/core/engine.ts';
import { startServer } from '../../src-main/server/server.ts';
import type { RunningServer } from '../../src-main/server/server.ts';
import { tempDir, writeTemplate } from '../support/temp.ts';
import { launchChromium } from './browser.ts';
import { ensureRendererBuilt } from './renderer-build.ts';
import { screens } from './screens.ts';

describe('moving the instances folder from Settings', () => {
  let root: string;
  let home: string;
  let engine: Engine;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const staticDir = await ensureRendererBuilt();
    root = await tempDir();
    home = path.join(root, 'home');
    engine = new Engine({ home, cache: path.join(root, 'cache') });
    await engine.create('keeper', { template: await writeTemplate(root) });
    server = await startServer({ engine, port: 0, staticDir });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    await fs.rm(root, { recursive: true, force: true, maxRetries: 3 });
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
