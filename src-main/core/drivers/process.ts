// How the engine runs a driver process. Two back ends sit behind this one interface:
// child_process.fork here (CLI, web shell, tests) and Electron's utilityProcess in
// src-main/electron/. Both give a Link for frames and report the process's exit.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { forkDriverChild } from './fork-child.ts';
import { createLink } from '../../../src-drivers/sdk/link.ts';
import type { Link } from '../../../src-drivers/sdk/link.ts';

export { driverNodeFlags, openDriverLog } from './fork-child.ts';

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

/** The Node back end: child_process.fork with structured-clone IPC. */
export const forkDriverProcess: SpawnDriverProcess = (options) => driverProcessOf(forkDriverChild(options), options.logFile);

/** A forked driver child as a DriverProcess (also one forked early: cli/prefork.ts). */
export function driverProcessOf(child: ChildProcess, logFile: string): DriverProcess {
  const exited = new Promise<ProcessExit>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // 'on', not 'once': a send racing the process's death fails with a later 'error' too, and an unheard one ends the engine.
    child.on('error', () => resolve({ code: null, signal: null }));
  });
  return { pid: child.pid, link: forkLink(child, logFile), exited, kill: (signal = 'SIGTERM') => child.kill(signal) };
}

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
