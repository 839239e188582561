// The move of the instances folder and every operation that adds an instance to it (create,
// and a clone's or a rename's new name) exclude each other, across processes: otherwise a
// create in another process could write its folder into the old instances folder after the
// copy began, and be lost with it. Each side first makes itself seen, then looks for the other:
// the move takes its lock (below) and then refuses while any instance is being added (a live
// "create" record under .locks); an addition takes its instance lock with its record and then
// refuses while the move lock is held. Whichever comes second sees the first.
import fs from 'node:fs/promises';
import path from 'node:path';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { holderIsGone, operationsDirOf, runningOperation } from '../instances/lock.ts';
import { properLockfile } from '../lockfile.ts';
import { moveJournalWriter } from './move-folder.ts';

const lockTarget = (home: string) => path.join(home, 'instances-move');
const lockOptions = (home: string) => ({ lockfilePath: `${lockTarget(home)}.lock`, realpath: false });

/**
 * One move of the instances folder at a time, across processes. A mover killed mid-move leaves
 * its lock, stale only after some seconds: when the move's journal names a process on this host
 * that is gone, the lock is taken over at once, so the next start can undo its copy.
 */
export async function whileMoving<T>(home: string, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(home, { recursive: true });
  const release = await takeMoveLock(home).catch(async (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const writer = await moveJournalWriter(home, 'instances');
    if (!writer || !(await holderIsGone(writer))) throw movingElsewhere();
    await fs.rm(lockOptions(home).lockfilePath, { recursive: true, force: true });
    return takeMoveLock(home).catch(() => Promise.reject(movingElsewhere()));
  });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

async function takeMoveLock(home: string): Promise<() => Promise<void>> {
  return (await properLockfile()).lock(lockTarget(home), { ...lockOptions(home), retries: 0 });
}

function movingElsewhere(): DriverError {
  return new DriverError('BUSY', 'the instances folder is being moved by another Corral process; wait for that move to end', { reason: 'busy' });
}

/** For an operation adding instance `name`, run holding that instance's lock: refused while the instances folder moves. */
export async function refuseWhileMoving(home: string, name: string): Promise<void> {
  const moving = await (await properLockfile()).check(lockTarget(home), lockOptions(home)).catch(() => false);
  if (moving) {
    throw new DriverError('BUSY', `instance "${name}" was not made: the instances folder is being moved; try again once the move has ended`, { reason: 'moving' });
  }
}

/** The instances being added to `instancesDir` right now, by any live process. */
export async function instancesBeingAdded(instancesDir: string): Promise<string[]> {
  const names = await fs.readdir(operationsDirOf(instancesDir)).catch(() => []);
  const adding = await Promise.all(names.map(async (name) => ((await runningOperation(path.join(instancesDir, name)))?.op === 'create' ? name : undefined)));
  return adding.filter((name) => name !== undefined);
}
