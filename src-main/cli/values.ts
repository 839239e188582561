// Option values as the user typed them, checked in the user's words before the engine sees them.
import { DriverError } from '../../src-drivers/sdk/errors.ts';

/** Options that take a value, so a negative number after them is their value, not an option. */
const valueOptions = new Set(['--cpus', '--memory', '--disk', '--port']);

/**
 * `--memory -1` as `--memory=-1`: node's parseArgs refuses a value starting with "-" as
 * "ambiguous", which says nothing about what was wrong; joined, the value reaches the check
 * that names it ("--memory "-1" is not a size").
 */
export function joinNegativeValues(argv: string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const next = argv[i + 1];
    if (valueOptions.has(arg) && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  return joined;
}

/** `--cpus 2` as a number; anything but a whole number is refused naming the flag and value. */
export function cpusValue(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) {
    throw new DriverError('INVALID_CONFIG', `--cpus "${value}" is not a whole number of CPUs; use e.g. --cpus 2`, { field: 'cpus' });
  }
  return Number(value);
}
