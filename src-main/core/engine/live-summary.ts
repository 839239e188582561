// An instance's summary from live facts alone (instances/live-list.ts decides, run-record.ts says
// when they are certain), for `corral list`: no driver process is started. Undefined whenever
// the driver must be asked.
import { readConfigFacts } from '../instances/config-facts.ts';
import type { ConfigFacts } from '../instances/config-facts.ts';
import { summaryFromFacts } from '../instances/live-list.ts';
import type { InstanceStore } from '../instances/store.ts';
import type { InstanceSummary } from './inspect.ts';

/**
 * `localDrivers`: the built-in drivers, whose VMs run on this host (a bundle's may run
 * elsewhere, so its records are never trusted here).
 */
export async function summaryFromLiveFacts(store: InstanceStore, name: string, localDrivers: ReadonlySet<string>): Promise<InstanceSummary | undefined> {
  const dir = store.dir(name);
  const facts = await readConfigFacts(dir) ?? await factsFromConfig(store, name);
  return facts && summaryFromFacts(name, dir, facts, localDrivers);
}

/**
 * The facts read from lima.yaml itself (no record yet, or a hand edit since), recorded again so
 * the next quick list finds them. Undefined for a config that does not load: the engine's
 * inspect lists it as Broken, with why.
 */
async function factsFromConfig(store: InstanceStore, name: string): Promise<ConfigFacts | undefined> {
  return store.refreshFacts(name).catch(() => undefined);
}
