// 200 instances in the list: all of them shown, and a status change to one reaches its row
// without a reload. The scripted test driver keeps the VMs cheap; the UI path is the real one.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Engine } from '../../src-main/core/engine.ts';
import { startServer } from '../../src-main/server/server.ts';
import type { RunningServer } from '../../src-main/server/server.ts';
import { fixtureDriver, tempDir, writeTemplate } from '../support/temp.ts';
import { launchChromium } from './browser.ts';
import { ensureRendererBuilt } from './renderer-build.ts';

const count = 200;

describe('a list of 200 instances', () => {
  let root: string;
  let engine: Engine;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const staticDir = await ensureRendererBuilt();
    root = await tempDir();
    engine = new Engine({ home: path.join(root, 'home'), extraDrivers: [{ name: 'scripted', entry: fixtureDriver('scripted-driver.ts') }] });
    const template = await writeTemplate(root, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
    for (let i = 0; i < count; i++) await engine.create(`vm-${String(i).padStart(3, '0')}`, { template });
    server = await startServer({ engine, port: 0, staticDir });
    browser = await launchChromium();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('shows every instance and follows a status change live', { timeout: 120_000 }, async () => {
    await page.goto(server.url);
    await page.locator('tr[data-instance="vm-199"]').waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('tbody tr').count(), count);
    await engine.start('vm-123');
    await page.getByTestId('status-vm-123').filter({ hasText: 'Running' }).waitFor();
    assert.equal(await page.getByText('Running', { exact: true }).count(), 1, 'only that row changed');
  });
});
