// What `corral list` prints, whether the quick path (quick.ts) or the engine found the instances.
import type { InstanceSummary } from '../core/engine/inspect.ts';
import { guestLabel } from '../core/guest/status.ts';
import { formatSize, table } from './format.ts';

export function listText(instances: readonly InstanceSummary[], json: boolean): string {
  if (json) return JSON.stringify(instances, null, 2);
  if (instances.length === 0) return 'No instances. Create one with: corral create NAME --template FILE';
  return table(['NAME', 'STATUS', 'DRIVER', 'ARCH', 'CPUS', 'MEMORY', 'DISK'], instances.map((i) => [
    i.name, i.reason && i.state === 'Broken' ? `Broken (${i.reason})` : i.state === 'Running' ? guestLabel(i.guest) : i.state, i.vmType, i.arch, String(i.cpus), formatSize(i.memoryBytes), formatSize(i.diskBytes),
  ]));
}
