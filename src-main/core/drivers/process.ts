// How the engine runs a driver process. Two back ends sit behind this one interface:
// child_process.fork here (CLI, web shell, tests) and Electron's utilityProcess in
// src-main/electron/. Both give a Link for frames and report the process's exit.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createLink } from '../../../src-drivers/sdk/link.ts';
import type { Link } from '../../../src-drivers/sdk/link.ts';

export interface ProcessExit {
  code: number | null;
  signal: string | null;
}

export interface DriverProcess {
  readonly pid: number | undefined;
  readonly link: Link;
  /** Settles once, when the process has gone for whatever reason. */
  readonly exited: Promise<ProcessExit>;
  /** Ends the process: SIGTERM by default, SIGKILL for one that is hung. */
  kill(signal?: 'SIGTERM' | 'SIGKILL'): void;
  /**
   * Sandboxed back ends only: checks from outside that the sandbox is in force, and rejects
   * if not. The host calls it after the handshake and uses no driver that fails it.
   */
  verify?(): Promise<void>;
}

export interface SpawnOptions {
  /** The driver's entry script. */
  entry: string;
  /** Where the driver's stdout and stderr go. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

export type SpawnDriverProcess = (options: SpawnOptions) => DriverProcess;

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
const driverNodeFlags = ['--max-semi-space-size=1', '--no-opt', '--no-maglev'];

/** The Node back end: child_process.fork with structured-clone IPC. */
export const forkDriverProcess: SpawnDriverProcess = ({ entry, logFile, env }) => {
  const log = openDriverLog(logFile);
  const child = fork(entry, [], {
    serialization: 'advanced',
    stdio: ['ignore', log, log, 'ipc'],
    env: env ?? process.env,
    execArgv: driverNodeFlags,
  });
  fs.closeSync(log);
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // 'on', not 'once': a send racing the process's death fails with a later 'error' too, and an unheard one ends the engine.
    child.on('error', () => resolve({ code: null, signal: null }));
  });
  return { pid: child.pid, link: forkLink(child, logFile), exited, kill: (signal = 'SIGTERM') => child.kill(signal) };
};

/**
 * The Link over a child's fork-style IPC channel (child_process.fork, or a spawn with an 'ipc'
 * stdio slot such as the sandbox's): frames the driver sends that fail the link's check are
 * noted in its log and dropped.
 */
export function forkLink(child: ChildProcess, logFile: string): Link {
  return createLink(
    (frame) => { if (child.connected) child.send(frame); },
    (deliver) => {
      child.on('message', deliver);
      return () => child.off('message', deliver);
    },
    (problem) => fs.appendFileSync(logFile, `engine: dropped a frame from the driver: ${problem}\n`),
  );
}
