// How the CLI reports a failure: one line on stderr (the contract: a script can show
// it, a person can read it). Some messages carry more, such as QEMU's log tail in a VM_FAILED
// start; that stays in the log the details name, or is printed whole with --verbose.
import type { DriverError } from '../../src-drivers/sdk/errors.ts';

/** The line printed for a failed command: the message's first line, and where to read more. */
export function errorLine(error: DriverError): string {
  const lines = error.message.split('\n').map((line) => line.trim()).filter(Boolean);
  const first = lines[0] ?? error.code;
  const log = typeof error.details.log === 'string' ? error.details.log : undefined;
  if (log && !first.includes(log)) return `corral: ${first} (see ${log})`;
  if (lines.length > 1) return `corral: ${first} (--verbose shows the rest)`;
  return `corral: ${first}`;
}

/** The whole of it, for --verbose: code, every line of the message, and the details. */
export function errorReport(error: DriverError): string {
  const details = Object.keys(error.details).length > 0 ? `\n${JSON.stringify(error.details)}` : '';
  return `corral: ${error.code}: ${error.message}${details}`;
}

/** A usage mistake: what was wrong in one line, and where the full usage is. */
export function usageLine(message: string): string {
  return `corral: ${message.split('\n')[0] ?? message}; run corral --help`;
}
