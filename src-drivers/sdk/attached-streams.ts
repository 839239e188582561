// The engine streams attached to one console: what is typed on each goes to the console's
// input, its output goes to every one, and each ends for the engine when it is detached or the
// console closes. The bookkeeping every console kind repeats (the SDK's SerialConsole, a
// driver's own console over a pty); the console decides when a stream starts getting output.
import type { StreamHub } from './streams.ts';

export class AttachedStreams {
  readonly #streams: StreamHub;
  readonly #ids = new Set<string>();

  constructor(streams: StreamHub) {
    this.#streams = streams;
  }

  /**
   * Sends what the engine writes on `streamId` to `typed` (a returned promise holds the stream's
   * ack until the input took the bytes); forgets the stream when the engine ends it.
   */
  listen(streamId: string, typed: (bytes: Uint8Array) => void | Promise<void>): void {
    this.#streams.listen(streamId, { data: typed, end: () => { this.#ids.delete(streamId); } });
  }

  /** From now on `streamId` gets the console's output. */
  add(streamId: string): void {
    this.#ids.add(streamId);
  }

  /** Output, to every added stream. */
  write(bytes: Uint8Array): void {
    for (const id of this.#ids) this.#streams.write(id, bytes);
  }

  /** Ends `streamId` for the engine; false if it was not attached here. */
  detach(streamId: string): boolean {
    if (!this.#ids.delete(streamId)) return false;
    this.#streams.end(streamId);
    return true;
  }

  /** Ends every stream (the console closed). */
  endAll(): void {
    for (const id of this.#ids) this.#streams.end(id);
    this.#ids.clear();
  }
}
