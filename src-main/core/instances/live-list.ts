// `corral list` from live facts alone: the engine's run records, process liveness, the config
// facts kept beside lima.yaml and what the guest reported, as `limactl list` answers from pid
// files. The engine's list uses the same per-instance answer (summaryFromFacts), so there is
// one implementation; the CLI uses listFromLiveFacts without constructing an engine at all.
// Wherever these facts leave doubt, undefined: the caller asks the driver.
import { builtinDriverNames } from '../drivers/builtin-names.ts';
import type { InstanceSummary } from '../engine/inspect.ts';
import { readGuestStatus } from '../guest/status.ts';
import { readEndpoint } from '../ssh/guest-endpoint.ts';
import { templateMessage } from '../templates/message.ts';
import { readConfigFacts } from './config-facts.ts';
import type { ConfigFacts } from './config-facts.ts';
import { instanceNames } from './folders.ts';
import { runningOperation } from './lock.ts';
import { liveState } from './run-record.ts';
import { sweepStaging } from './staging.ts';
import { operationState } from './status.ts';

/**
 * One instance's summary from its config facts and live facts, or undefined when the driver
 * must be asked. `localDrivers`: the built-in drivers, whose VMs run on this host (a bundle's
 * may run elsewhere, so its records are never trusted here).
 */
export async function summaryFromFacts(name: string, dir: string, facts: ConfigFacts, localDrivers: ReadonlySet<string>): Promise<InstanceSummary | undefined> {
  if (!localDrivers.has(facts.effective.vmType)) return undefined;
  // An operation under way: the engine's inspect says which, from its record, without a driver.
  if (operationState(await runningOperation(dir))) return undefined;
  const live = await liveState(dir);
  if (!live) return undefined;
  const ssh = (await readEndpoint(dir).catch(() => undefined))?.ssh;
  const message = facts.message === undefined ? {} : { message: templateMessage(facts.message, name, dir, facts.param) };
  const summary = { name, dir, ...facts.effective, ...(ssh ? { ssh } : {}), ...message };
  if (live.state === 'Stopped') return { ...summary, state: 'Stopped' };
  const guest = await readGuestStatus(dir);
  return { ...summary, state: live.state, accelerator: live.accelerator, ...(guest ? { guest } : {}) };
}

/**
 * Every instance's summary, when live facts settle all of them; undefined as soon as one needs
 * more (a lima.yaml edited by hand, an operation under way, a bundle driver): then the engine
 * lists them all, asking drivers where it must. Tidies staging folders first, as every
 * engine start does.
 */
export async function listFromLiveFacts(instancesDir: string, instanceDir: (name: string) => string): Promise<InstanceSummary[] | undefined> {
  await sweepStaging(instancesDir).catch(() => undefined); // the engine's list tries again and reports
  const summaries = await Promise.all((await instanceNames(instancesDir)).map(async (name) => {
    const dir = instanceDir(name);
    const facts = await readConfigFacts(dir);
    return facts && summaryFromFacts(name, dir, facts, builtinDriverNames);
  }));
  return summaries.every((summary) => summary !== undefined) ? summaries : undefined;
}
