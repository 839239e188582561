// "Nothing changed on disk", made checkable: a snapshot of a folder tree to compare before and
// after a command that must be refused.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Relative path → "dir", or the file's size and (when small) sha256. */
export type TreeSnapshot = Record<string, string>;

const hashLimit = 1024 ** 2; // larger files (base images) by size: hashing them costs seconds, and no refusal rewrites one in place

/**
 * Entries left out, and why: each appears and goes within any operation, a refused one too, and
 * so says nothing about whether the refusal changed the instance.
 * - instances/.locks/ (proper-lockfile's lock folders and the record of which operation holds
 *   them): taken and released around every operation on the instance.
 * - logs/: the engine appends driver processes' stderr there (diagnostics, not state).
 */
function ignored(relative: string): boolean {
  const [top, second] = relative.split(path.sep);
  if (top === 'logs') return true;
  return top === 'instances' && second === '.locks';
}

/**
 * While a VM runs, its own files change under any snapshot: the guest keeps writing its console
 * (serial.log), QEMU its log (qemu.log), and QEMU holds the disk open. So for those only what a
 * wrongly accepted refusal would change is kept: that the logs exist, and the disk's size (a
 * delete removes it, a reset or resize rewrites it). lima.yaml, qemu.pid and the rest are hashed.
 */
function whileRunning(relative: string, size: number, hash: string): string {
  if (relative.endsWith('.log')) return 'present';
  if (path.basename(relative) === 'disk.qcow2') return `${size}`;
  return `${size} ${hash}`;
}

/** A snapshot of `root` (empty if it does not exist). `vmRunning`: compare only what a running VM leaves alone. */
export async function treeSnapshot(root: string, options: { vmRunning?: boolean } = {}): Promise<TreeSnapshot> {
  const snapshot: TreeSnapshot = {};
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  for (const entry of entries) {
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(root, full);
    if (ignored(relative)) continue;
    if (entry.isDirectory()) {
      snapshot[relative] = 'dir';
      continue;
    }
    const { size } = await fs.stat(full);
    const hash = entry.isFile() && size <= hashLimit ? `sha256:${createHash('sha256').update(await fs.readFile(full)).digest('hex')}` : '';
    snapshot[relative] = options.vmRunning ? whileRunning(relative, size, hash) : `${size} ${hash}`.trim();
  }
  return snapshot;
}
