// The one app window and its session's hardening: the options, handlers and headers come from
// security.ts; this file only attaches them to Electron's objects. Those objects are passed in
// (main.ts hands over Electron's BrowserWindow and session), and only the little of them used
// here is typed, so window.test.ts checks the wiring in Node with stand-ins: no run-time
// `electron` import.
import type { BrowserWindowConstructorOptions, HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import { appEntryUrl, denyNavigation, denyPermissionCheck, denyPermissionRequest, denyWindowOpen, windowOptions } from './security.ts';
import { openLoopbackLink } from './external-links.ts';
import type { OpenExternal } from './external-links.ts';

interface Preventable { preventDefault(): void }

/** The part of a Session hardenSession touches. */
export interface HardenableSession {
  setPermissionRequestHandler(handler: typeof denyPermissionRequest): void;
  setPermissionCheckHandler(handler: typeof denyPermissionCheck): void;
  on(event: 'will-download', listener: (event: Preventable) => void): unknown;
}

/** The part of a BrowserWindow createMainWindow touches. */
export interface MainWindow {
  readonly webContents: {
    on(event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect' | 'will-attach-webview', listener: (event: Preventable, url?: string) => void): unknown;
    setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void;
  };
  once(event: 'ready-to-show', listener: () => void): unknown;
  show(): void;
  loadURL(url: string): Promise<void>;
}

export type MainWindowClass<W extends MainWindow> = new (options: BrowserWindowConstructorOptions) => W;

/** Permissions are per session: deny them before any page loads. */
export function hardenSession(session: HardenableSession): void {
  session.setPermissionRequestHandler(denyPermissionRequest);
  session.setPermissionCheckHandler(denyPermissionCheck);
  session.on('will-download', (event) => event.preventDefault());
}

/**
 * `openExternal` (Electron's shell.openExternal) receives a clicked loopback http(s) link, a
 * guest's forwarded port, to open in the system browser; the window still neither navigates
 * nor opens a window, for that link or any other.
 */
export function createMainWindow<W extends MainWindow>(WindowClass: MainWindowClass<W>, preload: string, openExternal?: OpenExternal): W {
  const window = new WindowClass(windowOptions(preload));
  const contents = window.webContents;
  // Renderer-initiated navigations of any frame, and redirects: none are wanted. loadURL and
  // reload() are browser-initiated and not affected.
  contents.on('will-navigate', (event, url) => {
    denyNavigation(event);
    if (url !== undefined) openLoopbackLink(url, openExternal);
  });
  contents.on('will-frame-navigate', denyNavigation);
  contents.on('will-redirect', denyNavigation);
  contents.on('will-attach-webview', denyNavigation);
  contents.setWindowOpenHandler((details) => {
    openLoopbackLink(details.url, openExternal);
    return denyWindowOpen(details);
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(appEntryUrl);
  return window;
}
