// One instance: its name, status and actions above tabs (Overview, Console, Terminal, Display,
// Snapshots, Logs; Console, Display and Snapshots only when the driver can, and only Overview and
// Logs for a Broken instance the engine can only delete), so every view starts in the first screen.
// The tab is part of the address (#/instances/NAME/console), so reload and Back keep it.
import { Suspense, lazy } from 'react';
import type { Instance } from '../../../src-main/api/contract.ts';
import { useDrivers, useInstances } from '../../state/queries.ts';
import { useUi, type InstanceTab } from '../../state/ui.ts';
import { TabList, panelId, tabId } from '../../ui/TabList.tsx';
import { tabsFor } from './instance-tabs.ts';
import { brokenReason } from './broken-reason.ts';
import { driverName } from './driver-name.ts';
import { formatBytes } from '../../ui/format.ts';
import { FactList } from '../../ui/FactList.tsx';
import { ConsoleView } from '../console/ConsoleView.tsx';
import { DisplaySection, useDisplay } from '../display/DisplaySection.tsx';
import { needsWebSocketListener } from '../display/display-target.ts';
import { LogsView } from '../logs/LogsView.tsx';
import { SharedFoldersSection } from '../mounts/SharedFoldersSection.tsx';
import { PortsSection } from '../ports/PortsSection.tsx';
import { SnapshotsSection } from '../snapshots/SnapshotsSection.tsx';
import { StatsSection } from '../stats/StatsGraph.tsx';
import { StaleNote } from '../connection/StaleNote.tsx';
import { SshEndpoint } from '../terminal/SshEndpoint.tsx';
import { TerminalPanel } from '../terminal/TerminalPanel.tsx';
import { InstanceActions } from './InstanceActions.tsx';
import { capabilitiesOf, onlyDeletable } from './actions.ts';
import { sizesKnown } from './sizes-known.ts';
import { NoDisplay } from './NoDisplay.tsx';
import { useBusyInstances, usePerformAction } from './useInstanceAction.ts';
import { useShownOnce } from './shown-once.ts';
import { StatusBadge } from './StatusBadge.tsx';
import { NextStartNote } from './NextStartNote.tsx';
import { GuestSection } from './GuestSection.tsx';
import { InstanceDownloads } from '../downloads/InstanceDownloads.tsx';

const VncView = lazy(() => import('../display/VncView.tsx'));
const ids = 'instance';

