// The command line's options and how it is split, in a module of its own (Node built-ins only):
// main.ts parses it to run a command, and prefork.ts reads it before anything else loads.
import { parseArgs } from 'node:util';
import { joinNegativeValues } from './values.ts';

export const options = {
  home: { type: 'string' },
  json: { type: 'boolean' },
  force: { type: 'boolean' },
  template: { type: 'string', short: 't' },
  cpus: { type: 'string' },
  memory: { type: 'string' },
  disk: { type: 'string' },
  driver: { type: 'string' },
  connection: { type: 'string' },
  catalog: { type: 'string', multiple: true },
  port: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  out: { type: 'string' },
  key: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean' },
  workdir: { type: 'string' },
  recursive: { type: 'boolean', short: 'r' },
  'no-wait': { type: 'boolean' },
  'new-token': { type: 'boolean' },
} as const;

export type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

/**
 * corral's own options and positionals, and the command for the guest: everything after the
 * first "--" (`corral shell NAME -- CMD ...`), never corral's options. Throws parseArgs' error
 * on an unknown or malformed option.
 */
export function splitCommandLine(argv: string[]): { positionals: string[]; values: Values; commandArgs: string[] } {
  const dash = argv.indexOf('--');
  const { positionals, values } = parseArgs({ args: joinNegativeValues(dash < 0 ? argv : argv.slice(0, dash)), options, allowPositionals: true, strict: true });
  return { positionals, values, commandArgs: dash < 0 ? [] : argv.slice(dash + 1) };
}
