// The page frame: header, the current view, the shared dialogs and the notice bar.
import { DownloadsPage } from './features/downloads/DownloadsPage.tsx';
import { DownloadsPanel } from './features/downloads/DownloadsPanel.tsx';
import { DropOverlay } from './features/drivers/DropOverlay.tsx';
import { DriversDialog } from './features/drivers/DriversDialog.tsx';
import { TrustDialog } from './features/drivers/TrustDialog.tsx';
import { CreateDialog } from './features/instances/CreateDialog.tsx';
import { DeleteDialog } from './features/instances/DeleteDialog.tsx';
import { ActionDialogs } from './features/instances/ActionDialogs.tsx';
import { KeyboardShortcuts } from './features/instances/KeyboardShortcuts.tsx';
import { InstanceList } from './features/instances/InstanceList.tsx';
import { InstancePage } from './features/instances/InstancePage.tsx';
import { useEngineEvents } from './state/queries.ts';
import { useUi } from './state/ui.ts';
import { NoticeBar } from './ui/NoticeBar.tsx';
import { useState } from 'react';

export function App() {
  useEngineEvents();
  const view = useUi((s) => s.view);
  const [driversOpen, setDriversOpen] = useState(false);
  return (
    <>
      <header className="app-header">
        <span className="brand">Corral</span>
        <button type="button" onClick={() => setDriversOpen(true)}>Drivers</button>
      </header>
      <main>
        <NoticeBar />
        {view.kind === 'instance' ? <InstancePage key={view.name} name={view.name} /> : null}
        {view.kind === 'downloads' ? <DownloadsPage /> : null}
        {view.kind === 'list' || view.kind === 'drivers' || view.kind === 'settings' ? <InstanceList /> : null}
        {view.kind === 'downloads' ? null : <DownloadsPanel />}
      </main>
      <CreateDialog />
      <DeleteDialog />
      <ActionDialogs />
      <KeyboardShortcuts />
      <TrustDialog />
      <DriversDialog open={driversOpen} onClose={() => setDriversOpen(false)} />
      <DropOverlay />
    </>
  );
}
