// A folder's contents as a move needs them: every folder, file and link below it (parents
// first) and the bytes of its files, but for the paths the caller leaves out (locks: they
// belong to the process holding them, and a lock is meaningless in another folder).
import fs from 'node:fs/promises';
import path from 'node:path';

export interface TreeEntry {
  relative: string;
  kind: 'dir' | 'file' | 'link';
  size: number;
}

export interface Tree {
  entries: TreeEntry[];
  bytes: number;
}

export async function treeSize(root: string, skipped: ReadonlySet<string> = new Set()): Promise<Tree> {
  const entries: TreeEntry[] = [];
  let bytes = 0;
  async function walk(relative: string): Promise<void> {
    for (const dirent of await fs.readdir(path.join(root, relative), { withFileTypes: true })) {
      const child = path.join(relative, dirent.name);
      if (skipped.has(child)) continue;
      if (dirent.isSymbolicLink()) entries.push({ relative: child, kind: 'link', size: 0 });
      else if (dirent.isDirectory()) {
        entries.push({ relative: child, kind: 'dir', size: 0 });
        await walk(child);
      } else if (dirent.isFile()) {
        const { size } = await fs.stat(path.join(root, child));
        entries.push({ relative: child, kind: 'file', size });
        bytes += size;
      }
    }
  }
  await walk('');
  return { entries, bytes };
}
