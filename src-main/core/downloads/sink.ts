// Writes the body to the partial file and hashes it on the way, so the digest is known the
// moment the last byte lands (no second pass). The write runs in libuv's thread pool while
// this thread hashes the same chunks, which keeps hashing off the critical path.
import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/** What survives from one attempt to the next: the bytes on disk and the hash over them. */
export interface PartialState {
  hash: Hash;
  /** Bytes known to be on disk, in order from 0. */
  bytes: number;
  /** False once a write failed after its bytes were hashed: the hash must be rebuilt from disk. */
  hashValid: boolean;
}

export class HashingFileSink extends Writable {
  readonly #handle: FileHandle;
  readonly #state: PartialState;
  readonly #onBytes: (bytes: number) => void;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(handle: FileHandle, state: PartialState, onBytes: (bytes: number) => void) {
    super({ highWaterMark: 4 << 20 });
    this.#handle = handle;
    this.#state = state;
    this.#onBytes = onBytes;
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.#write(chunks.map((c) => c.chunk), callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#write([chunk], callback);
  }

  #write(buffers: Buffer[], callback: (error?: Error | null) => void): void {
    const state = this.#state;
    const written = this.#writeAll(buffers, state.bytes);
    for (const b of buffers) state.hash.update(b);
    this.#inFlight = written.then(
      (length) => {
        state.bytes += length;
        this.#onBytes(state.bytes);
        callback();
      },
      (error: Error) => {
        state.hashValid = false;
        callback(error);
      },
    );
  }

  async #writeAll(buffers: Buffer[], position: number): Promise<number> {
    let total = 0;
    let pending = buffers;
    // writev may write less than asked (signals, quotas): go on from where it stopped.
    while (pending.length > 0) {
      const { bytesWritten } = await this.#handle.writev(pending, position + total);
      total += bytesWritten;
      pending = skipBytes(pending, bytesWritten);
    }
    return total;
  }

  // 'close' waits for the write in flight, so the next attempt never races a late write.
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#inFlight.then(() => callback(error), () => callback(error));
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#inFlight.then(() => callback(), callback);
  }
}

function skipBytes(buffers: Buffer[], count: number): Buffer[] {
  let left = count;
  const rest: Buffer[] = [];
  for (const b of buffers) {
    if (left >= b.length) { left -= b.length; continue; }
    rest.push(left > 0 ? b.subarray(left) : b);
    left = 0;
  }
  return rest;
}
