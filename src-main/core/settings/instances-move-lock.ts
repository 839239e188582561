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
import { operationsDirOf, runningOperation } from '../instances/lock.ts';
import { isMoving, withMoveLock } from './move-lock.ts';

/** One move of the instances folder at a time, across processes (move-lock.ts). */
export function whileMoving<T>(home: string, fn: () => Promise<T>): Promise<T> {
  return withMoveLock(home, 'instances', fn);
}

/** For an operation adding instance `name`, run holding that instance's lock: refused while the instances folder moves. */
export async function refuseWhileMoving(home: string, name: string): Promise<void> {
  if (await isMoving(home, 'instances')) {
    throw new DriverError('BUSY', `instance "${name}" was not made: the instances folder is being moved; try again once the move has ended`, { reason: 'moving' });
  }
}

/** The instances being added to `instancesDir` right now, by any live process. */
export async function instancesBeingAdded(instancesDir: string): Promise<string[]> {
  const names = await fs.readdir(operationsDirOf(instancesDir)).catch(() => []);
  const adding = await Promise.all(names.map(async (name) => ((await runningOperation(path.join(instancesDir, name)))?.op === 'create' ? name : undefined)));
  return adding.filter((name) => name !== undefined);
}
