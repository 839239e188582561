// Snapshots: list (a read, no lock), take, apply and delete (each under the instance's lock).
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { InstanceSpec, Snapshot } from '../../../src-drivers/sdk/protocol.ts';
import type { DriverHost } from '../drivers/host.ts';
import { effectiveConfig } from '../instances/effective.ts';
import type { EngineContext } from './context.ts';
import { instanceSpec, requireCapability } from './spec.ts';

/** A read, so no lock: the list can be shown while another operation (a snapshot) runs. */
export async function listSnapshots(ctx: EngineContext, name: string): Promise<Snapshot[]> {
  const config = await ctx.store.readConfig(name);
  const host = await ctx.driver(effectiveConfig(config).connection);
  await requireCapability(host, 'snapshots');
  return host.call('listSnapshots', instanceSpec(ctx, name, config));
}

/** Runs one snapshot call under the lock; applying one may leave the VM paused or running, so the status is derived again. */
export async function snapshotOperation<T>(ctx: EngineContext, name: string, fn: (host: DriverHost, spec: InstanceSpec) => Promise<T>): Promise<T> {
  const result = await ctx.operate(name, 'snapshot', async ({ spec, host, state }) => {
    await requireCapability(host, 'snapshots');
    if (state !== 'Stopped' && state !== 'Running' && state !== 'Paused') {
      throw new DriverError('INVALID_STATE', `instance "${name}" is ${state}; snapshots need it stopped, running or paused`, { state });
    }
    return fn(host, spec);
  });
  await ctx.rederive(name);
  return result;
}
