// The Electron path without Electron: the real renderer build, the real preload bundle and the
// real IPC router over a real Engine, in Debian's Chromium, with only Electron itself faked
// (test-support/bridge.ts says how).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { Engine } from '../core/engine.ts';
import { bridgeKeys } from '../api/bridge.ts';
import type { CorralBridge } from '../api/bridge.ts';
import { engineApi } from '../engine-api/engine-api.ts';
import { launchChromium } from '../../e2e/ui/browser.ts';
import { ensureRendererBuilt } from '../../e2e/ui/renderer-build.ts';
import { repoRoot, tempDir, writeTemplate } from '../../e2e/support/temp.ts';
import { packExampleBundle } from '../core/drivers/bundles/test-support/bundles.ts';
import { dropFile } from '../../e2e/ui/drop.ts';
import { createIpcRouter } from './router.ts';
import type { IpcRouter } from './router.ts';
import { appEntryUrl } from './security.ts';
import { asAppUrl, bridgedOrigin as origin, bridgedPage, buildPreload } from './test-support/bridge.ts';

function shows(locator: Locator, text: string | RegExp, timeout = 15_000): Promise<void> {
  return locator.filter({ hasText: text }).first().waitFor({ timeout });
}

describe('renderer over the preload bridge (Chromium, Electron faked)', () => {
  let root: string;
  let engine: Engine;
  let router: IpcRouter;
  let browser: Browser;
  let page: Page;
  let template: string;
  /** The method of every call that reached main, in order (the page also calls on its own: refetches after connecting). */
  const invoked: string[] = [];
  const pageErrors: string[] = [];
  const consoleWrites: number[] = [];

  before(async () => {
    const renderer = await ensureRendererBuilt();
    root = await tempDir();
    const preload = await buildPreload(path.join(root, 'bundles'));
    engine = new Engine({
      home: path.join(root, 'home'), cache: path.join(root, 'cache'), health: { intervalMs: 0, timeoutMs: 1000 },
      extraDrivers: [{ name: 'console-fixture', entry: path.join(repoRoot, 'e2e/ui/fixtures/console-driver.ts') }],
    });
    template = await writeTemplate(root, { vmType: 'console-fixture', cpus: 1, memory: '256MiB', disk: '1GiB' });
    router = createIpcRouter(engineApi(engine), (m) => pageErrors.push(m));
    browser = await launchChromium();
    // The router as the window would use it, counting what reaches main (to tell the preload's
    // checks from main's) and noting the size of every console write.
    const noting: IpcRouter = {
      ...router,
      invoke: (...args) => { invoked.push(String((args[2] as { method?: unknown } | null)?.method)); return router.invoke(...args); },
      send: (frame, contents, raw) => {
        const data = (raw as { type?: string; data?: string } | null)?.data;
        if ((raw as { type?: string } | null)?.type === 'console-write' && typeof data === 'string') consoleWrites.push(Buffer.from(data, 'base64').length);
        router.send(frame, contents, raw);
      },
    };
    page = await bridgedPage(browser, { renderer, preload, router: noting });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error') pageErrors.push(message.text()); });
  });

  after(async () => {
    router?.close();
    await browser?.close();
    for (const instance of await engine.list().catch(() => [])) await engine.delete(instance.name, { force: true }).catch(() => undefined);
    await engine?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('picks the bridge transport: connected with no fetch and no WebSocket (CSP connect-src none)', async () => {
    await page.goto(`${origin}/index.html`);
    assert.equal(asAppUrl(page.url()), appEntryUrl);
    await page.locator('html[data-connected="true"]').waitFor({ state: 'attached' });
    await shows(page.locator('main'), 'No instances yet');
    const bridge = await page.evaluate(() => Object.keys((globalThis as unknown as { corral: object }).corral).sort());
    assert.deepEqual(bridge, [...bridgeKeys].sort());
  });

  it('refuses a call with a malformed request in the preload, before it reaches main', async () => {
    const reply = await page.evaluate(() => (globalThis as unknown as { corral: CorralBridge }).corral.invoke('start', { name: 42 }));
    assert.equal(!reply.ok && reply.error.code, 'INVALID_CONFIG');
    assert.match(!reply.ok ? reply.error.message : '', /^bad request \(field "name"\)/);
    // Counted by method: the page's own refetches may reach main meanwhile.
    assert.equal(invoked.filter((method) => method === 'start').length, 0, 'main saw no start');
    const count = (): number => invoked.filter((method) => method === 'hostInfo').length;
    const before = count();
    const good = await page.evaluate(() => (globalThis as unknown as { corral: CorralBridge }).corral.invoke('hostInfo'));
    assert.equal(good.ok, true);
    assert.equal(count(), before + 1, 'a well-formed call reaches main');
  });

  it('creates, starts and types into the console through the bridge', { timeout: 60_000 }, async () => {
    await page.getByRole('button', { name: 'New instance…' }).click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await dialog.getByLabel('Name').fill('bridge1');
    await dialog.getByRole('radio', { name: 'From file…' }).check();
    await dialog.getByLabel('Template file (lima.yaml path)').fill(template);
    await shows(dialog.getByLabel('Driver'), 'console-fixture');
    await dialog.getByLabel('Driver').selectOption('console-fixture');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
    await shows(page.getByTestId('status-bridge1'), 'Stopped');
    await page.getByRole('button', { name: 'Start bridge1' }).click();
    await shows(page.getByTestId('status-bridge1'), 'Running');
    await page.getByRole('link', { name: 'bridge1' }).click();
    await page.getByRole('tab', { name: 'Console' }).click();
    const terminal = page.getByTestId('terminal');
    await shows(page.locator('.console-status'), 'Serial console attached');
    await terminal.click();
    await page.keyboard.type('echo $((6*7))\n');
    await shows(terminal.locator('.xterm-rows'), /\b42\b/);
  });

  it('carries a 1.6 MB paste intact in console writes of at most 16 KiB (the web shell\'s pacing, shared)', { timeout: 60_000 }, async () => {
    const bytes = 1_600_000;
    const terminal = page.getByTestId('terminal');
    await page.keyboard.type(`sink ${bytes}\n`); // the console fixture hashes what follows on a real socket
    await shows(terminal.locator('.xterm-rows'), 'sink ready');
    const before = consoleWrites.length;
    await page.evaluate(`(() => {
      let text = '';
      for (let i = 0; text.length < ${bytes}; i++) text += i.toString(36) + ':';
      const data = new DataTransfer();
      data.setData('text/plain', text.slice(0, ${bytes}));
      document.querySelector('.xterm-helper-textarea').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    })()`);
    let text = '';
    for (let i = 0; text.length < bytes; i++) text += `${i.toString(36)}:`;
    const md5 = createHash('md5').update(text.slice(0, bytes)).digest('hex');
    await shows(terminal.locator('.xterm-rows'), `sink: ${bytes} bytes md5 ${md5}`, 45_000);
    const writes = consoleWrites.slice(before);
    assert.equal(writes.reduce((sum, n) => sum + n, 0), bytes);
    assert.ok(Math.max(...writes) <= 16 * 1024, `every write at most 16 KiB (largest ${Math.max(...writes)})`);
  });

  it('follows engine events pushed over the bridge', async () => {
    await page.getByRole('button', { name: '← All instances' }).click();
    await engine.stop('bridge1', { force: true });
    await shows(page.getByTestId('status-bridge1'), 'Stopped');
  });

  it('installs a dropped driver bundle by its path on disk (no upload), after the trust dialog', async () => {
    const bundle = await packExampleBundle(root);
    await page.evaluate(`window.__corralFilePaths = { ${JSON.stringify(path.basename(bundle))}: ${JSON.stringify(bundle)} }`);
    await dropFile(page, bundle);
    const dialog = page.getByRole('dialog', { name: 'Install a driver?' });
    await shows(dialog, 'example 0.1.0');
    await dialog.getByRole('button', { name: 'Install' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await shows(page.getByRole('status'), /Installed driver example 0\.1\.0/);
    assert.deepEqual((await engine.bundles.list()).map((d) => d.name), ['example']);
    await fs.access(path.join(root, 'home', 'tmp', 'uploads')).then(() => assert.fail('the desktop app uploads nothing'), () => undefined);
  });

  it('logged no page errors and no refused IPC (CSP violations included)', () => {
    assert.deepEqual(pageErrors, []);
  });
});
