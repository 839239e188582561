// What `corral ports`, the API and the UI show: ports.json read against live facts. Its forwards
// are live only while the instance runs and the process that wrote it is alive; otherwise they
// are shown with the reason they are stale, never as working.
import { processAlive, readPortsFile } from './ports-file.ts';
import type { PortForward, PortProblem } from './ports-file.ts';

export interface InstancePorts {
  /** True when the forwards listed answer now. */
  live: boolean;
  /** Why nothing (or nothing live) is listed: a sentence for people. */
  note?: string;
  forwards: PortForward[];
  problems: PortProblem[];
  updatedAt?: string;
}

export async function instancePorts(dir: string, name: string, state: string): Promise<InstancePorts> {
  const record = await readPortsFile(dir);
  if (state !== 'Running') {
    return { live: false, note: `Instance "${name}" is ${state}: nothing is forwarded.`, forwards: [], problems: [] };
  }
  if (!record) return { live: false, note: `No port forwarding has run for "${name}" since it started.`, forwards: [], problems: [] };
  const { forwards, problems, updatedAt, pid } = record;
  if (!processAlive(pid)) {
    return { live: false, note: `Stale: the process that forwarded these ports (pid ${pid}) has ended, so none of them answers; restart "${name}" to forward them again.`, forwards, problems, updatedAt };
  }
  return { live: true, forwards, problems, updatedAt };
}
