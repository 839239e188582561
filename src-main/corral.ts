// The `corral` command: the CLI (src-main/cli) with the web shell plugged in as `corral serve`.
// The one place that joins two front ends, so neither imports the other. The web shell is
// imported only when served: the other commands never load it.
import { main as cli } from './cli/main.ts';
import type { Preforked } from './cli/prefork.ts';

/** `early`: a driver process bin/corral.js forked first of all (cli/prefork.ts), if any. */
export function main(argv: string[], early?: Promise<Preforked | undefined>): Promise<number> {
  return cli(argv, { serve: async (engine, options) => (await import('./server/serve-command.ts')).serveCommand(engine, options) }, early);
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
