// One operation per instance at a time, across processes. proper-lockfile keeps the lock
// fresh while its holder lives and treats it as stale once the holder stops refreshing it,
// so a crashed CLI or engine never wedges an instance. Beside the lock we record which
// operation runs, in which process on which host, so another process can show "Starting" or
// "Stopping" from live facts, and can take over at once from a holder that died on this host
// instead of reporting it busy until the lock goes stale.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { properLockfile } from '../lockfile.ts';
// zod/mini, not zod: `corral list` reads this record, and zod/mini's schemas cost a third of
// zod's to build and first use (about 20 ms of a list), same checks.
import * as z from 'zod/mini';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { writeFileAtomic } from './atomic.ts';

export type Operation = 'create' | 'start' | 'stop' | 'pause' | 'resume' | 'delete' | 'edit' | 'snapshot' | 'clone' | 'rename' | 'move';

// `host` is absent in records written before it existed: such a holder is never judged by pid.
const operationSchema = z.object({ op: z.string(), pid: z.number(), since: z.string(), host: z.optional(z.string()) });
export type RunningOperation = z.infer<typeof operationSchema>;

const staleMs = 5_000;
/**
 * Lock files live under instances/.locks/, one folder per kind, each file named exactly after
 * its instance: no instance name starts with ".", so none reaches .locks/, and within a kind
 * names cannot collide (beside the instance folders, an instance named "vm.lock" was the lock
 * of "vm"). Upgrading from that layout: the old NAME.lock, NAME.operation.json and
 * .NAME.gate.lock files are ignored. A running VM holds no lock (locks cover operations, not
 * uptime), so it is unaffected; only an operation an older Corral is running at the very moment
 * of the upgrade goes unseen by the new one. The leftovers are not instances (no lima.yaml),
 * and one in the way of a new instance's name is removed when that instance is made.
 */
export const locksDirOf = (instancesDir: string) => path.join(instancesDir, '.locks');
const kindPath = (kind: 'held' | 'operation' | 'gate') => (instanceDir: string) => path.join(locksDirOf(path.dirname(instanceDir)), kind, path.basename(instanceDir));
const lockPath = kindPath('held');
const opPath = kindPath('operation');
/** The folder where NAME's operation record appears while it runs (the store watch looks there). */
export const operationsDirOf = (instancesDir: string) => path.join(locksDirOf(instancesDir), 'operation');
/**
 * Held for a few milliseconds around taking the lock and writing the record, and around
 * breaking a dead holder's lock, so a breaker never sees a fresh lock beside an old record.
 */
const gatePath = kindPath('gate');

const warnCompromised = (error: Error) => process.emitWarning(`instance lock lost: ${error.message}`);

/** Runs `fn` holding the instance's lock; BUSY when another live operation holds it. */
export async function withInstanceLock<T>(instanceDir: string, op: Operation, fn: () => Promise<T>): Promise<T> {
  for (const file of [lockPath, opPath, gatePath]) await fs.mkdir(path.dirname(file(instanceDir)), { recursive: true });
  const release = await underGate(instanceDir, () => takeLock(instanceDir, op));
  try {
    return await fn();
  } finally {
    // The record goes first: a lock without a record is never broken early, only when stale.
    await fs.rm(opPath(instanceDir), { force: true });
    await release().catch(() => undefined);
  }
}

/** The operation holding the instance's lock right now, if any (stale locks and dead holders count as none). */
export async function runningOperation(instanceDir: string): Promise<RunningOperation | undefined> {
  // No lock folder: nothing holds it (what proper-lockfile's check would find, without loading it).
  if (!(await fs.access(lockPath(instanceDir)).then(() => true, () => false))) return undefined;
  const lockfile = await properLockfile();
  const held = await lockfile.check(instanceDir, { lockfilePath: lockPath(instanceDir), realpath: false, stale: staleMs }).catch(() => false);
  if (!held) return undefined;
  const running = await readRecord(instanceDir);
  return running && !(await holderIsGone(running)) ? running : undefined;
}

/**
 * The recorded holder of the instance's lock while it may still be running (a live pid on this
 * host, or any record from another host); undefined once it finished or died. Unlike
 * runningOperation this ignores the lock's age, so a holder whose refreshes lag is not judged
 * gone: for decisions that destroy its work, such as removing a staging folder.
 */
