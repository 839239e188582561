// Staging folders: a create or clone fills instances/.creating-NAME-XXXXXXXX and renames it
// into place when done. A process killed in between leaves it behind (a clone's holds a whole
// disk copy), so stale ones are swept: a staging folder is made and removed only while its
// process holds NAME's lock and has its record in place, so once no live holder is recorded
// for NAME, nobody will ever rename that folder.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { possibleHolder } from './lock.ts';

const stagingPattern = /^\.creating-(.+)-[0-9a-f]{8}$/;

export interface RemovedStaging {
  /** The instance the killed create or clone was making. */
  name: string;
  path: string;
  /** Disk space it held. */
  bytes: number;
}

export function stagingDirFor(instancesDir: string, name: string): string {
  return path.join(instancesDir, `.creating-${name}-${randomBytes(4).toString('hex')}`);
}

/** Removes the staging folders no live process owns; returns what was removed. */
export async function sweepStaging(instancesDir: string): Promise<RemovedStaging[]> {
  const entries = await fs.readdir(instancesDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const removed: RemovedStaging[] = [];
  for (const entry of entries) {
    const name = stagingPattern.exec(entry)?.[1];
    if (name === undefined || (await possibleHolder(path.join(instancesDir, name)))) continue;
    const dir = path.join(instancesDir, entry);
    const bytes = await diskUsage(dir);
    // Retries: the killed process's last write may still land (ENOTEMPTY mid-removal).
    await fs.rm(dir, { recursive: true, force: true, maxRetries: 3 });
    removed.push({ name, path: dir, bytes });
  }
  return removed;
}

/** Bytes allocated on disk under `dir` (sparse disk images count for what they hold). */
async function diskUsage(dir: string): Promise<number> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) {
    const stat = await fs.lstat(path.join(entry.parentPath, entry.name)).catch(() => undefined);
    total += (stat?.blocks ?? 0) * 512;
  }
  return total;
}