export function InstancePage({ name, tab }: { name: string; tab: InstanceTab | undefined }) {
  const instances = useInstances();
  const drivers = useDrivers();
  const show = useUi((s) => s.show);
  const busy = useBusyInstances();
  const perform = usePerformAction();
  const consoleOpened = useShownOnce(tab === 'console');
  const instance = instances.data?.find((i) => i.name === name);
  const back = (
    <button type="button" className="link" onClick={() => show({ kind: 'list' })}>← All instances</button>
  );
  if (instances.isPending) return <section>{back}<p role="status">Loading…</p></section>;
  if (!instance) return <section>{back}<h1>{name}</h1><p>This instance no longer exists.</p></section>;
  const live = instance.state === 'Running' || instance.state === 'Paused';
  // One the engine can only delete has no views that need its driver or config: nothing but the Overview and Logs.
  const driverCapabilities = capabilitiesOf(drivers.data, instance.driver);
  const usable = !onlyDeletable(instance, driverCapabilities);
  const capabilities = usable ? driverCapabilities : null;
  // A screen needs both: a driver that has one, and a config that turned it on.
  const hasDisplay = (capabilities?.display.length ?? 0) > 0 && instance.display !== 'none';
  const broken = brokenReason(instance);
  const hasConsole = (capabilities?.console.length ?? 0) > 0;
  const hasSnapshots = capabilities?.snapshots === true;
  const tabs = tabsFor({ console: hasConsole, terminal: usable, display: hasDisplay, snapshots: hasSnapshots });
  // An address naming a tab this instance lacks (no display, no snapshots) shows the Overview.
  const current = tabs.find((t) => t.key === tab)?.key ?? 'overview';
  const select = (key: InstanceTab): void => show({ kind: 'instance', name: instance.name, tab: key });
  const panel = (key: InstanceTab) => ({ role: 'tabpanel', id: panelId(ids, key), 'aria-labelledby': tabId(ids, key), hidden: current !== key, className: 'tab-panel' });
  return (
    <section aria-labelledby="instance-title" className="instance-page">
      {back}
      <div className="section-head">
        <h1 id="instance-title">{instance.name}</h1>
        <StatusBadge instance={instance} />
      </div>
      <StaleNote />
      {/* On its own page, as in its row, a Broken instance says why in plain sight. */}
      {broken ? <p className="guest-problem broken-reason" data-testid="broken-reason">Corral cannot use this instance: {broken}</p> : null}
      <p className="facts">
        {/* An unreadable lima.yaml says no sizes: the engine's figures would be Lima's defaults. */}
        <FactList facts={sizesKnown(instance)
          ? [driverName(instance), instance.arch, `${instance.cpus} CPU${instance.cpus === 1 ? '' : 's'}`, `${formatBytes(instance.memoryBytes)} memory`, `${formatBytes(instance.diskBytes)} disk`, ...(instance.accelerator ? [instance.accelerator] : [])]
          : [instance.driver ?? 'driver unknown', 'size not known']} />
      </p>
      <NextStartNote instance={instance} />
      <InstanceActions instance={instance} capabilities={capabilities} busy={busy.has(instance.name)} onAction={perform} layout="page" />
      <InstanceDownloads name={instance.name} />
      <TabList label="Instance views" idPrefix={ids} tabs={tabs} selected={current} onSelect={select} />
      <div {...panel('overview')}>
        {current === 'overview' ? (
          <>
            <GuestSection instance={instance} />
            {instance.state === 'Running' ? <SshEndpoint instance={instance} /> : null}
            {capabilities?.stats ? <StatsSection instance={instance} /> : null}
            <SharedFoldersSection instance={instance} />
            {/* A Broken instance's config could not be read: whether it has a display is not known. */}
            {hasDisplay || instance.state === 'Broken' ? null : <NoDisplay instance={instance} capabilities={capabilities} />}
            <PortsSection instance={instance} />
          </>
        ) : null}
      </div>
      {/* The console and terminals stay mounted while hidden, so switching tabs keeps them attached;
          the console attaches when first opened (shown-once.ts). */}
      {hasConsole ? (
        <div {...panel('console')}>
          {consoleOpened ? <ConsoleView name={instance.name} running={live} /> : null}
        </div>
      ) : null}
      {usable ? (
        <div {...panel('terminal')}>
          <TerminalPanel instance={instance} />
        </div>
      ) : null}
      {hasDisplay ? (
        <div {...panel('display')}>
          {current === 'display' ? (
            <>
              <DisplaySection instance={instance} />
              <EmbeddedDisplay instance={instance} />
            </>
          ) : null}
        </div>
      ) : null}
      {hasSnapshots ? (
        <div {...panel('snapshots')}>
          {current === 'snapshots' ? <SnapshotsSection instance={instance} /> : null}
        </div>
      ) : null}
      <div {...panel('logs')}>
        {current === 'logs' ? <LogsView name={instance.name} /> : null}
      </div>
    </section>
  );
}

function EmbeddedDisplay({ instance }: { instance: Instance }) {
  const display = useDisplay(instance);
  if (instance.state !== 'Running' && instance.state !== 'Paused') {
    return <p>The display shows while the instance runs; it is {instance.state.toLowerCase()}.</p>;
  }
  if (display.isPending) return <p role="status">Asking the driver for the display…</p>;
  if (display.isError) return null; // the Display section above shows the engine's message
  if (display.data === null) return <p>This instance has no display (its template does not set <code>video.display: vnc</code>).</p>;
  if (display.data.websocketPort === undefined && needsWebSocketListener()) return <p>This display has no WebSocket listener; use the vnc:// address above with a VNC viewer.</p>;
  return (
    <Suspense fallback={<p role="status">Loading the display viewer…</p>}>
      <VncView key={`${instance.name}:${display.data.password}`} name={instance.name} password={display.data.password} />
    </Suspense>
  );
}
