// The engine's side of one driver: a process started on first use and reused, answered by
// handshake and configure, restarted with backoff after a crash, and ended with the engine.
// Calls made while the process dies fail with DRIVER_CRASHED instead of hanging, and every
// result is validated before the engine uses it.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DriverError, toDriverError } from '../../../src-drivers/sdk/errors.ts';
import { PROTOCOL_VERSION, driverEventSchema, driverMethods, handshakeSchema } from '../../../src-drivers/sdk/protocol.ts';
import type { Driver, DriverEvent, DriverRpc, Handshake } from '../../../src-drivers/sdk/protocol.ts';
import { exposeOnLink, wrapLink } from '../../../src-drivers/sdk/rpc.ts';
import type { Remote } from '../../../src-drivers/sdk/rpc.ts';
import { StreamHub } from '../../../src-drivers/sdk/streams.ts';
import { noBroker } from './broker/broker.ts';
import { driverLogFile } from './fork-child.ts';
import { driverLogEntry } from './driver-log.ts';
import type { EngineServicesFor } from './broker/broker.ts';
import type { DriverProcess, ProcessExit, SpawnDriverProcess } from './process.ts';
import type { SettingValues } from '../connections/settings.ts';

export interface DriverEntry {
  name: string;
  /** The driver's entry script, run as its own process. */
  entry: string;
  /** How this driver's process is started, when not the engine's default (sandboxed bundles). */
  spawn?: SpawnDriverProcess;
  /** Whether the driver runs confined; built-in drivers leave it out. Shown by describe(). */
  isolation?: { kind: 'sandboxed'; by: string } | { kind: 'unsandboxed'; reason: string };
  /** What the engine serves the driver (the spawn broker of a sandboxed bundle); default: refusals. */
  services?: EngineServicesFor;
}

export interface DriverHostOptions {
  spawn: SpawnDriverProcess;
  logDir: string;
  cacheDir: string;
  onEvent?: (driver: string, event: DriverEvent) => void;
  /** A process of this driver ended (crashed, killed or disposed): what it was reporting stops. */
  onExit?: (driver: string) => void;
  handshakeTimeoutMs?: number;
  /** How long a live driver may take to answer a health check before it is restarted. */
  healthTimeoutMs?: number;
  /** Time as the restart backoff sees it; tests pass a fake one. Default: the real clock. */
  clock?: HostClock;
  /** The connection this process serves, when not the driver's default one: names its log. */
  connection?: string;
  /**
   * The connection's settings, validated against the handshake's declarations (throws
   * INVALID_CONFIG); given to configure(). Default: none.
   */
  settings?: (handshake: Handshake) => SettingValues;
}

/** The clock behind restart backoff: how long a process lived, and the wait before a restart. */
export interface HostClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: HostClock = { now: () => Date.now(), sleep: (ms) => delay(ms) };

interface Connection {
  process: DriverProcess;
  remote: Remote<DriverRpc>;
  streams: StreamHub;
  handshake: Handshake;
  startedAt: number;
  /** Settles with `call`, or rejects with DRIVER_CRASHED if the process exits first. */
  guard<T>(call: Promise<T>, what: string): Promise<T>;
  /** The remote method, created once: each property read on a Comlink proxy builds a new proxy. */
  method(name: keyof Driver): (...args: unknown[]) => Promise<unknown>;
}

type DriverResult<K extends keyof Driver> = Awaited<ReturnType<Driver[K]>>;

const maxBackoffMs = 10_000;
/** A process that ran this long before it crashed counts as a first crash again. */
const stableAfterMs = 30_000;

/** The wait before starting a driver again after `recentCrashes` crashes in a row: 250 ms × 2^(n-1), at most 10 s. */
export function restartDelayMs(recentCrashes: number): number {
  return recentCrashes > 0 ? Math.min(maxBackoffMs, 250 * 2 ** (recentCrashes - 1)) : 0;
}

export class DriverHost {
  readonly name: string;
  readonly logFile: string;
  readonly #entry: DriverEntry;
  /** How the driver's process is confined (none: built in). */
  get isolation(): DriverEntry['isolation'] {
    return this.#entry.isolation;
  }
  readonly #options: DriverHostOptions;
  readonly #clock: HostClock;
  #connection: Promise<Connection> | undefined;
  #live: Connection | undefined;
  /** The process started last, from spawn to exit, handshake or not (what kill() ends). */
  #process: DriverProcess | undefined;
  #recentCrashes = 0;
  #disposed = false;
  readonly #exitListeners = new Set<(exit: ProcessExit) => void>();

  constructor(entry: DriverEntry, options: DriverHostOptions) {
    this.name = entry.name;
    this.#entry = entry;
    this.#options = options;
    this.#clock = options.clock ?? realClock;
    this.logFile = driverLogFile(options.logDir, entry.name, options.connection);
  }

