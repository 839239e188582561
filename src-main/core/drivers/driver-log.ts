// The driver log's entry format, in one place: drivers/host.ts writes an entry per log event and
// the Logs tab (engine/driver-log-entries.ts) reads them back to tell one instance's from another's.
// An entry is one line, "TIME [level] text"; a driver names the instance an event is about by
// starting the text with "NAME: " (every driver does, through its spec's name).

const entryHead = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) \[(\w+)\] /;
const instancePrefix = /^([^:\s]+): /;

/** One log event as its line in the driver log, newline included. */
export function driverLogEntry(level: string, message: string, at = new Date()): string {
  return `${at.toISOString()} [${level}] ${message}\n`;
}

/**
 * What starts the entry on `line`: its level and, when the text names one, the instance it is
 * about. Undefined for a line that starts no entry (a continuation, or the driver's raw stderr).
 */
export function readDriverLogEntry(line: string): { level: string; about?: string } | undefined {
  const head = entryHead.exec(line);
  if (!head?.[2]) return undefined;
  const about = instancePrefix.exec(line.slice(head[0].length))?.[1];
  return about === undefined ? { level: head[2] } : { level: head[2], about };
}
