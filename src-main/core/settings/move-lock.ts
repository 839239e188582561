// One move of a folder (the cache, the instances folder) at a time, across processes, and a
// start's finishing of an interrupted move never beside a live mover: so a move can journal
// before it copies, and the next start can remove the copy of a mover that was killed.
import fs from 'node:fs/promises';
import path from 'node:path';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { holderIsGone } from '../instances/lock.ts';
import { properLockfile } from '../lockfile.ts';
import type { MovableFolder } from './folder-location.ts';
import { finishMove, moveJournalExists, moveJournalWriter } from './move-folder.ts';

const lockTarget = (home: string, folder: MovableFolder) => path.join(home, `${folder}-move`);
const lockOptions = (home: string, folder: MovableFolder) => ({ lockfilePath: `${lockTarget(home, folder)}.lock`, realpath: false });
const nouns: Record<MovableFolder, string> = { cache: 'the download cache', instances: 'the instances folder' };

/**
 * Runs `fn` holding the folder's move lock. A mover killed mid-move leaves its lock, stale only
 * after some seconds: when the move's journal names a process on this host that is gone, the
 * lock is taken over at once, so the next start can undo its copy.
 */
export async function withMoveLock<T>(home: string, folder: MovableFolder, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(home, { recursive: true });
  const release = await takeMoveLock(home, folder).catch(async (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const writer = await moveJournalWriter(home, folder);
    if (!writer || !(await holderIsGone(writer))) throw movingElsewhere(folder);
    await fs.rm(lockOptions(home, folder).lockfilePath, { recursive: true, force: true });
    return takeMoveLock(home, folder).catch(() => Promise.reject(movingElsewhere(folder)));
  });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

/** Whether another process holds the folder's move lock now. */
export async function isMoving(home: string, folder: MovableFolder): Promise<boolean> {
  return (await properLockfile()).check(lockTarget(home, folder), lockOptions(home, folder)).catch(() => false);
}

/**
 * Finishes or undoes a move a kill interrupted (at engine start); leaves one that another
 * process is making now alone.
 */
export async function finishInterruptedMove(home: string, folder: MovableFolder): Promise<void> {
  if (!(await moveJournalExists(home, folder))) return; // the usual case: no lock library loaded
  await withMoveLock(home, folder, () => finishMove(home, folder)).catch((error: unknown) => {
    if (!(error instanceof DriverError && error.code === 'BUSY')) throw error;
  });
}

async function takeMoveLock(home: string, folder: MovableFolder): Promise<() => Promise<void>> {
  // Refreshed every second, not every 5 s (the library's default): a mover the system holds up
  // for a few seconds (a busy machine, a paused process) keeps a lock that others see as live.
  return (await properLockfile()).lock(lockTarget(home, folder), { ...lockOptions(home, folder), retries: 0, update: 1_000 });
}

function movingElsewhere(folder: MovableFolder): DriverError {
  return new DriverError('BUSY', `${nouns[folder]} is being moved by another Corral process; wait for that move to end`, { reason: 'busy' });
}
