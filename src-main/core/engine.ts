// The engine: the one owner of instances. Front ends (the Electron shell, `corral serve`, the
// CLI) call it; it reads the store, resolves specs, serialises operations per instance with
// a cross-process lock, and reaches drivers only through their processes.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DriverError, toDriverError } from '../../src-drivers/sdk/errors.ts';
import type { Capabilities, DisplayInfo, InstanceSpec, Snapshot, StartResult, VmState } from '../../src-drivers/sdk/protocol.ts';
import { EventBus } from './events.ts';
import type { EngineEvent } from './events.ts';
import { DriverRegistry, builtinDrivers } from './drivers/registry.ts';
import type { DriverInfo } from './drivers/registry.ts';
import { DriverBundles } from './drivers/bundles/manager.ts';
import { runtimeRootOf } from './drivers/sandbox/entries.ts';
import type { DriverEntry, DriverHost } from './drivers/host.ts';
import { forkDriverProcess } from './drivers/process.ts';
import type { SpawnDriverProcess } from './drivers/process.ts';
import { archiveFor, needsDownload, resolveArchive, resolveArtifacts } from './instances/artifacts.ts';
import type { ArtifactProgress, LocalArtifacts } from './instances/artifacts.ts';
import { withinReach } from './instances/sandbox-reach.ts';
import { writeBootstrap } from './instances/bootstrap.ts';
import { checkLocations } from './mounts/locations.ts';
import { resolveMounts } from './mounts/resolve.ts';
import type { ResolvedMounts } from './mounts/resolve.ts';
import { readEndpoint } from './ssh/guest-endpoint.ts';
import type { SshEndpoint } from './ssh/guest-endpoint.ts';
import { instancePorts } from './guest/instance-ports.ts';
import type { InstancePorts } from './guest/instance-ports.ts';
import { Downloader, cacheLayout, listCache, pruneCache } from './downloads/index.ts';
import type { CacheListing, PruneResult } from './downloads/index.ts';
import { salvageConfig } from './instances/config.ts';
import { applyOverrides } from './instances/overrides.ts';
import type { LimaConfig } from './instances/config.ts';
import { effectiveConfig } from './instances/effective.ts';
import type { EffectiveConfig } from './instances/effective.ts';
import { runningOperation, withInstanceLock } from './instances/lock.ts';
import type { Operation } from './instances/lock.ts';
import { assertInstanceName } from './instances/names.ts';
import { formatSize } from './instances/sizes.ts';
import { checkHostFit, hostCapacity } from './instances/host-fit.ts';
import { InstanceStore } from './instances/store.ts';
import { watchInstances } from './instances/watch.ts';
import { InstanceStatus, operationState } from './instances/status.ts';
import { diskCreated, markDiskCreated } from './instances/disk.ts';
import { sweepStaging } from './instances/staging.ts';
import type { RemovedStaging } from './instances/staging.ts';
import { catalogDir, loadTemplate } from './templates/load.ts';
import { listCatalog } from './templates/catalog.ts';
import type { CatalogEntry } from './templates/catalog.ts';
import { corralPaths, makeHome } from './paths.ts';
import type { CorralPaths } from './paths.ts';
import { ConsoleSession } from './console.ts';
import { StatsHub } from './stats/hub.ts';
import { readGuestStatus, writeBootId, writeGuestStatus } from './guest/status.ts';
import type { GuestStatus } from './guest/status.ts';
import { endHostAgent, sourceHostAgent, spawnHostAgent } from './hostagent/spawn.ts';
import type { HostAgentLauncher } from './hostagent/spawn.ts';
import { defaultBootTimeoutMs } from './hostagent/agent.ts';
import { ensureIdentity } from './ssh/identity.ts';

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
}

export interface InstanceSummary extends EffectiveConfig {
  name: string;
  dir: string;
  state: VmState;
  reason?: string | undefined;
  accelerator?: string | undefined;
  /** Where SSH reached the guest at its last start (`corral shell`, `corral ssh-config`). */
  ssh?: SshEndpoint | undefined;
  /** How far the guest's boot got (provisioning, ready, failed): only while the VM runs, and only this boot's. */
  guest?: GuestStatus | undefined;
  /** The template's `message`, for when the guest is ready. */
  message?: string | undefined;
}

export interface CreateOptions {
  /** A lima.yaml path or a catalog template name. */
  template: string;
  cpus?: number;
  memory?: string;
  disk?: string;
  driver?: string;
  /** The guest's screen: 'vnc' turns Lima's video.display on (the UI's default where the driver has one). */
  display?: 'vnc' | 'none';
}

