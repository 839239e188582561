// Forks the instance's driver process before the CLI loads the engine, so the driver's Node
// starts (about as long as loading the engine takes) while the CLI loads, not after it.
// bin/corral.js runs it first of all (preforkFromArgv), before the CLI's own code loads. Only a
// hint decides it: the instance's config-facts.json saying it runs on the local QEMU driver.
// The engine stays the authority: it takes the early process only when it would have forked
// the very same entry with the same log itself (spawn() below), and forks afresh otherwise.
// An early process the engine did not take is ended when the command ends; a CLI killed
// meanwhile takes it along, since a driver exits when its IPC channel closes.
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LOCAL_CONNECTION, LOCAL_DRIVER } from '../core/connections/connection-of.ts';
import { qemuDriverEntry } from '../core/drivers/builtin-entries.ts';
import type { DriverProcess, SpawnDriverProcess, SpawnOptions } from '../core/drivers/process.ts';
import { instanceNameProblem } from '../core/instances/names.ts';
import { dataHome, homeLayout } from '../core/data-home.ts';
import { splitCommandLine } from './args.ts';

/** Commands that ask an instance's driver at once (the CLI build records them for bin/corral.js). */
export const driverCommands: ReadonlySet<string> = new Set(['start', 'stop', 'restart', 'pause', 'resume', 'console']);

export interface Preforked {
  /** The early process's pid (logs and tests). */
  readonly pid: number | undefined;
  /** The engine's spawn: the early process for its first matching request, a fresh fork otherwise. */
  spawn(fallback: SpawnDriverProcess, wrap: (child: ChildProcess, logFile: string) => DriverProcess): SpawnDriverProcess;
  /** Ends the early process unless the engine took it. */
  dispose(): void;
}

/** Whether the instance's recorded facts say it runs on the local QEMU driver (a hint only). */
async function runsOnLocalQemu(instanceDir: string): Promise<boolean> {
  const text = await readFile(path.join(instanceDir, 'config-facts.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return false;
  try {
    const facts: unknown = JSON.parse(text);
    const effective = (facts as { effective?: { vmType?: unknown; connection?: unknown } } | null)?.effective;
    return effective?.vmType === LOCAL_DRIVER && effective.connection === LOCAL_CONNECTION;
  } catch {
    return false; // a damaged record: the engine reads lima.yaml and says what is wrong
  }
}

export async function preforkDriver(positionals: readonly string[], home: string | undefined): Promise<Preforked | undefined> {
  const [command, name] = positionals;
  if (!command || !driverCommands.has(command) || !name || instanceNameProblem(name) !== undefined) return undefined;
  // Not corralPaths: its cache lookup loads zod, and the fork waits for nothing. After a move of
  // the instances folder its old path is a link to the new one; with the link gone, no early fork.
  const paths = homeLayout(dataHome(home));
  if (!(await runsOnLocalQemu(path.join(paths.instances, name)))) return undefined;
  // Loaded only now: bin/corral.js runs this module for every command, and --help forks nothing.
  const { driverLogFile, forkDriverChild } = await import('../core/drivers/fork-child.ts');
  const early = { entry: qemuDriverEntry(), logFile: driverLogFile(paths.logs, LOCAL_DRIVER) };
  let child: ChildProcess | undefined = forkDriverChild(early);
  child.on('error', () => undefined); // heard by the engine's wrapper once taken; never fatal before
  const take = (options: SpawnOptions): ChildProcess | undefined => {
    const usable = child && options.entry === early.entry && options.logFile === early.logFile && options.env === undefined
      && child.connected && child.exitCode === null && child.signalCode === null;
    if (!usable) return undefined;
    const taken = child;
    child = undefined;
    return taken;
  };
  return {
    pid: child.pid,
    spawn: (fallback, wrap) => (options) => {
      const taken = take(options);
      return taken ? wrap(taken, options.logFile) : fallback(options);
    },
    dispose() {
      child?.kill();
      child = undefined;
    },
  };
}

/**
 * preforkDriver from the raw command line, for bin/corral.js: it forks before the CLI's own code
 * loads. Never rejects: a command line main() will refuse, or a fork that fails here, gives no
 * early process (main() then reports the usage error, or the engine forks and reports).
 */
export function preforkFromArgv(argv: string[]): Promise<Preforked | undefined> {
  let parsed;
  try {
    parsed = splitCommandLine(argv);
  } catch {
    return Promise.resolve(undefined);
  }
  if (parsed.values.help) return Promise.resolve(undefined);
  return preforkDriver(parsed.positionals, parsed.values.home).catch(() => undefined);
}
