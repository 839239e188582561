// Moving the instances folder (move-folder.ts does the move): refused while any instance runs,
// naming them. Every instance's lock is held from the check to the switch, so nothing starts,
// edits or deletes one meanwhile, here or in another process. After the switch the old folder
// goes and becomes a link to the new one, which this running engine keeps using until it
// restarts; later starts read the new location (paths.ts). An interrupted move is finished or
// undone by the next move and at every engine start (finishInstancesMove).
import fs from 'node:fs/promises';
import path from 'node:path';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { withInstanceLock } from '../instances/lock.ts';
import { properLockfile } from '../lockfile.ts';
import { finishMove, moveFolder, moveJournalExists, type MoveProgress, type MoveResult } from './move-folder.ts';

export interface InstancesMoveRequest {
  home: string;
  /** The instances folder in use now (engine.paths.instances). */
  current: string;
  target: string;
  names: () => Promise<string[]>;
  instanceDir: (name: string) => string;
  /** The instances that are not stopped now (running, paused, starting, stopping). */
  notStopped: () => Promise<string[]>;
  onProgress?: ((progress: MoveProgress) => void) | undefined;
}

export async function moveInstances(request: InstancesMoveRequest): Promise<MoveResult> {
  return whileMoving(request.home, async () => {
    await finishMove(request.home, 'instances');
    const dirs = (await request.names()).map(request.instanceDir);
    const moved = await holdingLocks(dirs, () => moveFolder({
      folder: 'instances',
      noun: 'the instances folder',
      skipped: new Set(['.locks']),
      busy: async () => runningText(await request.notStopped()),
      whenBusy: 'stop them, then move the instances folder',
    }, request));
    await finishMove(request.home, 'instances');
    return moved;
  });
}

/**
 * Finishes or undoes a move a kill interrupted (at engine start); leaves one that another
 * process is making now alone.
 */
export async function finishInstancesMove(home: string): Promise<void> {
  if (!(await moveJournalExists(home, 'instances'))) return; // the usual case: no lock library loaded
  await whileMoving(home, () => finishMove(home, 'instances')).catch((error: unknown) => {
    if (!(error instanceof DriverError && error.code === 'BUSY')) throw error;
  });
}

function runningText(names: string[]): string | undefined {
  if (names.length === 0) return undefined;
  const quoted = names.map((n) => `"${n}"`).join(', ');
  return names.length === 1 ? `instance ${quoted} is running` : `instances ${quoted} are running`;
}

/** Runs `fn` holding each instance's lock, taken in turn; a busy one refuses the whole. */
function holdingLocks<T>(dirs: string[], fn: () => Promise<T>): Promise<T> {
  return dirs.reduceRight<() => Promise<T>>((inner, dir) => () => withInstanceLock(dir, 'move', inner), fn)();
}

/** One move of the instances folder at a time, across processes (a killed mover's lock goes stale). */
async function whileMoving<T>(home: string, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(home, { recursive: true });
  const target = path.join(home, 'instances-move');
  const release = await (await properLockfile()).lock(target, { lockfilePath: `${target}.lock`, realpath: false, retries: 0 }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    throw new DriverError('BUSY', 'the instances folder is being moved by another Corral process; wait for that move to end', { reason: 'busy' });
  });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
