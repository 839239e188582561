// How a response body reaches the partial file. The sink hands out room in its current slot:
// the direct transport lets the kernel read the socket straight into it (no copy), while a
// stream body (undici, for proxies) is copied in. Either way a `false` answer means "the ring
// is full: stop reading until ready()".
import type { Readable } from 'node:stream';

export interface BodySink {
  /** The largest chunk append() takes at once. */
  readonly chunkLimit: number;
  /** Free room for the next bytes; never empty while the sink accepts bytes. */
  space(): Buffer;
  /** `length` bytes were placed at the start of space(). False: stop until ready(). */
  commit(length: number): boolean;
  /** Copies a chunk (at most chunkLimit bytes) in. False: stop until ready(). */
  append(chunk: Buffer): boolean;
  /** Resolves when the sink accepts bytes again; rejects when it failed (a write error). */
  ready(): Promise<void>;
}

export interface Body {
  /** Moves the whole body into the sink; resolves at its end. */
  pipeTo(sink: BodySink): Promise<void>;
  /** Drops the body unread (the connection is closed). */
  cancel(): void;
}

/** A stream body (undici's), copied into the sink chunk by chunk. */
export function streamBody(stream: Readable): Body {
  return {
    async pipeTo(sink) {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        for (let at = 0; at < chunk.length; at += sink.chunkLimit) {
          if (!sink.append(chunk.subarray(at, at + sink.chunkLimit))) await sink.ready();
        }
      }
    },
    cancel() {
      stream.on('error', () => undefined).destroy();
    },
  };
}
