// One instance's view of its driver's log. Every instance a driver runs writes to the same file,
// one entry per event, "TIME [level] NAME: text" (drivers/host.ts), so the Logs tab of one VM
// showed the others' starts and failures as if they were its own. The view keeps this instance's
// entries and the driver's own (an entry that names no instance, or the driver's raw stderr);
// a line that does not start an entry (a stack trace) goes with the entry before it.

const entryStart = /^\d{4}-\d\d-\d\dT[\d:.]+Z \[\w+\] /;

/** The entries of `text` that are about instance `name` or about no instance of `instances`. */
export function driverLogEntriesOf(text: string, name: string, instances: ReadonlySet<string>): string {
  let keep = true;
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    const start = entryStart.exec(line);
    if (start) {
      const about = /^([^:\s]+): /.exec(line.slice(start[0].length))?.[1];
      keep = about === undefined || about === name || !instances.has(about);
    }
    if (keep) kept.push(line);
  }
  return kept.join('\n');
}
