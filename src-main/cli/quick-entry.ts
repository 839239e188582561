// What bin/corral.js runs first for `corral list` and `corral shell NAME`, bundled as one file of
// its own (dist/cli/quick.js): a command answered from live facts (quick.ts) then loads no
// chunk of the CLI. Anything else, or anything in doubt, returns undefined and the CLI runs it.
import { splitCommandLine } from './args.ts';
import { runQuick } from './quick.ts';

/** The commands this entry may answer: bin/corral.js loads it only when one is on the line. */
export const quickCommands: ReadonlySet<string> = new Set(['list', 'shell']);

/** The exit status of a command answered from live facts, else undefined (the CLI runs it). */
export async function quickFromArgv(argv: string[]): Promise<number | undefined> {
  let parsed;
  try {
    parsed = splitCommandLine(argv);
  } catch {
    return undefined; // the CLI reports the usage error
  }
  const [command] = parsed.positionals;
  if (parsed.values.help || command === undefined || !quickCommands.has(command)) return undefined;
  return runQuick(parsed.positionals, parsed.values, parsed.commandArgs);
}
