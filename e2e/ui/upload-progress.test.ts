// A driver's own upload in the downloads view: a real driver process
// (e2e/fixtures/drivers/uploading-driver.ts) sends an instance's image at create and stalls
// half-way; the view shows the image's line as uploading to the driver's host, with no Cancel
// (the engine cannot cancel a driver's transfer alone), and when the driver process is killed
// the line says the upload stopped, with Dismiss and no Retry.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { Engine } from '../../src-main/core/engine.ts';
import type { EngineEvent } from '../../src-main/core/events.ts';
import { fixtureDriver, writeTemplate } from '../support/temp.ts';
import { screens } from './screens.ts';
import { openWebShell } from './web-shell-fixture.ts';
import type { WebShell } from './web-shell-fixture.ts';

describe('a driver\'s upload in the downloads view', () => {
  let shell: WebShell;
  let engine: Engine;
  let server: WebShell['server'];
  let page: Page;
  let template: string;
  let creating: Promise<unknown> = Promise.resolve();
  let driverPid: Promise<number>;

  before(async () => {
    // The uploader's instances are files only; a delete at close would wait on the stalled create.
    shell = await openWebShell({ engine: { extraDrivers: [{ name: 'uploader', entry: fixtureDriver('uploading-driver.ts') }], health: { intervalMs: 0, timeoutMs: 10_000 } }, instancesAreFiles: true });
    ({ engine, server, page } = shell);
    const root = shell.root;
    template = await writeTemplate(root, { vmType: 'uploader' });
    await fs.writeFile(path.join(root, 'image.raw'), Buffer.alloc(4 * 1024 * 1024, 3));
    // The stalling driver logs its pid, so the test can kill it as a crash would.
    driverPid = new Promise((resolve) => {
      const off = engine.events.on((event: EngineEvent) => {
        if (event.type !== 'driver-log' || !/^pid \d+$/.test(event.message)) return;
        off();
        resolve(Number(event.message.slice(4)));
      });
    });
  });

  after(async () => {
    await shell?.close(creating);
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
