// The window's security settings as plain data and pure functions (Electron's security
// checklist), kept free of a run-time `electron` import so node:test can check every one of
// them here, where no Electron binary runs. window.ts and ipc.ts only wire them up.
import type { BrowserWindowConstructorOptions, CustomScheme, HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import { contentSecurityPolicy as pageCsp, securityHeaders as pageSecurityHeaders } from '../app-files/headers.ts';

/** The app's own scheme; registered as standard + secure so it has a real origin. */
export const appScheme = 'corral-app';
export const appHost = 'app';
export const appEntryUrl = `${appScheme}://${appHost}/index.html`;

/**
 * standard: a real origin, so relative URLs, 'self' in the CSP and the sender check work;
 * secure: a secure context like https; supportFetchAPI + corsEnabled: Vite's module scripts
 * load with CORS mode. Never bypassCSP: the CSP below must hold for the app's own pages.
 */
export const appSchemes: CustomScheme[] = [{
  scheme: appScheme,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true },
}];

/**
 * The page's CSP (src-main/app-files/headers.ts), tighter than the web shell's: the page reaches
 * the engine only through the preload bridge, so connect-src is 'none' (no fetch, no WebSocket
 * at all), and no objects, workers or frames either.
 */
export const contentSecurityPolicy = pageCsp({
  'connect-src': "'none'", 'object-src': "'none'", 'worker-src': "'none'", 'frame-src': "'none'",
});

/** Headers for every response of the app scheme. */
export const securityHeaders = pageSecurityHeaders(contentSecurityPolicy);

export function windowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 800,
    minWidth: 640,
    minHeight: 480,
    title: 'Corral',
    show: false, // shown on ready-to-show: no white flash
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  };
}

/** True for a URL of the app's own origin (scheme and host; no credentials, no port). */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${appScheme}:` && parsed.host === appHost && parsed.username === '' && parsed.password === '';
}

/** The part of Electron's WebFrameMain the sender check reads. */
export interface SenderFrame {
  readonly url: string;
  readonly parent: unknown;
}

/**
 * Every IPC message must come from the app's own top-level frame. A null frame (navigated
 * away or destroyed), a subframe, or any other origin is refused.
 */
export function senderAllowed(frame: SenderFrame | null | undefined): boolean {
  return frame != null && frame.parent === null && isAppUrl(frame.url);
}

/** will-navigate / will-frame-navigate / will-redirect: the app is one page; nothing navigates it. */
export function denyNavigation(event: { preventDefault(): void }): void {
  event.preventDefault();
}

/** setWindowOpenHandler: no new windows, whatever the URL. */
export function denyWindowOpen(_details?: HandlerDetails): WindowOpenHandlerResponse {
  return { action: 'deny' };
}

/** setPermissionRequestHandler: the app needs no permission (camera, notifications, ...). */
export function denyPermissionRequest(_webContents: unknown, _permission: string, callback: (granted: boolean) => void): void {
  callback(false);
}

/** setPermissionCheckHandler. */
export function denyPermissionCheck(): boolean {
  return false;
}
