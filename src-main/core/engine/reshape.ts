// Making and reshaping instances: create (from a template), clone, rename and edit. Each is
// atomic: a new instance is built in a staging folder and appears whole or not at all.
import fs from 'node:fs/promises';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { VmState } from '../../../src-drivers/sdk/protocol.ts';
import { archiveFor, needsDownload, resolveArtifacts } from '../instances/artifacts.ts';
import { copyDiskMark, markDisk, readDiskMark } from '../instances/disk.ts';
import { effectiveConfig } from '../instances/effective.ts';
import type { EffectiveConfig } from '../instances/effective.ts';
import { checkHostFit, hostCapacity } from '../instances/host-fit.ts';
import { unplaced, type FieldWarning } from '../instances/field-warning.ts';
import { withInstanceLock } from '../instances/lock.ts';
import { refuseWhileMoving } from '../settings/instances-move-lock.ts';
import { writeRunRecord } from '../instances/run-record.ts';
import { assertInstanceName } from '../instances/names.ts';
import { applyOverrides } from '../instances/overrides.ts';
import { formatSize } from '../instances/sizes.ts';
import { loadTemplate } from '../templates/load.ts';
import type { LimaConfig } from '../instances/config.ts';
import { connectionOf } from '../connections/connection-of.ts';
import type { EngineContext } from './context.ts';
import type { InstanceSummary } from './inspect.ts';
import { driverMounts, inReachOf, instanceSpec } from './spec.ts';

export interface CreateOptions {
  /** A lima.yaml path or a catalog template name. */
  template: string;
  cpus?: number;
  memory?: string;
  disk?: string;
  driver?: string;
  /** The connection to run it on (core/connections): sets the driver too; unset, the driver's default. */
  connection?: string;
  /** The guest's screen: 'vnc' turns Lima's video.display on (the UI's default where the driver has one). */
  display?: 'vnc' | 'none';
}

export interface EditChanges {
  cpus?: number;
  memory?: string;
  disk?: string;
}

export async function createInstance(ctx: EngineContext, name: string, options: CreateOptions): Promise<{ instance: InstanceSummary; warnings: FieldWarning[] }> {
  assertInstanceName(name);
  await ctx.driversLoaded;
  await ctx.sweepStaging();
  const template = await loadTemplate(options.template, { vmTypes: ctx.drivers.names(), fetchText: (url, maxBytes) => ctx.downloads.fetchText(url, maxBytes) });
  const config = await onConnection(ctx, applyOverrides(template.config, options), options);
  const effective = effectiveConfig(config);
  const fitWarnings = await hostFit(ctx, effective, options);
  const host = await ctx.driver(effective.connection);
  const handshake = await host.handshake();
  if (effective.display === 'vnc' && !handshake.capabilities.display.includes('vnc')) {
    throw new DriverError('INVALID_CONFIG', `driver ${effective.vmType} has no graphical display; create the instance without one`, { field: 'video.display' });
  }
  if (!handshake.available.ok) throw new DriverError('UNAVAILABLE', `driver ${effective.vmType} cannot run here: ${handshake.available.reason}`, { driver: effective.vmType });
  const mounts = await driverMounts(host, config, { create: false });
  // Local files are checked now; remote ones are fetched (with progress) when it first starts,
  // and so is the nerdctl archive (only its choice is checked here), so a create works offline.
  archiveFor(config, effective.arch);
  const artifacts = needsDownload(config, effective.arch) ? undefined : await inReachOf(host, await resolveArtifacts(config, effective.arch, { downloader: ctx.downloads }), ctx.paths.cache);
  await ctx.status.operating(name, () => withInstanceLock(ctx.store.dir(name), 'create', async () => {
    await refuseWhileMoving(ctx.paths.home, name);
    const spec = instanceSpec(ctx, name, config, artifacts);
    await host.call('validate', spec);
    await ctx.store.create(name, config, async (staging) => {
      if (!artifacts) return;
      await host.call('create', { ...spec, dir: staging });
      await markDisk(staging, effective.diskBytes);
    });
    if (ctx.localDrivers.has(effective.vmType)) await writeRunRecord(ctx.store.dir(name), { state: 'stopped' });
  }));
  ctx.events.emit({ type: 'instances-changed' });
  const instance = await ctx.inspect(name);
  ctx.status.remember(name, instance.state);
  return { instance, warnings: [...unplaced(template.warnings), ...fitWarnings, ...unplaced(mounts.warnings)] };
}

/** Refuses memory this host can never give, and warns about more than it has free (built-in drivers only: a bundle's hypervisor may be elsewhere). */
async function hostFit(ctx: EngineContext, effective: EffectiveConfig, asked: { cpus?: number | undefined; memory?: string | undefined }): Promise<FieldWarning[]> {
  if (!ctx.localDrivers.has(effective.vmType)) return [];
  return checkHostFit(effective, await hostCapacity(), { cpus: asked.cpus !== undefined, memory: asked.memory !== undefined });
}

/**
 * A new instance `target` with the stopped `source`'s config and a copy of its disk (the
 * driver copies it; the QEMU driver copies the qcow2 overlay, which keeps pointing at the same
 * read-only base image). Atomic like create: the copy is made in a staging folder.
 */
