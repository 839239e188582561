// The Electron window without Electron, for the Chromium tests of the bridge (not a test file
// itself): the real renderer build, the real preload bundle and the real IPC router, in
// Debian's Chromium. Only Electron is faked: a stand-in `require('electron')` gives the
// preload an ipcRenderer whose messages reach the router through a Playwright binding, and
// the app scheme is served by serveAppRequest (CSP included) under an http origin that is
// mapped back to corral-app://app for the sender check. The stand-in preload is served as a
// same-origin classic script that index.html loads first (Playwright's addInitScript
// evaluates a string, which the page's CSP rightly refuses).
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { bridgeChannels } from '../../api/bridge.ts';
import { serveAppRequest } from '../app-files.ts';
import type { IpcRouter, RendererContents } from '../router.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

// localhost: a potentially trustworthy origin, like the secure corral-app scheme (COOP applies).
export const bridgedOrigin = 'http://localhost:9';
export const asAppUrl = (url: string) => (url.startsWith(`${bridgedOrigin}/`) ? `corral-app://app${url.slice(bridgedOrigin.length)}` : url);

/** Bundles the Electron shell into `dir` (scripts/build-electron.ts) and returns the preload's source. */
export async function buildPreload(dir: string): Promise<string> {
  await promisify(execFile)(process.execPath, [path.join(repoRoot, 'scripts/build-electron.ts'), '--out', dir], { cwd: repoRoot });
  return fs.readFile(path.join(dir, 'electron/preload.cjs'), 'utf8');
}

/** Runs the CommonJS preload bundle with a stand-in for the sandbox's `require('electron')`. */
function fakeElectronPreload(preload: string): string {
  return `(() => {
  const listeners = new Map();
  window.__corralDeliver = (channel, message) => { for (const l of listeners.get(channel) ?? []) l({}, message); };
  const electron = {
    contextBridge: { exposeInMainWorld: (key, api) => Object.defineProperty(window, key, { value: Object.freeze(api) }) },
    // Electron knows where a dropped File lives on disk; the test tells this stand-in.
    webUtils: { getPathForFile: (file) => (window.__corralFilePaths ?? {})[file.name] ?? '' },
    ipcRenderer: {
      invoke: (channel, request) => window.__corralIpc('invoke', channel, request),
      send: (channel, message) => { void window.__corralIpc('send', channel, message); },
      on: (channel, listener) => { if (!listeners.has(channel)) listeners.set(channel, []); listeners.get(channel).push(listener); },
    },
  };
  const require = (name) => { if (name !== 'electron') throw new Error('the sandboxed preload required ' + name); return electron; };
  const module = { exports: {} };
  (function (require, module, exports) {\n${preload}\n})(require, module, module.exports);
})();`;
}

/**
 * A page in `browser` wired to `router` as the app's window would be (webContents id 1). It
 * has not navigated yet: `page.goto(`${bridgedOrigin}/index.html`)` loads the app.
 */
export async function bridgedPage(browser: Browser, options: { renderer: string; preload: string; router: IpcRouter }): Promise<Page> {
  const { renderer, router } = options;
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
  const preloadScript = fakeElectronPreload(options.preload);
  await page.route(`${bridgedOrigin}/**`, async (route) => {
    const url = route.request().url();
    if (url === `${bridgedOrigin}/__fake-electron-preload.js`) {
      return route.fulfill({ status: 200, contentType: 'text/javascript', body: preloadScript });
    }
    const response = await serveAppRequest(renderer, new Request(asAppUrl(url)));
    let body = Buffer.from(await response.arrayBuffer());
    if (response.headers.get('content-type')?.startsWith('text/html')) {
      body = Buffer.from(body.toString('utf8').replace('<head>', '<head><script src="/__fake-electron-preload.js"></script>'));
    }
    await route.fulfill({ status: response.status, headers: Object.fromEntries(response.headers), body });
  });
  // Messages to the page go out one evaluate each, in order (typed arrays included: Playwright
  // serialises them as such).
  const contents: RendererContents = {
    id: 1,
    send: (channel, message) => {
      void page.evaluate(([c, m]) => (globalThis as unknown as { __corralDeliver(c: string, m: unknown): void }).__corralDeliver(c, m), [channel, message] as const).catch(() => undefined);
    },
    isDestroyed: () => page.isClosed(),
    once: () => undefined,
  };
  await page.exposeBinding('__corralIpc', (source, kind: string, channel: string, payload: unknown) => {
    const frame = { url: asAppUrl(source.frame.url()), parent: source.frame.parentFrame() };
    if (kind === 'invoke' && channel === bridgeChannels.invoke) return router.invoke(frame, contents, payload);
    if (kind === 'send' && channel === bridgeChannels.send) return router.send(frame, contents, payload);
    if (kind === 'send' && channel === bridgeChannels.displaySend) return router.sendDisplay(frame, contents, payload);
    throw new Error(`unexpected ${kind} on ${channel}`);
  });
  return page;
}