  async handshake(): Promise<Handshake> {
    return (await this.#connect()).handshake;
  }

  /** The pid of the running driver process, if one runs. */
  async pid(): Promise<number | undefined> {
    return (await this.#connect()).process.pid;
  }

  /** Calls a driver method; fails with DRIVER_CRASHED if the process dies meanwhile. */
  async call<K extends keyof Driver>(method: K, ...args: Parameters<Driver[K]>): Promise<DriverResult<K>> {
    const connection = await this.#connect();
    let result: unknown;
    try {
      result = await this.#raceExit(connection, connection.method(method)(...args), method);
    } catch (error) {
      // A process killed a moment ago may not have been noticed yet when the call went out.
      // Calls that only read are safe to repeat, so they get one try on a fresh process.
      if (!(error instanceof DriverError && error.code === 'DRIVER_CRASHED' && driverMethods[method].readOnly)) throw error;
      await connection.process.exited;
      const fresh = await this.#connect();
      result = await this.#raceExit(fresh, fresh.method(method)(...args), method);
    }
    const parsed = driverMethods[method].result().safeParse(result);
    if (!parsed.success) throw new DriverError('INTERNAL', `driver ${this.name} returned a malformed ${method} result: ${parsed.error.message}`);
    return parsed.data as DriverResult<K>;
  }

  /**
   * Asks a running driver process to answer (a handshake); one that does not answer in time
   * is hung and is ended, so the next call starts a fresh one. No process: nothing to check.
   */
  async checkHealth(): Promise<'healthy' | 'restarted' | 'idle'> {
    const connection = this.#live;
    if (!connection) return 'idle';
    try {
      await this.#raceExit(connection, connection.remote.hello(), 'a health check', this.#options.healthTimeoutMs ?? 10_000);
      return 'healthy';
    } catch (error) {
      if (toDriverError(error).code !== 'TIMEOUT') return 'restarted'; // it died meanwhile
      connection.process.kill('SIGKILL');
      await connection.process.exited;
      return 'restarted';
    }
  }

  /** How long the next start of the driver process will wait (the crash backoff); 0 when it starts at once. */
  get nextStartDelayMs(): number {
    return restartDelayMs(this.#recentCrashes);
  }

  /** The stream hub of the current process, for console streams. */
  async streams(): Promise<StreamHub> {
    return (await this.#connect()).streams;
  }

  /** Runs `listener` when the current driver process exits (streams end with it). */
  onProcessExit(listener: (exit: ProcessExit) => void): () => void {
    this.#exitListeners.add(listener);
    return () => this.#exitListeners.delete(listener);
  }

  /**
   * Ends the current driver process at once (SIGKILL), as a crash would, and resolves when it
   * has gone; the next call starts a fresh process, and the VMs it started keep running. Calls
   * in flight fail with DRIVER_CRASHED, so this also frees callers of a hung call. Used by the
   * conformance kit (crash and re-attach, per-check timeouts). No process: resolves undefined.
   */
  async kill(): Promise<ProcessExit | undefined> {
    const current = this.#process;
    if (!current) return undefined;
    current.kill('SIGKILL');
    return current.exited;
  }

  /**
   * Ends the driver process. `waitForExit: false` only signals it: for a CLI that exits at once
   * after (the driver also exits when its IPC channel closes), so it need not wait for that.
   */
  async dispose(options: { waitForExit?: boolean } = {}): Promise<void> {
    this.#disposed = true;
    const connection = await this.#connection?.catch(() => undefined);
    if (!connection) return;
    connection.process.kill();
    if (options.waitForExit ?? true) await connection.process.exited;
  }

  #connect(): Promise<Connection> {
    if (this.#disposed) return Promise.reject(new DriverError('INVALID_STATE', 'the engine is shutting down'));
    this.#connection ??= this.#spawn().catch((error: unknown) => {
      this.#connection = undefined;
      throw error;
    });
    return this.#connection;
  }

  async #spawn(): Promise<Connection> {
    const wait = restartDelayMs(this.#recentCrashes);
    if (wait > 0) await this.#clock.sleep(wait);
    const process = (this.#entry.spawn ?? this.#options.spawn)({ entry: this.#entry.entry, logFile: this.logFile });
    this.#process = process;
    void process.exited.then(() => {
      if (this.#process === process) this.#process = undefined;
      this.#options.onExit?.(this.name);
    });
    const streams = new StreamHub(process.link);
    const remote = wrapLink<DriverRpc>(process.link);
    exposeOnLink((this.#entry.services ?? noBroker)((level, message) => {
      this.#appendToLog(level, message);
      this.#options.onEvent?.(this.name, { type: 'log', level, message });
    }), process.link, 'host');
    process.link.onFrame((frame) => {
      if (frame.ch !== 'event') return;
      const event = driverEventSchema().safeParse(frame.event);
      if (!event.success) return;
      if (event.data.type === 'log') this.#appendToLog(event.data.level, event.data.message);
      this.#options.onEvent?.(this.name, event.data);
    });
    const methods = new Map<keyof Driver, (...args: unknown[]) => Promise<unknown>>();
    const method = (name: keyof Driver) => {
      let fn = methods.get(name);
      if (!fn) methods.set(name, fn = remote[name] as unknown as (...args: unknown[]) => Promise<unknown>);
      return fn;
    };
    // Calls in flight, failed all at once when the process exits. A Set rather than racing each
    // call against the exit promise, which would pile a reaction per call onto that promise.
    const inFlight = new Map<(error: DriverError) => void, string>();
    let exit: ProcessExit | undefined;
    const crashError = (what: string, { code, signal }: ProcessExit) => new DriverError('DRIVER_CRASHED',
      `driver ${this.name} exited (${signal ?? `code ${code}`}) during ${what}; its log is ${this.logFile}`, { code, signal });
    void process.exited.then((result) => {
      exit = result;
      for (const [reject, what] of inFlight) reject(crashError(what, result));
      inFlight.clear();
    });
    const guard = <T>(call: Promise<T>, what: string) => new Promise<T>((resolve, reject) => {
      if (exit) return reject(crashError(what, exit));
      inFlight.set(reject, what);
      call.then(resolve, reject).finally(() => inFlight.delete(reject));
    });
    const connection: Connection = { process, remote, streams, handshake: undefined as unknown as Handshake, startedAt: this.#clock.now(), method, guard };
    void process.exited.then((exit) => this.#onExit(connection, exit));
    try {
      const hello = await this.#raceExit(connection, remote.hello(), 'the handshake', this.#options.handshakeTimeoutMs ?? 15_000);
      const parsed = handshakeSchema().safeParse(hello);
      if (!parsed.success) throw new DriverError('PROTOCOL_MISMATCH', `driver ${this.name} sent a malformed handshake: ${parsed.error.message}`);
      if (parsed.data.protocol !== PROTOCOL_VERSION) {
        throw new DriverError('PROTOCOL_MISMATCH',
          `driver ${this.name} ${parsed.data.version} speaks driver protocol v${parsed.data.protocol}, but this Corral speaks v${PROTOCOL_VERSION}; install a driver built for protocol v${PROTOCOL_VERSION}`,
          { driverProtocol: parsed.data.protocol, engineProtocol: PROTOCOL_VERSION });
      }
      connection.handshake = parsed.data;
      if (process.verify) await this.#raceExit(connection, process.verify(), 'the sandbox check');
      const values = this.#options.settings?.(parsed.data) ?? {};
      await this.#raceExit(connection, remote.configure({ cacheDir: this.#options.cacheDir, values }), 'configure');
      // A driver with settings answered the first hello() unconfigured: ask again, so that
      // availability is that of this connection (its host reachable), not of the default one.
      if (parsed.data.settings.length > 0) {
        const configured = handshakeSchema().safeParse(await this.#raceExit(connection, remote.hello(), 'the handshake', this.#options.handshakeTimeoutMs ?? 15_000));
        if (configured.success) connection.handshake = configured.data;
      }
      this.#live = connection;
      return connection;
    } catch (error) {
      process.kill();
      await process.exited;
      throw toDriverError(error);
    }
  }

  #onExit(connection: Connection, exit: ProcessExit): void {
    if (this.#live === connection) {
      this.#live = undefined;
      this.#connection = undefined;
    }
    if (!this.#disposed) {
      const lived = this.#clock.now() - connection.startedAt;
      this.#recentCrashes = lived > stableAfterMs ? 1 : this.#recentCrashes + 1;
    }
    for (const listener of this.#exitListeners) listener(exit);
  }

  /**
   * Writes a driver's log event to its log file beside its stderr, so a CLI user (who sees no
   * event bus) finds "did not power off; ending the VM" there. Synchronous, so the line is in
   * the file before the reply to the call that logged it is handled; such events are rare.
   */
  #appendToLog(level: string, message: string): void {
    try {
      fs.mkdirSync(path.dirname(this.logFile), { recursive: true, mode: 0o700 });
      fs.appendFileSync(this.logFile, driverLogEntry(level, message), { mode: 0o600 });
    } catch {
      // An unwritable log must not break the driver; the event still reaches the event bus.
    }
  }

  /** Settles with the call, or fails when the process dies first (or the optional timeout passes). */
  async #raceExit<T>(connection: Connection, call: Promise<T>, what: string, timeoutMs?: number): Promise<T> {
    const contenders: Promise<T>[] = [connection.guard(call, what)];
    const timer = timeoutMs === undefined ? undefined : new AbortController();
    if (timer) {
      contenders.push(delay(timeoutMs, undefined, { signal: timer.signal }).then((): never => {
        throw new DriverError('TIMEOUT', `driver ${this.name} did not answer ${what} within ${timeoutMs} ms; its log is ${this.logFile}`);
      }, () => new Promise<never>(() => undefined)));
    }
    try {
      return await Promise.race(contenders);
    } finally {
      timer?.abort();
    }
  }
}
