// The engine: the one owner of instances. Front ends (the Electron shell, `corral serve`, the
// CLI) call it; it reads the store, resolves specs, serialises operations per instance with
// a cross-process lock, and reaches drivers only through their processes. This class wires the
// parts together and keeps the public API; each capability lives in engine/ (lifecycle,
// reshape, snapshots, cache, guest access), sharing one EngineContext.
import { DriverError, toDriverError } from '../../src-drivers/sdk/errors.ts';
import type { Capabilities, DisplayInfo, Snapshot, StartResult } from '../../src-drivers/sdk/protocol.ts';
import { EventBus } from './events.ts';
import type { EngineEvent } from './events.ts';
import { DriverRegistry, builtinDrivers } from './drivers/registry.ts';
import type { DriverInfo } from './drivers/registry.ts';
import { DriverBundles } from './drivers/bundles/manager.ts';
import { Connections } from './connections/connections.ts';
import { runtimeRootOf } from './drivers/sandbox/entries.ts';
import type { DriverEntry, DriverHost } from './drivers/host.ts';
import { forkDriverProcess } from './drivers/process.ts';
import type { SpawnDriverProcess } from './drivers/process.ts';
import type { InstancePorts } from './guest/instance-ports.ts';
import { guestFiles, reportGuestFile } from './guest/guest-events.ts';
import type { GuestEventSources, GuestFile } from './guest/guest-events.ts';
import { Downloader, cacheLayout } from './downloads/index.ts';
import type { DownloaderOptions } from './downloads/index.ts';
import { InstanceFetches } from './downloads/instance-fetches.ts';
import { DriverUploads } from './downloads/driver-uploads.ts';
import { effectiveConfig } from './instances/effective.ts';
import { withInstanceLock } from './instances/lock.ts';
import type { Operation } from './instances/lock.ts';
import type { FieldWarning } from './instances/field-warning.ts';
import { InstanceStore } from './instances/store.ts';
import { watchInstances } from './instances/watch.ts';
import type { InstanceChange } from './instances/watch.ts';
import { configFileName } from './instances/folders.ts';
import { OutsideChanges } from './instances/outside-changes.ts';
import { InstanceStatus } from './instances/status.ts';
import { sweepStaging } from './instances/staging.ts';
import type { RemovedStaging } from './instances/staging.ts';
import { catalogDir } from './templates/load.ts';
import { listCatalog } from './templates/catalog.ts';
import type { CatalogEntry } from './templates/catalog.ts';
import { corralPaths, makeHome } from './paths.ts';
import { finishCacheMove, moveCache } from './settings/move-cache.ts';
import { finishInstancesMove, moveInstances } from './settings/move-instances.ts';
import { followInstancesLocation } from './settings/follow-instances-location.ts';
import type { CorralPaths, MovablePaths } from './paths.ts';
import type { ConsoleSession } from './console.ts';
import { StatsHub } from './stats/hub.ts';
import { sourceHostAgent } from './hostagent/spawn.ts';
import type { HostAgentLauncher } from './hostagent/spawn.ts';
import { listCacheUsage, pruneUnused } from './engine/cache.ts';
import type { UnusedPruneResult } from './engine/cache.ts';
import type { CacheEntry } from './engine/cache.ts';
import type { EngineContext, Operating } from './engine/context.ts';
import { displayOf, openConsole, portsOf, readLogs } from './engine/guest-access.ts';
import { inspectInstance, listInstances } from './engine/inspect.ts';
import { summaryFromLiveFacts } from './engine/live-summary.ts';
import type { InstanceSummary } from './engine/inspect.ts';
import { deleteInstance, pauseInstance, resumeInstance, startInstance, stopInstance } from './engine/lifecycle.ts';
import type { DeleteResult, StopOptions } from './engine/lifecycle.ts';
import { cloneInstance, createInstance, editInstance, renameInstance } from './engine/reshape.ts';
import type { CreateOptions, EditChanges } from './engine/reshape.ts';
import { listSnapshots, snapshotOperation } from './engine/snapshots.ts';
import { instanceSpec } from './engine/spec.ts';
import { askDriver } from './engine/driver-answer.ts';
import { driverCannotAnswer } from './engine/unanswered.ts';

