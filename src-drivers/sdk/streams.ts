// Byte streams over a link's "stream" channel, the same on both sides: the driver writes
// guest console bytes out and receives keystrokes in on the same stream id.
import type { Link } from './link.ts';

export interface StreamHandlers {
  data(bytes: Uint8Array): void;
  end(): void;
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
      if (frame.data) handlers.data(frame.data);
      if (frame.end) {
        this.#handlers.delete(frame.id);
        handlers.end();
      }
    });
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
