// The driver conformance kit: runs a driver through the guarantees of the driver contract
// (src-drivers/sdk/protocol.ts and GUIDE.md) and reports one result per check. It drives the
// driver as a process, through the engine's own DriverHost (and, for the handshake, through a
// bare link made the same way), so what it tests is the real process boundary: the sandbox of
// a bundle, errors crossing the pipe, a process killed and restarted.
//
// The checks are in checks/, one file per group; `order` below is the order they run in.
// Each runs only when the checks it `needs` passed.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DriverEvent } from '../../../../src-drivers/sdk/protocol.ts';
import { DriverHost } from '../host.ts';
import { forkDriverProcess } from '../process.ts';
import { DriverCalls } from './calls.ts';
import { specOf } from './check.ts';
import type { ConformanceCheck } from './check.ts';
import * as console from './checks/console.ts';
import * as crash from './checks/crash.ts';
import * as errors from './checks/errors.ts';
import * as guestAccess from './checks/guest-access.ts';
import * as handshake from './checks/handshake.ts';
import * as lifecycle from './checks/lifecycle.ts';
import * as stats from './checks/stats.ts';
import { stageGuest } from './files.ts';
import { CheckRunner, formatSeconds } from './runner.ts';
import { ConformanceState, conformancePaths, isolationOf, stateOf } from './state.ts';
import { defaultTimeouts } from './types.ts';
import type { CheckStatus, ConformanceOptions, ConformanceReport } from './types.ts';

/** A step between checks that is no check itself. */
type Interlude = (state: ConformanceState) => Promise<void>;

const order: Array<ConformanceCheck | Interlude> = [
  // What the driver itself sends, on a bare process, before the engine's checks.
  handshake.hello, handshake.protocol, handshake.schema, handshake.identity, handshake.platform, handshake.available,
  handshake.configure, handshake.configureTwice,
  (state) => state.endProbe(),
  // From here on the engine's DriverHost runs the driver.
  handshake.engine,
  console.closeUnknown,
  errors.validateMissingFile,
  lifecycle.validate, errors.validateArch, guestAccess.sshUndeclared, guestAccess.mountsMissingFolder, guestAccess.mountsUndeclared, lifecycle.create, lifecycle.createRelocatable, lifecycle.createIdempotent,
  lifecycle.inspectStopped, lifecycle.start, lifecycle.inspectRunning, guestAccess.sshForward, lifecycle.startTwice, lifecycle.deleteRunning,
  errors.unsupported, stats.undeclared,
  console.open, console.shell, console.close,
  async (state) => { await state.shell?.session.close(); },
  crash.reattach, crash.reattachConsole,
  // After the crash checks: a stream ends with the driver process that served it.
  stats.samples,
  lifecycle.pause, lifecycle.resume, lifecycle.stop, stats.endsWithVm, guestAccess.sshReleased, lifecycle.restart, lifecycle.stopForce, lifecycle.remove,
  errors.typed,
];

export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const started = performance.now();
  const timeouts = { ...defaultTimeouts, ...options.timeouts };
  const { entry } = options;
  const paths = conformancePaths(path.resolve(options.workDir));
  for (const dir of [paths.instances, paths.runtimeRoot, paths.downloads, paths.logs, paths.driverCache(entry.name)]) await fs.mkdir(dir, { recursive: true });
  const spawn = entry.spawn ?? options.spawn ?? forkDriverProcess;
  const events: DriverEvent[] = [];
  const host = new DriverHost(entry, {
    spawn, logDir: paths.logs, cacheDir: paths.driverCache(entry.name), handshakeTimeoutMs: timeouts.handshake, healthTimeoutMs: timeouts.call,
    onEvent: (_driver, event) => events.push(event),
  });
  /** The run's state, once made (the runner, which it holds, needs to reach its probe). */
  const current: { state?: ConformanceState } = {};
  const runner = new CheckRunner({
    onResult: options.onResult,
    signal: options.signal,
    // A hung call blocks the driver for every check after it: end the process, as the engine's health check would.
    onTimeout: async () => {
      current.state?.probe?.kill('SIGKILL');
      await host.kill();
    },
  });
  // The guest, staged where a sandboxed driver may read it (the engine's downloads cache).
  const guest = options.guest && entry.isolation?.kind === 'sandboxed' ? await stageGuest(options.guest, paths.downloads) : options.guest;
  const state = current.state = new ConformanceState({ entry, spawn, paths, timeouts, host, calls: new DriverCalls(host), runner, guest, events }, `conformance-${randomBytes(4).toString('hex')}`);
  const cleanup: string[] = [];

  try {
    for (const step of order) {
      if (typeof step === 'function') await step(state);
      else await runner.run(specOf(step, state), (context) => step.run(state, context));
    }
  } finally {
    state.probe?.kill('SIGKILL');
    await cleanUp(state, cleanup);
    await host.dispose();
  }

  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, skip: 0, 'not-run': 0 };
  for (const r of runner.results) counts[r.status]++;
  return {
    driver: {
      name: entry.name,
      version: typeof state.rawHello?.version === 'string' ? state.rawHello.version : null,
      protocol: typeof state.rawHello?.protocol === 'number' ? state.rawHello.protocol : null,
      isolation: isolationOf(entry),
    },
    guest: options.guest ?? null,
    results: runner.results,
    ok: counts.fail === 0 && counts['not-run'] === 0,
    counts,
    durationMs: Math.round(performance.now() - started),
    logs: [state.probeLog, host.logFile],
    cleanup,
  };
}

/** Best effort, bounded: stops the VM if it may still run, then deletes what create made; notes what did not go. */
async function cleanUp(state: ConformanceState, cleanup: string[]): Promise<void> {
  const { host, runner, timeouts, bare } = state;
  const bounded = async <T>(what: string, call: Promise<T>, ms: number): Promise<T | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), ms); });
    call.catch(() => undefined);
    try {
      const outcome = await Promise.race([call, late]);
      if (outcome === 'late') {
        cleanup.push(`${what} did not finish within ${formatSeconds(ms)}`);
        await host.kill();
        return undefined;
      }
      return outcome;
    } catch (error) {
      cleanup.push(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  };
  if (state.startAttempted && !runner.passed('lifecycle/delete')) {
    const now = await bounded('inspect() before cleaning up', host.call('inspect', bare), timeouts.call);
    if (now && now.state !== 'Stopped') {
      await bounded('stopping the VM', host.call('stop', bare, { force: true, timeoutMs: 10_000 }), timeouts.call);
      const after = await bounded('inspect() after stopping the VM', host.call('inspect', bare), timeouts.call);
      if (after?.state !== 'Stopped') cleanup.push(`the VM may still run${state.startResult ? ` (pid ${state.startResult.pid})` : ''}: the driver says ${after ? stateOf(after) : 'nothing'}`);
    }
  }
  if (state.createAttempted && !runner.passed('lifecycle/delete')) await bounded('delete()', host.call('delete', bare), timeouts.call);
}
