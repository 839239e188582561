// Byte streams over a link's "stream" channel, the same on both sides: the driver writes
// guest console bytes out and receives keystrokes in on the same stream id.
//
// Pacing: a receiver whose data handler returns a promise is answered for: once it settles,
// the other side gets an ack with the byte count, so a writer can wait until its bytes have
// really gone on (a serial console's socket accepted them) before sending more. A handler
// that returns nothing sends no acks; writers then go unpaced, as before acks existed.
import type { Link } from './link.ts';

export interface StreamHandlers {
  /** Bytes from the other side; a returned promise settles once they have been passed on. */
  data(bytes: Uint8Array): void | Promise<void>;
  end(): void;
  /** The other side passed on `bytes` more of what was written here. */
  ack?(bytes: number): void;
}

export class StreamHub {
  readonly #link: Link;
  readonly #handlers = new Map<string, StreamHandlers>();

  constructor(link: Link) {
    this.#link = link;
    link.onFrame((frame) => {
      if (frame.ch !== 'stream') return;
      const handlers = this.#handlers.get(frame.id);
      if (!handlers) return;
      if (frame.ack !== undefined) handlers.ack?.(frame.ack);
      if (frame.data) this.#receive(frame.id, handlers, frame.data);
      if (frame.end) {
        this.#handlers.delete(frame.id);
        handlers.end();
      }
    });
  }

  #receive(id: string, handlers: StreamHandlers, data: Uint8Array): void {
    const passed = handlers.data(data);
    if (!passed) return;
    const ack = (): void => {
      if (this.#handlers.get(id) === handlers) this.#link.post({ ch: 'stream', id, ack: data.length });
    };
    passed.then(ack, ack);
  }

  /** Receives what the other side writes on `id`, until it ends the stream. */
  listen(id: string, handlers: StreamHandlers): void {
    this.#handlers.set(id, handlers);
  }

  /** Stops receiving on `id` without telling the other side. */
  forget(id: string): void {
    this.#handlers.delete(id);
  }

  write(id: string, data: Uint8Array): void {
    this.#link.post({ ch: 'stream', id, data });
  }

  /** Ends the stream for both sides. */
  end(id: string): void {
    this.#handlers.delete(id);
    this.#link.post({ ch: 'stream', id, end: true });
  }
}
