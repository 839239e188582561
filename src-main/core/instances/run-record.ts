// What the engine itself knows about an instance's VM, kept in run.json in its folder, so that
// `corral list` can answer from live facts without starting a driver process (most of what a
// list cost), as `limactl list` answers from pid files. The engine writes it around each of its
// own operations; the driver stays the authority whenever the record leaves any doubt.
import fs from 'node:fs/promises';
import path from 'node:path';
// zod/mini, not zod: `corral list` reads this record, and zod/mini's schemas cost a third of
// zod's to build and first use (about 20 ms of a list), same checks.
import * as z from 'zod/mini';
import { readJsonRecordOrNothing, writeJsonRecord } from './json-record.ts';

export const runRecordFileName = 'run.json';

const runRecordSchema = z.discriminatedUnion('state', [
  /** Created, or stopped through the engine: no VM runs. */
  z.object({ state: z.literal('stopped') }),
  /** A start has begun and not yet recorded its VM (or was killed meanwhile): in doubt. */
  z.object({ state: z.literal('starting') }),
  /** The VM process this engine started, and when it started (against a reused pid). */
  z.object({ state: z.literal('running'), vmPid: z.int().check(z.positive()), vmStartTime: z.string(), accelerator: z.string(), paused: z.boolean() }),
]);
export type RunRecord = z.infer<typeof runRecordSchema>;

/** What the record makes certain: a state, or undefined (ask the driver). */
export type LiveState = { state: 'Stopped' } | { state: 'Running' | 'Paused'; accelerator: string } | undefined;

export function readRunRecord(dir: string): Promise<RunRecord | undefined> {
  return readJsonRecordOrNothing(path.join(dir, runRecordFileName), runRecordSchema);
}

export async function writeRunRecord(dir: string, record: RunRecord): Promise<void> {
  // 'starting' only says "in doubt, ask the driver", which is also what a record lost to a host
  // crash leaves (that crash ended the VM): no fsync before QEMU launches (atomic.ts).
  await writeJsonRecord(path.join(dir, runRecordFileName), record, undefined, { durable: record.state !== 'starting' });
}

/**
 * The start time of process `pid` in clock ticks since boot (field 22 of /proc/PID/stat), which
 * tells a recorded process from a later one given the same pid. Undefined for a process that is
 * gone (or a zombie: exited, not yet reaped), and without /proc.
 */
export async function processStartTime(pid: number): Promise<string | undefined> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // The command name (field 2) is in parentheses and may hold spaces: count from its end.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields && fields[0] !== 'Z' ? fields[19] : undefined;
}

/** Records the VM a start just launched; without /proc the record stays 'starting' (in doubt). */
export async function recordStarted(dir: string, vmPid: number, accelerator: string): Promise<void> {
  const vmStartTime = await processStartTime(vmPid);
  if (vmStartTime) await writeRunRecord(dir, { state: 'running', vmPid, vmStartTime, accelerator, paused: false });
}

/**
 * After a start that failed: Stopped again if the driver says so (a failed start leaves the
 * instance as it was, record included); otherwise the record stays 'starting', in doubt.
 */
export async function recordFailedStart(dir: string, inspect: () => Promise<{ state: string }>): Promise<void> {
  const found = await inspect().catch(() => undefined);
  if (found?.state === 'Stopped') await writeRunRecord(dir, { state: 'stopped' });
}

/** Records a pause or resume of the running VM (an unrecorded VM is left in doubt). */
export async function recordPaused(dir: string, paused: boolean): Promise<void> {
  const record = await readRunRecord(dir);
  if (record?.state === 'running') await writeRunRecord(dir, { ...record, paused });
}

/**
 * The instance's state from the record and process liveness, when they are certain:
 * - 'stopped' (written at create and after a stop through the engine; every start overwrites
 *   it with 'starting' before the driver launches anything): Stopped.
 * - 'running' and that process alive with the recorded start time: Running, or Paused if the
 *   engine paused it. A run state QEMU enters by itself while its process lives (a guest panic,
 *   a pause after a disk I/O error, an ACPI suspend) or a monitor that no longer answers is
 *   not seen here: the instance page and every operation ask the driver, which reports them.
 * - 'running' and the process gone (or another one in its pid): Stopped: the VM ended by
 *   itself (a power-off in the guest, a crash), which is what the driver would find too.
 * In doubt, undefined: no record (an instance from before records, a clone, a driver that
 * is not built in: its VM may run elsewhere, its pid is not ours to check), 'starting' (a start
 * under way or killed), a damaged record, or no /proc to check a process by.
 */
export async function liveState(dir: string): Promise<LiveState> {
  const record = await readRunRecord(dir);
  if (!record || record.state === 'starting') return undefined;
  if (record.state === 'stopped') return { state: 'Stopped' };
  const startTime = await processStartTime(record.vmPid);
  if (startTime === undefined) {
    // Gone, or no /proc at all: only the first is certain.
    const procExists = await fs.access('/proc/self/stat').then(() => true, () => false);
    return procExists ? { state: 'Stopped' } : undefined;
  }
  if (startTime !== record.vmStartTime) return { state: 'Stopped' };
  return { state: record.paused ? 'Paused' : 'Running', accelerator: record.accelerator };
}
