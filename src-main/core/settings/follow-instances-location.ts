// Lets a running engine follow a move of the instances folder that another process (the CLI,
// a second window) made: the move's switch is one atomic write of instances-location.json in
// CORRAL_HOME (folder-location.ts), so a watch on the home folder sees it. Without this, an
// engine started before the move kept its old paths, reached instances through the link that
// replaces the old folder, and its folder watch (on the removed folder) went silent.
import fs from 'node:fs';
import path from 'node:path';
import { locationRecordFile, recordedLocation } from './folder-location.ts';

/**
 * Calls `onMoved(to)` whenever the recorded instances folder differs from `current()`; returns
 * the function that stops following. The watch keeps no process alive (a CLI exits as usual).
 */
export function followInstancesLocation(home: string, current: () => string, onMoved: (to: string) => void): () => void {
  const record = path.basename(locationRecordFile(home, 'instances'));
  const check = () => {
    const recorded = recordedLocation(home, 'instances');
    if (recorded !== undefined && recorded !== current()) onMoved(recorded);
  };
  let watcher: fs.FSWatcher;
  try {
    watcher = fs.watch(home, { persistent: false }, (_event, file) => {
      // The record is written as a temp file renamed over it: its own name is the switch.
      if (file?.toString() === record) check();
    });
  } catch {
    return () => undefined; // no home to watch (it is made before this runs; a race at worst)
  }
  watcher.on('error', () => undefined);
  check(); // a move that switched between this engine reading its paths and the watch starting
  return () => watcher.close();
}
