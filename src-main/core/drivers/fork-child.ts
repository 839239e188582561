// Forking a driver's Node process, without the link over it (process.ts adds that). Kept apart
// and light (Node built-ins only) so the CLI can fork a driver before it loads the engine
// (cli/prefork.ts), and so the sandbox runs its Node with the same flags.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Opens a driver's log for appending, owner-only like the secrets beside it (a driver's stderr
 * can carry paths, settings and guest output); a log made before this was so is tightened too.
 */
export function openDriverLog(logFile: string): number {
  fs.mkdirSync(path.dirname(logFile), { recursive: true, mode: 0o700 });
  const log = fs.openSync(logFile, 'a', 0o600);
  fs.fchmodSync(log, 0o600);
  return log;
}

/**
 * Node flags for a driver process, which mostly waits and relays small messages (goal: under
 * 60 MiB resident). Measured on the QEMU driver after inspecting 200 instances (Node 24,
 * bench/memory.bench.ts): 71.6 MiB with the first flag alone, 65.0 once zod was tree-shaken.
 * - --max-semi-space-size=1: 1 MiB semi-spaces instead of up to 16 MiB (-3 MiB).
 * - --no-opt --no-maglev: no optimising compilers. Their machine code is what made 8 MiB of
 *   the node binary itself resident; Sparkplug (the baseline compiler) stays (-8 MiB, 56.8).
 * Measured and left out: --jitless (-1.3 MiB more, but an interpreter only and no WebAssembly),
 * --v8-pool-size=1, --single-threaded-gc, --optimize-for-size (each under 0.5 MiB).
 */
export const driverNodeFlags: readonly string[] = ['--max-semi-space-size=1', '--no-opt', '--no-maglev'];

export interface ForkOptions {
  /** The driver's entry script. */
  entry: string;
  /** Where the driver's stdout and stderr go. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

/** child_process.fork of a driver entry, structured-clone IPC, output to its log. */
export function forkDriverChild({ entry, logFile, env }: ForkOptions): ChildProcess {
  const log = openDriverLog(logFile);
  try {
    return fork(entry, [], {
      serialization: 'advanced',
      stdio: ['ignore', log, log, 'ipc'],
      env: env ?? process.env,
      execArgv: [...driverNodeFlags],
    });
  } finally {
    fs.closeSync(log); // the child has its own copy
  }
}

/** The log of a driver's process: one per driver, and one per named connection. */
export function driverLogFile(logDir: string, driver: string, connection?: string): string {
  return path.join(logDir, `driver-${driver}${connection ? `@${connection}` : ''}.log`);
}
