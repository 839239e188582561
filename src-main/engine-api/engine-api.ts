// CorralApi implemented over an in-process Engine: what `corral serve` and the Electron main
// process put behind their transports. It maps engine types to the API's wire types, so a
// change inside the engine does not leak into the renderer. Its own room (not src-main/api,
// which the renderer imports; not src-main/core, which knows no front end).
import type { Engine, EngineDriverInfo, InstanceSummary } from '../core/engine.ts';
import { toCacheEntry, toPruneSummary } from './cache-api.ts';
import { discardUpload, uploadPath } from '../core/drivers/bundles/uploads.ts';
import { frameApi } from './frame-api.ts';
import { connectionsApi } from './connections-api.ts';
import { runningSshTarget } from '../core/ssh/target.ts';
import type { TrustPrompt } from '../core/drivers/bundles/trust.ts';
import { signerLine } from '../core/drivers/bundles/trust.ts';
import type { BundleReview, BundleSource, ConsoleStream, CorralApi, DriverInfo, Instance, StartResult } from '../api/contract.ts';

export function toApiInstance(summary: InstanceSummary): Instance {
  return {
    name: summary.name,
    state: summary.state,
    ...(summary.reason !== undefined ? { reason: summary.reason } : {}),
    ...(summary.configProblem !== undefined ? { configProblem: summary.configProblem } : {}),
    ...(summary.driverMissing ? { driverMissing: true as const } : {}),
    ...(summary.driverUnreachable ? { driverUnreachable: true as const } : {}),
    ...(summary.vmType !== undefined ? { driver: summary.vmType } : {}),
    ...(summary.connection !== undefined ? { connection: summary.connection } : {}),
    arch: summary.arch,
    cpus: summary.cpus,
    memoryBytes: summary.memoryBytes,
    diskBytes: summary.diskBytes,
    display: summary.display,
    ...(summary.accelerator !== undefined ? { accelerator: summary.accelerator } : {}),
    ...(summary.startedWith ? { startedWith: { cpus: summary.startedWith.cpus, memoryBytes: summary.startedWith.memoryBytes, ...(summary.startedWith.diskBytes !== undefined ? { diskBytes: summary.startedWith.diskBytes } : {}) } } : {}),
    ...(summary.ssh ? { ssh: { host: summary.ssh.host, port: summary.ssh.port, user: summary.ssh.user } } : {}),
    ...(summary.guest ? { guest: toApiGuest(summary.guest) } : {}),
    ...(summary.message !== undefined ? { message: summary.message } : {}),
    ...(summary.mounts ? { mounts: summary.mounts.map(({ hostPath, mountPoint, writable, type }) => ({ hostPath, guestPath: mountPoint, writable, type })) } : {}),
    ...(summary.mountsSkipped !== undefined ? { mountsSkipped: summary.mountsSkipped } : {}),
  };
}

/** The guest status as the API gives it: all of it but the engine's own bookkeeping (no field list to keep in step). */
function toApiGuest({ bootId: _bootId, updatedAt: _updatedAt, ...guest }: NonNullable<InstanceSummary['guest']>): NonNullable<Instance['guest']> {
  return guest;
}

