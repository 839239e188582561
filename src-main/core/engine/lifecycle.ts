// Running an instance: start (with its files, cidata and host agent), stop, pause, resume,
// restart and delete. Each runs under the instance's lock and announces the state it leaves.
import { DriverError, toDriverError } from '../../../src-drivers/sdk/errors.ts';
import type { StartResult } from '../../../src-drivers/sdk/protocol.ts';
import { endHostAgent } from '../hostagent/spawn.ts';
import type { HostAgentLauncher } from '../hostagent/spawn.ts';
import { writeBootstrap } from '../instances/bootstrap.ts';
import type { LimaConfig } from '../instances/config.ts';
import { effectiveConfig } from '../instances/effective.ts';
import { withInstanceLock } from '../instances/lock.ts';
import { recordFailedStart, recordPaused, recordStarted, writeRunRecord } from '../instances/run-record.ts';
import { recordStartedWith } from '../instances/started-with.ts';
import type { InstanceFetches } from '../downloads/instance-fetches.ts';
import type { EngineContext } from './context.ts';
import { followBoot, prepareBootFollowing } from './boot-follow.ts';
import { prepareDisk } from './disk-size.ts';
import { driverMounts, inReachOf, instanceSpec, requireCapability } from './spec.ts';

export interface StopOptions {
  force?: boolean;
  timeoutMs?: number;
}

export async function startInstance(ctx: EngineContext, fetches: InstanceFetches, hostAgent: HostAgentLauncher, name: string): Promise<StartResult & { warnings: string[] }> {
  const result = await ctx.operate(name, 'start', async ({ config, host, state }) => {
    if (state !== 'Stopped') throw new DriverError('INVALID_STATE', `instance "${name}" is ${state}; only a stopped instance can be started`, { state });
    ctx.status.announce(name, 'Starting');
    const artifacts = await inReachOf(host, await fetches.fetch(name, config, effectiveConfig(config).arch), ctx.paths.cache);
    const dir = ctx.store.dir(name);
    const spec = instanceSpec(ctx, name, config, artifacts);
    const { capabilities } = await host.handshake();
    const mounts = await driverMounts(host, config, { create: true });
    const bootstrap = await writeBootstrap(dir, name, config, { archive: artifacts.archive, corralHome: ctx.paths.home, driver: { name: host.name, ssh: capabilities.ssh }, mounts: mounts.guest });
    if (mounts.mounts.length) spec.config.mounts = mounts.mounts;
    for (const message of [...mounts.warnings, ...bootstrap.warnings]) ctx.warn(effectiveConfig(config).vmType, message);
    spec.config.cidata = bootstrap.cidata;
    spec.config.network = bootstrap.network;
    const disk = await prepareDisk(host, spec, name);
    if (disk.warning) ctx.warn(effectiveConfig(config).vmType, disk.warning);
    const warnings = disk.warning ? [...bootstrap.warnings, disk.warning] : bootstrap.warnings;
    const local = ctx.localDrivers.has(host.name);
    if (local) await writeRunRecord(dir, { state: 'starting' }); // in doubt until the VM is recorded
    const following = prepareBootFollowing(ctx, name); // read while QEMU starts
    const started = await host.call('start', spec).catch(async (error: unknown) => {
      if (local) await recordFailedStart(dir, () => host.call('inspect', spec));
      throw error;
    });
    // The run record and the boot's host agent are independent: both at once, both before the lock is let go.
    await Promise.all([
      local && started.pid !== undefined ? recordStarted(dir, started.pid, started.accelerator) : undefined,
      recordStartedWith(dir, { ...effectiveConfig(config), diskBytes: disk.diskBytes }),
      // The VM runs whatever happens here: a host agent that cannot start is a warning, not a failed start.
      followBoot(ctx, hostAgent, name, config, { id: bootstrap.bootId, vmPid: started.pid }, await following).catch((error: unknown) => {
        ctx.warn('engine', `could not start the host agent of "${name}": ${toDriverError(error).message}`);
      }),
    ]);
    return { ...started, warnings };
  });
  ctx.status.announce(name, 'Running');
  return result;
}

