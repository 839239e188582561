// A running VM keeps the CPUs, memory and disk it started with, as in Lima: when lima.yaml was
// edited since, the page's figures are the file's, and this says what the VM has until it restarts.
import type { Instance } from '../../../src-main/api/contract.ts';
import { formatBytes } from '../../ui/format.ts';

export function NextStartNote({ instance }: { instance: Instance }) {
  const started = instance.startedWith;
  if (!started || (instance.state !== 'Running' && instance.state !== 'Paused')) return null;
  const cpus = `${started.cpus} CPU${started.cpus === 1 ? '' : 's'}`;
  const memory = `${formatBytes(started.memoryBytes)} memory`;
  // An engine before disk sizes were kept does not say the disk's.
  const has = started.diskBytes === undefined ? `${cpus} and ${memory}` : `${cpus}, ${memory} and a ${formatBytes(started.diskBytes)} disk`;
  return (
    <p className="facts" data-testid="next-start">
      lima.yaml was edited since it started: these figures apply at the next start. Until then it has {has}.
    </p>
  );
}
