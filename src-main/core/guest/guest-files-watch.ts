// Notices when an instance's guest-status.json (the host agent's word on the boot) or ports.json
// (the live forwards) changes, so the engine can push them to front ends instead of front ends
// asking every few seconds. Both are written by other processes (the host agent, the port
// forwarder), atomically: a rename into the instance folder, which a watch on that folder sees.
// The instances folder itself is watched too, to follow instance folders as they come and go.
import fs from 'node:fs';
import path from 'node:path';
import { portsFileName } from './ports-file.ts';
import { guestStatusFileName } from './status.ts';

export type GuestFile = 'guest-status' | 'ports';

const fileKinds = new Map<string, GuestFile>([[guestStatusFileName, 'guest-status'], [portsFileName, 'ports']]);
const settleMs = 30; // a writer may touch a file twice in a row; report it once

export function watchGuestFiles(instancesDir: string, onChange: (name: string, file: GuestFile) => void): () => void {
  const folders = new Map<string, fs.FSWatcher>();
  const pending = new Map<string, Set<GuestFile>>(); // instance name -> files changed
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const flush = () => {
    timer = undefined;
    const changes = [...pending];
    pending.clear();
    for (const [name, files] of changes) for (const file of files) onChange(name, file);
  };

  const follow = (name: string) => {
    if (closed || folders.has(name) || name.startsWith('.')) return; // hidden: staging folders and .locks
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(path.join(instancesDir, name), (_event, file) => {
        const kind = file ? fileKinds.get(file.toString()) : undefined;
        if (!kind) return;
        pending.set(name, (pending.get(name) ?? new Set()).add(kind));
        timer ??= setTimeout(flush, settleMs);
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
      names = fs.readdirSync(instancesDir);
    } catch {
      names = [];
    }
    for (const name of names) follow(name);
    for (const name of folders.keys()) if (!names.includes(name)) unfollow(name);
  };

  fs.mkdirSync(instancesDir, { recursive: true });
  const top = fs.watch(instancesDir, () => sync());
  top.on('error', () => undefined);
  sync();
  return () => {
    closed = true;
    clearTimeout(timer);
    top.close();
    for (const name of [...folders.keys()]) unfollow(name);
  };
}
