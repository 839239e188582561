// The conformance kit's vocabulary: what a run needs (a driver entry, a guest, a work folder)
// and what it reports (one result per check, with what was expected and what happened).
import type { DriverEntry } from '../host.ts';
import type { SpawnDriverProcess } from '../process.ts';

export type CheckGroup = 'handshake' | 'lifecycle' | 'errors' | 'console' | 'crash' | 'guest-access' | 'stats';

/**
 * pass / fail; skip only when the driver's capabilities say it does not offer the feature;
 * not-run when a check it needs did not pass (or there is no guest to boot).
 */
export type CheckStatus = 'pass' | 'fail' | 'skip' | 'not-run';

export interface CheckResult {
  /** "group/name", e.g. "lifecycle/start": what `needs` lists refer to. */
  id: string;
  group: CheckGroup;
  name: string;
  /** One line: what the check asks of the driver. */
  title: string;
  status: CheckStatus;
  durationMs: number;
  /**
   * On failure: what was expected, what happened, and what to change. On a skip or not-run:
   * why. On a pass: a short fact worth showing (a pid, a time), if any.
   */
  message?: string;
}

/** The guest the lifecycle and console checks boot: a kernel and initrd whose serial console runs a shell. */
export interface ConformanceGuest {
  kernel: string;
  initrd: string;
  /** A base disk image (raw or qcow2); without one the driver makes a blank disk. */
  disk?: string;
  /** Kernel command line; default "console=ttyS0 quiet" (ttyAMA0 on aarch64). */
  cmdline?: string;
}

/** How long each kind of step may take before it fails (and a hung driver process is ended). */
export interface ConformanceTimeouts {
  /** hello() and the engine's handshake (spawn, check, configure). */
  handshake: number;
  /** Any other call: validate, inspect, pause, closeConsole ... */
  call: number;
  /** create(): may copy or convert a disk image. */
  create: number;
  /** start(): may probe accelerators by booting a kernel first. */
  start: number;
  /** From openConsole to the shell's answer: includes the guest's boot. */
  console: number;
  /** The timeoutMs given to a graceful stop(); the check allows this plus `call`. */
  gracefulStop: number;
}

export const defaultTimeouts: ConformanceTimeouts = {
  handshake: 15_000,
  call: 30_000,
  create: 120_000,
  start: 180_000,
  console: 180_000,
  gracefulStop: 30_000,
};

export interface ConformanceOptions {
  /** The driver under test, as the registry would hold it (built in, or an installed bundle's entry). */
  entry: DriverEntry;
  /** Without a guest only the checks that boot nothing run; the rest are reported not run. */
  guest?: ConformanceGuest;
  /** An empty folder the kit owns: instances, sockets, caches and logs go under it (conformancePaths). */
  workDir: string;
  /** How the driver's process is started when the entry does not say; default child_process.fork. */
  spawn?: SpawnDriverProcess;
  timeouts?: Partial<ConformanceTimeouts>;
  /** Cancels the run: the check in progress and the rest are reported not run, and the kit still cleans up. */
  signal?: AbortSignal;
  /** Called as each check finishes, in order. */
  onResult?: (result: CheckResult) => void;
}

export interface ConformanceReport {
  driver: {
    /** The registry name the kit ran it under. */
    name: string;
    /** From the handshake, when one was received. */
    version: string | null;
    protocol: number | null;
    /** "built-in", "sandboxed (by ...)" or "unsandboxed (reason)". */
    isolation: string;
  };
  guest: ConformanceGuest | null;
  results: CheckResult[];
  /** Every check that is not skipped passed. */
  ok: boolean;
  counts: Record<CheckStatus, number>;
  durationMs: number;
  /** The driver process logs the run wrote (under workDir/logs). */
  logs: string[];
  /** What the kit could not clean up (a VM that may still run, say): empty when all went. */
  cleanup: string[];
}
