// A serial console attached through a driver: one stream id on the driver's link. The driver
// replays the current boot's recent output first, often before open() has returned, so output
// is held until the first listener arrives. The session ends when the guest side closes, when
// the user closes it, or when the driver process dies (a new session re-attaches through the
// new driver process).
import type { InstanceSpec } from '../../src-drivers/sdk/protocol.ts';
import type { StreamHub } from '../../src-drivers/sdk/streams.ts';
import type { DriverHost } from './drivers/host.ts';
import { EventBus } from './events.ts';

interface ConsoleEnd {
  reason: string;
  driverRestartMs?: number;
}

export class ConsoleSession {
  readonly #data = new EventBus<Uint8Array>();
  readonly #ended = new EventBus<ConsoleEnd>();
  /** Output that arrived before anyone listened; undefined once the first listener took it. */
  #backlog: Uint8Array[] | undefined = [];
  #end: ConsoleEnd | undefined;
  readonly #streams: StreamHub;
  readonly #host: DriverHost;
  readonly #id: string;
  #open = true;
  #stopWatchingDriver: () => void = () => undefined;

  private constructor(host: DriverHost, streams: StreamHub, id: string) {
    this.#host = host;
    this.#streams = streams;
    this.#id = id;
  }

  static async open(host: DriverHost, spec: InstanceSpec, id: string): Promise<ConsoleSession> {
    const streams = await host.streams();
    const session = new ConsoleSession(host, streams, id);
    streams.listen(id, {
      data: (bytes) => (session.#backlog ? session.#backlog.push(bytes) : session.#data.emit(bytes)),
      end: () => session.#finish('the console closed'),
    });
    // The VM outlives its driver: say when a new driver process will run, so a front end can attach again then.
    session.#stopWatchingDriver = host.onProcessExit(() => session.#finish('the driver process exited', host.nextStartDelayMs));
    try {
      await host.call('openConsole', spec, id);
    } catch (error) {
      session.#finish('open failed');
      throw error;
    }
    return session;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Guest output, in order; the first listener also gets what arrived before it. */
  onData(listener: (bytes: Uint8Array) => void): () => void {
    const off = this.#data.on(listener);
    const backlog = this.#backlog;
    this.#backlog = undefined;
    for (const bytes of backlog ?? []) listener(bytes);
    return off;
  }

  /**
   * Called once, with the reason, when the session ends (at once if it already has); after
   * its driver process exited, also about how long until a new one runs.
   */
  onEnd(listener: (reason: string, driverRestartMs?: number) => void): () => void {
    const deliver = ({ reason, driverRestartMs }: ConsoleEnd): void => listener(reason, driverRestartMs);
    if (this.#end !== undefined) {
      const end = this.#end;
      queueMicrotask(() => deliver(end));
      return () => undefined;
    }
    return this.#ended.on(deliver);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.#open) this.#streams.write(this.#id, bytes);
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#finish('closed');
    await this.#host.call('closeConsole', this.#id).catch(() => undefined);
  }

  #finish(reason: string, driverRestartMs?: number): void {
    if (!this.#open) return;
    this.#open = false;
    this.#streams.forget(this.#id);
    this.#stopWatchingDriver();
    this.#end = driverRestartMs === undefined ? { reason } : { reason, driverRestartMs };
    this.#ended.emit(this.#end);
  }
}
