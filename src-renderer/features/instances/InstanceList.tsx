// The instance table: name (opens the instance page), live status, driver, resources, actions;
// searched, filtered and sorted by the toolbar and the column headers (list-view.ts). At a
// phone's width a row is one line: name, status, its main action and the menu.
// Rows are memoized with stable props (the instance object keeps its identity until it
// changes, the handlers are the same functions for every row), so a pushed status change
// re-renders one row, not 200.
import { memo, useCallback, useMemo } from 'react';
import type { MouseEvent } from 'react';
import type { Instance } from '../../../src-main/api/contract.ts';
import { useDrivers, useInstances } from '../../state/queries.ts';
import { useUi } from '../../state/ui.ts';
import { errorMessage } from '../../api/errors.ts';
import { InstanceActions } from './InstanceActions.tsx';
import { capabilitiesOf } from './actions.ts';
import type { ActionId, DriverCapabilities } from './actions.ts';
import { StatusBadge } from './StatusBadge.tsx';
import { NextStartHint, RunningFigureCell } from './RunningFigureCell.tsx';
import { brokenReason } from './broken-reason.ts';
import { sizesKnown } from './sizes-known.ts';
import { driverName } from './driver-name.ts';
import { InstanceDownloads } from '../downloads/InstanceDownloads.tsx';
import { CpuFigure } from '../stats/CpuFigure.tsx';
import { useBusyInstances, usePerformAction } from './useInstanceAction.ts';
import { ListToolbar } from './ListToolbar.tsx';
import { StaleNote } from '../connection/StaleNote.tsx';
import { ConnectionNote } from '../connections/ConnectionNote.tsx';
import { useOnline } from '../connection/store.ts';
import { isFiltered, useListView, visibleInstances } from './list-view.ts';
import type { SortColumn } from './list-view.ts';
import './instances.css';

const noInstances: Instance[] = [];

const columns: { id: SortColumn; label: string; detail: boolean }[] = [
  { id: 'name', label: 'Name', detail: false },
  { id: 'state', label: 'Status', detail: false },
  { id: 'driver', label: 'Driver', detail: true },
  { id: 'cpus', label: 'CPUs', detail: true },
  { id: 'memory', label: 'Memory', detail: true },
  { id: 'disk', label: 'Disk', detail: true },
];

