// The page frame: the sidebar, the connection banner, the current view, the shared dialogs and the notice bar.
// Everything but the list is in chunks loaded after the first paint (ui/deferred.tsx).
import { Suspense, useEffect } from 'react';
import { ConnectionBanner } from './features/connection/ConnectionBanner.tsx';
import { ConnectionGate } from './features/connection/ConnectionGate.tsx';
import { Notifier } from './features/notifications/Notifier.tsx';
import { DropOverlay } from './features/drivers/DropOverlay.tsx';
import { KeyboardShortcuts } from './features/instances/KeyboardShortcuts.tsx';
import { InstanceList } from './features/instances/InstanceList.tsx';
import { useEngineEvents } from './state/queries.ts';
import { useUi } from './state/ui.ts';
import { NoticeBar } from './ui/NoticeBar.tsx';
import { Sidebar } from './ui/Sidebar.tsx';
import { ViewBoundary } from './ui/ViewBoundary.tsx';
import { ActionDialogs, ConnectionsPage, CreateDialog, DeleteDialog, DownloadsPage, DriversPage, InstancePage, SettingsPage, TrustDialog, preloadDeferred } from './ui/deferred.tsx';

export function App() {
  useEngineEvents();
  const view = useUi((s) => s.view);
  useEffect(preloadDeferred, []);
  return (
    <div className="app">
      <Sidebar />
      <main>
        <ConnectionBanner />
        <NoticeBar />
        <ConnectionGate>
          <ViewBoundary what="This page" resetKey={JSON.stringify(view)}>
            <Suspense fallback={<p role="status">Loading…</p>}>
              {view.kind === 'instance' ? <InstancePage key={view.name} name={view.name} tab={view.tab} /> : null}
              {view.kind === 'downloads' ? <DownloadsPage /> : null}
              {view.kind === 'drivers' ? <DriversPage /> : null}
              {view.kind === 'connections' ? <ConnectionsPage /> : null}
              {view.kind === 'settings' ? <SettingsPage /> : null}
              {view.kind === 'list' ? <InstanceList /> : null}
            </Suspense>
          </ViewBoundary>
        </ConnectionGate>
        <Notifier />
      </main>
      <ViewBoundary what="A dialog">
        <Suspense fallback={null}>
          <CreateDialog />
          <DeleteDialog />
          <ActionDialogs />
          <TrustDialog />
        </Suspense>
      </ViewBoundary>
      <KeyboardShortcuts />
      <DropOverlay />
    </div>
  );
}
