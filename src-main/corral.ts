// The `corral` command: the CLI (src-main/cli) with the web shell plugged in as `corral serve`.
// The one place that joins two front ends, so neither imports the other.
import { main as cli } from './cli/main.ts';
import { serveCommand } from './server/serve-command.ts';

export function main(argv: string[]): Promise<number> {
  return cli(argv, { serve: serveCommand });
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
