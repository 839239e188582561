// One instance: its status and actions, where SSH reaches it, its display address and snapshots
// (each only when the driver can), and tabs for the serial console, SSH terminals and the
// embedded display.
import { Suspense, lazy, useState } from 'react';
import type { Instance } from '../../../src-main/api/contract.ts';
import { useDrivers, useInstances } from '../../state/queries.ts';
import { useUi } from '../../state/ui.ts';
import { formatBytes } from '../../ui/format.ts';
import { ConsoleView } from '../console/ConsoleView.tsx';
import { DisplaySection, useDisplay } from '../display/DisplaySection.tsx';
import { needsWebSocketListener } from '../display/display-target.ts';
import { LogsView } from '../logs/LogsView.tsx';
import { PortsSection } from '../ports/PortsSection.tsx';
import { SnapshotsSection } from '../snapshots/SnapshotsSection.tsx';
import { StatsSection } from '../stats/StatsGraph.tsx';
import { SshEndpoint } from '../terminal/SshEndpoint.tsx';
import { TerminalPanel } from '../terminal/TerminalPanel.tsx';
import { InstanceActions } from './InstanceActions.tsx';
import { capabilitiesOf } from './actions.ts';
import { NoDisplay } from './NoDisplay.tsx';
import { useBusyInstances, usePerformAction } from './useInstanceAction.ts';
import { StatusBadge } from './StatusBadge.tsx';
import { GuestSection } from './GuestSection.tsx';
import { InstanceDownloads } from '../downloads/InstanceDownloads.tsx';

const VncView = lazy(() => import('../display/VncView.tsx'));

type Tab = 'console' | 'terminal' | 'display' | 'logs';

export function InstancePage({ name }: { name: string }) {
  const instances = useInstances();
  const drivers = useDrivers();
  const [tab, setTab] = useState<Tab>('console');
  const show = useUi((s) => s.show);
  const busy = useBusyInstances();
  const perform = usePerformAction();
  const instance = instances.data?.find((i) => i.name === name);
  const back = (
    <button type="button" className="link" onClick={() => show({ kind: 'list' })}>← All instances</button>
  );
  if (instances.isPending) return <section>{back}<p role="status">Loading…</p></section>;
  if (!instance) return <section>{back}<h1>{name}</h1><p>This instance no longer exists.</p></section>;
  const live = instance.state === 'Running' || instance.state === 'Paused';
  const capabilities = capabilitiesOf(drivers.data, instance.driver);
  // A screen needs both: a driver that has one, and a config that turned it on.
  const hasDisplay = (capabilities?.display.length ?? 0) > 0 && instance.display !== 'none';
  const current: Tab = hasDisplay || tab !== 'display' ? tab : 'console';
  return (
    <section aria-labelledby="instance-title">
      {back}
      <div className="section-head">
        <h1 id="instance-title">{instance.name}</h1>
        <StatusBadge instance={instance} />
      </div>
      <p className="facts">
        {instance.driver} · {instance.arch} · {instance.cpus} CPU{instance.cpus === 1 ? '' : 's'} · {formatBytes(instance.memoryBytes)} memory · {formatBytes(instance.diskBytes)} disk
        {instance.accelerator ? ` · ${instance.accelerator}` : ''}
      </p>
      <GuestSection instance={instance} />
      <InstanceDownloads name={instance.name} />
      {instance.state === 'Running' ? <SshEndpoint instance={instance} /> : null}
      <InstanceActions instance={instance} capabilities={capabilities} busy={busy.has(instance.name)} onAction={perform} layout="page" />
      {capabilities?.stats ? <StatsSection instance={instance} /> : null}
      {hasDisplay ? <DisplaySection instance={instance} /> : <NoDisplay instance={instance} capabilities={capabilities} />}
      {capabilities?.snapshots ? <SnapshotsSection instance={instance} /> : null}
      <PortsSection instance={instance} />
      <div role="tablist" aria-label="Instance views" className="tabs">
        <button type="button" role="tab" id="tab-console" aria-selected={current === 'console'} aria-controls="panel-console" onClick={() => setTab('console')}>
          Serial console
        </button>
        <button type="button" role="tab" id="tab-terminal" aria-selected={current === 'terminal'} aria-controls="panel-terminal" onClick={() => setTab('terminal')}>
          Terminal
        </button>
        {hasDisplay ? (
          <button type="button" role="tab" id="tab-display" aria-selected={current === 'display'} aria-controls="panel-display" onClick={() => setTab('display')}>
            Display
          </button>
        ) : null}
        <button type="button" role="tab" id="tab-logs" aria-selected={current === 'logs'} aria-controls="panel-logs" onClick={() => setTab('logs')}>
          Logs
        </button>
      </div>
      <div role="tabpanel" id="panel-console" aria-labelledby="tab-console" hidden={current !== 'console'}>
        <ConsoleView name={instance.name} running={live} />
      </div>
      <div role="tabpanel" id="panel-terminal" aria-labelledby="tab-terminal" hidden={current !== 'terminal'}>
        <TerminalPanel instance={instance} />
      </div>
      {hasDisplay ? (
        <div role="tabpanel" id="panel-display" aria-labelledby="tab-display" hidden={current !== 'display'}>
          {current === 'display' ? <EmbeddedDisplay instance={instance} /> : null}
        </div>
      ) : null}
      <div role="tabpanel" id="panel-logs" aria-labelledby="tab-logs" hidden={current !== 'logs'}>
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