export async function cloneInstance(ctx: EngineContext, source: string, target: string): Promise<InstanceSummary> {
  await assertFreeName(ctx, target);
  await ctx.sweepStaging();
  await ctx.operate(source, 'clone', async ({ config, spec, host, state }) => {
    requireStopped(source, state, 'cloning');
    await ctx.status.operating(target, () => withInstanceLock(ctx.store.dir(target), 'create', () =>
      refuseWhileMoving(ctx.paths.home, target).then(() => ctx.store.create(target, config, async (staging) => {
        await host.call('clone', spec, { ...instanceSpec(ctx, target, config), dir: staging });
        // Without it the clone's first start would take the copied disk for one it made now, at lima.yaml's size, and never grow it.
        await copyDiskMark(spec.dir, staging);
      }))));
  });
  ctx.events.emit({ type: 'instances-changed' });
  const instance = await ctx.inspect(target);
  ctx.status.remember(target, instance.state);
  return instance;
}

/** Renames a stopped instance: its folder moves, and with it (being derived) its runtime folder. */
export async function renameInstance(ctx: EngineContext, from: string, to: string): Promise<InstanceSummary> {
  await assertFreeName(ctx, to);
  const oldDir = ctx.store.dir(from);
  await ctx.operate(from, 'rename', async ({ state }) => {
    requireStopped(from, state, 'renaming');
    await ctx.status.operating(to, () => withInstanceLock(ctx.store.dir(to), 'create', () => refuseWhileMoving(ctx.paths.home, to).then(() => ctx.store.rename(from, to))));
  });
  // The old name's runtime folder held only sockets, which QEMU removes when it exits cleanly.
  await fs.rmdir(ctx.paths.runtimeDir(oldDir)).catch(() => undefined);
  ctx.status.forget(from);
  ctx.events.emit({ type: 'instances-changed' });
  const instance = await ctx.inspect(to);
  ctx.status.remember(to, instance.state);
  return instance;
}

/**
 * INVALID_STATE unless the instance is stopped, saying how: a Broken VM's guest cannot shut down,
 * so by force; then it is Stopped and the action works.
 */
function requireStopped(name: string, state: VmState, doing: string): void {
  if (state === 'Stopped') return;
  const how = state === 'Broken' ? `force stop it (corral stop --force ${name})` : 'stop it';
  throw new DriverError('INVALID_STATE', `instance "${name}" is ${state}; ${how} before ${doing} it`, { state });
}

/** A valid name no instance has (checked again under its lock; this early check names the problem rather than BUSY). */
async function assertFreeName(ctx: EngineContext, name: string): Promise<void> {
  assertInstanceName(name);
  if (await ctx.store.exists(name)) throw new DriverError('ALREADY_EXISTS', `an instance named "${name}" already exists; pick another name or delete it first`, { name });
}

/** Changes cpus, memory and disk size of a stopped instance. The disk only grows. */
export async function editInstance(ctx: EngineContext, name: string, changes: EditChanges): Promise<InstanceSummary & { warnings: FieldWarning[] }> {
  const warnings = await ctx.operate(name, 'edit', async ({ config, host, state }) => {
    requireStopped(name, state, 'editing');
    const edited = applyOverrides(config, changes);
    const fitWarnings = await hostFit(ctx, effectiveConfig(edited), changes);
    const before = effectiveConfig(config).diskBytes;
    const after = effectiveConfig(edited).diskBytes;
    if (after < before) {
      throw new DriverError('INVALID_CONFIG', `the disk of "${name}" is ${formatSize(before)}; it can grow but not shrink to ${formatSize(after)}`, { field: 'disk' });
    }
    const spec = instanceSpec(ctx, name, edited);
    await host.call('validate', spec);
    if (after > before) await host.call('resizeDisk', spec);
    // A disk still to be made (its image not yet downloaded) is made at the new size by its first start.
    if (after > before && (await readDiskMark(spec.dir)).state !== 'absent') await markDisk(spec.dir, after);
    await ctx.store.writeConfig(name, edited);
    return fitWarnings;
  });
  ctx.events.emit({ type: 'instances-changed' });
  return { ...(await ctx.inspect(name)), warnings };
}

/**
 * The config on the connection asked for: its driver becomes the instance's vmType, and a
 * named connection is recorded (local and a driver's default are implied by the driver).
 */
async function onConnection(ctx: EngineContext, config: LimaConfig, options: CreateOptions): Promise<LimaConfig> {
  const { connection: _fromTemplate, ...rest } = config; // where it runs is the user's choice, not a template's
  if (options.connection === undefined) return rest;
  const driver = await ctx.connectionDriver(options.connection);
  if (options.driver !== undefined && options.driver !== driver) {
    throw new DriverError('INVALID_CONFIG', `connection "${options.connection}" uses driver ${driver}, not ${options.driver}: leave --driver out, or pick a connection of ${options.driver}`, { field: 'driver' });
  }
  const named = options.connection !== connectionOf({ vmType: driver });
  return { ...rest, vmType: driver, ...(named ? { connection: options.connection } : {}) };
}
