// The list toolbar's connection filter: shown once instances run on more than one connection.
import type { Instance } from '../../../src-main/api/contract.ts';
import { useListView } from '../instances/list-view.ts';
import { connectionOf } from './connection-of.ts';

export function ConnectionFilter({ instances }: { instances: readonly Instance[] }) {
  const view = useListView();
  const connections = [...new Set(instances.map(connectionOf))].sort();
  if (connections.length < 2 && view.connection === '') return null;
  return (
    <>
      <label className="visually-hidden" htmlFor="instance-connection-filter">Connection</label>
      <select id="instance-connection-filter" value={view.connection} onChange={(e) => view.set({ connection: e.target.value })}>
        <option value="">Any connection</option>
        {connections.map((c) => <option key={c} value={c}>{c}</option>)}
        {view.connection !== '' && !connections.includes(view.connection) ? <option value={view.connection}>{view.connection}</option> : null}
      </select>
    </>
  );
}
