// A real `corral serve` process restarted under an open Chromium tab. The token and port are
// kept in CORRAL_HOME, so after a plain restart the tab's banner clears by itself and its
// actions work again; after `corral serve --new-token` the same tab is told to open the new
// address, and that address works.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { serveRecordFile } from '../../src-main/server/serve-record.ts';
import { corralBin, printed } from '../support/serve.ts';
import { tempDir } from '../support/temp.ts';
import { launchChromium } from './browser.ts';
import { ensureRendererBuilt } from './renderer-build.ts';
import { screens } from './screens.ts';

interface Serve { child: ChildProcessWithoutNullStreams; url: URL; exited: Promise<unknown> }

describe('a restarted corral serve keeps its token', () => {
  let home: string;
  let serve: Serve | undefined;
  let browser: Browser;
  let page: Page;

  async function startServe(...extra: string[]): Promise<Serve> {
    const child = spawn(process.execPath, [corralBin, '--home', home, 'serve', ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const [, address] = await printed(child, /^\s+(http:\/\/\S+)$/m, 60_000);
    return { child, url: new URL(address ?? ''), exited };
  }

  async function stopServe(): Promise<void> {
    if (!serve) return;
    serve.child.kill('SIGTERM');
    await serve.exited;
    serve = undefined;
  }

  before(async () => {
    await ensureRendererBuilt();
    home = path.join(await tempDir(), 'home');
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  });

  after(async () => {
    await browser?.close();
    await stopServe();
    await fs.rm(path.dirname(home), { recursive: true, force: true, maxRetries: 3 });
  });

  const banner = () => page.getByTestId('connection-banner');
  const newInstance = () => page.getByRole('button', { name: 'New instance…' });

  it('makes the token at first use, owner-only, and the tab works', { timeout: 120_000 }, async () => {
    serve = await startServe();
    const stat = await fs.stat(serveRecordFile(home));
    assert.equal(stat.mode & 0o777, 0o600);
    assert.match(await fs.readFile(serveRecordFile(home), 'utf8'), new RegExp(serve.url.searchParams.get('token') ?? 'no token'));
    await page.goto(serve.url.href);
    await newInstance().waitFor();
    assert.equal(await newInstance().isEnabled(), true);
  });

  it('after a restart on the same home, the open tab reconnects by itself', { timeout: 180_000 }, async () => {
    const before = serve?.url;
    await stopServe();
    await banner().filter({ hasText: 'Corral cannot be reached.' }).waitFor({ timeout: 30_000 });
    assert.equal(await newInstance().isDisabled(), true);
    assert.equal(await page.getByText('Could not list instances').count(), 0, 'a list error under the banner');

    serve = await startServe(); // no --port: the last run's port, free again, is taken
    assert.equal(serve.url.href, before?.href, 'same port and token as the last run');
    await banner().filter({ hasText: 'Corral cannot be reached.' }).waitFor({ state: 'hidden', timeout: 30_000 });
    assert.equal(await newInstance().isEnabled(), true);
    // An API call from the tab goes through: the Settings page reads the engine's folders.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByText(home, { exact: true }).first().waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: 'Instances' }).click();
  });

  it('after --new-token, the old tab says to open the new address, which works', { timeout: 180_000 }, async () => {
    const before = serve?.url;
    await stopServe();
    serve = await startServe('--new-token');
    assert.equal(serve.url.port, before?.port);
    assert.notEqual(serve.url.searchParams.get('token'), before?.searchParams.get('token'));
    await banner().filter({ hasText: 'This tab\'s access has ended.' }).waitFor({ timeout: 30_000 });
    assert.equal(await newInstance().isDisabled(), true);
    await screens(page, 'serve-new-token', { sideways: true });
    // The banner says what is wrong; the list under it repeats no stale "Could not list" error,
    // even once the list is asked again and refused (going to Settings and back remounts it).
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Instances' }).click();
    await page.locator('section[data-list="error"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByText('Could not list instances').count(), 0, 'a stale list error under the banner');
    await page.goto(serve.url.href);
    await newInstance().waitFor();
    assert.equal(await banner().isVisible(), false);
    assert.equal(await newInstance().isEnabled(), true);
  });
});
