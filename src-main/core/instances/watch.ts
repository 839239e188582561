// Notices changes made by other processes (the CLI, a second window, the web shell, a user's
// editor): every operation marks itself with a record in .locks/operation/NAME while it holds
// the lock, instances come and go as folders, and the files other processes write inside an
// instance's folder (lima.yaml saved by an editor, the host agent's and the forwarder's records)
// land there in place or by a rename, which a watch on that folder sees. One watch per instance
// folder, opened as it appears and closed as it goes. Every change settles in one batch and is
// reported per instance with what changed, so the engine judges a burst of its own writes once.
import fs from 'node:fs';
import path from 'node:path';
import { operationsDirOf } from './lock.ts';

/** 'instance': its folder or its operation record changed; otherwise the kind of a watched file. */
export type InstanceChange<File extends string> = 'instance' | File;

const settleMs = 30; // one operation, or one editor's save, touches several files: report the burst once

/**
 * Watches `instancesDir`. `files` maps the file names inside an instance folder worth
 * reporting to their kinds; any other file there (disks, logs, sockets) is ignored.
 */
export function watchInstances<File extends string>(
  instancesDir: string,
  files: ReadonlyMap<string, File>,
  onChange: (name: string, changes: ReadonlySet<InstanceChange<File>>) => void,
): () => void {
  const operationsDir = operationsDirOf(instancesDir);
  fs.mkdirSync(operationsDir, { recursive: true });
  const pending = new Map<string, Set<InstanceChange<File>>>();
  const folders = new Map<string, fs.FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const flush = () => {
    timer = undefined;
    const batch = [...pending];
    pending.clear();
    for (const [name, changes] of batch) onChange(name, changes);
  };
  const note = (name: string, change: InstanceChange<File>) => {
    pending.set(name, (pending.get(name) ?? new Set()).add(change));
    timer ??= setTimeout(flush, settleMs);
  };

  const follow = (name: string) => {
    if (closed || folders.has(name)) return;
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(path.join(instancesDir, name), (_event, file) => {
        const kind = file ? files.get(file.toString()) : undefined;
        if (kind) note(name, kind);
      });
    } catch {
      return; // not a folder, or gone already
    }
    watcher.on('error', () => unfollow(name)); // the folder went away
    folders.set(name, watcher);
  };
  const unfollow = (name: string) => {
    folders.get(name)?.close();
    folders.delete(name);
  };
  /** Brings the watched folders in line with the instances folder's entries. */
  const sync = () => {
    if (closed) return;
    let names: string[];
    try {
      names = fs.readdirSync(instancesDir).filter(isInstanceEntry);
    } catch {
      names = [];
    }
    for (const name of names) follow(name);
    for (const name of folders.keys()) if (!names.includes(name)) unfollow(name);
  };

  const top = fs.watch(instancesDir, (_event, file) => {
    const name = file?.toString();
    if (name && isInstanceEntry(name)) {
      note(name, 'instance');
      // The entry itself changed (made, removed, renamed): a folder of that name now may be
      // another one than the watched one, which a delete and a create between two looks leave.
      unfollow(name);
    }
    sync();
  });
  const operations = fs.watch(operationsDir, (_event, file) => {
    const name = file?.toString();
    if (name && isInstanceEntry(name)) note(name, 'instance');
  });
  for (const watcher of [top, operations]) watcher.on('error', () => undefined); // the folder went away: nothing left to watch
  sync();
  return () => {
    closed = true;
    clearTimeout(timer);
    top.close();
    operations.close();
    for (const name of [...folders.keys()]) unfollow(name);
  };
}

/** Hidden entries are staging folders, temp files and .locks itself, never an instance. */
function isInstanceEntry(name: string): boolean {
  return !name.startsWith('.');
}