export async function stopInstance(ctx: EngineContext, name: string, options: StopOptions = {}): Promise<void> {
  await ctx.operate(name, 'stop', async ({ spec, host, state }) => {
    if (state === 'Stopped') throw new DriverError('INVALID_STATE', `instance "${name}" is not running`, { state });
    ctx.status.announce(name, 'Stopping');
    await host.call('stop', spec, { force: options.force ?? false, timeoutMs: options.timeoutMs ?? 60_000 });
    await endHostAgent(spec.dir);
    if (ctx.localDrivers.has(host.name)) await writeRunRecord(spec.dir, { state: 'stopped' });
  });
  ctx.status.announce(name, 'Stopped');
}

export async function pauseInstance(ctx: EngineContext, name: string): Promise<void> {
  await ctx.operate(name, 'pause', async ({ spec, host, state }) => {
    if (state !== 'Running') throw new DriverError('INVALID_STATE', `instance "${name}" is ${state}; only a running instance can be paused`, { state });
    await requireCapability(host, 'pause');
    await host.call('pause', spec);
    await recordPaused(spec.dir, true);
  });
  ctx.status.announce(name, 'Paused');
}

export async function resumeInstance(ctx: EngineContext, name: string): Promise<void> {
  await ctx.operate(name, 'resume', async ({ spec, host, state }) => {
    if (state !== 'Paused') throw new DriverError('INVALID_STATE', `instance "${name}" is ${state}; only a paused instance can be resumed`, { state });
    await host.call('resume', spec);
    await recordPaused(spec.dir, false);
  });
  ctx.status.announce(name, 'Running');
}

/** Deletes the instance and everything in its folder; a running one only with `force`. */
export async function deleteInstance(ctx: EngineContext, name: string, options: { force?: boolean } = {}): Promise<void> {
  const { config, problem } = await ctx.store.readConfigOrSalvage(name);
  const driverGone = !problem && !(await ctx.driver(effectiveConfig(config).connection).then(() => true, () => false));
  if (problem || driverGone) await deleteWithoutDriver(ctx, name, config, options);
  else await ctx.operate(name, 'delete', async ({ spec, host, state }) => {
    if (state !== 'Stopped') {
      // A Broken VM's guest cannot shut down: it is stopped by force.
      const stopIt = state === 'Broken' ? 'force stop it' : 'stop it';
      if (!options.force) throw new DriverError('INVALID_STATE', `instance "${name}" is ${state}; ${stopIt} first, or delete with --force`, { state });
      await host.call('stop', spec, { force: true, timeoutMs: 10_000 }).catch(() => undefined);
    }
    await endHostAgent(spec.dir); // nothing may write in the folder while it is removed
    await host.call('delete', spec);
    await ctx.store.remove(name);
  });
  ctx.status.forget(name);
  ctx.events.emit({ type: 'instances-changed' });
}

/**
 * Deletes an instance whose lima.yaml cannot be read (from what of it is still valid) or
 * whose driver is not installed. A driver there is asked to stop and delete what it can; a
 * VM it still finds running needs `force` as always, but a driver that cannot say (absent,
 * refusing the salvaged config) does not keep the folder from going.
 */
async function deleteWithoutDriver(ctx: EngineContext, name: string, salvaged: LimaConfig, options: { force?: boolean }): Promise<void> {
  await ctx.status.operating(name, () => withInstanceLock(ctx.store.dir(name), 'delete', async () => {
    const spec = instanceSpec(ctx, name, salvaged);
    const host = await ctx.driver(effectiveConfig(salvaged).connection).catch(() => undefined);
    const state = host && (await host.call('inspect', spec).catch(() => undefined))?.state;
    if (host && state !== undefined && state !== 'Stopped' && state !== 'Broken') {
      if (!options.force) throw new DriverError('INVALID_STATE', `instance "${name}" is ${state}; stop it first, or delete with --force`, { state });
      await host.call('stop', spec, { force: true, timeoutMs: 10_000 }).catch(() => undefined);
    }
    await endHostAgent(spec.dir);
    await host?.call('delete', spec).catch(() => undefined);
    await ctx.store.remove(name);
  }));
}
