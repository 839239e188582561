// Cancel stops one download, not all of an instance's: a start fetches an image and a kernel
// from a slow HTTP server on 127.0.0.1 at once; the kernel's own Cancel ends the kernel alone,
// the image runs on to the cache, and the start then fails with the cancellation (no half
// file kept as an entry). Held mid-file, a line says it is stalled instead of a stale rate and
// time left, and shows every byte the server sent before it stopped. An id that names no running download is refused in one line.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { Engine } from '../../src-main/core/engine.ts';
import { formatBytes } from '../../src-renderer/ui/format.ts';
import { testGuest } from '../support/guest.ts';
import { screens } from './screens.ts';
import { openWebShell } from './web-shell-fixture.ts';
import type { WebShell } from './web-shell-fixture.ts';

describe('cancelling one download', () => {
  let shell: WebShell;
  let engine: Engine;
  let server: WebShell['server'];
  let files: http.Server;
  let page: Page;
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => { release = resolve; });
  const served: string[] = [];

  before(async () => {
    shell = await openWebShell({ engine: { downloader: { idleTimeoutMs: 300_000 } } });
    ({ engine, server, page } = shell);
    const root = shell.root;
    const guest = await testGuest();
    // Each file stops at half until released: both downloads are seen running at once.
    files = http.createServer((req, res) => {
      const name = path.basename(req.url ?? '');
      served.push(name);
      if (!['disk.raw', 'vmlinuz'].includes(name)) return void res.writeHead(404).end();
      void fs.readFile(path.join(guest, name)).then((data) => {
        res.writeHead(200, { 'content-length': data.length });
        const half = Math.floor(data.length / 2);
        res.write(data.subarray(0, half));
        void held.then(() => res.end(data.subarray(half)));
      });
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    const template = path.join(root, 'guest.yaml');
    await fs.writeFile(template, [
      'vmType: qemu', 'cpus: 1', 'memory: 256MiB', 'disk: 1GiB', 'images:',
      `  - location: ${base}/disk.raw`,
      '    kernel:', `      location: ${base}/vmlinuz`, '      cmdline: console=ttyS0 quiet',
      '    initrd:', `      location: ${path.join(guest, 'initrd.img')}`,
      'containerd: {system: false, user: false}', 'video: {display: none}', '',
    ].join('\n'));
    await engine.create('two-files', { template });
  });

  after(async () => {
    release();
    await shell?.close();
    files?.closeAllConnections();
    files?.close();
  });

  const line = (artifact: string) => page.getByTestId(`download-two-files-${artifact}`);
  const running = (artifact: string) => page.waitForFunction((id: string) => {
    type Doc = { querySelector(selector: string): { value: number } | null };
    return ((globalThis as unknown as { document: Doc }).document.querySelector(`[data-testid="${id}"][data-phase="download"] progress`)?.value ?? 0) > 0;
  }, `download-two-files-${artifact}`, { timeout: 60_000 });

  it('gives each running download its own Cancel', { timeout: 180_000 }, async () => {
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Start two-files' }).click();
    await running('image');
    await running('kernel');
    await line('image').getByRole('button', { name: 'Cancel disk.raw for two-files' }).waitFor();
    await line('kernel').getByRole('button', { name: 'Cancel vmlinuz for two-files' }).waitFor();
    await page.goto(`${new URL(server.url).origin}/#/downloads`);
    await running('kernel');
    // The server holds both at half: once no byte comes, a line says so, with no stale rate or time left.
    await line('image').locator('.download-phase').filter({ hasText: 'Stalled' }).waitFor({ timeout: 30_000 });
    const detail = await line('image').locator('.download-detail').innerText();
    assert.match(detail, /waiting for data/);
    const size = (await fs.stat(path.join(await testGuest(), 'disk.raw'))).size;
    assert.ok(detail.startsWith(`${formatBytes(Math.floor(size / 2))} of ${formatBytes(size)} ·`), `the stalled line shows what the server sent: ${detail}`);
    assert.doesNotMatch(detail, /\/s|s left/, 'no rate or time left while stalled');
    await screens(page, 'downloads-two-running');
  });

  it('cancels the kernel alone; the image runs on to the cache and the start fails saying so', { timeout: 180_000 }, async () => {
    await line('kernel').getByRole('button', { name: 'Cancel vmlinuz for two-files' }).click();
    await line('kernel').and(page.locator('[data-phase="cancelled"]')).waitFor({ timeout: 30_000 });
    // The image is still downloading, held at half by the server: the cancel did not reach it.
    assert.equal(await line('image').getAttribute('data-phase'), 'download');
    release();
    await line('image').and(page.locator('[data-phase="done"]')).waitFor({ timeout: 60_000 });
    await page.goto(`${new URL(server.url).origin}/#/`);
    await page.getByTestId('status-two-files').filter({ hasText: 'Stopped' }).waitFor({ timeout: 60_000 });
    // The image is a cache entry; the cancelled kernel is not (a partial is no entry).
    const cached = (await engine.listCache()).map((e) => path.basename(e.url));
    assert.deepEqual(cached, ['disk.raw']);
  });

  it('refuses an id that names no running download, in one line', async () => {
    assert.throws(() => engine.cancelDownload('two-files/kernel'), /^DriverError: no download "two-files\/kernel" is running \(it has ended/);
    const response = await fetch(new URL('/api/cancelDownload', server.url), {
      method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: 5 }),
    });
    const answer = (await response.json()) as { ok: boolean; error?: { code: string; message: string } };
    assert.equal(answer.ok, false);
    assert.equal(answer.error?.code, 'INVALID_CONFIG');
  });
});
