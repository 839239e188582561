// Live figures of running instances for whoever watches them: one driver stream per instance
// however many front ends watch (the list's CPU column and an instance page share it), opened
// on the first watcher and closed with the last, so nothing samples a VM nobody looks at. Each
// sample is parsed with the contract's schema as it leaves the driver process. The stream
// ends with the VM (or its driver process); watchers stay, and it opens again when the
// instance runs again (its status event) or the driver process is back.
import { randomUUID } from 'node:crypto';
import { toDriverError } from '../../../src-drivers/sdk/errors.ts';
import { statsSampleSchema } from '../../../src-drivers/sdk/protocol.ts';
import type { InstanceSpec, StatsSample } from '../../../src-drivers/sdk/protocol.ts';
import type { DriverHost } from '../drivers/host.ts';
import type { EngineEvent } from '../events.ts';

/** What a watcher hears: a sample, or that samples stopped (and why: stopped, unsupported, ...). */
export type StatsUpdate = { type: 'sample'; sample: StatsSample } | { type: 'ended'; reason: string };
export type StatsListener = (update: StatsUpdate) => void;

/** Where an instance's figures come from: its driver and its spec. */
export interface StatsSource {
  host: DriverHost;
  spec: InstanceSpec;
}

interface Watched {
  listeners: Set<StatsListener>;
  /** The open driver stream's id; undefined while none is open. */
  stream: string | undefined;
  /** Closes the open stream's bookkeeping (not the driver's side). */
  forget: () => void;
  /** Asks the driver to stop the open stream. */
  close: () => Promise<void>;
  opening: boolean;
  /** The latest sample, for a watcher that arrives between two. */
  latest: StatsSample | undefined;
}

export class StatsHub {
  readonly #resolve: (name: string) => Promise<StatsSource>;
  readonly #watched = new Map<string, Watched>();

  /** `onEvent` subscribes to the engine's events: a watched instance that runs again is opened again. */
  constructor(resolve: (name: string) => Promise<StatsSource>, onEvent: (listener: (event: EngineEvent) => void) => () => void) {
    this.#resolve = resolve;
    onEvent((event) => {
      if (event.type !== 'instance-status' || event.state !== 'Running') return;
      const watched = this.#watched.get(event.name);
      if (watched && watched.stream === undefined) void this.#open(event.name, watched);
    });
  }

  /** Sends `name`'s figures to `listener` about once a second while it runs; returns the unsubscribe. */
  watch(name: string, listener: StatsListener): () => void {
    let watched = this.#watched.get(name);
    if (!watched) {
      watched = { listeners: new Set(), stream: undefined, forget: () => undefined, close: async () => undefined, opening: false, latest: undefined };
      this.#watched.set(name, watched);
    }
    watched.listeners.add(listener);
    if (watched.latest) listener({ type: 'sample', sample: watched.latest });
    if (watched.stream === undefined) void this.#open(name, watched);
    const entry = watched;
    return () => {
      entry.listeners.delete(listener);
      if (entry.listeners.size > 0 || this.#watched.get(name) !== entry) return;
      this.#watched.delete(name);
      void this.#close(entry);
    };
  }

  /** Names watched right now (tests, and the benchmark's sanity check). */
  get watchedNames(): string[] {
    return [...this.#watched.keys()];
  }

  async #open(name: string, watched: Watched): Promise<void> {
    if (watched.opening) return;
    watched.opening = true;
    try {
      const { host, spec } = await this.#resolve(name);
      const { capabilities } = await host.handshake();
      if (!capabilities.stats) return this.#ended(watched, `the ${host.name} driver does not offer live figures (capabilities.stats is false)`);
      const id = randomUUID();
      const streams = await host.streams();
      const stopExit = host.onProcessExit(() => {
        end('the driver process exited');
        // The VM runs on: watch it again once the driver process is back.
        setTimeout(() => {
          if (this.#watched.get(name) === watched && watched.stream === undefined) void this.#open(name, watched);
        }, host.nextStartDelayMs + 500).unref();
      });
      const end = (reason: string): void => {
        if (watched.stream !== id) return;
        watched.forget();
        this.#ended(watched, reason);
      };
      watched.stream = id;
      watched.forget = () => {
        streams.forget(id);
        stopExit();
        watched.stream = undefined;
        watched.latest = undefined;
      };
      watched.close = () => host.call('closeStats', id).then(() => undefined, () => undefined);
      streams.listen(id, {
        data: (bytes) => {
          const sample = parseSample(bytes);
          if (typeof sample === 'string') {
            end(`the ${host.name} driver sent a malformed sample: ${sample}`);
            void host.call('closeStats', id).catch(() => undefined);
            return;
          }
          watched.latest = sample;
          for (const listener of watched.listeners) listener({ type: 'sample', sample });
        },
        end: () => end('the VM stopped'),
      });
      try {
        await host.call('openStats', spec, id);
      } catch (error) {
        end(toDriverError(error).message);
      }
      // The last watcher left while it opened.
      if (this.#watched.get(name) !== watched && watched.stream === id) await this.#close(watched);
    } catch (error) {
      this.#ended(watched, toDriverError(error).message);
    } finally {
      watched.opening = false;
    }
  }

  async #close(watched: Watched): Promise<void> {
    if (watched.stream === undefined) return;
    const close = watched.close;
    watched.forget();
    await close();
  }

  #ended(watched: Watched, reason: string): void {
    for (const listener of watched.listeners) listener({ type: 'ended', reason });
  }
}

/** A sample as the contract says, or what was wrong with it. */
function parseSample(bytes: Uint8Array): StatsSample | string {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return 'not JSON';
  }
  const parsed = statsSampleSchema().safeParse(value);
  return parsed.success ? parsed.data : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}
