// The create dialog's connection picker, beside the driver: shown when the chosen driver has
// named connections (a libvirt host elsewhere); unset, the driver's own default connection.
import { useConnections } from './queries.ts';

interface Props {
  id: string;
  /** The driver the instance will use (chosen, or the template's). */
  driver: string | undefined;
  value: string;
  onChange(connection: string): void;
}

export function ConnectionPicker({ id, driver, value, onChange }: Props) {
  const connections = useConnections();
  const named = connections.data?.filter((c) => c.kind === 'named' && c.driver === driver) ?? [];
  if (named.length === 0) return null;
  return (
    <>
      <label htmlFor={id}>Connection</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} aria-describedby={`${id}-help`}>
        <option value="">{driver === 'qemu' ? 'This machine (local)' : `The ${driver ?? ''} driver's default`}</option>
        {named.map((c) => <option key={c.name} value={c.name}>{c.name} ({Object.values(c.settings).map(String).join(', ')})</option>)}
      </select>
      <p id={`${id}-help`} className="help">Where the instance runs; add connections on the Connections page.</p>
    </>
  );
}
