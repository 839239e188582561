// The window's and session's wiring, in Node with stand-ins for Electron's objects: each
// handler security.ts defines must really be attached, so removing any line of window.ts
// fails here. The stand-ins are EventEmitters, as Electron's are, and the test fires the
// events the way Electron would.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { BrowserWindowConstructorOptions, HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import { appEntryUrl, windowOptions } from './security.ts';
import type { denyPermissionCheck, denyPermissionRequest } from './security.ts';
import { createMainWindow, hardenSession } from './window.ts';

class FakeContents extends EventEmitter {
  openHandler: ((details: HandlerDetails) => WindowOpenHandlerResponse) | undefined;
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void {
    this.openHandler = handler;
  }
}

class FakeWindow extends EventEmitter {
  readonly webContents = new FakeContents();
  readonly loaded: string[] = [];
  shown = false;
  readonly options: BrowserWindowConstructorOptions;
  constructor(options: BrowserWindowConstructorOptions) {
    super();
    this.options = options;
  }
  show(): void {
    this.shown = true;
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
  }
}

class FakeSession extends EventEmitter {
  requestHandler: typeof denyPermissionRequest | undefined;
  checkHandler: typeof denyPermissionCheck | undefined;
  setPermissionRequestHandler(handler: typeof denyPermissionRequest): void {
    this.requestHandler = handler;
  }
  setPermissionCheckHandler(handler: typeof denyPermissionCheck): void {
    this.checkHandler = handler;
  }
}

/** Fires `event` as Electron does and says whether a listener prevented it. */
function prevented(emitter: EventEmitter, event: string, ...args: unknown[]): boolean {
  let defaultPrevented = false;
  emitter.emit(event, { preventDefault: () => { defaultPrevented = true; } }, ...args);
  return defaultPrevented;
}

const openDetails = (url: string): HandlerDetails => ({ url, frameName: '', features: '', disposition: 'new-window', referrer: { url: appEntryUrl, policy: 'no-referrer' } });

describe('main window wiring', () => {
  it('is built with the hardened options and loads the app from its own scheme', () => {
    const window = createMainWindow(FakeWindow, '/app/dist/electron/preload.cjs');
    assert.deepEqual(window.options, windowOptions('/app/dist/electron/preload.cjs'));
    assert.deepEqual(window.loaded, [appEntryUrl]);
  });

  it('stops every renderer-initiated navigation, redirect and webview attach', () => {
    const contents = createMainWindow(FakeWindow, '/p.cjs').webContents;
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      assert.equal(prevented(contents, event, 'https://example.com/'), true, `${event} is prevented`);
    }
  });

  it('denies window.open for any URL', () => {
    const contents = createMainWindow(FakeWindow, '/p.cjs').webContents;
    assert.ok(contents.openHandler, 'a window-open handler is installed');
    for (const url of ['https://example.com/', appEntryUrl, 'about:blank']) assert.deepEqual(contents.openHandler(openDetails(url)), { action: 'deny' }, url);
  });

  it('shows the window only once it is ready to show', () => {
    const window = createMainWindow(FakeWindow, '/p.cjs');
    assert.equal(window.shown, false);
    window.emit('ready-to-show');
    assert.equal(window.shown, true);
  });
});

describe('links to a guest’s forwarded ports', () => {
  const loopback = ['http://127.0.0.1:8080/', 'https://127.0.0.1:8443/app?x=1', 'http://localhost:3000/', 'http://[::1]:9000/'];
  const others = ['https://example.com/', 'http://10.0.2.15:80/', 'http://127.0.0.1.example.com/', 'http://user:pw@127.0.0.1:8080/',
    'file:///etc/passwd', 'javascript:alert(1)', 'ftp://127.0.0.1/', appEntryUrl, 'about:blank', 'not a url'];

  it('a clicked loopback http(s) link (target=_blank) opens in the system browser; the window opens nothing', () => {
    const opened: string[] = [];
    const contents = createMainWindow(FakeWindow, '/p.cjs', (url) => opened.push(url)).webContents;
    assert.ok(contents.openHandler);
    for (const url of [...loopback, ...others]) assert.deepEqual(contents.openHandler(openDetails(url)), { action: 'deny' }, url);
    assert.deepEqual(opened, loopback, 'only the loopback http(s) links reach the system browser');
  });

  it('a loopback link followed in the page itself is opened outside too, and the window stays', () => {
    const opened: string[] = [];
    const contents = createMainWindow(FakeWindow, '/p.cjs', (url) => opened.push(url)).webContents;
    for (const url of [...loopback, ...others]) assert.equal(prevented(contents, 'will-navigate', url), true, url);
    assert.deepEqual(opened, loopback);
    // Redirects and subframe navigations never reach the system browser.
    prevented(contents, 'will-redirect', loopback[0]);
    prevented(contents, 'will-frame-navigate', loopback[0]);
    assert.deepEqual(opened, loopback);
  });
});

describe('session hardening', () => {
  it('denies every permission request and check, and every download', () => {
    const session = new FakeSession();
    hardenSession(session);
    assert.ok(session.requestHandler && session.checkHandler, 'both permission handlers are installed');
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      let granted: boolean | undefined;
      session.requestHandler(undefined, permission, (answer) => { granted = answer; });
      assert.equal(granted, false, permission);
    }
    assert.equal(session.checkHandler(), false);
    assert.equal(prevented(session, 'will-download'), true, 'downloads are cancelled');
  });
});
