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
  /** Input pacing: bytes written, bytes the driver acked, and writes waiting for an ack. */
  #sent = 0;
  #ackedBytes = 0;
  #driverAcks = false;
  readonly #waiters: { upTo: number; resolve: () => void }[] = [];
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
      data: (bytes) => void (session.#backlog ? session.#backlog.push(bytes) : session.#data.emit(bytes)),
      end: () => session.#finish('the console closed'),
      ack: (bytes) => session.#acked(bytes),
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

  /**
   * Sends keystrokes; settles once the driver has passed them on, when it says so (the SDK's
   * serial console acks each write once its socket took it). A driver that never acks is not
   * waited for.
   */
  async write(bytes: Uint8Array): Promise<void> {
    if (!this.#open) return;
    this.#streams.write(this.#id, bytes);
    this.#sent += bytes.length;
    if (!this.#driverAcks) return;
    const upTo = this.#sent;
    if (upTo > this.#ackedBytes) await new Promise<void>((resolve) => this.#waiters.push({ upTo, resolve }));
  }

  #acked(bytes: number): void {
    this.#driverAcks = true;
    this.#ackedBytes += bytes;
    while ((this.#waiters[0]?.upTo ?? Infinity) <= this.#ackedBytes) this.#waiters.shift()?.resolve();
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
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    this.#end = driverRestartMs === undefined ? { reason } : { reason, driverRestartMs };
    this.#ended.emit(this.#end);
  }
}
