// Downloads in the page, with real parts: the engine behind the web shell, Chromium, QEMU and
// HTTP servers on 127.0.0.1. An instance whose image comes from a closed port fails to start
// with the reason in plain words, said once, on a line that names the file and the instance,
// with Retry and no Cancel; once a server listens there, Retry fetches it (the local kernel
// and initrd are never listed), the finished line clears itself, and desktop notifications
// (permission granted in the context) tell of the failure and the finish. The Cache view
// lists the file with its size and user and prunes an unused one. Then the guest boots, its
// QEMU is killed, and "stopped unexpectedly" is notified; a stop the user asks for is not.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page, WebSocket as PageSocket } from 'playwright-core';
import type { Engine } from '../../src-main/core/engine.ts';
import { testGuest } from '../support/guest.ts';
import { screens } from './screens.ts';
import { recordNotifications, shownNotifications, waitForNotification } from './notifications.ts';
import { openWebShell } from './web-shell-fixture.ts';
import type { WebShell } from './web-shell-fixture.ts';

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('downloads in the web shell', () => {
  let shell: WebShell;
  let guest: string;
  let engine: Engine;
  let server: WebShell['server'];
  let files: http.Server | undefined;
  let port: number;
  let page: Page;
  const frames: string[] = [];
  let releaseImage: () => void = () => undefined;
  const imageHeld = new Promise<void>((resolve) => { releaseImage = resolve; });
  const frameWaiters = new Set<{ matches: (frame: string) => boolean; resolve: () => void }>();
  /** Resolves once the page receives an event frame that `matches` accepts (from now on). */
  const frameArrives = (matches: (frame: string) => boolean) => new Promise<void>((resolve) => frameWaiters.add({ matches, resolve }));

  const shown = async (): Promise<string[]> => (await shownNotifications(page)).map((n) => n.title);
  const waitShown = (title: string) => waitForNotification(page, { title });

  before(async () => {
    // Short retry delays: the closed port fails after the usual attempts, in well under a second.
    // A long idle timeout: the transfer held at half must outlast the screenshots and axe runs.
    shell = await openWebShell({ engine: { downloader: { retryDelayMs: 20, maxRetryDelayMs: 100, idleTimeoutMs: 300_000 } } });
    ({ engine, server, page } = shell);
    const root = shell.root;
    guest = await testGuest();
    port = await freePort(); // closed until the test opens it
    const base = `http://127.0.0.1:${port}`;
    const kernelDigest = `sha256:${createHash('sha256').update(await fs.readFile(path.join(guest, 'vmlinuz'))).digest('hex')}`;
    // The image comes over HTTP; the kernel (with a digest, so it is verified) and initrd are local files.
    const template = path.join(root, 'guest.yaml');
    await fs.writeFile(template, [
      'vmType: qemu', 'cpus: 1', 'memory: 256MiB', 'disk: 1GiB', 'images:',
      `  - location: ${base}/disk.raw`,
      '    kernel:', `      location: ${path.join(guest, 'vmlinuz')}`, `      digest: ${kernelDigest}`, '      cmdline: console=ttyS0 quiet',
      '    initrd:', `      location: ${path.join(guest, 'initrd.img')}`,
      'containerd: {system: false, user: false}', 'video: {display: none}', '',
    ].join('\n'));
    await engine.create('fetching', { template });
    await page.context().grantPermissions(['notifications'], { origin: new URL(server.url).origin });
    await page.context().addInitScript(recordNotifications);
    page.on('websocket', (socket: PageSocket) => socket.on('framereceived', ({ payload }) => {
      const frame = String(payload);
      frames.push(frame);
      for (const waiter of frameWaiters) if (waiter.matches(frame)) { frameWaiters.delete(waiter); waiter.resolve(); }
    }));
  });

  after(async () => {
    releaseImage();
    await shell?.close();
    files?.close();
  });

  it('says a download from a closed port failed, in plain words, once, with Retry and no Cancel', { timeout: 120_000 }, async () => {
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Start fetching' }).click();
    const line = page.getByTestId('download-fetching-image');
    await line.and(page.locator('[data-phase="failed"]')).waitFor({ timeout: 60_000 });
    const text = await line.innerText();
    assert.match(text, /disk\.raw/);
    assert.match(text, /for fetching/);
    assert.match(text, new RegExp(`Connection refused: nothing at 127\\.0\\.0\\.1:${port} accepts downloads`));
    assert.doesNotMatch(text, /ECONNREFUSED|attempts|field "/);
    // Once: not again in the notice bar or the row's error line (the notice only names it).
    assert.equal(await page.getByText('Connection refused', { exact: false }).count(), 1);
    assert.equal(await line.getByRole('button', { name: /Cancel/ }).count(), 0);
    await line.getByRole('button', { name: 'Retry disk.raw for fetching' }).waitFor();
    // The start ended: not a stuck "Starting" beside the failure.
    await page.getByTestId('status-fetching').filter({ hasText: 'Stopped' }).waitFor();
    await waitShown('Downloading disk.raw for fetching failed');
    // The start's own error (the engine's raw message) is not shown beside it: the notice only names the failure.
    assert.match(await page.getByRole('alert').first().innerText(), /^Downloading disk\.raw for fetching failed\s*×?$/);
    assert.equal(await page.getByTestId('error-fetching').count(), 0);
    // At 390 px the failed line's card in the row leaves the name whole ("fetching", not "fetchin" / "g").
    await page.setViewportSize({ width: 390, height: 844 });
    const nameLines = await page.getByRole('link', { name: 'fetching', exact: true }).evaluate((link) => link.getClientRects().length);
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.equal(nameLines, 1, 'the instance name is on one line at 390 px');
    await screens(page, 'downloads-failed-list', { sideways: true });
    await page.goto(`${new URL(server.url).origin}/#/downloads`);
    await page.getByTestId('download-fetching-image').and(page.locator('[data-phase="failed"]')).waitFor();
    await screens(page, 'downloads-failed-page');
  });

  it('retries once a server listens there; local files are never listed; the finished line clears itself', { timeout: 120_000 }, async () => {
    files = http.createServer((req, res) => {
      const name = path.basename(req.url ?? '');
      if (!['disk.raw', 'unused.img'].includes(name)) return void res.writeHead(404).end();
      void fs.readFile(path.join(guest, name === 'unused.img' ? 'initrd.img' : name)).then((data) => {
        res.writeHead(200, { 'content-length': data.length });
        if (name !== 'disk.raw') return void res.end(data);
        // The image stops at half until the running line has been seen and photographed.
        const half = Math.floor(data.length / 2);
        res.write(data.subarray(0, half));
        void imageHeld.then(() => res.end(data.subarray(half)));
      });
    });
    await new Promise<void>((resolve) => files?.listen(port, '127.0.0.1', resolve));
    const line = page.getByTestId('download-fetching-image');
    // The engine reports the local kernel (verified) and initrd too, marked local, after the image.
    const initrdChecked = frameArrives((f) => f.includes('"local":true') && f.includes('"artifact":"initrd"') && f.includes('"phase":"done"'));
    await line.getByRole('button', { name: 'Retry disk.raw for fetching' }).click();
    const bar = page.getByRole('progressbar', { name: 'disk.raw for fetching: downloading' });
    await page.waitForFunction(() => {
      type Doc = { querySelector(selector: string): { value: number } | null };
      return ((globalThis as unknown as { document: Doc }).document.querySelector('[data-phase="download"] progress')?.value ?? 0) > 0;
    }, undefined, { timeout: 60_000 });
    const midway = Number(await bar.getAttribute('value'));
    assert.ok(midway > 0 && midway <= 50, `the bar shows a part (${midway} %)`);
    assert.match(await line.innerText(), /Downloading/);
    assert.equal(await page.getByRole('alert').filter({ hasText: 'Downloading disk.raw for fetching failed' }).count(), 0, 'the retry answered the failure notice');
    await line.getByRole('button', { name: 'Cancel disk.raw for fetching' }).waitFor();
    await screens(page, 'downloads-running');
    releaseImage();
    await line.and(page.locator('[data-phase="done"]')).waitFor({ timeout: 60_000 });
    await initrdChecked;
    assert.ok(frames.some((f) => f.includes('"local":true') && f.includes('"artifact":"kernel"') && f.includes('"phase":"verify"')), 'the engine verified the local kernel');
    // The page lists neither.
    assert.equal(await page.getByTestId('download-fetching-kernel').count(), 0);
    assert.equal(await page.getByTestId('download-fetching-initrd').count(), 0);
    await waitShown('Downloads for fetching finished');
    await line.waitFor({ state: 'detached', timeout: 15_000 });
  });

  it('lists the cache with sizes and users, and prunes what no instance uses', { timeout: 120_000 }, async () => {
    await engine.downloads.fetch({ url: `http://127.0.0.1:${port}/unused.img` });
    await page.reload();
    const image = page.getByTestId('cache-disk.raw');
    const unused = page.getByTestId('cache-unused.img');
    await image.waitFor();
    const diskSize = (await fs.stat(path.join(guest, 'disk.raw'))).size;
    assert.match(await image.innerText(), /used by fetching/);
    assert.match(await image.innerText(), new RegExp(`${diskSize / 1024 ** 2} MiB`));
    assert.match(await unused.innerText(), /used by no instance/);
    assert.match(await page.getByTestId('cache-total').innerText(), /^2 files/);
    await screens(page, 'downloads-cache');
    await page.getByRole('button', { name: 'Remove unused files' }).click();
    await page.getByRole('dialog', { name: 'Remove unused files?' }).getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Removed 1 unused file' }).waitFor();
    await unused.waitFor({ state: 'detached' });
    assert.equal(await image.count(), 1);
    assert.deepEqual((await engine.listCache()).map((e) => path.basename(e.url)), ['disk.raw']);
  });

  it('notifies a VM that stopped unasked, and not one the user stopped', { timeout: 240_000 }, async () => {
    await page.goto(`${new URL(server.url).origin}/#/`);
    await page.getByRole('button', { name: 'Start fetching' }).click();
    await page.locator('[data-testid="status-fetching"][data-state="Running"]').waitFor({ timeout: 120_000 });
    const pid = Number((await fs.readFile(path.join(engine.store.dir('fetching'), 'qemu.pid'), 'utf8')).trim());
    process.kill(pid, 'SIGKILL');
    await waitShown('fetching stopped unexpectedly');
    await page.getByTestId('status-fetching').filter({ hasText: 'Stopped' }).waitFor({ timeout: 30_000 });
    await page.getByRole('alert').filter({ hasText: 'fetching stopped unexpectedly' }).waitFor();

    await page.getByRole('button', { name: 'Start fetching' }).click();
    await page.locator('[data-testid="status-fetching"][data-state="Running"]').waitFor({ timeout: 120_000 });
    await engine.stop('fetching', { force: true }); // what the Force stop button asks for
    await page.getByTestId('status-fetching').filter({ hasText: 'Stopped' }).waitFor({ timeout: 60_000 });
    // The notice bar is set in the same event as the status the page now shows (the Start click cleared the earlier one).
    assert.equal(await page.getByRole('alert').filter({ hasText: 'stopped unexpectedly' }).count(), 0);
    assert.equal((await shown()).filter((title) => title === 'fetching stopped unexpectedly').length, 1);
  });
});
