// The Drivers page: the installed drivers (version, whether each can run here and why not, how
// it is confined, switches for installed bundles) and installing a bundle, from a file picker
// (keyboard users) or by dropping it anywhere on the window. The engine refuses turning off or
// removing a driver while its instances run; its message is shown as it is.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { FileUp } from 'lucide-react';
import { useRef } from 'react';
import type { DriverInfo } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { keys, useDrivers } from '../../state/queries.ts';
import { useBundleInstall } from './store.ts';
import { bundleExtension, reviewBundleFile } from './review-file.ts';
import './drivers.css';

export function DriversPage() {
  return (
    <section aria-labelledby="drivers-title" className="drivers-page">
      <div className="section-head">
        <h1 id="drivers-title">Drivers</h1>
        <InstallButton />
      </div>
      <p className="page-intro">
        Each hypervisor driver runs in its own process. Install a driver bundle ({bundleExtension} file) with
        “Install from file…” or by dropping it on this window; you see what it asks for before anything is installed.
      </p>
      <DriverTable />
    </section>
  );
}

function InstallButton() {
  const input = useRef<HTMLInputElement>(null);
  const checking = useBundleInstall((s) => s.checking);
  return (
    <>
      <input
        ref={input} type="file" accept={bundleExtension} hidden aria-hidden tabIndex={-1} data-testid="bundle-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = ''; // picking the same file again still reacts
          if (file) void reviewBundleFile(file);
        }}
      />
      <button type="button" className="primary" disabled={checking !== undefined} onClick={() => input.current?.click()}>
        <FileUp aria-hidden size={16} />Install from file…
      </button>
    </>
  );
}

function confinement(driver: DriverInfo): string {
  if (driver.sandbox.state === 'built-in') return 'built in';
  if (driver.sandbox.state === 'sandboxed') return `sandboxed (${driver.sandbox.by})`;
  return `UNSANDBOXED: ${driver.sandbox.reason}`;
}

function DriverTable() {
  const drivers = useDrivers();
  const client = useQueryClient();
  const change = useMutation({
    mutationFn: ({ name, action }: { name: string; action: 'enable' | 'disable' | 'remove' }) =>
      action === 'remove' ? api.removeDriver({ name }) : api.setDriverEnabled({ name, enabled: action === 'enable' }),
    onSettled: () => client.invalidateQueries({ queryKey: keys.drivers }),
  });
  if (drivers.isPending) return <p role="status">Asking the drivers…</p>;
  if (drivers.isError) return <p role="alert">Could not list the drivers: {errorMessage(drivers.error)}</p>;
  return (
    <>
      {change.isError ? <p role="alert" className="field-error">{errorMessage(change.error)}</p> : null}
      <div className="table-scroll">
        <table className="drivers">
          <caption className="visually-hidden">Installed drivers</caption>
          <thead><tr><th scope="col">Driver</th><th scope="col">Version</th><th scope="col">Confinement</th><th scope="col">Can run here</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {drivers.data.map((d) => (
              <tr key={d.name} data-driver={d.name}>
                <th scope="row">{d.name}{d.description ? <span className="cell-note">{d.description}</span> : null}</th>
                <td data-label="Version">{d.version ?? '-'}</td>
                <td data-label="Confinement" className={d.sandbox.state === 'unsandboxed' ? 'warn-text' : undefined}>{confinement(d)}</td>
                <td data-label="Can run here">{d.available.ok ? 'yes' : `no: ${d.available.reason}`}</td>
                <td>
                  {d.sandbox.state === 'built-in' ? null : (
                    <div className="actions">
                      <button type="button" disabled={change.isPending} onClick={() => change.mutate({ name: d.name, action: d.enabled ? 'disable' : 'enable' })}>
                        {d.enabled ? `Disable ${d.name}` : `Enable ${d.name}`}
                      </button>
                      <button type="button" className="danger" disabled={change.isPending} onClick={() => change.mutate({ name: d.name, action: 'remove' })}>Remove {d.name}</button>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
