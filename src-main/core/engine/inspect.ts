// An instance's status as the front ends show it, derived from live facts: a running operation
// (its record beside the lock), else the driver's inspect, plus what the guest reported.
import { toDriverError } from '../../../src-drivers/sdk/errors.ts';
import type { VmState } from '../../../src-drivers/sdk/protocol.ts';
import type { DriverHost } from '../drivers/host.ts';
import { readGuestStatus } from '../guest/status.ts';
import type { GuestStatus } from '../guest/status.ts';
import { salvageConfig } from '../instances/config.ts';
import type { LimaConfig } from '../instances/config.ts';
import { effectiveConfig } from '../instances/effective.ts';
import type { EffectiveConfig } from '../instances/effective.ts';
import { runningOperation } from '../instances/lock.ts';
import { startedWithIfEdited } from '../instances/started-with.ts';
import type { StartedWith } from '../instances/started-with.ts';
import { operationState } from '../instances/status.ts';
import type { InstanceStore } from '../instances/store.ts';
import type { CorralPaths } from '../paths.ts';
import { readEndpoint } from '../ssh/guest-endpoint.ts';
import type { SshEndpoint } from '../ssh/guest-endpoint.ts';
import { askDriver } from './driver-answer.ts';
import { instanceSpec } from './spec.ts';
import { resolveMounts } from '../mounts/resolve.ts';
import type { SpecMount } from '../mounts/resolve.ts';
import { templateMessage } from '../templates/message.ts';

export { templateMessage } from '../templates/message.ts';

export interface InstanceSummary extends Omit<EffectiveConfig, 'vmType' | 'connection'> {
  name: string;
  /** Its driver; undefined for a Broken instance whose lima.yaml does not name one (or cannot be read): not known. */
  vmType: string | undefined;
  /** Where it runs; undefined when its driver is not known. */
  connection: string | undefined;
  dir: string;
  state: VmState;
  reason?: string | undefined;
  /** When its lima.yaml is what broke it: the reason without the CLI's remedy (fix the file or `corral delete`). */
  configProblem?: string | undefined;
  /** When what broke it is that the driver it names is not installed (installing it recovers it). */
  driverMissing?: true | undefined;
  /** When what broke it is that its installed driver could not answer for it (its process failing, its hypervisor out of reach). */
  driverUnreachable?: true | undefined;
  accelerator?: string | undefined;
  /** Where SSH reached the guest at its last start (`corral shell`, `corral ssh-config`). */
  ssh?: SshEndpoint | undefined;
  /** How far the guest's boot got (provisioning, ready, failed): only while the VM runs, and only this boot's. */
  guest?: GuestStatus | undefined;
  /** The template's `message`, for when the guest is ready. */
  message?: string | undefined;
  /** While it runs: the CPUs and memory it started with, when lima.yaml has been edited since (they apply at the next start). */
  startedWith?: StartedWith | undefined;
  /** The folders the driver shares (or would at the next start): absent when its driver could not say. */
  mounts?: SpecMount[] | undefined;
  /** Why Lima's default folders are not shared (mounts/resolve.ts `skipped`). */
  mountsSkipped?: string | undefined;
}

interface Inspecting {
  paths: CorralPaths;
  store: InstanceStore;
  driver(name: string): Promise<DriverHost>;
}

export async function inspectInstance(where: Inspecting, name: string): Promise<InstanceSummary> {
  const { config, problem } = await where.store.readConfigOrSalvage(name);
  const dir = where.store.dir(name);
  if (problem) {
    const configProblem = typeof problem.details['problem'] === 'string' ? problem.details['problem'] : undefined;
    return { ...brokenSummary(name, dir, config, problem.message), configProblem };
  }
  const ssh = (await readEndpoint(dir).catch(() => undefined))?.ssh;
  const effective = effectiveConfig(config);
  const summary = { name, dir, ...effective, ...(ssh ? { ssh } : {}), state: 'Stopped' as const };
  const transient = operationState(await runningOperation(dir));
  // Mid-operation the driver is busy with it, but its handshake is known: the folders stay listed.
  if (transient) {
    const host = await where.driver(effective.connection).catch(() => undefined);
    return { ...summary, state: transient, ...(host ? await sharedFolders(host, config) : {}) };
  }
  const { host, inspected, unreached, unanswered } = await askDriver(where.driver, effective.connection, instanceSpec(where, name, config));
  if (unreached || unanswered) {
    const failed = unreached ?? unanswered;
    const driverMissing = failed.code === 'NOT_FOUND' && failed.details['driver'] === effective.vmType;
    return { ...summary, state: 'Broken', reason: failed.message, ...(driverMissing ? { driverMissing } : { driverUnreachable: true as const }) };
  }
  try {
    const running = inspected.state === 'Running' || inspected.state === 'Paused';
    const guest = running ? await readGuestStatus(dir) : undefined;
    const startedWith = running ? await startedWithIfEdited(dir, effective) : undefined;
    const message = config.message === undefined ? {} : { message: templateMessage(config.message, name, dir, config.param) };
    return { ...summary, state: inspected.state, reason: inspected.reason, accelerator: inspected.accelerator, ...(guest ? { guest } : {}), ...(startedWith ? { startedWith } : {}), ...message, ...await sharedFolders(host, config) };
  } catch (error) {
    // A failure after the driver answered (reading the guest's status, say) is not the driver's.
    return { ...summary, state: 'Broken', reason: toDriverError(error).message };
  }
}

/**
 * The template's mounts as this driver serves them (resolve.ts: Lima's defaults, the driver's
 * mount type); nothing when the driver cannot say or start would refuse the field (start says why).
 */
async function sharedFolders(host: DriverHost, config: LimaConfig): Promise<{ mounts?: SpecMount[]; mountsSkipped?: string }> {
  try {
    const { capabilities } = await host.handshake();
    const { mounts, skipped } = resolveMounts(config, { driver: host.name, supported: capabilities.mounts });
    return { mounts, ...(skipped === undefined ? {} : { mountsSkipped: skipped }) };
  } catch {
    return {};
  }
}

/** Every instance, each by `summarize`; one that cannot be summarized shows as Broken and never hides the others. */
export async function listInstances(store: InstanceStore, summarize: (name: string) => Promise<InstanceSummary>): Promise<InstanceSummary[]> {
  const summaries = await Promise.all((await store.names()).map((name) => summarize(name).catch((error: unknown) => {
    const typed = toDriverError(error);
    if (typed.code === 'NOT_FOUND' && typed.details.name === name) return undefined; // deleted meanwhile
    return brokenSummary(name, store.dir(name), salvageConfig({}), typed.message);
  })));
  return summaries.filter((summary) => summary !== undefined);
}

/**
 * A Broken instance from what of its lima.yaml is still valid. Its driver is the one the file
 * names, or not known: Lima's default (QEMU) would claim tabs and actions that cannot work.
 */
function brokenSummary(name: string, dir: string, salvaged: LimaConfig, reason: string): InstanceSummary {
  const effective = effectiveConfig(salvaged);
  const named = salvaged.vmType !== undefined;
  return { name, dir, ...effective, vmType: named ? effective.vmType : undefined, connection: named ? effective.connection : undefined, state: 'Broken', reason };
}
