// The instance table: name (opens the instance page), live status, driver, resources, actions.
import { useInstances } from '../../state/queries.ts';
import { useUi } from '../../state/ui.ts';
import { errorMessage } from '../../api/errors.ts';
import { formatBytes } from '../../ui/format.ts';
import { InstanceActions } from './InstanceActions.tsx';
import { StatusBadge } from './StatusBadge.tsx';
import { InstanceDownloads } from '../downloads/InstanceDownloads.tsx';

export function InstanceList() {
  const instances = useInstances();
  const show = useUi((s) => s.show);
  const setCreateOpen = useUi((s) => s.setCreateOpen);
  return (
    <section aria-labelledby="instances-title">
      <div className="section-head">
        <h1 id="instances-title">Instances</h1>
        <button type="button" className="primary" onClick={() => setCreateOpen(true)}>New instance…</button>
      </div>
      {instances.isPending ? <p role="status">Loading instances…</p> : null}
      {instances.isError ? <p role="alert">Could not list instances: {errorMessage(instances.error)}</p> : null}
      {instances.data?.length === 0 ? <p>No instances yet. Create one from a template with “New instance…”.</p> : null}
      {instances.data && instances.data.length > 0 ? (
        <table className="instances">
          <caption className="visually-hidden">Instances, their status and resources</caption>
          <thead>
            <tr>
              <th scope="col">Name</th><th scope="col">Status</th><th scope="col">Driver</th>
              <th scope="col">CPUs</th><th scope="col">Memory</th><th scope="col">Disk</th><th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {instances.data.map((instance) => (
              <tr key={instance.name} data-instance={instance.name}>
                <th scope="row">
                  <a href={`#/instances/${encodeURIComponent(instance.name)}`} onClick={(e) => {
                    e.preventDefault();
                    show({ kind: 'instance', name: instance.name });
                  }}>{instance.name}</a>
                </th>
                <td><StatusBadge instance={instance} /><InstanceDownloads name={instance.name} /></td>
                <td>{instance.driver}</td>
                <td>{instance.cpus}</td>
                <td>{formatBytes(instance.memoryBytes)}</td>
                <td>{formatBytes(instance.diskBytes)}</td>
                <td><InstanceActions instance={instance} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
