// The page frame: the sidebar, the connection banner, the current view, the shared dialogs and the notice bar.
import { ConnectionBanner } from './features/connection/ConnectionBanner.tsx';
import { ConnectionGate } from './features/connection/ConnectionGate.tsx';
import { DownloadsPage } from './features/downloads/DownloadsPage.tsx';
import { Notifier } from './features/notifications/Notifier.tsx';
import { DropOverlay } from './features/drivers/DropOverlay.tsx';
import { DriversPage } from './features/drivers/DriversPage.tsx';
import { ConnectionsPage } from './features/connections/ConnectionsPage.tsx';
import { TrustDialog } from './features/drivers/TrustDialog.tsx';
import { CreateDialog } from './features/instances/CreateDialog.tsx';
import { DeleteDialog } from './features/instances/DeleteDialog.tsx';
import { ActionDialogs } from './features/instances/ActionDialogs.tsx';
import { KeyboardShortcuts } from './features/instances/KeyboardShortcuts.tsx';
import { InstanceList } from './features/instances/InstanceList.tsx';
import { InstancePage } from './features/instances/InstancePage.tsx';
import { SettingsPage } from './features/settings/SettingsPage.tsx';
import { useEngineEvents } from './state/queries.ts';
import { useUi } from './state/ui.ts';
import { NoticeBar } from './ui/NoticeBar.tsx';
import { Sidebar } from './ui/Sidebar.tsx';

export function App() {
  useEngineEvents();
  const view = useUi((s) => s.view);
  return (
    <div className="app">
      <Sidebar />
      <main>
        <ConnectionBanner />
        <NoticeBar />
        <ConnectionGate>
          {view.kind === 'instance' ? <InstancePage key={view.name} name={view.name} /> : null}
          {view.kind === 'downloads' ? <DownloadsPage /> : null}
          {view.kind === 'drivers' ? <DriversPage /> : null}
          {view.kind === 'connections' ? <ConnectionsPage /> : null}
          {view.kind === 'settings' ? <SettingsPage /> : null}
          {view.kind === 'list' ? <InstanceList /> : null}
        </ConnectionGate>
        <Notifier />
      </main>
      <CreateDialog />
      <DeleteDialog />
      <ActionDialogs />
      <KeyboardShortcuts />
      <TrustDialog />
      <DropOverlay />
    </div>
  );
}
