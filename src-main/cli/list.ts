// What `corral list` prints, whether the quick path (quick.ts) or the engine found the instances.
import type { InstanceSummary } from '../core/engine/inspect.ts';
import { guestLabel } from '../core/guest/status.ts';
import { formatSize, table } from './format.ts';

/** The list as a table (or JSON), only the instances on `connection` when one is named. */
export function listText(all: readonly InstanceSummary[], json: boolean, connection?: string): string {
  const instances = connection === undefined ? all : all.filter((i) => i.connection === connection);
  if (json) return JSON.stringify(instances, null, 2);
  if (instances.length === 0) return connection === undefined ? 'No instances. Create one with: corral create NAME --template FILE' : `No instances on connection ${connection}.`;
  return table(['NAME', 'STATUS', 'DRIVER', 'CONNECTION', 'ARCH', 'CPUS', 'MEMORY', 'DISK'], instances.map((i) => [
    i.name, i.reason && i.state === 'Broken' ? `Broken (${i.reason})` : i.state === 'Running' ? guestLabel(i.guest) : i.state, i.vmType ?? 'unknown', i.connection ?? 'unknown', i.arch, String(i.cpus), formatSize(i.memoryBytes), formatSize(i.diskBytes),
  ]));
}
