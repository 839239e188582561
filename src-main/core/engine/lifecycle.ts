// Running an instance: start (with its files, cidata and host agent), stop, pause, resume,
// restart and delete. Each runs under the instance's lock and announces the state it leaves.
import { DriverError, toDriverError } from '../../../src-drivers/sdk/errors.ts';
import type { InstanceSpec, StartResult, VmState } from '../../../src-drivers/sdk/protocol.ts';
import type { DriverHost } from '../drivers/host.ts';
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
import { askDriver } from './driver-answer.ts';
import { forcedDeleteDoes } from './unanswered.ts';

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

/** What a delete could not do: things outside the folder its driver may have left (said, never a reason to keep the folder). */
export interface DeleteResult {
  warnings: string[];
}

/**
 * Deletes the instance and everything in its folder. A user must always be able to get rid of
 * an instance, so the rule is what Corral can know of its VM:
 * - its driver answers inspect: a VM that is not stopped goes only with `force` (a Broken one
 *   is ended at once: its guest cannot shut down);
 * - its driver is there but cannot answer (its process keeps failing, its hypervisor is out of
 *   reach): whether a VM runs is not known, so only `force` deletes, and the refusal names the
 *   driver's error and what force does;
 * - its lima.yaml cannot be read or its driver is not installed: no VM can run through Corral
 *   any more, so it goes without `force` unless a driver there says its VM runs.
 * When it cannot answer, the driver is asked to stop and delete best effort, and the folder goes
 * whatever it answers: what it could not remove, or a missing driver never could, outside the
 * folder (a libvirt domain, a VM process) is a warning the caller shows, and in the driver log.
 * A driver that answers and refuses to delete (its VM still runs) keeps the instance. The folder
 * goes whole or the instance stays listed with the error (InstanceStore.remove).
 */
export async function deleteInstance(ctx: EngineContext, name: string, options: { force?: boolean } = {}): Promise<DeleteResult> {
  const { config, problem } = await ctx.store.readConfigOrSalvage(name);
  const deleting: Deleting = { name, driver: effectiveConfig(config).vmType, force: options.force ?? false, salvaged: problem !== undefined };
  const warnings = await ctx.status.operating(name, () => withInstanceLock(ctx.store.dir(name), 'delete', async () => {
    const spec = instanceSpec(ctx, name, config);
    const answer = await askForDelete(ctx, spec, config, deleting.salvaged);
    const refused = refusal(deleting, answer);
    if (refused) throw refused;
    const leftBehind = await endAndRemove(ctx, spec, deleting, answer);
    return leftBehind === undefined ? [] : [leftBehindWarning(deleting, leftBehind)];
  }).catch(async (error: unknown) => {
    await ctx.rederive(name); // a status announced meanwhile must not outlive the failure
    throw error;
  }));
  for (const warning of warnings) ctx.warn(deleting.driver, warning);
  ctx.status.forget(name);
  ctx.events.emit({ type: 'instances-changed' });
  return { warnings };
}

/** The delete asked for: of which instance, through which driver, and whether its lima.yaml could not be read (`salvaged`). */
interface Deleting {
  name: string;
  driver: string;
  force: boolean;
  salvaged: boolean;
}

/** Why the rule keeps the instance, given what its driver said; undefined when the delete goes on. */
function refusal({ name, driver, force, salvaged }: Deleting, { state, unanswered }: DeleteAnswer): DriverError | undefined {
  if (force) return undefined;
  if (unanswered) {
    return new DriverError('INVALID_STATE', `the ${driver} driver cannot say whether the VM of "${name}" runs: ${unanswered.message}. Delete with --force to remove it anyway: ${forcedDeleteDoes}`, { driverError: unanswered.message });
  }
  if (state === undefined || state === 'Stopped') return undefined;
  if (salvaged && state === 'Broken') return undefined; // its lima.yaml broke: the VM is out of Corral's hands anyway
  const stopIt = state === 'Broken' ? 'force stop it' : 'stop it'; // a Broken guest cannot shut down
  return new DriverError('INVALID_STATE', `instance "${name}" is ${state}; ${stopIt} first, or delete with --force`, { state });
}

/**
 * Ends what may run (the VM, by force; its host agent), has the driver delete the VM and
 * removes the folder. Returns why the VM may outlive the folder, if it may.
 */
async function endAndRemove(ctx: EngineContext, spec: InstanceSpec, { name, salvaged }: Deleting, answer: DeleteAnswer): Promise<string | undefined> {
  if (answer.host && answer.state !== 'Stopped') await answer.host.call('stop', spec, { force: true, timeoutMs: 10_000 }).catch(() => undefined);
  await endHostAgent(spec.dir); // nothing may write in the folder while it is removed
  const leftBehind = await deleteVm(spec, answer, salvaged);
  await ctx.store.remove(name).catch((error: unknown) => {
    throw new DriverError('INTERNAL', `could not remove the folder of "${name}" (${spec.dir}): ${toDriverError(error).message}. The instance stays listed; free what holds that file, then delete it again`, { dir: spec.dir });
  });
  return leftBehind;
}

/** What the caller shows when the VM may outlive its folder (`why`: the driver's error, or why none was asked). */
function leftBehindWarning({ name, driver }: Deleting, why: string): string {
  return `the ${driver} driver could not delete the VM of "${name}" (${why}): what it made outside the instance folder (a libvirt domain, a VM process) may remain; check with the hypervisor's own tools`;
}

interface DeleteAnswer {
  /** Undefined when no driver can be asked: not installed, or not reached for an unreadable lima.yaml. */
  host?: DriverHost | undefined;
  /** Why no driver was asked, when that is no reason to keep the instance (its driver is not installed). */
  notAsked?: DriverError | undefined;
  /** What the driver's inspect said. */
  state?: VmState | undefined;
  /** Why an installed driver could not say (its process failed, its hypervisor is out of reach). */
  unanswered?: DriverError | undefined;
}

/**
 * What the instance's driver says of its VM. A driver that is not installed has nothing to say;
 * for an unreadable lima.yaml (`salvaged`) the driver is only asked, never relied on.
 */
async function askForDelete(ctx: EngineContext, spec: InstanceSpec, config: LimaConfig, salvaged: boolean): Promise<DeleteAnswer> {
  const { host, inspected, unreached, unanswered } = await askDriver(ctx.driver, effectiveConfig(config).connection, spec);
  if (unreached) return salvaged || unreached.code === 'NOT_FOUND' ? { notAsked: unreached } : { unanswered: unreached };
  if (unanswered) return salvaged ? { host } : { host, unanswered };
  return { host, state: inspected.state };
}

/**
 * Has the driver delete the VM. Returns why the VM may remain: the driver's error, when it is
 * asked best effort (it could not answer, or lima.yaml could not be read), or why no driver was
 * reached. A driver that answered and refuses (its VM still runs, say) keeps the instance.
 */
async function deleteVm(spec: InstanceSpec, { host, unanswered, notAsked }: DeleteAnswer, salvaged: boolean): Promise<string | undefined> {
  if (!host) return (unanswered ?? notAsked)?.message;
  try {
    await host.call('delete', spec);
    return undefined;
  } catch (error) {
    if (unanswered === undefined && !salvaged) throw error;
    return toDriverError(error).message;
  }
}
