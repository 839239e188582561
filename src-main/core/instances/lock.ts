// One operation per instance at a time, across processes. proper-lockfile keeps the lock
// fresh while its holder lives and treats it as stale once the holder stops refreshing it,
// so a crashed CLI or engine never wedges an instance. Beside the lock we record which
// operation runs, so another process can show "Starting" or "Stopping" from live facts.
import fs from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';

export type Operation = 'create' | 'start' | 'stop' | 'pause' | 'resume' | 'delete' | 'edit' | 'snapshot' | 'clone' | 'rename';

const operationSchema = z.object({ op: z.string(), pid: z.number(), since: z.string() });
export type RunningOperation = z.infer<typeof operationSchema>;

const staleMs = 5_000;
const lockPath = (instanceDir: string) => `${instanceDir}.lock`;
const opPath = (instanceDir: string) => `${instanceDir}.operation.json`;

/** Runs `fn` holding the instance's lock; BUSY when another operation holds it. */
export async function withInstanceLock<T>(instanceDir: string, op: Operation, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(path.dirname(instanceDir), { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(instanceDir, {
      lockfilePath: lockPath(instanceDir),
      realpath: false,
      stale: staleMs,
      update: 1_000,
      onCompromised: (error) => process.emitWarning(`instance lock lost: ${error.message}`),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const running = await runningOperation(instanceDir);
    const what = running ? `"${running.op}" (process ${running.pid}, since ${running.since})` : 'another operation';
    throw new DriverError('BUSY', `instance "${path.basename(instanceDir)}" is busy with ${what}; try again when it finishes`, { op: running?.op ?? null });
  }
  try {
    await fs.writeFile(opPath(instanceDir), JSON.stringify({ op, pid: process.pid, since: new Date().toISOString() }));
    return await fn();
  } finally {
    await fs.rm(opPath(instanceDir), { force: true });
    await release().catch(() => undefined);
  }
}

/** The operation holding the instance's lock right now, if any (stale locks count as none). */
export async function runningOperation(instanceDir: string): Promise<RunningOperation | undefined> {
  const held = await lockfile.check(instanceDir, { lockfilePath: lockPath(instanceDir), realpath: false, stale: staleMs }).catch(() => false);
  if (!held) return undefined;
  try {
    return operationSchema.parse(JSON.parse(await fs.readFile(opPath(instanceDir), 'utf8')));
  } catch {
    return undefined;
  }
}