export async function possibleHolder(instanceDir: string): Promise<RunningOperation | undefined> {
  const holder = await readRecord(instanceDir);
  return holder && !(await holderIsGone(holder)) ? holder : undefined;
}

/** Takes the lock and writes the record (the caller holds the gate); returns the release. */
async function takeLock(instanceDir: string, op: Operation): Promise<() => Promise<void>> {
  let release: () => Promise<void>;
  try {
    release = await lockInstance(instanceDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const holder = await readRecord(instanceDir);
    if (!holder || !(await holderIsGone(holder))) throw busy(instanceDir, holder);
    // The holder died on this host without releasing (SIGKILL, a crash): its lock is stale
    // now, not once its mtime ages. Under the gate, the record matches the lock beside it.
    await fs.rm(opPath(instanceDir), { force: true });
    await fs.rmdir(lockPath(instanceDir)).catch((rmError: NodeJS.ErrnoException) => { if (rmError.code !== 'ENOENT') throw rmError; });
    release = await lockInstance(instanceDir).catch((retryError: unknown) => {
      throw (retryError as NodeJS.ErrnoException).code === 'ELOCKED' ? busy(instanceDir, undefined) : retryError;
    });
  }
  try {
    const record: RunningOperation = { op, pid: process.pid, since: new Date().toISOString(), host: os.hostname() };
    // A kill mid-write leaves no half record; no fsync, as the record means nothing once its
    // holder is gone, and a crash of the host ends the holder (atomic.ts).
    await writeFileAtomic(opPath(instanceDir), JSON.stringify(record), undefined, { durable: false });
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
  return release;
}

async function lockInstance(instanceDir: string): Promise<() => Promise<void>> {
  return (await properLockfile()).lock(instanceDir, {
    lockfilePath: lockPath(instanceDir),
    realpath: false,
    stale: staleMs,
    update: 1_000,
    onCompromised: warnCompromised,
  });
}

/** Runs `fn` holding the instance's gate; waits for it briefly (it is only ever held for moments). */
async function underGate<T>(instanceDir: string, fn: () => Promise<T>): Promise<T> {
  // Keyed by the gate's own path: proper-lockfile tracks held locks by the locked file's path,
  // and the instance lock taken inside the gate is keyed by the instance folder.
  const gate = gatePath(instanceDir);
  const release = await (await properLockfile()).lock(gate, {
    lockfilePath: gate,
    realpath: false,
    stale: staleMs,
    // The waits add up to ~8.9 s (2 ms growing by 1.1x to 100 ms, then 100 ms each), so a gate
    // left by a process killed inside it is outwaited: it turns stale 5 s after it was taken.
    retries: { retries: 120, factor: 1.1, minTimeout: 2, maxTimeout: 100 },
    onCompromised: warnCompromised,
  }).catch((error: unknown) => {
    // Still held after all that: a live process is stuck inside it. Say so as BUSY, not ELOCKED.
    throw (error as NodeJS.ErrnoException).code === 'ELOCKED' ? busy(instanceDir, undefined) : error;
  });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

function busy(instanceDir: string, holder: RunningOperation | undefined): DriverError {
  const what = holder ? `"${holder.op}" (process ${holder.pid}, since ${holder.since})` : 'another operation';
  return new DriverError('BUSY', `instance "${path.basename(instanceDir)}" is busy with ${what}; try again when it finishes`,
    { op: holder?.op ?? null, pid: holder?.pid ?? null });
}

async function readRecord(instanceDir: string): Promise<RunningOperation | undefined> {
  try {
    return operationSchema.parse(JSON.parse(await fs.readFile(opPath(instanceDir), 'utf8')));
  } catch {
    return undefined;
  }
}

/** Whether the recorded holder has certainly exited: recorded on this host, and its pid is gone. */
export async function holderIsGone(holder: Pick<RunningOperation, 'pid' | 'host'>): Promise<boolean> {
  if (holder.host !== os.hostname()) return false; // another host's pids mean nothing here
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'; // EPERM: alive, someone else's
  }
  // A zombie has exited and only waits for its parent to reap it (Linux; elsewhere: alive).
  const stat = await fs.readFile(`/proc/${holder.pid}/stat`, 'utf8').catch(() => '');
  return /^\d+ \(.*\) Z/s.test(stat);
}
