// A serial console attached through a driver: one stream id on the driver's link. The session
// ends when the guest side closes, when the user closes it, or when the driver process dies
// (a new session re-attaches through the new driver process).
import type { InstanceSpec } from '../../src-drivers/sdk/protocol.ts';
import type { StreamHub } from '../../src-drivers/sdk/streams.ts';
import type { DriverHost } from './drivers/host.ts';
import { EventBus } from './events.ts';

export class ConsoleSession {
  readonly data = new EventBus<Uint8Array>();
  readonly ended = new EventBus<string>();
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
      data: (bytes) => session.data.emit(bytes),
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
    this.ended.emit(reason);
  }
}