/** A driver as `corral driver list` and the picker show it. */
export interface EngineDriverInfo extends DriverInfo {
  /** False for an installed bundle the user disabled (it is not started). */
  enabled: boolean;
}

export class Engine {
  readonly paths: CorralPaths;
  readonly store: InstanceStore;
  readonly drivers: DriverRegistry;
  readonly events = new EventBus<EngineEvent>();
  readonly downloads: Downloader;
  /** Installed driver bundles; changes show in `drivers` at once. */
  readonly bundles: DriverBundles;
  /** Settles once bundles dropped into the drivers folders are installed and every enabled one is registered. */
  readonly #driversLoaded: Promise<void>;
  /** Starts that are fetching files right now, so a user can cancel them. */
  readonly #fetching = new Map<string, AbortController>();
  readonly #healthTimer: NodeJS.Timeout | undefined;
  #stopWatching: (() => void) | undefined;
  /** Derives and announces instance status (instances/status.ts): the one place that does. */
  readonly #status = new InstanceStatus((event) => this.events.emit(event));
  /** Staging folders of killed creates and clones this engine removed, for `cache prune` to report. */
  readonly #removedStaging: RemovedStaging[] = [];
  /** The sweep running now, if any: one at a time, and close() waits for it. */
  #sweeping: Promise<void> | undefined;
  /** The built-in drivers: they run VMs on this host, so this host's memory and cores bound them. */
  readonly #localDrivers: ReadonlySet<string>;
  readonly #hostAgent: HostAgentLauncher;
  /** Live figures of running instances, sampled only while watched (stats/hub.ts). */
  readonly stats = new StatsHub(async (name) => {
    const config = await this.store.readConfig(name);
    return { host: await this.#driver(effectiveConfig(config).vmType), spec: this.#spec(name, config) };
  }, (listener) => this.events.on(listener));

  constructor(options: EngineOptions = {}) {
    this.paths = corralPaths(options);
    this.#hostAgent = options.hostAgent ?? sourceHostAgent;
    makeHome(this.paths); // before anything below makes a folder inside it (with looser modes)
    this.store = new InstanceStore(this.paths);
    this.downloads = new Downloader({ cacheDir: this.paths.cache });
    this.drivers = new DriverRegistry([...(options.builtinDrivers ?? builtinDrivers()), ...(options.extraDrivers ?? [])], {
      spawn: options.spawn ?? forkDriverProcess,
      logDir: this.paths.logs,
      cacheDir: (driver) => this.paths.driverCache(driver),
      healthTimeoutMs: options.health?.timeoutMs,
      onEvent: (driver, event) => {
        if (event.type === 'state') this.#status.announce(event.instance, event.state, event.reason);
        else this.events.emit({ type: 'driver-log', driver, level: event.level, message: event.message });
      },
    });
    const builtinNames = this.drivers.names();
    const paths = this.paths;
    this.#localDrivers = new Set((options.builtinDrivers ?? builtinDrivers()).map((entry) => entry.name));
    this.bundles = new DriverBundles({
      home: this.paths.home,
      registry: this.drivers,
      paths: {
        instances: this.paths.instances,
        // A getter: the socket root is made (and recorded in the home) only once a bundle needs it.
        get runtimeRoot() { return runtimeRootOf(paths.runtimeDir); },
        downloads: cacheLayout(this.paths.cache).root,
        driverCache: this.paths.driverCache,
      },
      builtinNames,
      runningInstances: (driver) => this.#runningOn(driver),
      log: (level, message) => this.events.emit({ type: 'driver-log', driver: 'bundles', level, message }),
      ...(options.dropFolders ? { dropFolders: options.dropFolders } : {}),
    });
    this.#driversLoaded = this.bundles.load();
    void this.#sweepStaging(); // at engine start: a CLI command starts one, so every command tidies
    const healthEvery = options.health?.intervalMs ?? 30_000;
    if (healthEvery > 0) {
      this.#healthTimer = setInterval(() => void this.drivers.checkHealth(), healthEvery);
      this.#healthTimer.unref(); // never what keeps a CLI process alive
    }
  }

  /**
   * Reports changes that other processes make to the store (the CLI starting an instance, a
   * second window deleting one) as events. Long-lived front ends call this; the CLI does not.
   */
  watch(): void {
    this.#stopWatching ??= watchInstances(this.paths.instances, (name) => {
      // A failure here has no caller to reach: it is reported, and never ends the front end.
      this.#onWatched(name).catch((error: unknown) => {
        this.events.emit({ type: 'driver-log', driver: 'engine', level: 'warn', message: `could not inspect "${name}" after a change: ${toDriverError(error).message}` });
      });
    });
  }

  /**
   * A watched change. This engine's own operations announce their results themselves, so a
   * change they made costs no driver round trip; another process's (its operation record is
   * there) is inspected and announced.
   */
  async #onWatched(name: string): Promise<void> {
    if (this.#status.mayBeOwn(name)) {
      const record = this.#status.isOperating(name) ? undefined : await runningOperation(this.store.dir(name));
      if (!record) {
        if (!(await this.#exists(name)) && this.#status.forget(name)) this.events.emit({ type: 'instances-changed' });
        return;
      }
    }
    await this.#announce(name);
  }

  async #announce(name: string): Promise<void> {
    if (!(await this.#exists(name))) {
      if (this.#status.forget(name)) this.events.emit({ type: 'instances-changed' });
      return;
    }
    const known = this.#status.known(name);
    const status = await this.inspect(name);
    if (!known) this.events.emit({ type: 'instances-changed' });
    this.#status.announceIfChanged(name, status);
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
   * The instance's logs, newest part of each: its driver's log and every *.log in the
   * instance folder (for QEMU: qemu.log, serial.log). For the instance page's Logs tab.
   */
  async readLogs(name: string, maxBytes = 64 * 1024): Promise<{ name: string; text: string }[]> {
    const config = await this.store.readConfig(name);
    const dir = this.store.dir(name);
    const inFolder = (await fs.readdir(dir)).filter((file) => file.endsWith('.log')).sort();
    const driver = effectiveConfig(config).vmType;
    const files = [
      { name: `driver ${driver}`, file: (await this.#driver(driver)).logFile },
      ...inFolder.map((file) => ({ name: file, file: path.join(dir, file) })),
    ];
    return Promise.all(files.map(async ({ name: logName, file }) => ({ name: logName, text: await tail(file, maxBytes) })));
  }

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

  /** The driver named `name`, once installed bundles are loaded. */
  async #driver(name: string): Promise<DriverHost> {
    await this.#driversLoaded;
    return this.drivers.host(name);
  }

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

  async list(): Promise<InstanceSummary[]> {
    await this.#sweepStaging();
    const summaries = await Promise.all((await this.store.names()).map((name) => this.inspect(name).catch((error: unknown) => {
      // One instance that cannot be inspected shows as Broken; it never hides the others.
      const typed = toDriverError(error);
      if (typed.code === 'NOT_FOUND' && typed.details.name === name) return undefined; // deleted meanwhile
      return { name, dir: this.store.dir(name), ...effectiveConfig(salvageConfig({})), state: 'Broken' as const, reason: typed.message };
    })));
    return summaries.filter((summary) => summary !== undefined);
  }

  /** The instance's status from live facts: a running operation, else the driver's inspect. */
  async inspect(name: string): Promise<InstanceSummary> {
    const { config, problem } = await this.store.readConfigOrSalvage(name);
    const dir = this.store.dir(name);
    if (problem) return { name, dir, ...effectiveConfig(config), state: 'Broken', reason: problem.message };
    const ssh = (await readEndpoint(dir).catch(() => undefined))?.ssh;
    const summary: InstanceSummary = { name, dir, ...effectiveConfig(config), ...(ssh ? { ssh } : {}), state: 'Stopped' };
    const transient = operationState(await runningOperation(dir));
    if (transient) return { ...summary, state: transient };
    try {
      const host = await this.#driver(summary.vmType);
      const result = await host.call('inspect', this.#spec(name, config));
      const running = result.state === 'Running' || result.state === 'Paused';
      const guest = running ? await readGuestStatus(dir) : undefined;
      const message = config.message === undefined ? {} : { message: templateMessage(config.message, name, dir, config.param) };
      return { ...summary, state: result.state, reason: result.reason, accelerator: result.accelerator, ...(guest ? { guest } : {}), ...message };
    } catch (error) {
      return { ...summary, state: 'Broken', reason: toDriverError(error).message };
    }
  }

  async create(name: string, options: CreateOptions): Promise<{ instance: InstanceSummary; warnings: string[] }> {
    assertInstanceName(name);
    await this.#driversLoaded;
    await this.#sweepStaging();
    const template = await loadTemplate(options.template, { vmTypes: this.drivers.names(), fetchText: (url, maxBytes) => this.downloads.fetchText(url, maxBytes) });
    const config = applyOverrides(template.config, options);
    const effective = effectiveConfig(config);
    const fitWarnings = await this.#hostFit(effective, options);
    const host = await this.#driver(effective.vmType);
    const handshake = await host.handshake();
    if (effective.display === 'vnc' && !handshake.capabilities.display.includes('vnc')) {
      throw new DriverError('INVALID_CONFIG', `driver ${effective.vmType} has no graphical display; create the instance without one`, { field: 'video.display' });
    }
    if (!handshake.available.ok) throw new DriverError('UNAVAILABLE', `driver ${effective.vmType} cannot run here: ${handshake.available.reason}`, { driver: effective.vmType });
    const mounts = await this.#mounts(host, config, { create: false });
    // Local files are checked now; remote ones are fetched (with progress) when it first starts,
    // and so is the nerdctl archive (only its choice is checked here), so a create works offline.
    archiveFor(config, effective.arch);
    const artifacts = needsDownload(config, effective.arch) ? undefined : await this.#inReachOf(host, await resolveArtifacts(config, effective.arch, { downloader: this.downloads }));
    await this.#status.operating(name, () => withInstanceLock(this.store.dir(name), 'create', async () => {
      const spec = this.#spec(name, config, artifacts);
      await host.call('validate', spec);
      await this.store.create(name, config, async (staging) => {
        if (!artifacts) return;
        await host.call('create', { ...spec, dir: staging });
        await markDiskCreated(staging);
      });
    }));
    this.events.emit({ type: 'instances-changed' });
    const instance = await this.inspect(name);
    this.#status.remember(name, instance.state);
    return { instance, warnings: [...template.warnings, ...fitWarnings, ...mounts.warnings] };
  }

  /** Refuses memory this host can never give, and warns about more than it has free (built-in drivers only: a bundle's hypervisor may be elsewhere). */
  async #hostFit(effective: EffectiveConfig, asked: { cpus?: number | undefined; memory?: string | undefined }): Promise<string[]> {
    if (!this.#localDrivers.has(effective.vmType)) return [];
    return checkHostFit(effective, await hostCapacity(), { cpus: asked.cpus !== undefined, memory: asked.memory !== undefined });
  }

  async start(name: string): Promise<StartResult & { warnings: string[] }> {
    const result = await this.#operate(name, 'start', async ({ config, host, state }) => {
      if (state !== 'Stopped') throw new DriverError('INVALID_STATE', `instance "${name}" is ${state}; only a stopped instance can be started`, { state });
      this.#status.announce(name, 'Starting');
      const artifacts = await this.#inReachOf(host, await this.#fetchArtifacts(name, config));
      const dir = this.store.dir(name);
      const spec = this.#spec(name, config, artifacts);
      const { capabilities } = await host.handshake();
      const mounts = await this.#mounts(host, config, { create: true });
      const bootstrap = await writeBootstrap(dir, name, config, { archive: artifacts.archive, corralHome: this.paths.home, driver: { name: host.name, ssh: capabilities.ssh }, mounts: mounts.guest });
      if (mounts.mounts.length) spec.config.mounts = mounts.mounts;
      for (const message of [...mounts.warnings, ...bootstrap.warnings]) this.events.emit({ type: 'driver-log', driver: effectiveConfig(config).vmType, level: 'warn', message });
      spec.config.cidata = bootstrap.cidata;
      spec.config.network = bootstrap.network;
      if (!(await diskCreated(dir))) { // the image was remote at create (or it predates the mark)
        await host.call('create', spec);
        await markDiskCreated(dir);
      }
      const started = await host.call('start', spec);
      // The VM runs whatever happens here: a host agent that cannot start is a warning, not a failed start.
      await this.#followBoot(name, config, bootstrap.bootId, started.pid).catch((error: unknown) => {
        this.events.emit({ type: 'driver-log', driver: 'engine', level: 'warn', message: `could not start the host agent of "${name}": ${toDriverError(error).message}` });
      });
      return { ...started, warnings: bootstrap.warnings };
    });
    this.#status.announce(name, 'Running');
    return result;
  }

  /**
   * Starts the host agent for this boot (hostagent/): it follows the guest over SSH and keeps
   * guest-status.json current. "booting" is written first, so no one sees a ready "Running" before the agent's first word.
   */
  async #followBoot(name: string, config: LimaConfig, bootId: string, vmPid: number): Promise<void> {
    const dir = this.store.dir(name);
    const endpoint = await readEndpoint(dir);
    if (!endpoint?.ssh) return;
    // Only once the VM runs (a failed start leaves nothing new): an agent still following an
    // earlier boot sees the new boot-id and ends; a status of that boot no longer counts.
    await writeBootId(dir, bootId);
    await writeGuestStatus(dir, { bootId, phase: 'booting', updatedAt: new Date().toISOString() });
    const identity = await ensureIdentity(this.paths.home);
    await spawnHostAgent(this.#hostAgent, {
      dir,
      bootId,
      vmPid,
      target: { ...endpoint.ssh, identityFile: identity.privateKey },
      timeoutMs: bootTimeoutMs(),
      runtimeDir: this.paths.runtimeDir(dir),
      ...(config.message === undefined ? {} : { message: templateMessage(config.message, name, dir, config.param) }),
      hints: (config.probes ?? []).map((probe) => probe.hint ?? null),
    });
  }

  async stop(name: string, options: { force?: boolean; timeoutMs?: number } = {}): Promise<void> {
    await this.#operate(name, 'stop', async ({ spec, host, state }) => {
      if (state === 'Stopped') throw new DriverError('INVALID_STATE', `instance "${name}" is not running`, { state });
      this.#status.announce(name, 'Stopping');
      await host.call('stop', spec, { force: options.force ?? false, timeoutMs: options.timeoutMs ?? 60_000 });
      await endHostAgent(spec.dir);
    });
    this.#status.announce(name, 'Stopped');
  }

  async pause(name: string): Promise<void> {
    await this.#operate(name, 'pause', async ({ spec, host, state }) => {
      if (state !== 'Running') throw new DriverError('INVALID_STATE', `instance "${name}" is ${state}; only a running instance can be paused`, { state });
      await this.#requireCapability(host, 'pause');
      await host.call('pause', spec);
    });
    this.#status.announce(name, 'Paused');
  }

  async resume(name: string): Promise<void> {
    await this.#operate(name, 'resume', async ({ spec, host, state }) => {
      if (state !== 'Paused') throw new DriverError('INVALID_STATE', `instance "${name}" is ${state}; only a paused instance can be resumed`, { state });
      await host.call('resume', spec);
    });
    this.#status.announce(name, 'Running');
  }

  /** Deletes the instance and everything in its folder; a running one only with `force`. */
  async delete(name: string, options: { force?: boolean } = {}): Promise<void> {
    const { config, problem } = await this.store.readConfigOrSalvage(name);
    const driverGone = !problem && !(await this.#driver(effectiveConfig(config).vmType).then(() => true, () => false));
    if (problem || driverGone) await this.#deleteWithoutDriver(name, config, options);
    else await this.#operate(name, 'delete', async ({ spec, host, state }) => {
      if (state !== 'Stopped') {
        if (!options.force) throw new DriverError('INVALID_STATE', `instance "${name}" is ${state}; stop it first, or delete with --force`, { state });
        await host.call('stop', spec, { force: true, timeoutMs: 10_000 }).catch(() => undefined);
      }
      await endHostAgent(spec.dir); // nothing may write in the folder while it is removed
      await host.call('delete', spec);
      await this.store.remove(name);
    });
    this.#status.forget(name);
    this.events.emit({ type: 'instances-changed' });
  }

  /**
   * Deletes an instance whose lima.yaml cannot be read (from what of it is still valid) or
   * whose driver is not installed. A driver there is asked to stop and delete what it can; a
   * VM it still finds running needs `force` as always, but a driver that cannot say (absent,
   * refusing the salvaged config) does not keep the folder from going.
   */
  async #deleteWithoutDriver(name: string, salvaged: LimaConfig, options: { force?: boolean }): Promise<void> {
    await this.#status.operating(name, () => withInstanceLock(this.store.dir(name), 'delete', async () => {
      const spec = this.#spec(name, salvaged);
      const host = await this.#driver(effectiveConfig(salvaged).vmType).catch(() => undefined);
      const state = host && (await host.call('inspect', spec).catch(() => undefined))?.state;
      if (host && state !== undefined && state !== 'Stopped' && state !== 'Broken') {
        if (!options.force) throw new DriverError('INVALID_STATE', `instance "${name}" is ${state}; stop it first, or delete with --force`, { state });
        await host.call('stop', spec, { force: true, timeoutMs: 10_000 }).catch(() => undefined);
      }
      await endHostAgent(spec.dir);
      await host?.call('delete', spec).catch(() => undefined);
      await this.store.remove(name);
    }));
  }

  /** Attaches to the instance's serial console: guest bytes out, keystrokes in. */
  async openConsole(name: string): Promise<ConsoleSession> {
    const config = await this.store.readConfig(name);
    const effective = effectiveConfig(config);
    const host = await this.#driver(effective.vmType);
    const spec = this.#spec(name, config);
    return ConsoleSession.open(host, spec, randomUUID());
  }

  /** What the download cache holds, with the instances that use each entry. */
  async listCache(): Promise<(CacheListing & { usedBy: string[] })[]> {
    const users = await this.#cacheUsers();
    return (await listCache(this.paths.cache)).map((entry) => ({ ...entry, usedBy: users.get(entry.url) ?? [] }));
  }

  /**
   * Removes cache entries no instance uses (an instance's disk is layered on its image), and
   * reports the staging folders of killed creates and clones removed since this engine started.
   */
  async pruneCache(options: { olderThan?: Date } = {}): Promise<PruneResult & { staging: RemovedStaging[] }> {
    await this.#sweepStaging();
    const result = await pruneCache(this.paths.cache, { ...options, inUse: new Set((await this.#cacheUsers()).keys()) });
    return { ...result, staging: [...this.#removedStaging] };
  }

  /** URL -> the instances whose config names it. */
  async #cacheUsers(): Promise<Map<string, string[]>> {
    const users = new Map<string, string[]>();
    for (const name of await this.store.names()) {
      const config = await this.store.readConfig(name).catch(() => undefined);
      const files = [...(config?.images ?? []).flatMap((i) => [i, i.kernel, i.initrd]), ...(config?.containerd?.archives ?? [])];
      for (const file of files) if (file) users.set(file.location, [...(users.get(file.location) ?? []), name]);
    }
    return users;
  }

  /** Cancels the downloads of a start in progress; the start fails with the cancellation. */
  cancelDownloads(name: string): boolean {
    const controller = this.#fetching.get(name);
    controller?.abort(new DriverError('INVALID_STATE', `the downloads for "${name}" were cancelled`, { instance: name }));
    return controller !== undefined;
  }

  /** Local files made readable for a sandboxed driver (see sandbox-reach.ts); as they are for others. */
  async #inReachOf(host: DriverHost, artifacts: LocalArtifacts): Promise<LocalArtifacts> {
    return host.isolation?.kind === 'sandboxed' ? withinReach(artifacts, cacheLayout(this.paths.cache).root) : artifacts;
  }

  async #fetchArtifacts(name: string, config: LimaConfig): Promise<LocalArtifacts> {
    const controller = new AbortController();
    this.#fetching.set(name, controller);
    try {
      const context = {
        downloader: this.downloads,
        signal: controller.signal,
        onProgress: (progress: ArtifactProgress) => this.events.emit({ type: 'download-progress', instance: name, ...progress }),
      };
      const { arch } = effectiveConfig(config);
      const artifacts = await resolveArtifacts(config, arch, context);
      const archive = await resolveArchive(config, arch, context);
      return archive ? { ...artifacts, archive } : artifacts;
    } finally {
      this.#fetching.delete(name);
    }
  }

  /** Ends the driver processes (not the VMs: they outlive the engine by design). */
  async close(): Promise<void> {
    clearInterval(this.#healthTimer);
    this.#stopWatching?.();
    await this.#sweeping;
    for (const controller of this.#fetching.values()) controller.abort();
    await this.downloads.close();
    await this.#driversLoaded; // a bundle registered after dispose would leave its process running
    await this.drivers.dispose();
  }

  // --- Snapshots and the rest of the lifecycle (issue 6) ---------------------------------------

  /** A read, so no lock: the list can be shown while another operation (a snapshot) runs. */
  async listSnapshots(name: string): Promise<Snapshot[]> {
    const config = await this.store.readConfig(name);
    const host = await this.#driver(effectiveConfig(config).vmType);
    await this.#requireCapability(host, 'snapshots');
    return host.call('listSnapshots', this.#spec(name, config));
  }

  /** Takes a snapshot: memory included while the instance runs, the disk alone while it is stopped. */
  async createSnapshot(name: string, tag: string): Promise<void> {
    await this.#snapshotOperation(name, (host, spec) => host.call('createSnapshot', spec, tag));
  }

  async applySnapshot(name: string, tag: string): Promise<void> {
    await this.#snapshotOperation(name, (host, spec) => host.call('applySnapshot', spec, tag));
  }

  async deleteSnapshot(name: string, tag: string): Promise<void> {
    await this.#snapshotOperation(name, (host, spec) => host.call('deleteSnapshot', spec, tag));
  }

  async #snapshotOperation<T>(name: string, fn: (host: DriverHost, spec: InstanceSpec) => Promise<T>): Promise<T> {
    const result = await this.#operate(name, 'snapshot', async ({ spec, host, state }) => {
      await this.#requireCapability(host, 'snapshots');
      if (state !== 'Stopped' && state !== 'Running' && state !== 'Paused') {
        throw new DriverError('INVALID_STATE', `instance "${name}" is ${state}; snapshots need it stopped, running or paused`, { state });
      }
      return fn(host, spec);
    });
    await this.#rederive(name); // applying one may leave the VM paused or running
    return result;
  }

  /**
   * How to reach the running instance's display: null when its driver has none or its config
   * turns it off, INVALID_STATE when it is not running. Read-only, so no lock (like a console).
   */
  async display(name: string): Promise<DisplayInfo | null> {
    const config = await this.store.readConfig(name);
    const host = await this.#driver(effectiveConfig(config).vmType);
    if ((await host.handshake()).capabilities.display.length === 0) return null;
    return host.call('display', this.#spec(name, config));
  }

  /** The instance's port forwards from its ports.json, marked stale unless it runs and its forwarder lives. Read-only, no lock. */
  async ports(name: string): Promise<InstancePorts> {
    const instance = await this.inspect(name);
    return instancePorts(instance.dir, name, instance.state);
  }

  /** Stops the instance if it runs (gracefully unless `force`), then starts it. */
  async restart(name: string, options: { force?: boolean; timeoutMs?: number } = {}): Promise<StartResult & { warnings: string[] }> {
    if ((await this.inspect(name)).state !== 'Stopped') await this.stop(name, options);
    return this.start(name);
  }

  /**
   * A new instance `target` with the stopped `source`'s config and a copy of its disk (the
   * driver copies it; the QEMU driver copies the qcow2 overlay, which keeps pointing at the same
   * read-only base image). Atomic like create: the copy is made in a staging folder.
   */
  async clone(source: string, target: string): Promise<InstanceSummary> {
    await this.#assertFreeName(target);
    await this.#sweepStaging();
    await this.#operate(source, 'clone', async ({ config, spec, host, state }) => {
      if (state !== 'Stopped') throw new DriverError('INVALID_STATE', `instance "${source}" is ${state}; stop it before cloning it`, { state });
      await this.#status.operating(target, () => withInstanceLock(this.store.dir(target), 'create', () =>
        this.store.create(target, config, (staging) => host.call('clone', spec, { ...this.#spec(target, config), dir: staging }))));
    });
    this.events.emit({ type: 'instances-changed' });
    const instance = await this.inspect(target);
    this.#status.remember(target, instance.state);
    return instance;
  }

  /** Renames a stopped instance: its folder moves, and with it (being derived) its runtime folder. */
  async rename(from: string, to: string): Promise<InstanceSummary> {
    await this.#assertFreeName(to);
    const oldDir = this.store.dir(from);
    await this.#operate(from, 'rename', async ({ state }) => {
      if (state !== 'Stopped') throw new DriverError('INVALID_STATE', `instance "${from}" is ${state}; stop it before renaming it`, { state });
      await this.#status.operating(to, () => withInstanceLock(this.store.dir(to), 'create', () => this.store.rename(from, to)));
    });
    // The old name's runtime folder held only sockets, which QEMU removes when it exits cleanly.
    await fs.rmdir(this.paths.runtimeDir(oldDir)).catch(() => undefined);
    this.#status.forget(from);
    this.events.emit({ type: 'instances-changed' });
    const instance = await this.inspect(to);
    this.#status.remember(to, instance.state);
    return instance;
  }

  /** A valid name no instance has (checked again under its lock; this early check names the problem rather than BUSY). */
  async #assertFreeName(name: string): Promise<void> {
    assertInstanceName(name);
    if (await this.store.exists(name)) throw new DriverError('ALREADY_EXISTS', `an instance named "${name}" already exists; pick another name or delete it first`, { name });
  }

  /** Changes cpus, memory and disk size of a stopped instance. The disk only grows. */
  async edit(name: string, changes: { cpus?: number; memory?: string; disk?: string }): Promise<InstanceSummary & { warnings: string[] }> {
    const warnings = await this.#operate(name, 'edit', async ({ config, host, state }) => {
      if (state !== 'Stopped') throw new DriverError('INVALID_STATE', `instance "${name}" is ${state}; stop it before editing it`, { state });
      const edited = applyOverrides(config, changes);
      const fitWarnings = await this.#hostFit(effectiveConfig(edited), changes);
      const before = effectiveConfig(config).diskBytes;
      const after = effectiveConfig(edited).diskBytes;
      if (after < before) {
        throw new DriverError('INVALID_CONFIG', `the disk of "${name}" is ${formatSize(before)}; it can grow but not shrink to ${formatSize(after)}`, { field: 'disk' });
      }
      const spec = this.#spec(name, edited);
      await host.call('validate', spec);
      if (after > before) await host.call('resizeDisk', spec);
      await this.store.writeConfig(name, edited);
      return fitWarnings;
    });
    this.events.emit({ type: 'instances-changed' });
    return { ...(await this.inspect(name)), warnings };
  }

  async #operate<T>(
    name: string,
    op: Operation,
    fn: (context: { config: LimaConfig; spec: InstanceSpec; host: DriverHost; state: VmState }) => Promise<T>,
  ): Promise<T> {
    const config = await this.store.readConfig(name);
    return this.#status.operating(name, async () => {
      try {
        return await withInstanceLock(this.store.dir(name), op, async () => {
          const effective = effectiveConfig(config);
          const host = await this.#driver(effective.vmType);
          const spec = this.#spec(name, config);
          const { state } = await host.call('inspect', spec);
          return fn({ config, spec, host, state });
        });
      } catch (error) {
        await this.#rederive(name); // a Starting or Stopping announced must not outlive the failure
        throw error;
      }
    });
  }

  /** What driver `name` offers, from its handshake (the front ends offer only that). */
  async capabilitiesOf(name: string): Promise<Capabilities> {
    return (await (await this.#driver(name)).handshake()).capabilities;
  }

  /**
   * The template's shared folders as this driver can serve them, every host folder checked
   * (`create`: Lima's default /tmp/lima is made, as Lima makes it at start).
   */
  async #mounts(host: DriverHost, config: LimaConfig, options: { create: boolean }): Promise<ResolvedMounts> {
    const { capabilities } = await host.handshake();
    const mounts = resolveMounts(config, { driver: host.name, supported: capabilities.mounts });
    await checkLocations(mounts, options);
    return mounts;
  }

  async #requireCapability(host: DriverHost, capability: 'pause' | 'snapshots'): Promise<void> {
    const { capabilities } = await host.handshake();
    if (!capabilities[capability]) throw new DriverError('UNSUPPORTED', `driver ${host.name} does not support ${capability}`, { capability });
  }

  /** The spec a driver gets; artifacts only where the call needs them (create, start). */
  #spec(name: string, config: LimaConfig, artifacts?: LocalArtifacts): InstanceSpec {
    const dir = this.store.dir(name);
    const effective = effectiveConfig(config);
    return {
      name,
      dir,
      runtimeDir: this.paths.runtimeDir(dir),
      config: {
        vmType: effective.vmType,
        arch: effective.arch,
        cpus: effective.cpus,
        memoryBytes: effective.memoryBytes,
        diskBytes: effective.diskBytes,
        display: effective.display,
        ...(artifacts ? { image: { path: artifacts.image } } : {}),
        ...(artifacts?.kernel ? { kernel: artifacts.kernel } : {}),
        ...(artifacts?.initrd ? { initrd: { path: artifacts.initrd } } : {}),
      },
    };
  }
}

/** Lima's limit (10 minutes), or CORRAL_BOOT_TIMEOUT seconds (tests shorten it). */
function bootTimeoutMs(): number {
  const seconds = Number(process.env.CORRAL_BOOT_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : defaultBootTimeoutMs;
}

/** The template's `message` with Lima's {{.Name}}, {{.Dir}} and {{.Param.KEY}} filled in. */
export function templateMessage(message: string, name: string, dir: string, param: Record<string, string | number | boolean> | undefined): string {
  return message.replace(/\{\{-?\s*\.(Name|Dir|Param\.([a-zA-Z][a-zA-Z0-9_]*))\s*-?\}\}/g, (whole, field: string, key: string | undefined) => {
    if (field === 'Name') return name;
    if (field === 'Dir') return dir;
    const value = key === undefined ? undefined : param?.[key];
    return value === undefined ? whole : String(value);
  });
}

/** The last `maxBytes` of a file as text ('' when it does not exist). */
async function tail(file: string, maxBytes: number): Promise<string> {
  const handle = await fs.open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
