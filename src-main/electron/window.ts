// The one app window and its session's hardening: the options, handlers and headers come from
// security.ts (tested in Node); this file only attaches them to Electron's objects.
import { BrowserWindow } from 'electron';
import type { Session } from 'electron';
import { appEntryUrl, denyNavigation, denyPermissionCheck, denyPermissionRequest, denyWindowOpen, windowOptions } from './security.ts';

/** Permissions are per session: deny them before any page loads. */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler(denyPermissionRequest);
  session.setPermissionCheckHandler(denyPermissionCheck);
  session.on('will-download', (event) => event.preventDefault());
}

export function createMainWindow(preload: string): BrowserWindow {
  const window = new BrowserWindow(windowOptions(preload));
  const contents = window.webContents;
  // Renderer-initiated navigations of any frame, and redirects: none are wanted. loadURL and
  // reload() are browser-initiated and not affected.
  contents.on('will-navigate', denyNavigation);
  contents.on('will-frame-navigate', denyNavigation);
  contents.on('will-redirect', denyNavigation);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(denyWindowOpen);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(appEntryUrl);
  return window;
}
