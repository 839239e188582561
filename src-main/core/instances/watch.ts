// Notices changes made by other processes (the CLI, a second window, the web shell): every
// operation marks itself with NAME.operation.json beside the instance folder while it holds the
// lock, and instances come and go as folders, so one watch on the instances folder sees them
// all. A change is reported by name; the engine re-inspects the instance from live facts.
import fs from 'node:fs';
import path from 'node:path';

const settleMs = 30; // one operation touches several files; report the burst once

export function watchInstances(instancesDir: string, onChange: (name: string) => void): () => void {
  fs.mkdirSync(instancesDir, { recursive: true });
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const names = [...pending];
    pending.clear();
    for (const name of names) onChange(name);
  };
  const watcher = fs.watch(instancesDir, (_event, file) => {
    if (!file) return;
    const name = instanceNameOf(file.toString());
    if (!name) return;
    pending.add(name);
    timer ??= setTimeout(flush, settleMs);
  });
  watcher.on('error', () => undefined); // the folder went away: nothing left to watch
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}

/** The instance a file in the instances folder belongs to, or undefined for staging files. */
function instanceNameOf(file: string): string | undefined {
  if (file.startsWith('.')) return undefined; // staging folders and temp files
  const base = path.basename(file).replace(/\.(operation\.json|lock)$/, '');
  return base || undefined;
}
