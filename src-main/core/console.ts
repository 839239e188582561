// A serial console attached through a driver: one stream id on the driver's link. The driver
// replays the current boot's recent output first, often before open() has returned, so output
// is held until the first listener arrives. The session ends when the guest side closes, when
// the user closes it, or when the driver process dies (a new session re-attaches through the
// new driver process).
import type { InstanceSpec } from '../../src-drivers/sdk/protocol.ts';
import type { StreamHub } from '../../src-drivers/sdk/streams.ts';
import type { DriverHost } from './drivers/host.ts';
import { EventBus } from './events.ts';

export class ConsoleSession {
  readonly #data = new EventBus<Uint8Array>();
  readonly #ended = new EventBus<string>();
  /** Output that arrived before anyone listened; undefined once the first listener took it. */
  #backlog: Uint8Array[] | undefined = [];
  #endReason: string | undefined;
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
    session.#stopWatchingDriver = host.onProcessExit(() => session.#finish('the driver process exited'));
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

  /** Called once, with the reason, when the session ends (at once if it already has). */
  onEnd(listener: (reason: string) => void): () => void {
    if (this.#endReason !== undefined) {
      const reason = this.#endReason;
      queueMicrotask(() => listener(reason));
      return () => undefined;
    }
    return this.#ended.on(listener);
  }

  write(bytes: Uint8Array): void {
    if (this.#open) this.#streams.write(this.#id, bytes);
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#finish('closed');
    await this.#host.call('closeConsole', this.#id).catch(() => undefined);
  }

  #finish(reason: string): void {
    if (!this.#open) return;
    this.#open = false;
    this.#streams.forget(this.#id);
    this.#stopWatchingDriver();
    this.#endReason = reason;
    this.#ended.emit(reason);
  }
}
