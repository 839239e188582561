// Above the instance list: search by name, filter by status and driver, and the button that
// opens the keyboard shortcuts. "/" puts the focus in the search field.
import { useEffect, useRef } from 'react';
import type { Instance } from '../../../src-main/api/contract.ts';
import { useListView } from './list-view.ts';
import { driverName } from './driver-name.ts';
import { ConnectionFilter } from '../connections/ConnectionFilter.tsx';
import { useShortcutHelp } from './shortcuts.ts';

const states = ['Running', 'Starting', 'Paused', 'Stopping', 'Stopped', 'Broken'] as const;

export function ListToolbar({ instances }: { instances: readonly Instance[] }) {
  const view = useListView();
  const openHelp = useShortcutHelp((s) => s.setOpen);
  const search = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (view.searchFocus > 0) search.current?.focus();
  }, [view.searchFocus]);
  const drivers = [...new Set(instances.map(driverName))].sort();
  return (
    <div className="list-toolbar" role="search">
      <label className="visually-hidden" htmlFor="instance-search">Search instances by name</label>
      <input
        ref={search}
        id="instance-search"
        type="search"
        placeholder="Search by name  ( / )"
        value={view.search}
        onChange={(e) => view.set({ search: e.target.value })}
        onKeyDown={(e) => { if (e.key === 'Escape' && view.search !== '') { e.preventDefault(); view.set({ search: '' }); } }}
        autoComplete="off"
        spellCheck={false}
      />
      <label className="visually-hidden" htmlFor="instance-state-filter">Status</label>
      <select id="instance-state-filter" value={view.state} onChange={(e) => view.set({ state: e.target.value })}>
        <option value="">Any status</option>
        {states.map((s) => <option key={s} value={s}>{s}</option>)}
      </select>
      <label className="visually-hidden" htmlFor="instance-driver-filter">Driver</label>
      <select id="instance-driver-filter" value={view.driver} onChange={(e) => view.set({ driver: e.target.value })}>
        <option value="">Any driver</option>
        {drivers.map((d) => <option key={d} value={d}>{d}</option>)}
        {view.driver !== '' && !drivers.includes(view.driver) ? <option value={view.driver}>{view.driver}</option> : null}
      </select>
      <ConnectionFilter instances={instances} />
      <button type="button" className="shortcut-help" onClick={() => openHelp(true)} aria-label="Keyboard shortcuts" title="Keyboard shortcuts ( ? )">
        <span aria-hidden="true">?</span>
      </button>
    </div>
  );
}
