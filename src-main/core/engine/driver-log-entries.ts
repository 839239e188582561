// One instance's view of its driver's log. Every instance a driver runs writes to the same file,
// one entry per event (drivers/driver-log.ts has the format), so the Logs tab of one VM
// showed the others' starts and failures as if they were its own. The view keeps this instance's
// entries and the driver's own (an entry that names no instance, or the driver's raw stderr);
// a line that does not start an entry (a stack trace) goes with the entry before it.
import { readDriverLogEntry } from '../drivers/driver-log.ts';

/** The entries of `text` that are about instance `name` or about no instance of `instances`. */
export function driverLogEntriesOf(text: string, name: string, instances: ReadonlySet<string>): string {
  let keep = true;
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    const entry = readDriverLogEntry(line);
    if (entry) keep = entry.about === undefined || entry.about === name || !instances.has(entry.about);
    if (keep) kept.push(line);
  }
  return kept.join('\n');
}
