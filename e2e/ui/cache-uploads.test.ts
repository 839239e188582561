// The Cache view with a template uploaded in the web shell, in Chromium through `corral serve`'s
// server: the upload is listed as an uploaded template beside a downloaded image, the prune's
// confirmation names every file it will remove, and Remove takes both. An upload less than an
// hour old (a create dialog may still show its path) is listed as kept, is not offered for
// removal, and survives the prune.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { Engine } from '../../src-main/core/engine.ts';
import path from 'node:path';
import { saveUploadedTemplate, uploadedTemplatesDir } from '../../src-main/core/templates/uploaded.ts';
import { screens } from './screens.ts';
import { openWebShell } from './web-shell-fixture.ts';
import type { WebShell } from './web-shell-fixture.ts';

const templateText = 'images:\n  - location: https://example.org/my.img\n';
const freshText = 'images:\n  - location: https://example.org/fresh.img\n';
const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3600_000);

describe('template uploads in the Cache view', () => {
  let shell: WebShell;
  let home: string;
  let engine: Engine;
  let server: WebShell['server'];
  let page: Page;
  let fresh: string;

  before(async () => {
    shell = await openWebShell();
    ({ home, engine, server, page } = shell);
    const files = http.createServer((_req, res) => res.writeHead(200, { 'content-length': 4096 }).end(Buffer.alloc(4096, 1)));
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    await engine.downloads.fetch({ url: `http://127.0.0.1:${(files.address() as AddressInfo).port}/spare.img` });
    files.close();
    const old = await saveUploadedTemplate(home, 'my-vm.yaml', Buffer.from(templateText), { vmTypes: ['qemu'] });
    await fs.utimes(old, hoursAgo(2), hoursAgo(2)); // past the hour a new upload is kept for
    fresh = await saveUploadedTemplate(home, 'fresh-vm.yaml', Buffer.from(freshText), { vmTypes: ['qemu'] });
  });

  after(async () => {
    await shell?.close();
  });

  it('lists the upload, names it in the confirmation and removes it with the unused download', { timeout: 120_000 }, async () => {
    await page.goto(`${server.url}#/downloads`);
    const upload = page.getByTestId('cache-my-vm.yaml');
    await upload.waitFor();
    assert.match(await upload.innerText(), /Uploaded template, kept at .*uploads\/templates\/[0-9a-f]{32}\/my-vm\.yaml/);
    assert.match(await upload.innerText(), /Uploaded .* · used by no instance/);
    const kept = page.getByTestId('cache-fresh-vm.yaml');
    assert.match(await kept.innerText(), /used by no instance · kept until .+, as it was just uploaded/);
    assert.match(await page.getByTestId('cache-total').innerText(), /^3 files/);
    await screens(page, 'cache-uploads-kept');
    await page.getByRole('button', { name: 'Remove unused files' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove unused files?' });
    const listed = dialog.getByRole('list', { name: 'Files to remove' });
    await listed.waitFor();
    assert.deepEqual((await listed.getByRole('listitem').allInnerTexts()).sort(), [`my-vm.yaml (uploaded template), ${templateText.length} B`, 'spare.img, 4 KiB']);
    await screens(page, 'cache-prune-uploads');
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Removed 2 unused files' }).filter({ hasText: '1 uploaded in the last hour or open in a create dialog' }).waitFor();
    await upload.waitFor({ state: 'detached' });
    await kept.waitFor();
    assert.deepEqual((await engine.listCache()).map((entry) => entry.path), [fresh]);
    assert.deepEqual(await fs.readdir(uploadedTemplatesDir(home)), [path.basename(path.dirname(fresh))]);
  });
});
