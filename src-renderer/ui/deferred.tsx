// What the first screen (the instance list) does not need, in chunks of their own: the instance
// page (xterm for the console and terminals, the graphs, logs, snapshots, noVNC behind it), the
// Downloads, Drivers, Connections and Settings pages, and the dialogs. The list paints once the main chunk
// has run, without parsing these first; they are fetched right after, while the page is idle,
// so opening one does not wait for the network either.
//
// A chunk can fail to arrive: the engine was stopped or restarted while the page fetched it.
// React.lazy remembers a failed load for good, and an error thrown from it takes the whole page
// down, so each load here is patient: it tries again when the engine is back (or after a short
// wait), and only gives up, to ViewBoundary, after failing while the engine answers.
import { lazy } from 'react';
import type { ComponentType } from 'react';
import { link } from '../api/link.ts';

const loaders = {
  instancePage: () => import('../features/instances/InstancePage.tsx'),
  downloadsPage: () => import('../features/downloads/DownloadsPage.tsx'),
  driversPage: () => import('../features/drivers/DriversPage.tsx'),
  connectionsPage: () => import('../features/connections/ConnectionsPage.tsx'),
  settingsPage: () => import('../features/settings/SettingsPage.tsx'),
  createDialog: () => import('../features/instances/CreateDialog.tsx'),
  deleteDialog: () => import('../features/instances/DeleteDialog.tsx'),
  actionDialogs: () => import('../features/instances/ActionDialogs.tsx'),
  trustDialog: () => import('../features/drivers/TrustDialog.tsx'),
};

/** Failures while the engine is reachable before a load gives up (offline ones do not count). */
const ONLINE_ATTEMPTS = 4;

/** Resolves when the link comes back online or after `ms`, whichever is first. */
function engineBackOrAfter(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    const stop = link.on((state) => { if (state === 'online') done(); });
    function done() {
      clearTimeout(timer);
      stop();
      resolve();
    }
  });
}

async function patiently<T>(load: () => Promise<T>): Promise<T> {
  let onlineFailures = 0;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await load();
    } catch (error) {
      if (link.state === 'online' && ++onlineFailures >= ONLINE_ATTEMPTS) throw error;
      await engineBackOrAfter(Math.min(500 * 2 ** attempt, 5000));
    }
  }
}

function deferred<P extends object>(load: () => Promise<ComponentType<P>>) {
  return lazy(() => patiently(load).then((component) => ({ default: component })));
}

export const InstancePage = deferred(() => loaders.instancePage().then((m) => m.InstancePage));
export const DownloadsPage = deferred(() => loaders.downloadsPage().then((m) => m.DownloadsPage));
export const DriversPage = deferred(() => loaders.driversPage().then((m) => m.DriversPage));
export const ConnectionsPage = deferred(() => loaders.connectionsPage().then((m) => m.ConnectionsPage));
export const SettingsPage = deferred(() => loaders.settingsPage().then((m) => m.SettingsPage));
export const CreateDialog = deferred(() => loaders.createDialog().then((m) => m.CreateDialog));
export const DeleteDialog = deferred(() => loaders.deleteDialog().then((m) => m.DeleteDialog));
export const ActionDialogs = deferred(() => loaders.actionDialogs().then((m) => m.ActionDialogs));
export const TrustDialog = deferred(() => loaders.trustDialog().then((m) => m.TrustDialog));

/** Fetches every deferred chunk once the page is idle after its first paint (a module is fetched once, however often imported). */
export function preloadDeferred(): void {
  requestIdleCallback(() => {
    // A failed preload is only a missed head start: the component's own load tries again.
    for (const load of Object.values(loaders)) load().catch(() => undefined);
  }, { timeout: 2000 });
}
