// What the first screen (the instance list) does not need, in chunks of their own: the instance
// page (xterm for the console and terminals, the graphs, logs, snapshots, noVNC behind it), the
// Downloads, Drivers, Connections and Settings pages, and the dialogs. The list paints once the main chunk
// has run, without parsing these first; they are fetched right after, while the page is idle,
// so opening one does not wait for the network either.
import { lazy } from 'react';

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

export const InstancePage = lazy(() => loaders.instancePage().then((m) => ({ default: m.InstancePage })));
export const DownloadsPage = lazy(() => loaders.downloadsPage().then((m) => ({ default: m.DownloadsPage })));
export const DriversPage = lazy(() => loaders.driversPage().then((m) => ({ default: m.DriversPage })));
export const ConnectionsPage = lazy(() => loaders.connectionsPage().then((m) => ({ default: m.ConnectionsPage })));
export const SettingsPage = lazy(() => loaders.settingsPage().then((m) => ({ default: m.SettingsPage })));
export const CreateDialog = lazy(() => loaders.createDialog().then((m) => ({ default: m.CreateDialog })));
export const DeleteDialog = lazy(() => loaders.deleteDialog().then((m) => ({ default: m.DeleteDialog })));
export const ActionDialogs = lazy(() => loaders.actionDialogs().then((m) => ({ default: m.ActionDialogs })));
export const TrustDialog = lazy(() => loaders.trustDialog().then((m) => ({ default: m.TrustDialog })));

/** Fetches every deferred chunk once the page is idle after its first paint (a module is fetched once, however often imported). */
export function preloadDeferred(): void {
  requestIdleCallback(() => {
    for (const load of Object.values(loaders)) void load();
  }, { timeout: 2000 });
}
