// File chores every driver's create() and delete() have: whether a file is there, removing
// exactly the files the driver made, and the runtime folder only once nobody else uses it.
import { access, rm, rmdir } from 'node:fs/promises';

export function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

/** Removes the files; ones already gone are fine. */
export async function removeFiles(files: string[]): Promise<void> {
  await Promise.all(files.map((file) => rm(file, { force: true })));
}

/** Removes the folder only if it is empty: a shared runtime folder may hold other instances' sockets. */
export async function removeFolderIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT' && error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
  });
}
