// The Cache view with a template uploaded in the web shell, in Chromium through `corral serve`'s
// server: the upload is listed as an uploaded template beside a downloaded image, the prune's
// confirmation names every file it will remove, and Remove takes both, leaving nothing behind.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Engine } from '../../src-main/core/engine.ts';
import { startServer } from '../../src-main/server/server.ts';
import type { RunningServer } from '../../src-main/server/server.ts';
import { saveUploadedTemplate, uploadedTemplatesDir } from '../../src-main/core/templates/uploaded.ts';
import { tempDir } from '../support/temp.ts';
import { launchChromium } from './browser.ts';
import { ensureRendererBuilt } from './renderer-build.ts';
import { screens } from './screens.ts';

const templateText = 'images:\n  - location: https://example.org/my.img\n';

describe('template uploads in the Cache view', () => {
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
    const files = http.createServer((_req, res) => res.writeHead(200, { 'content-length': 4096 }).end(Buffer.alloc(4096, 1)));
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    await engine.downloads.fetch({ url: `http://127.0.0.1:${(files.address() as AddressInfo).port}/spare.img` });
    files.close();
    await saveUploadedTemplate(home, 'my-vm.yaml', Buffer.from(templateText), { vmTypes: ['qemu'] });
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

  it('lists the upload, names it in the confirmation and removes it with the unused download', { timeout: 120_000 }, async () => {
    await page.goto(`${server.url}#/downloads`);
    const upload = page.getByTestId('cache-my-vm.yaml');
    await upload.waitFor();
    assert.match(await upload.innerText(), /Uploaded template, kept at .*uploads\/templates\/[0-9a-f]{32}\/my-vm\.yaml/);
    assert.match(await upload.innerText(), /Uploaded .* · used by no instance/);
    assert.match(await page.getByTestId('cache-total').innerText(), /^2 files/);
    await page.getByRole('button', { name: 'Remove unused files' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove unused files?' });
    const listed = dialog.getByRole('list', { name: 'Files to remove' });
    await listed.waitFor();
    assert.deepEqual((await listed.getByRole('listitem').allInnerTexts()).sort(), [`my-vm.yaml (uploaded template), ${templateText.length} B`, 'spare.img, 4 KiB']);
    await screens(page, 'cache-prune-uploads');
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Removed 2 unused files' }).waitFor();
    await upload.waitFor({ state: 'detached' });
    assert.deepEqual(await engine.listCache(), []);
    assert.deepEqual(await fs.readdir(uploadedTemplatesDir(home)), []);
  });
});