export function engineApi(engine: Engine): CorralApi {
  return {
    listInstances: async () => (await engine.list()).map(toApiInstance),
    readLogs: ({ name }) => engine.readLogs(name),
    listTemplates: async () => (await engine.listTemplates()).map(({ name, description }) => ({ name, description })),
    listDrivers: async () => (await engine.listDrivers()).map(toApiDriver),
    ...connectionsApi(engine),
    ...frameApi(engine),
    create: async ({ name, template, cpus, memory, disk, driver, connection, display }) => {
      const { instance, warnings } = await engine.create(name, { template, cpus, memory, disk, driver, display, ...(connection !== undefined ? { connection } : {}) });
      return { instance: toApiInstance(instance), warnings };
    },
    start: async ({ name }) => toStartResult(await engine.start(name)),
    stop: ({ name, force }) => engine.stop(name, { force: force ?? false }),
    pause: ({ name }) => engine.pause(name),
    resume: ({ name }) => engine.resume(name),
    cancelDownloads: async ({ name }) => {
      engine.cancelDownloads(name);
    },
    cancelDownload: async ({ id }) => engine.cancelDownload(id),
    retryDownloads: ({ name }) => engine.fetchDownloads(name),
    listCache: async () => (await engine.listCache()).map(toCacheEntry),
    moveCache: ({ target }) => engine.moveCache(target),
    moveInstances: ({ target }) => engine.moveInstances(target),
    pruneCache: async () => toPruneSummary(await engine.pruneCache()),
    delete: ({ name, force }) => engine.delete(name, { force: force ?? false }),
    listSnapshots: ({ name }) => engine.listSnapshots(name),
    createSnapshot: ({ name, tag }) => engine.createSnapshot(name, tag),
    applySnapshot: ({ name, tag }) => engine.applySnapshot(name, tag),
    deleteSnapshot: ({ name, tag }) => engine.deleteSnapshot(name, tag),
    restart: async ({ name, force }) => toStartResult(await engine.restart(name, { force: force ?? false })),
    clone: async ({ name, newName }) => toApiInstance(await engine.clone(name, newName)),
    rename: async ({ name, newName }) => toApiInstance(await engine.rename(name, newName)),
    edit: async ({ name, ...changes }) => {
      const edited = await engine.edit(name, changes);
      return { ...toApiInstance(edited), warnings: edited.warnings };
    },
    display: ({ name }) => engine.display(name),
    ports: ({ name }) => engine.ports(name),
    reviewDriverBundle: async ({ source }) => {
      try {
        return toBundleReview(await engine.bundles.review(await bundleFile(engine, source)));
      } catch (error) {
        // A refused upload will never be installed: do not keep it.
        if ('upload' in source) await discardUpload(engine.paths.home, source.upload);
        throw error;
      }
    },
    installDriverBundle: async ({ source, force }) => {
      // This call is the user's approval, given in the trust dialog after reviewDriverBundle.
      const installed = await engine.bundles.install(await bundleFile(engine, source), { force: force ?? false, confirm: async () => true });
      if ('upload' in source) await discardUpload(engine.paths.home, source.upload);
      const info = (await engine.listDrivers()).find((d) => d.name === installed.name);
      if (!info) throw new Error(`driver ${installed.name} was installed but is not listed`);
      return toApiDriver(info);
    },
    removeDriver: ({ name, force }) => engine.bundles.remove(name, { force: force ?? false }),
    setDriverEnabled: ({ name, enabled, force }) => engine.bundles.setEnabled(name, enabled, { force: force ?? false }),
    onEvent: (listener) => engine.events.on(listener),
    openConsole: (name) => openConsole(engine, name),
    // ssh2 loads with the first terminal, not with the API (a web shell's start waits for it).
    openTerminal: async ({ name, cols, rows }) => (await import('../core/ssh/terminal.ts')).openTerminal(await runningSshTarget(engine, name), { cols, rows }),
    watchStats: (name, listener) => engine.stats.watch(name, listener),
  };
}

function toStartResult(result: { accelerator: string; acceleratorNote?: string | undefined }): StartResult {
  return { accelerator: result.accelerator, ...(result.acceleratorNote ? { acceleratorNote: result.acceleratorNote } : {}) };
}

function toApiDriver(d: EngineDriverInfo): DriverInfo {
  return { name: d.name, version: d.version, description: d.description, capabilities: d.capabilities, available: d.available, sandbox: d.sandbox, enabled: d.enabled };
}

function toBundleReview(prompt: TrustPrompt): BundleReview {
  return {
    name: prompt.name, version: prompt.version, description: prompt.description,
    signer: signerLine(prompt.signer), signed: prompt.signer.kind, permissions: prompt.permissions,
    sandbox: prompt.sandbox, replaces: prompt.replaces, text: prompt.text,
  };
}

function bundleFile(engine: Engine, source: BundleSource): Promise<string> {
  return 'upload' in source ? uploadPath(engine.paths.home, source.upload) : Promise.resolve(source.path);
}

/** The engine's console session as the API's stream (the driver replays recent output first). */
async function openConsole(engine: Engine, name: string): Promise<ConsoleStream> {
  const session = await engine.openConsole(name);
  return {
    onData: (listener) => session.onData(listener),
    onEnd: (listener) => session.onEnd(listener),
    write: (bytes) => session.write(bytes),
    close: () => session.close(),
  };
}
