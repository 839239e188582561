// The QEMU driver's live figures: CPU and memory of the QEMU process from /proc (the SDK's
// processSampler), disk totals from QMP query-blockstats, asked in one short conversation
// per sample (monitor.ts: the monitor is never held). Network: the kernel's TCP counters of the
// QEMU process's own sockets (net-stats.ts says why: QEMU 7.2 keeps no counters for its
// user-mode network, query-stats has only KVM's providers).
import * as z from 'zod';
import { processSampler } from '../sdk/index.ts';
import type { IoTotals, VmSampler } from '../sdk/index.ts';
import { withQmp } from './monitor.ts';
import { tcpTrafficOf } from './net-stats.ts';
import type { InstancePaths } from './paths.ts';

const blockStatsSchema = z.array(z.object({
  device: z.string().optional(),
  stats: z.object({ rd_bytes: z.number(), wr_bytes: z.number() }),
}));

/** Bytes read and written by every block device of the VM (disk, cidata), summed. */
export async function diskTotals(paths: InstancePaths): Promise<IoTotals['disk']> {
  const devices = await withQmp(paths, (qmp) => qmp.query(blockStatsSchema, 'query-blockstats'));
  return devices.reduce((sum, { stats }) => ({ readBytes: sum.readBytes + stats.rd_bytes, writtenBytes: sum.writtenBytes + stats.wr_bytes }), { readBytes: 0, writtenBytes: 0 });
}

export function qemuSampler(paths: InstancePaths, pid: number): VmSampler {
  const network = tcpTrafficOf(pid);
  return processSampler(pid, async () => {
    const [disk, traffic] = await Promise.all([diskTotals(paths), network()]);
    return { disk, network: traffic };
  });
}
