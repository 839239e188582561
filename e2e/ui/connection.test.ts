// The page's connection to the engine, with a real web shell that goes away and comes back on
// the same address: while it is gone a banner says so and the actions are off (nothing fires
// into the void); back with the same token, the page reconnects by itself and shows what
// changed meanwhile; back with a new token, the old tab says to open the new address.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Engine } from '../../src-main/core/engine.ts';
import { startServer } from '../../src-main/server/server.ts';
import type { RunningServer } from '../../src-main/server/server.ts';
import { guestTemplate } from '../support/guest.ts';
import { tempDir } from '../support/temp.ts';
import { launchChromium } from './browser.ts';
import { ensureRendererBuilt } from './renderer-build.ts';
import { screens } from './screens.ts';

describe('connection state in the web shell', () => {
  let root: string;
  let staticDir: string;
  let engine: Engine;
  let server: RunningServer | undefined;
  let browser: Browser;
  let page: Page;

  before(async () => {
    staticDir = await ensureRendererBuilt();
    root = await tempDir();
    engine = new Engine({ home: path.join(root, 'home'), cache: path.join(root, 'cache') });
    await engine.create('tiny', { template: await guestTemplate() });
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

  const banner = () => page.getByTestId('connection-banner');
  const start = () => page.getByRole('button', { name: 'Start tiny' });

  it('says when the engine is gone, turns actions off, and reconnects by itself when it is back', { timeout: 180_000 }, async () => {
    await page.goto(server?.url ?? '');
    await start().waitFor();
    assert.equal(await start().isEnabled(), true);
    assert.equal(await banner().isVisible(), false);
    const { port, token } = server ?? { port: 0, token: '' };

    await server?.close();
    server = undefined;
    await banner().filter({ hasText: 'Corral cannot be reached.' }).waitFor({ timeout: 30_000 });
    assert.match(await banner().innerText(), /reconnects by itself/);
    assert.equal(await start().isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'New instance…' }).isDisabled(), true);
    await screens(page, 'connection-offline', { sideways: true });
    // The shortcuts are off too: "n" opens no create dialog, "s" on the instance's page sends no start.
    const starts: string[] = []; // the page keeps asking for the list (that is how it notices the engine is back)
    page.on('request', (request) => { if (new URL(request.url()).pathname === '/api/start') starts.push(request.postData() ?? ''); });
    await page.keyboard.press('n');
    await page.getByRole('link', { name: 'tiny', exact: true }).click();
    await page.getByRole('heading', { name: 'tiny', level: 1 }).waitFor();
    await page.keyboard.press('s');
    await page.keyboard.press('?'); // opens only when no dialog is open, and after "s" was handled
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    assert.deepEqual(starts, [], 'no start was sent into the void');
    assert.equal(await page.getByTestId('status-tiny').getAttribute('data-state'), 'Stopped', 'no stuck "Starting"');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Backspace');

    // Meanwhile the engine gains an instance (as the CLI would add one); the same address and token come back.
    await engine.create('made-meanwhile', { template: await guestTemplate() });
    server = await startServer({ engine, port, token, staticDir });
    await banner().filter({ hasText: 'Corral cannot be reached.' }).waitFor({ state: 'hidden', timeout: 30_000 });
    assert.equal(await start().isEnabled(), true);
    await page.getByRole('link', { name: 'made-meanwhile' }).waitFor({ timeout: 10_000 });
  });

  it('tells a tab whose token is no longer valid to open the new address', { timeout: 180_000 }, async () => {
    const port = server?.port ?? 0;
    await server?.close();
    server = await startServer({ engine, port, staticDir }); // a new run: a new token
    await banner().filter({ hasText: 'This tab\'s access has ended.' }).waitFor({ timeout: 30_000 });
    assert.match(await banner().innerText(), /Open the address that corral serve printed/);
    assert.equal(await start().isDisabled(), true);
    await screens(page, 'connection-old-token', { sideways: true });
    // The new address works at once.
    await page.goto(server.url);
    await start().waitFor();
    assert.equal(await banner().isVisible(), false);
    assert.equal(await start().isEnabled(), true);
  });

  it('offers desktop notifications on the Downloads page until the user decides', { timeout: 180_000 }, async () => {
    await page.goto(`${new URL(server?.url ?? '').origin}/#/downloads`);
    await page.getByRole('button', { name: 'Allow notifications' }).waitFor();
    await page.getByText('Nothing downloaded yet.').waitFor();
    await screens(page, 'downloads-empty');
  });
});
