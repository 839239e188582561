// An instance's summary from live facts alone (run-record.ts says when they are certain), for
// `corral list`: no driver process is started. Undefined whenever the driver must be asked.
import { effectiveConfig } from '../instances/effective.ts';
import { runningOperation } from '../instances/lock.ts';
import { liveState } from '../instances/run-record.ts';
import { operationState } from '../instances/status.ts';
import type { InstanceStore } from '../instances/store.ts';
import { readGuestStatus } from '../guest/status.ts';
import { readEndpoint } from '../ssh/guest-endpoint.ts';
import { templateMessage } from './inspect.ts';
import type { InstanceSummary } from './inspect.ts';

/**
 * `localDrivers`: the built-in drivers, whose VMs run on this host (a bundle's may run
 * elsewhere, so its records are never trusted here).
 */
export async function summaryFromLiveFacts(store: InstanceStore, name: string, localDrivers: ReadonlySet<string>): Promise<InstanceSummary | undefined> {
  const dir = store.dir(name);
  const { config, problem } = await store.readConfigOrSalvage(name);
  if (problem || !localDrivers.has(effectiveConfig(config).vmType)) return undefined;
  // An operation under way: the engine's inspect says which, from its record, without a driver.
  if (operationState(await runningOperation(dir))) return undefined;
  const live = await liveState(dir);
  if (!live) return undefined;
  const ssh = (await readEndpoint(dir).catch(() => undefined))?.ssh;
  const message = config.message === undefined ? {} : { message: templateMessage(config.message, name, dir, config.param) };
  const summary = { name, dir, ...effectiveConfig(config), ...(ssh ? { ssh } : {}), ...message };
  if (live.state === 'Stopped') return { ...summary, state: 'Stopped' };
  const guest = await readGuestStatus(dir);
  return { ...summary, state: live.state, accelerator: live.accelerator, ...(guest ? { guest } : {}) };
}
