// `corral`: the command line over the same engine the desktop app uses. This module parses the
// arguments and answers --help; a command's code (the engine and everything under it) is
// imported only to run it, so `corral --help` and a usage error load next to nothing.
import { parseArgs } from 'node:util';
import type { Engine } from '../core/engine.ts';
import { usageLine } from './errors.ts';
import { connectionUsage, copyUsage, driverTestUsage, driverUsage, portsUsage, reshapeUsage, shellUsage } from './usage.ts';
import { splitCommandLine } from './args.ts';
import type { Preforked } from './prefork.ts';

const usage = `Usage: corral [--home DIR] COMMAND

Commands:
  list [--json] [--connection NAME]     instances and their status (only those on connection NAME)
  create NAME --template FILE|NAME      make an instance from a lima.yaml template
         [--cpus N] [--memory SIZE] [--disk SIZE] [--driver NAME] [--connection NAME]
  start NAME [--no-wait]                boot it and wait until the guest is ready (provisioned,
                                        probes passed); --no-wait: return once the VM runs
  stop NAME [--force]                   power it off (--force: at once, no ACPI shutdown)
  pause NAME | resume NAME              freeze and thaw its CPUs
  delete NAME [--force]                 remove it and its disks (--force: even if running, or if
                                        its driver cannot answer for its VM)
  console NAME                          attach to its serial console (Ctrl-] detaches)
${shellUsage}
${portsUsage}
${copyUsage}
${reshapeUsage}
${driverUsage}
${driverTestUsage}
${connectionUsage}
  serve [--port N] [--new-token]        the web UI on 127.0.0.1 (prints the address to open, with its token;
                                        token and port are kept, so open tabs reconnect after a restart;
                                        --new-token replaces the token, and old tabs must open the new address)
  cache list [--json]                   downloaded images and archives, with the instances using them
  cache prune                           remove downloads no instance uses (and say which folders
                                        of killed creates and clones were tidied away)
  cache move DIR                        move the downloads to DIR (empty or new; another disk is fine),
                                        recorded in CORRAL_HOME for later starts
  instances move DIR                    move the instances folder to DIR (every instance stopped;
                                        empty or new; another disk is fine), for later starts
  template show FILE|NAME [--catalog DIR]  the resolved template (bases merged, defaults filled)
  template list                         the template catalog

Errors are one line; --verbose prints them whole (a failed QEMU start: its log's last lines).

Environment: CORRAL_HOME (data), CORRAL_CACHE (downloads), CORRAL_DRIVERS_PATH (folders whose
.corral-driver files are installed at start, besides CORRAL_HOME/drivers).`;

export { options } from './args.ts';
export type { Values } from './args.ts';

/**
 * Commands another front end provides: `corral serve` is the web shell's. The entry
 * (src-main/corral.ts) plugs them in, so the CLI and the web shell never import each other.
 */
export interface PluggedCommands {
  serve(engine: Engine, options: { port?: string | undefined; newToken?: boolean | undefined }): Promise<void>;
}

/** `corral driver test ...`: its own options (driver-test.ts), parsed there. */
function isDriverTest(argv: string[]): boolean {
  const { positionals } = parseArgs({ args: argv, options: { home: { type: 'string' } }, strict: false, allowPositionals: true });
  return positionals[0] === 'driver' && positionals[1] === 'test';
}

/**
 * `early`: the driver process bin/corral.js forked before this module loaded (prefork.ts), if
 * it did; otherwise it is forked here, still before the engine's code loads.
 */
export async function main(argv: string[], plugged: PluggedCommands, early?: Promise<Preforked | undefined>): Promise<number> {
  if (isDriverTest(argv)) return (await import('./driver-test.ts')).driverTestCommand(argv);
  let parsed;
  try {
    parsed = splitCommandLine(argv);
  } catch (error) {
    process.stderr.write(`${usageLine((error as Error).message)}\n`);
    return 2;
  }
  const { commandArgs } = parsed;
  if (parsed.values.help || parsed.positionals.length === 0) {
    process.stdout.write(`${usage}\n`);
    return parsed.values.help ? 0 : 2;
  }
  if (parsed.positionals[0] === 'template') {
    // Templates need no engine: reading and resolving them changes nothing.
    const { templateCommand } = await import('../core/templates/commands.ts');
    const { catalogDir } = await import('../core/templates/load.ts');
    const result = await templateCommand(parsed.positionals.slice(1), { catalogDirs: [...(parsed.values.catalog ?? []), catalogDir] });
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.exitCode;
  }
  if (parsed.positionals[0] === 'list' || parsed.positionals[0] === 'shell') {
    // Answered from live facts when they settle it, without loading the engine (quick.ts).
    const status = await (await import('./quick.ts')).runQuick(parsed.positionals, parsed.values, commandArgs);
    if (status !== undefined) return status;
  }
  // The driver's process starts first, so it boots while the engine's code loads (prefork.ts).
  const preforked = await (early ?? (await import('./prefork.ts')).preforkDriver(parsed.positionals, parsed.values.home));
  const { runCommand } = await import('./commands.ts');
  return runCommand(parsed.positionals, parsed.values, plugged, commandArgs, preforked);
}
