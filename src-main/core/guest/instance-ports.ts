// What `corral ports`, the API and the UI show: ports.json read against live facts. Its forwards
// are live only while the instance runs and the process that wrote it is alive; otherwise they
// are shown with the reason they are stale, never as working. A record written for an earlier
// boot (its bootId is not the instance's boot-id) is no record at all: after a restart the new
// boot's forwarding has not begun yet, and nothing the old one forwarded is to be restarted.
import { processAlive, readPortsFile } from './ports-file.ts';
import { readBootId } from './status.ts';
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
  const [record, bootId] = await Promise.all([readPortsFile(dir), readBootId(dir)]);
  if (state !== 'Running') {
    return { live: false, note: `Instance "${name}" is ${state}: nothing is forwarded.`, forwards: [], problems: [] };
  }
  if (!record || (bootId !== undefined && record.bootId !== undefined && record.bootId !== bootId)) {
    return { live: false, note: notYetForwarded(name), forwards: [], problems: [] };
  }
  const { forwards, problems, updatedAt, pid } = record;
  if (!processAlive(pid)) {
    return { live: false, note: `Stale: the process that forwarded these ports (pid ${pid}) has ended, so none of them answers; restart "${name}" to forward them again.`, forwards, problems, updatedAt };
  }
  return { live: true, forwards, problems, updatedAt };
}

/** Forwarding starts once the guest is ready and its SSH connection is up: until the first ports are bound, this. */
export function notYetForwarded(name: string): string {
  return `Ports of "${name}" are forwarded once its guest is ready and Corral has connected to it; they are listed here as they are bound.`;
}
