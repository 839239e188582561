// Download progress in the page: an instance whose files come over HTTP from 127.0.0.1 shows a
// bar per file while they arrive (the server holds the image at half until the bar has been
// seen, so the test sees it mid-way without timing), the downloads panel shows each at 100 %,
// then the guest runs.
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
import { testGuest, writeGuestTemplate } from '../support/guest.ts';
import { tempDir } from '../support/temp.ts';
import { launchChromium, seriousViolations } from './browser.ts';
import { ensureRendererBuilt } from './renderer-build.ts';

describe('download progress in the web shell', () => {
  let root: string;
  let engine: Engine;
  let server: RunningServer;
  let files: http.Server;
  let browser: Browser;
  let page: Page;
  let releaseImage: () => void = () => undefined;
  const imageHeld = new Promise<void>((resolve) => { releaseImage = resolve; });

  before(async () => {
    const staticDir = await ensureRendererBuilt();
    root = await tempDir();
    const guest = await testGuest();
    files = http.createServer((req, res) => {
      const name = path.basename(req.url ?? '');
      if (!['disk.raw', 'vmlinuz', 'initrd.img'].includes(name)) return void res.writeHead(404).end();
      void fs.readFile(path.join(guest, name)).then((data) => {
        res.writeHead(200, { 'content-length': data.length });
        if (name !== 'disk.raw') return void res.end(data);
        const half = Math.floor(data.length / 2);
        res.write(data.subarray(0, half));
        void imageHeld.then(() => res.end(data.subarray(half)));
      });
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    engine = new Engine({ home: path.join(root, 'home'), cache: path.join(root, 'cache') });
    await engine.create('fetching', { template: await writeGuestTemplate(root, {}, base) });
    server = await startServer({ engine, port: 0, staticDir });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
  });

  after(async () => {
    releaseImage();
    await browser?.close();
    await server?.close();
    await engine.delete('fetching', { force: true }).catch(() => undefined);
    await engine?.close();
    files?.close();
    await fs.rm(root, { recursive: true, force: true, maxRetries: 3 });
  });

  it('shows each file arriving, then 100 %, then the guest running', { timeout: 120_000 }, async () => {
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Start fetching' }).click();
    const imageBar = page.getByRole('progressbar', { name: 'fetching image downloading' }).first();
    // The server holds the image at half: the bar climbs part of the way and stays there.
    await page.waitForFunction(() => {
      type Doc = { querySelector(selector: string): { value: number } | null };
      const bar = (globalThis as unknown as { document: Doc }).document.querySelector('progress[aria-label="fetching image downloading"]');
      return (bar?.value ?? 0) > 0;
    });
    const midway = Number(await imageBar.getAttribute('value'));
    assert.ok(midway > 0 && midway <= 50, `the image bar shows a part (${midway} %)`);
    assert.deepEqual(await seriousViolations(page), []);
    releaseImage();

    const panel = page.getByRole('region', { name: 'Downloads' });
    for (const artifact of ['image', 'kernel', 'initrd']) {
      const done = panel.getByRole('progressbar', { name: `fetching ${artifact} done` });
      await done.waitFor({ timeout: 60_000 });
      assert.equal(await done.getAttribute('value'), '100');
    }
    // The tiny guest's badge says "Starting (booting)" while its VM runs: wait for the VM's state.
    await page.locator('[data-testid="status-fetching"][data-state="Running"]').waitFor({ timeout: 90_000 });
  });
});
