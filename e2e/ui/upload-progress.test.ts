// A driver's own upload in the downloads view: a real driver process
// (e2e/fixtures/drivers/uploading-driver.ts) sends an instance's image at create and stalls
// half-way; the view shows the image's line as uploading to the driver's host, with no Cancel
// (the engine cannot cancel a driver's transfer alone), and when the driver process is killed
// the line says the upload stopped, with Dismiss and no Retry.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Engine } from '../../src-main/core/engine.ts';
import type { EngineEvent } from '../../src-main/core/events.ts';
import { startServer } from '../../src-main/server/server.ts';
import type { RunningServer } from '../../src-main/server/server.ts';
import { fixtureDriver, tempDir, writeTemplate } from '../support/temp.ts';
import { launchChromium } from './browser.ts';
import { ensureRendererBuilt } from './renderer-build.ts';
import { screens } from './screens.ts';

describe('a driver\'s upload in the downloads view', () => {
  let root: string;
  let engine: Engine;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let template: string;
  let creating: Promise<unknown> = Promise.resolve();
  let driverPid: Promise<number>;

  before(async () => {
    const staticDir = await ensureRendererBuilt();
    root = await tempDir();
    template = await writeTemplate(root, { vmType: 'uploader' });
    await fs.writeFile(path.join(root, 'image.raw'), Buffer.alloc(4 * 1024 * 1024, 3));
    engine = new Engine({ home: path.join(root, 'home'), cache: path.join(root, 'cache'), extraDrivers: [{ name: 'uploader', entry: fixtureDriver('uploading-driver.ts') }], health: { intervalMs: 0, timeoutMs: 10_000 } });
    // The stalling driver logs its pid, so the test can kill it as a crash would.
    driverPid = new Promise((resolve) => {
      const off = engine.events.on((event: EngineEvent) => {
        if (event.type !== 'driver-log' || !/^pid \d+$/.test(event.message)) return;
        off();
        resolve(Number(event.message.slice(4)));
      });
    });
    server = await startServer({ engine, port: 0, staticDir });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    await creating;
    await fs.rm(root, { recursive: true, force: true, maxRetries: 3 });
  });

  const line = () => page.getByTestId('download-stall-far-image');

  it('shows the image uploading to the driver\'s host, without Cancel', { timeout: 120_000 }, async () => {
    await page.goto(server.url);
    await page.goto(`${new URL(server.url).origin}/#/downloads`);
    await page.getByText('Nothing is downloading.').waitFor();
    // Events are pushed, not kept: the page's socket is open before the upload begins.
    await page.locator('html[data-connected="true"]').waitFor({ state: 'attached' });
    creating = engine.create('stall-far', { template }).catch((error: unknown) => error);
    await line().and(page.locator('[data-phase="upload"]')).waitFor({ timeout: 60_000 });
    await line().getByText('Uploading').waitFor();
    await line().getByText('to storage.example.test').waitFor();
    assert.equal(await line().getByRole('button', { name: /Cancel/ }).count(), 0, 'no Cancel for a driver\'s upload');
    await screens(page, 'downloads-upload-running');
  });

  it('says the upload stopped when the driver dies, offering Dismiss but no Retry', { timeout: 120_000 }, async () => {
    process.kill(await driverPid, 'SIGKILL');
    await line().and(page.locator('[data-phase="failed"]')).waitFor({ timeout: 60_000 });
    await line().getByText('The upload stopped: driver uploader exited before it finished.').waitFor();
    await line().getByText('64 KiB sent').waitFor();
    assert.equal(await line().getByRole('button', { name: /Retry/ }).count(), 0);
    await line().getByRole('button', { name: /Dismiss/ }).waitFor();
    assert.match(String(await creating), /exited/, 'the create itself failed, saying why');
    await screens(page, 'downloads-upload-failed');
  });
});
