// What the engine's watch tests share: a spy on a driver's calls, a wait for an announced
// status, and a barrier that tells when every watched batch before it has been handled.
import type { DriverHost } from '../drivers/host.ts';
import type { Engine } from '../engine.ts';

/** Records the methods called on `host` for `instance` (a spy on the real DriverHost; delete host.call to end it). */
export function countCalls(host: DriverHost, instance: string): string[] {
  const calls: string[] = [];
  const call = host.call.bind(host);
  const spy = (method: Parameters<DriverHost['call']>[0], ...args: unknown[]) => {
    if ((args[0] as { name?: string } | undefined)?.name === instance) calls.push(method);
    return (call as (method: string, ...rest: unknown[]) => Promise<unknown>)(method, ...args);
  };
  host.call = spy as DriverHost['call'];
  return calls;
}

/** The next status announced for `name` (the next one that is `state`, if given). */
export function nextStatus(engine: Engine, name: string, state?: string): Promise<{ reason?: string | undefined; configProblem?: string | undefined }> {
  return new Promise((resolve) => {
    const off = engine.events.on((event) => {
      if (event.type === 'instance-status' && event.name === name && (state === undefined || event.state === state)) { off(); resolve(event); }
    });
  });
}

/**
 * Resolves once a watching `engine` has announced an instance that `other` (another engine on
 * the same home) creates: the watch reports in order, so every batch of writes made before it
 * has been handled by then.
 */
export async function watchBarrier(engine: Engine, other: Engine, probe: string, template: string): Promise<void> {
  const probed = nextStatus(engine, probe);
  await other.create(probe, { template });
  await probed;
}