export function InstanceList() {
  const instances = useInstances();
  const drivers = useDrivers();
  const busy = useBusyInstances();
  const perform = usePerformAction();
  const show = useUi((s) => s.show);
  const setCreateOpen = useUi((s) => s.setCreateOpen);
  const view = useListView();
  const online = useOnline();
  const all = instances.data ?? noInstances;
  const { search, state, driver, connection, sort, descending } = view;
  const shown = useMemo(() => visibleInstances(all, { search, state, driver, connection, sort, descending }), [all, search, state, driver, connection, sort, descending]);
  const open = useCallback((event: MouseEvent<HTMLAnchorElement>, name: string) => {
    event.preventDefault();
    show({ kind: 'instance', name });
  }, [show]);
  return (
    // data-list: where the list call stands (pending, error, success), for the specs to wait on.
    <section aria-labelledby="instances-title" data-list={instances.status}>
      <div className="section-head">
        <h1 id="instances-title">Instances</h1>
        <button type="button" className="primary" onClick={() => setCreateOpen(true)}>New instance…</button>
      </div>
      {all.length > 0 ? <StaleNote /> : null}
      {instances.isPending ? <p role="status">Loading instances…</p> : null}
      {/* Unreachable or no longer authorised: the banner says so and what to do; a list error would only repeat it, stale. */}
      {instances.isError && online ? <p role="alert">Could not list instances: {errorMessage(instances.error)}</p> : null}
      {instances.data?.length === 0 ? <p>No instances yet. Create one from a template with “New instance…”.</p> : null}
      {all.length > 0 ? <ListToolbar instances={all} /> : null}
      {all.length > 0 && isFiltered(view) ? (
        <p className="list-count" role="status">
          {shown.length === 0 ? 'No instance matches.' : `Showing ${shown.length} of ${all.length}.`}
          {' '}<button type="button" className="link" onClick={view.clear}>Clear filters</button>
        </p>
      ) : null}
      {shown.length > 0 ? (
        <table className="instances instance-list">
          <caption className="visually-hidden">Instances, their status and resources</caption>
          <thead>
            <tr>
              {columns.map((c) => {
                const sorted = view.sort === c.id;
                return (
                  <th key={c.id} scope="col" className={c.detail ? 'col-detail' : undefined} aria-sort={sorted ? (view.descending ? 'descending' : 'ascending') : undefined}>
                    <button type="button" className="sort" onClick={() => view.sortBy(c.id)}>
                      {c.label}
                      <span aria-hidden="true" className="sort-mark">{sorted ? (view.descending ? ' ▼' : ' ▲') : ''}</span>
                    </button>
                  </th>
                );
              })}
              <th scope="col"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {shown.map((instance) => (
              <InstanceRow
                key={instance.name}
                instance={instance}
                capabilities={capabilitiesOf(drivers.data, instance.driver)}
                busy={busy.has(instance.name)}
                onAction={perform}
                onOpen={open}
              />
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

interface RowProps {
  instance: Instance;
  capabilities: DriverCapabilities;
  busy: boolean;
  onAction: (id: ActionId, instance: Instance) => void;
  onOpen: (event: MouseEvent<HTMLAnchorElement>, name: string) => void;
}

/** A failure that makes its row taller (a row at the bottom of a long list) is scrolled into view, not below it. */
function showWhole(element: HTMLElement | null): void {
  element?.scrollIntoView({ block: 'nearest' });
}

/** A Broken row says why in plain sight, wrapping within its cell: a user scanning the list does not hover. */
function BrokenNote({ instance }: { instance: Instance }) {
  const reason = brokenReason(instance);
  return reason ? <p className="row-error broken-reason" data-testid={`broken-${instance.name}`}>{reason}</p> : null;
}

const InstanceRow = memo(function InstanceRow({ instance, capabilities, busy, onAction, onOpen }: RowProps) {
  // Only the row the last failure is about re-renders when a notice comes or goes.
  const failure = useUi((s) => (s.notice?.kind === 'error' && s.notice.instance === instance.name ? s.notice.text : undefined));
  return (
    <tr data-instance={instance.name}>
      <th scope="row">
        <a href={`#/instances/${encodeURIComponent(instance.name)}`} onClick={(e) => onOpen(e, instance.name)}>{instance.name}</a>
        <ConnectionNote instance={instance} phone />
        <NextStartHint instance={instance} />
      </th>
      <td>
        <StatusBadge instance={instance} />
        <BrokenNote instance={instance} />
        {capabilities?.stats ? <CpuFigure name={instance.name} state={instance.state} /> : null}
        <InstanceDownloads name={instance.name} />
        {failure ? <p className="row-error" data-testid={`error-${instance.name}`} ref={showWhole}>{failure}</p> : null}
      </td>
      <td className="col-detail">{driverName(instance)}<ConnectionNote instance={instance} /></td>
      {!sizesKnown(instance) ? [1, 2, 3].map((cell) => <td key={cell} className="col-detail"><NotKnown /></td>) : (
        <>
          <RunningFigureCell instance={instance} figure="cpus" />
          <RunningFigureCell instance={instance} figure="memory" />
          <RunningFigureCell instance={instance} figure="disk" />
        </>
      )}
      <td className="col-actions"><InstanceActions instance={instance} capabilities={capabilities} busy={busy} onAction={onAction} /></td>
    </tr>
  );
});

/** A figure the engine cannot know: a dash to see, words to hear. */
function NotKnown() {
  return <><span aria-hidden="true">—</span><span className="visually-hidden">not known</span></>;
}
