// What the engine's capability modules (lifecycle, reshape, snapshots, cache, guest access)
// share: the stores, the driver registry, the one status owner, and the steps every operation
// takes. The Engine class (../engine.ts) makes the one context and keeps the public API.
import type { DriverHost } from '../drivers/host.ts';
import type { DriverRegistry } from '../drivers/registry.ts';
import type { Downloader } from '../downloads/index.ts';
import type { EngineEvent, EventBus } from '../events.ts';
import type { LimaConfig } from '../instances/config.ts';
import type { Operation } from '../instances/lock.ts';
import type { InstanceStatus } from '../instances/status.ts';
import type { InstanceStore } from '../instances/store.ts';
import type { CorralPaths } from '../paths.ts';
import type { InstanceSpec, VmState } from '../../../src-drivers/sdk/protocol.ts';
import type { InstanceSummary } from './inspect.ts';

/** What an operation's body gets: the instance as it was when the lock was taken. */
export interface Operating {
  config: LimaConfig;
  spec: InstanceSpec;
  host: DriverHost;
  state: VmState;
}

export interface EngineContext {
  readonly paths: CorralPaths;
  readonly store: InstanceStore;
  readonly drivers: DriverRegistry;
  readonly events: EventBus<EngineEvent>;
  readonly downloads: Downloader;
  /** Derives and announces instance status (instances/status.ts): the one place that does. */
  readonly status: InstanceStatus;
  /** The built-in drivers: they run VMs on this host, so this host's memory and cores bound them. */
  readonly localDrivers: ReadonlySet<string>;
  /** Settles once installed driver bundles are registered (then `drivers.names()` is whole). */
  readonly driversLoaded: Promise<void>;
  /** The driver process of connection `name` (or driver `name`), once installed bundles are loaded. */
  driver(name: string): Promise<DriverHost>;
  /** The driver connection `name` uses; NOT_FOUND for an unknown one. */
  connectionDriver(name: string): Promise<string>;
  /**
   * Runs `fn` under the instance's cross-process lock, with its driver and current state; a
   * failure re-derives the status so an announced Starting or Stopping does not outlive it.
   */
  operate<T>(name: string, op: Operation, fn: (operating: Operating) => Promise<T>): Promise<T>;
  inspect(name: string): Promise<InstanceSummary>;
  /** After an operation whose result the engine cannot know: asks, if anyone was told a status. */
  rederive(name: string): Promise<void>;
  /** Removes staging folders of killed creates and clones (one sweep at a time). */
  sweepStaging(): Promise<void>;
  /** A warning for the log and the UI's driver-log stream. */
  warn(source: string, message: string): void;
}
