// The installed drivers: version, whether each can run here (and why not), how it is confined,
// and for installed bundles the switches to turn one off or remove it. The engine refuses
// either while the driver's instances run; its message is shown as it is.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { DriverInfo } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { keys, useDrivers } from '../../state/queries.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { bundleExtension } from './useBundleDrop.ts';

export function DriversDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} title="Drivers" onClose={onClose}>
      <DriverTable />
      <p className="help">To install a driver, drop its {bundleExtension} file on this window.</p>
      <div className="dialog-buttons"><button type="button" onClick={onClose}>Close</button></div>
    </Dialog>
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
  if (drivers.isPending) return <p>Asking the drivers…</p>;
  if (drivers.isError) return <p role="alert">Could not list the drivers: {errorMessage(drivers.error)}</p>;
  return (
    <>
      <table className="drivers">
        <thead><tr><th>Driver</th><th>Version</th><th>Confinement</th><th>Can run here</th><th><span className="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          {drivers.data.map((d) => (
            <tr key={d.name} data-driver={d.name}>
              <td>{d.name}</td>
              <td>{d.version ?? '-'}</td>
              <td>{confinement(d)}</td>
              <td>{d.available.ok ? 'yes' : `no: ${d.available.reason}`}</td>
              <td>
                {d.sandbox.state === 'built-in' ? null : (
                  <>
                    <button type="button" disabled={change.isPending} onClick={() => change.mutate({ name: d.name, action: d.enabled ? 'disable' : 'enable' })}>
                      {d.enabled ? `Disable ${d.name}` : `Enable ${d.name}`}
                    </button>
                    <button type="button" disabled={change.isPending} onClick={() => change.mutate({ name: d.name, action: 'remove' })}>Remove {d.name}</button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {change.isError ? <p role="alert" className="field-error">{errorMessage(change.error)}</p> : null}
    </>
  );
}
