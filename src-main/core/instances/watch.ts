// Notices changes made by other processes (the CLI, a second window, the web shell): every
// operation marks itself with a record in .locks/operation/NAME while it holds the lock, and
// instances come and go as folders, so a watch on those two folders sees them all. A change is
// reported by name; the engine skips its own writes (instances/status.ts) and re-inspects the
// instance from live facts after another process's.
import fs from 'node:fs';
import { operationsDirOf } from './lock.ts';

const settleMs = 30; // one operation touches several files; report the burst once

export function watchInstances(instancesDir: string, onChange: (name: string) => void): () => void {
  const operationsDir = operationsDirOf(instancesDir);
  fs.mkdirSync(operationsDir, { recursive: true });
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const names = [...pending];
    pending.clear();
    for (const name of names) onChange(name);
  };
  const watchers = [instancesDir, operationsDir].map((dir) => {
    const watcher = fs.watch(dir, (_event, file) => {
      const name = file?.toString();
      // Hidden entries are staging folders, temp files and .locks itself, never an instance.
      if (!name || name.startsWith('.')) return;
      pending.add(name);
      timer ??= setTimeout(flush, settleMs);
    });
    watcher.on('error', () => undefined); // the folder went away: nothing left to watch
    return watcher;
  });
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
