// The Electron shell's main process: one instance, one window, the Engine in-process with
// drivers in utility processes. Quitting closes the engine, which ends the driver processes;
// the VMs are detached and keep running (the next start re-attaches to them).
import { app, BrowserWindow, protocol, session, shell } from 'electron';
import { Engine } from '../core/engine.ts';
import { engineApi } from '../engine-api/engine-api.ts';
import { serveAppRequest } from './app-files.ts';
import { registerIpc } from './ipc.ts';
import { shellPaths } from './paths.ts';
import { appScheme, appSchemes } from './security.ts';
import { utilityDriverProcess } from './utility-driver-process.ts';
import { createMainWindow, hardenSession } from './window.ts';

// Must happen before `ready`, and only once.
protocol.registerSchemesAsPrivileged(appSchemes);

if (!app.requestSingleInstanceLock()) {
  app.quit(); // another Corral window is open: it is focused by its own second-instance handler
} else {
  run().catch((error: unknown) => {
    console.error('corral: could not start:', error);
    app.exit(1);
  });
}

async function run(): Promise<void> {
  let window: BrowserWindow | undefined;
  app.on('second-instance', () => {
    if (!window || window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  await app.whenReady();

  const paths = shellPaths(app.getAppPath());
  hardenSession(session.defaultSession);
  protocol.handle(appScheme, (request) => serveAppRequest(paths.renderer, request));

  // utilityProcess cannot run TypeScript: the built-in drivers run from their bundles.
  const engine = new Engine({ spawn: utilityDriverProcess, builtinDrivers: paths.drivers, hostAgent: paths.hostAgent });
  engine.watch(); // the CLI and `corral serve` change the store too: show it live
  const stopIpc = registerIpc(engineApi(engine));

  // A forwarded port's link opens in the system browser (createMainWindow lets only loopback http(s) through).
  const openInBrowser = (url: string): void => void shell.openExternal(url);
  window = createMainWindow(BrowserWindow, paths.preload, openInBrowser);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) window = createMainWindow(BrowserWindow, paths.preload, openInBrowser);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let closing = false;
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault(); // wait for the driver processes to end, then quit for real
    if (closing) return;
    closing = true;
    stopIpc();
    engine.close()
      .catch((error: unknown) => console.error('corral: engine close failed:', error))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });
}
