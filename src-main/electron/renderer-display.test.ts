// The embedded display in the Electron window, without Electron: the real renderer build, the
// real preload bundle and the real IPC router over a real Engine with a real QEMU test guest
// (`video.display: vnc`), in Debian's Chromium (test-support/bridge.ts fakes only Electron). The
// display tab picks the bridge transport: noVNC's RFB goes through the preload and main's
// relay to QEMU's VNC port and paints the guest's screen, while the page opens no socket and
// makes no request beyond its own files (its CSP allows none). Leaving the tab ends main's
// connection. Skipped where the QEMU driver cannot run.
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import type net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { Engine } from '../core/engine.ts';
import { engineApi } from '../engine-api/engine-api.ts';
import { launchChromium } from '../../e2e/ui/browser.ts';
import { ensureRendererBuilt } from '../../e2e/ui/renderer-build.ts';
import { writeGuestTemplate } from '../../e2e/support/guest.ts';
import { repoRoot, tempDir } from '../../e2e/support/temp.ts';
import { createIpcRouter } from './router.ts';
import type { IpcRouter } from './router.ts';
import { bridgedOrigin, bridgedPage, buildPreload } from './test-support/bridge.ts';

const resultsDir = path.join(repoRoot, 'test-results');
const bootTimeout = 120_000;
const name = 'screen1';

function shows(locator: Locator, text: string | RegExp, timeout = 15_000): Promise<void> {
  return locator.filter({ hasText: text }).first().waitFor({ timeout });
}

/** Runs in the page (a string: the Node type check has no DOM types): any non-black pixel on noVNC's canvas. */
const litPixel = `(() => {
  const canvas = document.querySelector('[data-testid="vnc-screen"] canvas');
  const context = canvas && canvas.width > 0 && canvas.height > 0 ? canvas.getContext('2d') : null;
  if (!context) return false;
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 0; i < pixels.length; i += 4) if (pixels[i] + pixels[i + 1] + pixels[i + 2] > 0) return true;
  return false;
})()`;

describe('embedded display over the preload bridge (Chromium, Electron faked, real QEMU)', async () => {
  const probeHome = await tempDir();
  const probe = new Engine({ home: probeHome, cache: path.join(probeHome, 'cache') });
  const qemu = (await probe.listDrivers()).find((d) => d.name === 'qemu');
  await probe.close();
  await fs.rm(probeHome, { recursive: true, force: true });
  const skip = qemu?.available.ok ? false : `the QEMU driver cannot run here${qemu && !qemu.available.ok ? `: ${qemu.available.reason}` : ''}`;

  let root: string;
  let engine: Engine;
  let router: IpcRouter;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const pageLog: string[] = [];
  const requests: string[] = [];
  const webSockets: string[] = [];
  // Every TCP client socket this process opens: only main's display relay opens any here
  // (the engine talks to its driver over fork IPC; the guest's files are local).
  const sockets: net.Socket[] = [];
  const record = (message: unknown): void => { sockets.push((message as { socket: net.Socket }).socket); };

  before(async () => {
    if (skip) return;
    dc.subscribe('net.client.socket', record);
    const renderer = await ensureRendererBuilt();
    root = await tempDir();
    await fs.mkdir(resultsDir, { recursive: true });
    const preload = await buildPreload(path.join(root, 'bundles'));
    engine = new Engine({ home: path.join(root, 'home'), cache: path.join(root, 'cache') });
    await engine.create(name, { template: await writeGuestTemplate(root, { video: { display: 'vnc' } }) });
    await engine.start(name);
    router = createIpcRouter(engineApi(engine), (m) => pageErrors.push(m));
    browser = await launchChromium();
    page = await bridgedPage(browser, { renderer, preload, router });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => pageLog.push(`${message.type()}: ${message.text()}`));
    page.on('request', (request) => requests.push(request.url()));
    page.on('websocket', (socket) => webSockets.push(socket.url()));
  }, { timeout: bootTimeout + 60_000 });

  after(async () => {
    if (skip) return;
    dc.unsubscribe('net.client.socket', record);
    router?.close();
    await browser?.close();
    await engine?.delete(name, { force: true }).catch(() => undefined);
    await engine?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('renders the guest screen through the bridge, with no socket in the page', { skip, timeout: bootTimeout }, async () => {
    await page.goto(`${bridgedOrigin}/index.html`);
    await page.locator('html[data-connected="true"]').waitFor({ state: 'attached' });
    await page.getByRole('link', { name }).click();
    await page.getByRole('tab', { name: 'Display' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Display' });
    await shows(panel.getByRole('status'), 'Connected', 30_000).catch(async (error: unknown) => {
      throw new Error(`the display did not connect; the panel shows: ${await panel.innerText()}\npage log:\n${pageLog.join('\n')}\n${pageErrors.join('\n')}`, { cause: error });
    });
    await panel.getByTestId('vnc-screen').locator('canvas').waitFor();
    // The guest's kernel console draws on the VGA card: wait for any lit pixel.
    await page.waitForFunction(litPixel, undefined, { timeout: bootTimeout - 30_000, polling: 'raf' });
    await page.screenshot({ path: path.join(resultsDir, 'display-electron-bridge.png') });

    assert.deepEqual(webSockets, [], 'the page opened no WebSocket');
    assert.deepEqual(requests.filter((url) => !url.startsWith(`${bridgedOrigin}/`)), [], 'the page fetched nothing but its own files');
    assert.equal(sockets.length, 1, 'main made one connection, to the VNC server');
    assert.equal(sockets[0]?.remotePort, (await engine.display(name))?.port);
  });

  it('leaving the display tab ends main’s connection to the VNC server', { skip, timeout: 30_000 }, async () => {
    const relay = sockets[0];
    assert.ok(relay && !relay.closed);
    const closed = once(relay, 'close'); // listening before the click: the close may come while it settles
    await page.getByRole('tab', { name: 'Console' }).click();
    await closed; // noVNC's disconnect -> the channel's close -> display-close -> main destroys the socket
    assert.equal(sockets.length, 1);
  });

  it('logged no page errors and no refused or dropped IPC (CSP violations included)', { skip }, () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(pageLog.filter((line) => line.startsWith('error:')), []);
  });
});