export type { InstanceSummary } from './engine/inspect.ts';
export { templateMessage } from './engine/inspect.ts';
export type { CreateOptions } from './engine/reshape.ts';

export interface EngineOptions {
  home?: string;
  cache?: string;
  /** Where the private socket root is made; default XDG_RUNTIME_DIR, else the temp folder. */
  runtimeBase?: string;
  /** The built-in drivers' entries; default: the TypeScript sources (the Electron shell passes its bundles). */
  builtinDrivers?: DriverEntry[];
  /** Drivers besides the built-in ones (tests, installed bundles). */
  extraDrivers?: DriverEntry[];
  spawn?: SpawnDriverProcess;
  /** Folders whose bundle files are installed at start; default CORRAL_HOME/drivers + CORRAL_DRIVERS_PATH. */
  dropFolders?: string[];
  /** Driver health checks: how often, and how long an answer may take. intervalMs 0 turns them off. */
  health?: { intervalMs: number; timeoutMs: number };
  /** How the host agent runs (default: Node and its TypeScript entry; the Electron shell passes its bundle). */
  hostAgent?: HostAgentLauncher;
  /** Downloader settings besides the cache folder (tests shorten the retry delays). */
  downloader?: Omit<DownloaderOptions, 'cacheDir'>;
}

/** A driver as `corral driver list` and the picker show it. */
export interface EngineDriverInfo extends DriverInfo {
  /** False for an installed bundle the user disabled (it is not started). */
  enabled: boolean;
}

/** The files in an instance's folder the engine's watch reports: lima.yaml and the guest's records. */
type WatchedFile = 'config' | GuestFile;
const watchedFiles: ReadonlyMap<string, WatchedFile> = new Map<string, WatchedFile>([[configFileName, 'config'], ...guestFiles]);

