// Moving the instances folder (move-folder.ts does the move): refused while any instance runs,
// naming them. Every instance's lock is held from the check to the switch, so nothing starts,
// edits or deletes one meanwhile, here or in another process, and no instance is added
// (instances-move-lock.ts). After the switch the old folder goes and becomes a link to the new
// one; running engines re-point themselves at the switch (follow-instances-location.ts) and
// later starts read the new location (paths.ts). An interrupted move is finished or undone by
// the next move and at every engine start (finishInstancesMove).
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { withInstanceLock } from '../instances/lock.ts';
import { instancesBeingAdded, whileMoving } from './instances-move-lock.ts';
import { finishMove, moveFolder, type MoveProgress, type MoveResult } from './move-folder.ts';
import { finishInterruptedMove } from './move-lock.ts';

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
  /** Ends the move before its switch (the engine closing). */
  signal?: AbortSignal | undefined;
}

export async function moveInstances(request: InstancesMoveRequest): Promise<MoveResult> {
  return whileMoving(request.home, async () => {
    await finishMove(request.home, 'instances');
    const dirs = (await request.names()).map(request.instanceDir);
    const moved = await holdingLocks(dirs, () => moveFolder({
      folder: 'instances',
      noun: 'the instances folder',
      skipped: new Set(['.locks']),
      busy: async () => {
        await refuseWhileAdding(request.current);
        return instancesThatAre(await request.notStopped(), 'running');
      },
      whenBusy: 'stop them, then move the instances folder',
      journalsCopy: true, // whileMoving is that lock
    }, request));
    await finishMove(request.home, 'instances');
    return moved;
  });
}

/**
 * Finishes or undoes a move a kill interrupted (at engine start); leaves one that another
 * process is making now alone.
 */
export function finishInstancesMove(home: string): Promise<void> {
  return finishInterruptedMove(home, 'instances');
}

/** `instance "a" is running`, `instances "a", "b" are running`; undefined for none. */
function instancesThatAre(names: string[], state: string): string | undefined {
  if (names.length === 0) return undefined;
  const quoted = names.map((n) => `"${n}"`).join(', ');
  return names.length === 1 ? `instance ${quoted} is ${state}` : `instances ${quoted} are ${state}`;
}

/** Refuses the move while another process adds an instance (instances-move-lock.ts says why). */
async function refuseWhileAdding(instancesDir: string): Promise<void> {
  const what = instancesThatAre(await instancesBeingAdded(instancesDir), 'being made');
  if (what) throw new DriverError('BUSY', `the instances folder was not moved: ${what}; try again once that has ended`, { reason: 'busy' });
}

/** Runs `fn` holding each instance's lock, taken in turn; a busy one refuses the whole. */
function holdingLocks<T>(dirs: string[], fn: () => Promise<T>): Promise<T> {
  return dirs.reduceRight<() => Promise<T>>((inner, dir) => () => withInstanceLock(dir, 'move', inner), fn)();
}
