// Settings' "Move…" for the download cache, in Chromium through the web shell: a folder that
// is not empty is refused on the field with the dialog kept open and nothing moved; a new
// folder takes the files, the page shows where the cache now is, and a later engine on the
// same home finds the downloaded image there. A cache fixed by an option offers no Move.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { Engine } from '../../src-main/core/engine.ts';
import { startServer } from '../../src-main/server/server.ts';
import { ensureRendererBuilt } from './renderer-build.ts';
import { screens } from './screens.ts';
import { openWebShell } from './web-shell-fixture.ts';
import type { WebShell } from './web-shell-fixture.ts';

describe('moving the download cache from Settings', () => {
  let shell: WebShell;
  let root: string;
  let home: string;
  let engine: Engine;
  let server: WebShell['server'];
  let page: Page;
  let url: string;
  const image = Buffer.alloc(3 * 1024 * 1024, 5);

  before(async () => {
    delete process.env.CORRAL_CACHE; // the folder comes from the home, so it can move
    shell = await openWebShell({ engine: { cache: null } });
    ({ root, home, engine, server, page } = shell);
    const files = http.createServer((_req, res) => res.writeHead(200, { 'content-length': image.length }).end(image));
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(files.address() as AddressInfo).port}/disk.img`;
    await engine.downloads.fetch({ url });
    files.close(); // from here on, only the cache has the image
  });

  after(async () => {
    await shell?.close();
  });

  const dialog = () => page.getByRole('dialog', { name: 'Move the download cache' });
  const cacheSetting = () => page.getByRole('region', { name: 'Download cache' });

  it('refuses a folder that is not empty on the field, keeping the dialog and the cache', { timeout: 120_000 }, async () => {
    const full = path.join(root, 'full');
    await fs.mkdir(full);
    await fs.writeFile(path.join(full, 'notes.txt'), 'mine');
    await page.goto(`${server.url}#/settings`);
    await cacheSetting().getByText(path.join(home, 'cache'), { exact: true }).waitFor();
    await cacheSetting().getByRole('button', { name: 'Move…' }).click();
    await dialog().getByLabel('New folder').fill(full);
    await screens(page, 'settings-cache-move');
    await dialog().getByRole('button', { name: 'Move', exact: true }).click();
    await dialog().getByRole('alert').filter({ hasText: `${full} is not empty; choose an empty or new folder` }).waitFor();
    assert.equal(await dialog().getByLabel('New folder').inputValue(), full);
    await screens(page, 'settings-cache-move-refused');
    assert.deepEqual(await fs.readdir(full), ['notes.txt']);
    assert.equal((await engine.listCache()).length, 1);
  });

  it('moves the files to a new folder; the page and a later start use it', { timeout: 120_000 }, async () => {
    const target = path.join(root, 'elsewhere', 'corral-cache');
    await dialog().getByLabel('New folder').fill(target);
    await dialog().getByRole('button', { name: 'Move', exact: true }).click();
    const escaped = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await page.getByRole('status').filter({ hasText: new RegExp(`Moved the download cache \\(3\\.0 MiB\\) to ${escaped}\\.`) }).waitFor({ timeout: 60_000 });
    await dialog().waitFor({ state: 'hidden' });
    await cacheSetting().getByText(target, { exact: true }).waitFor();
    assert.match(await cacheSetting().innerText(), /Moved here; recorded in .*cache-location\.json/);
    await screens(page, 'settings-cache-moved');
    // This run still reaches it (through the old path's link); a later one uses the new folder.
    assert.equal((await engine.downloads.fetch({ url })).source, 'cache');
    const later = new Engine({ home });
    try {
      const found = await later.downloads.fetch({ url });
      assert.equal(found.source, 'cache');
      assert.ok(found.path.startsWith(target), found.path);
    } finally {
      await later.close();
    }
  });

  it('offers no Move when an option fixed the folder', { timeout: 60_000 }, async () => {
    const fixed = new Engine({ home: path.join(root, 'home2'), cache: path.join(root, 'fixed-cache') });
    const other = await startServer({ engine: fixed, port: 0, staticDir: await ensureRendererBuilt() });
    try {
      await page.goto(`${other.url}#/settings`);
      await cacheSetting().getByText('Set by the cache option given at start, so Move… cannot change it.', { exact: false }).waitFor();
      assert.equal(await cacheSetting().getByRole('button', { name: 'Move…' }).isDisabled(), true);
      await assert.rejects(fixed.moveCache(path.join(root, 'x')), /the cache folder is set by the cache option given at start/);
    } finally {
      await other.close();
      await fixed.close();
    }
  });
});