export class Engine {
  readonly paths: CorralPaths;
  readonly store: InstanceStore;
  readonly drivers: DriverRegistry;
  readonly events = new EventBus<EngineEvent>();
  readonly downloads: Downloader;
  /** What fixed the cache folder at start (an option, CORRAL_CACHE), so a move cannot change it; undefined otherwise. */
  readonly cacheFixedBy: string | undefined;
  /** Installed driver bundles; changes show in `drivers` at once. */
  readonly bundles: DriverBundles;
  /** Where VMs run: local, each driver's default, and the named ones in connections.json. */
  readonly connections: Connections;
  /** Settles once bundles dropped into the drivers folders are installed and every enabled one is registered. */
  readonly #driversLoaded: Promise<void>;
  /** Starts and Retries that are fetching files right now, so a user can cancel them. */
  readonly #fetches: InstanceFetches;
  /** Files drivers send on themselves (remote uploads), shown as download lines. */
  readonly #uploads = new DriverUploads((event) => this.events.emit(event));
  readonly #healthTimer: NodeJS.Timeout | undefined;
  readonly #movablePaths: MovablePaths;
  /** Whether a front end asked for watch(): the watches are re-armed when the instances folder moves. */
  #watching = false;
  #stopWatching: (() => void) | undefined;
  /** The watch on CORRAL_HOME for another process's move of the instances folder: opened by watch() only. */
  #stopFollowingMove: (() => void) | undefined;
  /** Aborted by close(): a move still copying is undone, not left half-made. */
  readonly #closing = new AbortController();
  /** The move (of the instances folder or the cache) running now, if any: close() waits for its undo. */
  #moving: Promise<unknown> | undefined;
  /** Derives and announces instance status (instances/status.ts): the one place that does. */
  readonly #status = new InstanceStatus((event) => this.events.emit(event));
  /** What the watch reports other processes changed, lima.yaml saves included: inspected and announced. */
  readonly #outside = new OutsideChanges({
    status: this.#status,
    dir: (name) => this.store.dir(name),
    exists: (name) => this.#exists(name),
    inspect: (name) => this.inspect(name),
    listChanged: () => this.events.emit({ type: 'instances-changed' }),
    warn: (message) => this.#log('warn', 'engine', message),
  });
  /** Staging folders of killed creates and clones this engine removed, for `cache prune` to report. */
  readonly #removedStaging: RemovedStaging[] = [];
  /** The sweep running now, if any: one at a time, and close() waits for it. */
  #sweeping: Promise<void> | undefined;
  /** Finishing a move of the instances folder or the cache that a kill interrupted (at start); close() waits for it. */
  readonly #finishingMove: Promise<void>;
  readonly #hostAgent: HostAgentLauncher;
  /** What the capability modules in engine/ share. */
  readonly #ctx: EngineContext;
  /** Live figures of running instances, sampled only while watched (stats/hub.ts). */
  readonly stats = new StatsHub(async (name) => {
    const config = await this.store.readConfig(name);
    return { host: await this.#driver(effectiveConfig(config).connection), spec: instanceSpec(this.#ctx, name, config) };
  }, (listener) => this.events.on(listener));

  constructor(options: EngineOptions = {}) {
    this.paths = this.#movablePaths = corralPaths(options);
    this.cacheFixedBy = options.cache ? 'the cache option given at start' : process.env.CORRAL_CACHE ? 'the CORRAL_CACHE environment variable' : undefined;
    this.#hostAgent = options.hostAgent ?? sourceHostAgent;
    makeHome(this.paths); // before anything below makes a folder inside it (with looser modes)
    this.store = new InstanceStore(this.paths, (name, text) => this.#outside.wrote(name, text));
    this.downloads = new Downloader({ ...options.downloader, cacheDir: this.paths.cache });
    this.#fetches = new InstanceFetches(this.downloads, (instance, progress) => this.events.emit({ type: 'download-progress', instance, ...progress }));
    this.drivers = new DriverRegistry([...(options.builtinDrivers ?? builtinDrivers()), ...(options.extraDrivers ?? [])], {
      spawn: options.spawn ?? forkDriverProcess,
      logDir: this.paths.logs,
      cacheDir: (driver) => this.paths.driverCache(driver),
      healthTimeoutMs: options.health?.timeoutMs,
      onEvent: (driver, event) => {
        if (event.type === 'state') this.#status.announce(event.instance, event.state, event.reason);
        else if (event.type === 'progress') this.#uploads.report(driver, event);
        else this.events.emit({ type: 'driver-log', driver, level: event.level, message: event.message });
      },
      onExit: (driver) => this.#uploads.driverEnded(driver),
    });
    const builtinNames = this.drivers.names();
    const paths = this.paths;
    this.bundles = new DriverBundles({
      home: this.paths.home,
      registry: this.drivers,
      paths: {
        get instances() { return paths.instances; }, // a getter: the instances folder can move
        // A getter: the socket root is made (and recorded in the home) only once a bundle needs it.
        get runtimeRoot() { return runtimeRootOf(paths.runtimeDir); },
        downloads: cacheLayout(this.paths.cache).root,
        driverCache: this.paths.driverCache,
      },
      builtinNames,
      runningInstances: (driver) => this.#runningOn(driver),
      log: (level, message) => this.#log(level, 'bundles', message),
      ...(options.dropFolders ? { dropFolders: options.dropFolders } : {}),
    });
    this.#driversLoaded = this.bundles.load();
    this.connections = new Connections(this.paths.home, this.drivers, this.store, this.#driversLoaded);
    this.#ctx = {
      paths: this.paths,
      store: this.store,
      drivers: this.drivers,
      events: this.events,
      downloads: this.downloads,
      status: this.#status,
      localDrivers: new Set((options.builtinDrivers ?? builtinDrivers()).map((entry) => entry.name)),
      driversLoaded: this.#driversLoaded,
      driver: (name) => this.#driver(name),
      connectionDriver: (name) => this.connections.driverOf(name),
      operate: (name, op, fn) => this.#operate(name, op, fn),
      inspect: (name) => this.inspect(name),
      rederive: (name) => this.#rederive(name),
      sweepStaging: () => this.#sweepStaging(),
      warn: (source, message) => this.#log('warn', source, message),
    };
    void this.#sweepStaging(); // at engine start: a CLI command starts one, so every command tidies
    this.#finishingMove = Promise.all([
      finishInstancesMove(this.paths.home).catch((error: unknown) => this.#log('warn', 'engine', `could not finish an interrupted move of the instances folder: ${toDriverError(error).message}`)),
      finishCacheMove(this.paths.home).catch((error: unknown) => this.#log('warn', 'engine', `could not finish an interrupted move of the download cache: ${toDriverError(error).message}`)),
    ]).then(() => undefined);
    const healthEvery = options.health?.intervalMs ?? 30_000;
    if (healthEvery > 0) {
      this.#healthTimer = setInterval(() => void this.drivers.checkHealth(), healthEvery);
      this.#healthTimer.unref(); // never what keeps a CLI process alive
    }
  }

  #log(level: 'info' | 'warn' | 'error', driver: string, message: string): void {
    this.events.emit({ type: 'driver-log', driver, level, message });
  }

  // --- Status --------------------------------------------------------------------------------

  /**
   * Reports changes that other processes make to the store (the CLI starting an instance, a
   * second window deleting one) as events. Long-lived front ends call this; the CLI does not.
   */
  watch(): void {
    this.#watching = true;
    // Only a long-lived front end follows another process's move (a CLI command opens no watch).
    this.#stopFollowingMove ??= followInstancesLocation(this.paths.home, () => this.paths.instances, (to) => this.#instancesMoved(to));
    this.#stopWatching ??= watchInstances(this.paths.instances, watchedFiles, (name, changes) => this.#onWatched(name, changes));
  }

  /** Where the guest files' events (guest/guest-events.ts) read what changed. */
  readonly #guestSources: GuestEventSources = { dir: (name) => this.store.dir(name), ports: (name) => this.ports(name), emit: (event) => this.events.emit(event) };

  #onWatched(name: string, changes: ReadonlySet<InstanceChange<WatchedFile>>): void {
    // The host agent's guest-status.json and the forwarder's ports.json, pushed as they change.
    for (const file of guestFiles.values()) if (changes.has(file)) reportGuestFile(this.#guestSources, name, file);
    this.#outside.noticed(name, { instance: changes.has('instance'), config: changes.has('config') });
  }

  /**
   * The instances folder moved (this engine's move, or another process's): paths name the new
   * folder from now on, and the watches of the old one, which a link replaces, move with them.
   */
  #instancesMoved(to: string): void {
    if (this.paths.instances === to) return;
    this.#movablePaths.moveInstancesTo(to);
    this.#stopWatching?.();
    this.#stopWatching = undefined;
    if (this.#watching) this.watch();
    this.#log('info', 'engine', `the instances folder moved to ${to}`);
    this.events.emit({ type: 'instances-changed' });
  }

  #exists(name: string): Promise<boolean> {
    return this.store.exists(name).catch(() => false);
  }

  /** After an operation whose result the engine cannot know (it failed, or applied a snapshot): asks, if anyone was told a status. */
  async #rederive(name: string): Promise<void> {
    if (!this.#status.known(name) || !(await this.#exists(name))) return;
    const status = await this.inspect(name).catch(() => undefined); // the caller's own error says more
    if (status) this.#status.announceIfChanged(name, status);
  }

  /**
   * Every instance's summary. `liveFacts` (`corral list`): from the engine's run records and
   * process liveness where they are certain (instances/run-record.ts says exactly when), so
   * no driver process starts; the driver's inspect wherever they leave doubt.
   */
  async list(options: { liveFacts?: boolean } = {}): Promise<InstanceSummary[]> {
    await this.#sweepStaging();
    return listInstances(this.store, async (name) =>
      (options.liveFacts ? await summaryFromLiveFacts(this.store, name, this.#ctx.localDrivers) : undefined) ?? this.inspect(name));
  }

  /** The instance's status from live facts: a running operation, else the driver's inspect. */
  async inspect(name: string): Promise<InstanceSummary> {
    return inspectInstance(this.#ctx, name);
  }

  // --- Lifecycle (engine/lifecycle.ts) ---------------------------------------------------------

  start(name: string): Promise<StartResult & { warnings: string[] }> {
    return startInstance(this.#ctx, this.#fetches, this.#hostAgent, name);
  }

  stop(name: string, options: StopOptions = {}): Promise<void> {
    return stopInstance(this.#ctx, name, options);
  }

  pause(name: string): Promise<void> {
    return pauseInstance(this.#ctx, name);
  }

  resume(name: string): Promise<void> {
    return resumeInstance(this.#ctx, name);
  }

  /**
   * Stops the instance if it runs (gracefully unless `force`), then starts it. A Broken VM
   * cannot shut down, so only `force` restarts it: ending it at once loses what the guest had
   * not written, which the caller must have agreed to (the app asks, the CLI takes --force).
   */
  async restart(name: string, options: StopOptions = {}): Promise<StartResult & { warnings: string[] }> {
    const { state, driverUnreachable } = await this.inspect(name);
    // One whose driver cannot answer goes on to stop's refusal, which says why and what helps.
    if (state === 'Broken' && !options.force && !driverUnreachable) throw new DriverError('INVALID_STATE', `instance "${name}" is Broken, so it cannot shut down; restart it with --force to end it at once and start it again`, { state });
    if (state !== 'Stopped') await this.stop(name, options);
    return this.start(name);
  }

  /** Deletes the instance and everything in its folder; a running one, or one its driver cannot answer for, only with `force` (engine/lifecycle.ts). */
  delete(name: string, options: { force?: boolean } = {}): Promise<DeleteResult> {
    return deleteInstance(this.#ctx, name, options);
  }

  /** Cancels the downloads of a start in progress; the start fails with the cancellation. */
  cancelDownloads(name: string): boolean {
    return this.#fetches.cancel(name);
  }

  /** Cancels one download (its id from the download-progress events); the instance's others run on. */
  cancelDownload(id: string): void {
    if (!this.#fetches.cancelOne(id)) throw new DriverError('NOT_FOUND', `no download "${id}" is running (it has ended, or the id is not one from a download line)`, { id });
  }

  /**
   * Moves the download cache to `target` (settings/move-cache.ts): refused while a download
   * runs; no download starts meanwhile; progress as cache-move events.
   */
  moveCache(target: string): Promise<{ from: string; to: string; bytes: number }> {
    // After the start's finishing of an interrupted move, which holds the move lock while it runs.
    const moving = this.#fetches.blocked('the download cache is being moved', () => this.#finishingMove.then(() => moveCache({
      home: this.paths.home, current: this.paths.cache, target, fixedBy: this.cacheFixedBy,
      busy: () => this.#fetches.busyReason(),
      onProgress: (progress) => this.events.emit({ type: 'cache-move', to: target, ...progress }),
      signal: this.#closing.signal,
    })));
    this.#moving = moving.catch(() => undefined);
    return moving;
  }

  /**
   * Moves the instances folder to `target` (settings/move-instances.ts): refused while any
   * instance is not stopped; progress as instances-move events.
   */
  async moveInstances(target: string): Promise<{ from: string; to: string; bytes: number }> {
    await this.#finishingMove; // it holds the move lock while it runs
    const moving = moveInstances({
      home: this.paths.home, current: this.paths.instances, target,
      names: () => this.store.names(),
      instanceDir: (name) => this.store.dir(name),
      notStopped: async () => (await this.list()).filter((i) => i.state !== 'Stopped' && i.state !== 'Broken').map((i) => i.name),
      onProgress: (progress) => this.events.emit({ type: 'instances-move', to: target, ...progress }),
      signal: this.#closing.signal,
    });
    this.#moving = moving.catch(() => undefined);
    const moved = await moving;
    this.#instancesMoved(moved.to);
    this.events.emit({ type: 'instances-changed' });
    return moved;
  }

  /** Fetches the instance's files again without starting it (the UI's Retry of a failed download). */
  async fetchDownloads(name: string): Promise<void> {
    const config = await this.store.readConfig(name);
    await this.#fetches.fetch(name, config, effectiveConfig(config).arch);
  }

  // --- Making and reshaping (engine/reshape.ts) ------------------------------------------------

  create(name: string, options: CreateOptions): Promise<{ instance: InstanceSummary; warnings: FieldWarning[] }> {
    return createInstance(this.#ctx, name, options);
  }

  clone(source: string, target: string): Promise<InstanceSummary> {
    return cloneInstance(this.#ctx, source, target);
  }

  rename(from: string, to: string): Promise<InstanceSummary> {
    return renameInstance(this.#ctx, from, to);
  }

  edit(name: string, changes: EditChanges): Promise<InstanceSummary & { warnings: FieldWarning[] }> {
    return editInstance(this.#ctx, name, changes);
  }

  // --- Snapshots (engine/snapshots.ts) ---------------------------------------------------------

  listSnapshots(name: string): Promise<Snapshot[]> {
    return listSnapshots(this.#ctx, name);
  }

  /** Takes a snapshot: memory included while the instance runs, the disk alone while it is stopped. */
  async createSnapshot(name: string, tag: string): Promise<void> {
    await snapshotOperation(this.#ctx, name, (host, spec) => host.call('createSnapshot', spec, tag));
  }

  async applySnapshot(name: string, tag: string): Promise<void> {
    await snapshotOperation(this.#ctx, name, (host, spec) => host.call('applySnapshot', spec, tag));
  }

  async deleteSnapshot(name: string, tag: string): Promise<void> {
    await snapshotOperation(this.#ctx, name, (host, spec) => host.call('deleteSnapshot', spec, tag));
  }

  // --- Reaching a running guest (engine/guest-access.ts) ---------------------------------------

  /** Attaches to the instance's serial console: guest bytes out, keystrokes in. */
  openConsole(name: string): Promise<ConsoleSession> {
    return openConsole(this.#ctx, name);
  }

  display(name: string): Promise<DisplayInfo | null> {
    return displayOf(this.#ctx, name);
  }

  ports(name: string): Promise<InstancePorts> {
    return portsOf(this.#ctx, name);
  }

  readLogs(name: string, maxBytes = 64 * 1024): Promise<{ name: string; text: string }[]> {
    return readLogs(this.#ctx, name, maxBytes);
  }

  // --- Cache (engine/cache.ts) -----------------------------------------------------------------

  /** What the download cache holds (and the web shell's template uploads), with the instances that use each entry. */
  listCache(): Promise<CacheEntry[]> {
    return listCacheUsage(this.paths.cache, this.store, this.paths.home);
  }

  /**
   * Removes cache entries no instance uses, and reports the staging folders of killed creates
   * and clones removed since this engine started.
   */
  async pruneCache(options: { olderThan?: Date } = {}): Promise<UnusedPruneResult & { staging: RemovedStaging[] }> {
    await this.#sweepStaging();
    return { ...(await pruneUnused(this.paths.cache, this.store, this.paths.home, options)), staging: [...this.#removedStaging] };
  }

  // --- Drivers and templates -------------------------------------------------------------------

  /** The template catalog (assets/templates): what the create dialog offers. */
  async listTemplates(): Promise<CatalogEntry[]> {
    return listCatalog([catalogDir]);
  }

  /** Every driver: built in, and installed bundles (disabled ones too, marked so). */
  async listDrivers(): Promise<EngineDriverInfo[]> {
    await this.#driversLoaded;
    await this.bundles.sync(); // another process (the CLI) may have installed or removed one
    const installed = await this.bundles.list();
    const running = (await this.drivers.describe()).map((info): EngineDriverInfo => ({ ...info, enabled: true }));
    const disabled = installed.filter((d) => !d.enabled).map((d): EngineDriverInfo => ({
      name: d.name, version: d.version, description: d.manifest.description, protocol: d.manifest.protocol, capabilities: null,
      available: { ok: false, reason: `disabled; enable it with: corral driver enable ${d.name}` },
      sandbox: this.bundles.sandbox.enforced ? { state: 'sandboxed', by: this.bundles.sandbox.by } : { state: 'unsandboxed', reason: this.bundles.sandbox.reason },
      enabled: false,
    }));
    return [...running, ...disabled].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Instances of `driver` that are not stopped (a bundle upgrade or removal must not pull the rug). */
  async #runningOn(driver: string): Promise<string[]> {
    const summaries = await Promise.all((await this.store.names()).map(async (name) => {
      const config = await this.store.readConfig(name).catch(() => undefined);
      return config && effectiveConfig(config).vmType === driver ? this.inspect(name) : undefined;
    }));
    return summaries.flatMap((s) => (s && s.state !== 'Stopped' && s.state !== 'Broken' ? [s.name] : []));
  }

  /** The driver process of connection (or driver) `name`, once installed bundles are loaded. */
  async #driver(name: string): Promise<DriverHost> {
    await this.#driversLoaded;
    return this.connections.host(name);
  }

  /** What driver `name` offers, from its handshake (the front ends offer only that). */
  async capabilitiesOf(name: string): Promise<Capabilities> {
    return (await (await this.#driver(name)).handshake()).capabilities;
  }

  // --- What every operation shares -------------------------------------------------------------

  /**
   * Removes staging folders left by killed creates and clones (see instances/staging.ts); runs
   * at engine start and before list, create and clone. Never fails the caller: a folder that
   * cannot be removed now is tried again next time.
   */
  async #sweepStaging(): Promise<void> {
    this.#sweeping ??= sweepStaging(this.paths.instances).then((removed) => {
      for (const entry of removed) {
        this.#removedStaging.push(entry);
        this.events.emit({ type: 'driver-log', driver: 'engine', level: 'warn', message: `removed ${entry.path}, left by a create or clone of "${entry.name}" that was killed` });
      }
    }, (error: unknown) => {
      this.events.emit({ type: 'driver-log', driver: 'engine', level: 'warn', message: `could not tidy staging folders: ${toDriverError(error).message}` });
    }).finally(() => { this.#sweeping = undefined; });
    return this.#sweeping;
  }

  async #operate<T>(name: string, op: Operation, fn: (operating: Operating) => Promise<T>): Promise<T> {
    const config = await this.store.readConfig(name);
    return this.#status.operating(name, async () => {
      try {
        return await withInstanceLock(this.store.dir(name), op, async () => {
          const spec = instanceSpec(this.#ctx, name, config);
          const { host, inspected, unreached, unanswered } = await askDriver((connection) => this.#driver(connection), effectiveConfig(config).connection, spec);
          if (unreached || unanswered) throw driverCannotAnswer(effectiveConfig(config).vmType, name, op, unreached ?? unanswered);
          return fn({ config, spec, host, state: inspected.state });
        });
      } catch (error) {
        await this.#rederive(name); // a Starting or Stopping announced must not outlive the failure
        throw error;
      }
    });
  }

  /** Ends the driver processes (not the VMs: they outlive the engine by design). */
  /** `waitForDrivers: false`: driver processes are signalled, not awaited (a CLI about to exit). */
  async close(options: { waitForDrivers?: boolean } = {}): Promise<void> {
    clearInterval(this.#healthTimer);
    this.#closing.abort(); // the move says what was stopped, in its words (settings/move-folder.ts)
    await this.#moving;
    this.#stopFollowingMove?.();
    this.#stopFollowingMove = undefined;
    this.#watching = false;
    this.#stopWatching?.();
    this.#stopWatching = undefined;
    this.#outside.close();
    await this.#sweeping;
    await this.#finishingMove;
    this.#fetches.cancelAll();
    await this.downloads.close();
    await this.#driversLoaded; // a bundle registered after dispose would leave its process running
    await this.drivers.dispose({ waitForExit: options.waitForDrivers ?? true });
  }
}
