// The Connections page: where VMs run. This machine ("local"), each installed driver's default
// connection, and the named libvirt connections the user added (a URI, tested before it is
// kept); a named one can be tested again or removed (the engine refuses while instances use it,
// and its message is shown as it is).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import type { ConnectionInfo, ConnectionTest } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { keys } from '../../state/queries.ts';
import { connectionsKey, useConnections } from './queries.ts';
import './connections.css';

export function ConnectionsPage() {
  return (
    <section aria-labelledby="connections-title" className="connections-page">
      <div className="section-head"><h1 id="connections-title">Connections</h1></div>
      <p className="page-intro">
        Where your instances run: this machine, or a libvirt host reached by its URI (for example
        qemu+ssh://user@host/system). A connection is added only once it answers and can run QEMU VMs.
      </p>
      <ConnectionTable />
      <AddConnection />
    </section>
  );
}

function settingsText(connection: ConnectionInfo): string {
  if (connection.kind === 'local') return 'this machine';
  if (connection.kind === 'default') return `the ${connection.driver} driver's default`;
  return Object.entries(connection.settings).map(([key, value]) => `${key} ${String(value)}`).join(', ');
}

function testLine(test: ConnectionTest): string {
  return test.ok ? `${test.name} works: ${test.description}` : `${test.name} does not work: ${test.reason ?? 'unavailable'}`;
}

function ConnectionTable() {
  const connections = useConnections();
  const client = useQueryClient();
  const test = useMutation({ mutationFn: (name: string) => api.testConnection({ name }) });
  const remove = useMutation({
    mutationFn: (name: string) => api.removeConnection({ name }),
    onSettled: () => client.invalidateQueries({ queryKey: connectionsKey }),
  });
  if (connections.isPending) return <p role="status">Loading connections…</p>;
  if (connections.isError) return <p role="alert">Could not list the connections: {errorMessage(connections.error)}</p>;
  const busy = test.isPending || remove.isPending;
  return (
    <>
      <div aria-live="polite">
        {test.isPending ? <p role="status">Connecting to {test.variables}…</p> : null}
        {test.data ? <p role="status" className={test.data.ok ? undefined : "warn-text"}>{testLine(test.data)}</p> : null}
      </div>
      {test.isError ? <p role="alert" className="field-error">{errorMessage(test.error)}</p> : null}
      {remove.isError ? <p role="alert" className="field-error">{errorMessage(remove.error)}</p> : null}
      <div className="table-scroll">
        <table className="drivers connections">
          <caption className="visually-hidden">Connections</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Driver</th><th scope="col">Where</th><th scope="col">Instances</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {connections.data.map((c) => (
              <tr key={c.name} data-connection={c.name}>
                <th scope="row">{c.name}</th>
                <td data-label="Driver">{c.driver}</td>
                <td data-label="Where" className="connection-where">{settingsText(c)}</td>
                <td data-label="Instances">{c.instances.join(', ') || '-'}</td>
                <td>
                  <div className="actions">
                    <button type="button" disabled={busy} onClick={() => test.mutate(c.name)}>Test {c.name}</button>
                    {c.kind === 'named' ? <button type="button" className="danger" disabled={busy} onClick={() => remove.mutate(c.name)}>Remove {c.name}</button> : null}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function AddConnection() {
  const id = useId();
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [uri, setUri] = useState('');
  const add = useMutation({
    mutationFn: () => api.addConnection({ name: name.trim(), uri: uri.trim() }),
    onSuccess: () => {
      setName('');
      setUri('');
      void client.invalidateQueries({ queryKey: connectionsKey });
      void client.invalidateQueries({ queryKey: keys.instances });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <form className="form add-connection" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Add a libvirt connection</h2>
      <label htmlFor={`${id}-name`}>Name</label>
      <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required pattern="[a-z][a-z0-9\-]{0,31}" aria-describedby={`${id}-name-help`} autoComplete="off" spellCheck={false} />
      <p id={`${id}-name-help`} className="help">Lower-case letters, digits and “-”, starting with a letter, e.g. lab-server.</p>
      <label htmlFor={`${id}-uri`}>libvirt URI</label>
      <input id={`${id}-uri`} value={uri} onChange={(e) => setUri(e.target.value)} required placeholder="qemu+ssh://user@host/system" aria-describedby={`${id}-uri-help`} autoComplete="off" spellCheck={false} />
      <p id={`${id}-uri-help`} className="help">Reached with your SSH key; the host needs libvirt with its QEMU driver.</p>
      <div aria-live="polite">
        {add.isPending ? <p role="status">Connecting…</p> : null}
        {add.data ? <p role="status">Added {add.data.name}: {add.data.description}</p> : null}
      </div>
      {add.isError ? <p role="alert" className="field-error">{errorMessage(add.error)}</p> : null}
      <div><button type="submit" className="primary" disabled={add.isPending}>Test and add</button></div>
    </form>
  );
}
