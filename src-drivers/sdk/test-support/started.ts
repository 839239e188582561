// For tests of drivers that run their VMs on this host (QEMU): the pid start() reported, which
// the contract leaves optional (a daemon's VMs may have none here). A missing one fails the test.
import type { StartResult } from '../protocol.ts';

export function startedPid(result: StartResult): number {
  if (result.pid === undefined) throw new Error(`start() reported no pid: ${JSON.stringify(result)}`);
  return result.pid;
}
