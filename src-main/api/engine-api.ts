// CorralApi implemented over an in-process Engine: what `corral serve` (and later the Electron
// main process) puts behind its transport. It maps engine types to the API's wire types,
// so a change inside the engine does not leak into the renderer.
import path from 'node:path';
import type { Engine, InstanceSummary } from '../core/engine.ts';
import type { ApiEvent, ConsoleStream, CorralApi, Instance } from './contract.ts';
import { readHistory, withoutOverlap } from './history.ts';

export function toApiInstance(summary: InstanceSummary): Instance {
  return {
    name: summary.name,
    state: summary.state,
    ...(summary.reason !== undefined ? { reason: summary.reason } : {}),
    driver: summary.vmType,
    arch: summary.arch,
    cpus: summary.cpus,
    memoryBytes: summary.memoryBytes,
    diskBytes: summary.diskBytes,
    ...(summary.accelerator !== undefined ? { accelerator: summary.accelerator } : {}),
  };
}

export function engineApi(engine: Engine): CorralApi {
  return {
    listInstances: async () => (await engine.list()).map(toApiInstance),
    listDrivers: async () => (await engine.listDrivers()).map((d) => ({
      name: d.name, version: d.version, description: d.description, capabilities: d.capabilities, available: d.available,
    })),
    create: async (request) => {
      const { instance, warnings } = await engine.create(request.name, {
        template: request.template, cpus: request.cpus, memory: request.memory, disk: request.disk, driver: request.driver,
      });
      return { instance: toApiInstance(instance), warnings };
    },
    start: async (name) => {
      const result = await engine.start(name);
      return { accelerator: result.accelerator, ...(result.acceleratorNote ? { acceleratorNote: result.acceleratorNote } : {}) };
    },
    stop: (name, options) => engine.stop(name, { force: options?.force ?? false }),
    pause: (name) => engine.pause(name),
    resume: (name) => engine.resume(name),
    delete: (name, options) => engine.delete(name, { force: options?.force ?? false }),
    onEvent: (listener) => engine.events.on((event) => listener(event satisfies ApiEvent)),
    openConsole: (name, options) => openConsole(engine, name, options?.history ?? true),
  };
}

/**
 * Attaches first and reads serial.log second, holding live bytes back meanwhile, so nothing
 * printed between the two is lost; bytes that made it into both are sent once.
 */
async function openConsole(engine: Engine, name: string, history: boolean): Promise<ConsoleStream> {
  const session = await engine.openConsole(name);
  const dataListeners = new Set<(bytes: Uint8Array) => void>();
  const endListeners = new Set<(reason: string) => void>();
  let held: Uint8Array[] | undefined = [];
  let endedWith: string | undefined;
  const deliver = (bytes: Uint8Array): void => {
    for (const listener of dataListeners) listener(bytes);
  };
  session.data.on((bytes) => (held ? held.push(bytes) : deliver(bytes)));
  session.ended.on((reason) => {
    endedWith = reason;
    for (const listener of endListeners) listener(reason);
  });
  let past: Uint8Array = new Uint8Array();
  if (history) past = await readHistory(path.join(engine.store.dir(name), 'serial.log'));
  const release = (): void => {
    const pending = Buffer.concat(held ?? []);
    held = undefined;
    const fresh = withoutOverlap(past, pending);
    if (past.length > 0) deliver(past);
    if (fresh.length > 0) deliver(fresh);
  };
  return {
    onData(listener) {
      dataListeners.add(listener);
      // The first subscriber gets the history and what was held back, in order.
      if (held) queueMicrotask(release);
      return () => dataListeners.delete(listener);
    },
    onEnd(listener) {
      endListeners.add(listener);
      if (endedWith !== undefined) queueMicrotask(() => listener(endedWith ?? ''));
      return () => endListeners.delete(listener);
    },
    write: (bytes) => session.write(bytes),
    close: () => session.close(),
  };
}
