// Desktop notifications on the Electron path without Electron: the real renderer build, the
// real preload bundle and the real IPC router over a real Engine, in Chromium, with only
// Electron faked (test-support/bridge.ts). A start whose image comes from a closed port fails
// its download; the page asks main, through the bridge's `notify`, for the notification that
// Electron's Notification would show, with the failure in plain words.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Engine } from '../core/engine.ts';
import type { DesktopNotification } from '../api/bridge.ts';
import { engineApi } from '../engine-api/engine-api.ts';
import { launchChromium } from '../../e2e/ui/browser.ts';
import { ensureRendererBuilt } from '../../e2e/ui/renderer-build.ts';
import { tempDir } from '../../e2e/support/temp.ts';
import { writeGuestTemplate } from '../../e2e/support/guest.ts';
import { createIpcRouter } from './router.ts';
import type { IpcRouter } from './router.ts';
import { bridgedOrigin as origin, bridgedPage, buildPreload } from './test-support/bridge.ts';

describe('desktop notifications over the preload bridge (Chromium, Electron faked)', () => {
  let root: string;
  let engine: Engine;
  let router: IpcRouter;
  let browser: Browser;
  let page: Page;
  const shown: DesktopNotification[] = [];
  let notified: () => void = () => undefined;
  const firstNotification = new Promise<void>((resolve) => { notified = resolve; });

  before(async () => {
    const renderer = await ensureRendererBuilt();
    root = await tempDir();
    const preload = await buildPreload(path.join(root, 'bundles'));
    engine = new Engine({ home: path.join(root, 'home'), cache: path.join(root, 'cache'), health: { intervalMs: 0, timeoutMs: 1000 }, downloader: { retryDelayMs: 20, maxRetryDelayMs: 100 } });
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await engine.create('far', { template: await writeGuestTemplate(root, {}, `http://127.0.0.1:${port}`) });
    router = createIpcRouter(engineApi(engine), () => undefined, (notification) => {
      shown.push(notification);
      notified();
    });
    browser = await launchChromium();
    page = await bridgedPage(browser, { renderer, preload, router });
  });

  after(async () => {
    router?.close();
    await browser?.close();
    await engine?.delete('far', { force: true }).catch(() => undefined);
    await engine?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('a failed download reaches main as a notification, with the reason in plain words', { timeout: 120_000 }, async () => {
    await page.goto(`${origin}/index.html`);
    // The notice bar holds one message, and the start's own failure may replace this one at
    // once; so record every alert text the page shows, as a user watching it would see them.
    await page.evaluate(`
      window.alertsSeen = [];
      new MutationObserver(() => {
        for (const alert of document.querySelectorAll('[role="alert"]')) {
          const text = alert.textContent ?? '';
          if (text && !window.alertsSeen.includes(text)) window.alertsSeen.push(text);
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    `);
    await page.getByRole('button', { name: 'Start far' }).click();
    await firstNotification;
    // An instance's files download at once, so whichever fails first is the one told first.
    const title = shown[0]?.title ?? '';
    assert.match(title, /^Downloading (disk\.raw|vmlinuz|initrd\S*) for far failed$/);
    assert.match(shown[0]?.body ?? '', /^Connection refused: nothing at 127\.0\.0\.1:\d+ accepts downloads/);
    // Always in the app too.
    await page.waitForFunction(`window.alertsSeen.some((seen) => seen.includes(${JSON.stringify(title)}))`, undefined, { timeout: 30_000 });
  });
});
