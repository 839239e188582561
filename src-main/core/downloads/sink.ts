// Writes a download to its partial file and hashes it on the way, so the digest is known the
// moment the last byte lands (no second pass). Bytes arrive in slots of a shared ring; a full
// slot is written (libuv's thread pool) and hashed (a worker thread) at the same time while the
// socket fills the next one, so reading, writing and hashing overlap instead of taking turns.
// Slot writes may finish out of order: `bytes` only counts the prefix that is on disk.
import type { FileHandle } from 'node:fs/promises';
import type { BodySink } from './body.ts';
import type { DigestAlgorithm } from './digest.ts';
import { HashWorker } from './hash-worker.ts';
import { SlotPool } from './slots.ts';

export interface WriterOptions {
  slotCount?: number;
  slotSize?: number;
  /** Flush the page cache to disk every this many bytes, so the final fsync has little left. */
  syncEvery?: number;
}

// 8 x 4 MiB: big enough that each write and hash message carries plenty of bytes, small enough
// to stay in the CPU's cache and to keep the process's memory flat (32 MiB, whatever the file).
const defaults = { slotCount: 8, slotSize: 4 << 20, syncEvery: 64 << 20 };

/** A slot handed to the file and the hash, in file order. */
interface Sealed { end: number; written: boolean }

export class PartialWriter implements BodySink {
  readonly chunkLimit: number;
  readonly #handle: FileHandle;
  readonly #pool: SlotPool;
  readonly #hasher: HashWorker;
  readonly #onBytes: (bytes: number) => void;
  readonly #syncEvery: number;
  /** Bytes on disk, in order from 0. */
  #bytes = 0;
  /** Bytes given to the hash, in order from 0; the hash is right only while this equals #bytes. */
  #hashed = 0;
  #hashBroken = false;
  /** File position of the current slot's first byte. */
  #position = 0;
  #current: number;
  #fill = 0;
  #sealed: Sealed[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #failure: Error | undefined;
  #syncedTo = 0;
  #syncing = false;

  constructor(handle: FileHandle, algorithm: DigestAlgorithm, onBytes: (bytes: number) => void, options: WriterOptions = {}) {
    const o = { ...defaults, ...options };
    this.#handle = handle;
    this.#pool = new SlotPool(o.slotCount, o.slotSize);
    this.#hasher = new HashWorker(this.#pool.buffer, algorithm);
    this.#onBytes = onBytes;
    this.#syncEvery = o.syncEvery;
    this.chunkLimit = o.slotSize;
    this.#current = this.#take();
  }

  /** Bytes on disk, in order from 0, and covered by the hash once `begin()` ran. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Takes over the first `length` bytes already in the file (after a restart): hashes them. */
  async adopt(length: number, onBytes?: (bytes: number) => void): Promise<void> {
    await this.#hashPrefix(length, onBytes);
  }

  /** Starts an attempt at `bytes`: rebuilds the hash if a failure left it ahead of the file, cuts what lies beyond. */
  async begin(): Promise<void> {
    if (this.#hashBroken || this.#hashed !== this.#bytes) await this.#hashPrefix(this.#bytes);
    await this.#handle.truncate(this.#bytes);
    this.#position = this.#bytes;
    this.#fill = 0;
    this.#sealed = [];
    this.#failure = undefined;
  }

  /** Drops everything: the server sent the whole file again. */
  async restart(): Promise<void> {
    this.#bytes = 0;
    this.#hashed = 0;
    this.#syncedTo = 0;
    await this.#hasher.reset();
    this.#hashBroken = false;
    await this.begin();
  }

  space(): Buffer {
    return this.#pool.view(this.#current).subarray(this.#fill);
  }

  commit(length: number): boolean {
    this.#fill += length;
    if (this.#fill === this.#pool.size) this.#seal();
    return this.#accepting();
  }

  append(chunk: Buffer): boolean {
    for (let at = 0; at < chunk.length;) {
      const copied = chunk.copy(this.space(), 0, at);
      at += copied;
      this.commit(copied);
    }
    return this.#accepting();
  }

  async ready(): Promise<void> {
    await this.#pool.whenFree();
    if (this.#failure) throw this.#failure;
  }

  /** Ends an attempt: writes and hashes what the current slot holds, waits for all in flight, throws a write failure. */
  async settle(): Promise<void> {
    if (this.#fill > 0 && !this.#failure) {
      await this.#pool.whenFree();
      this.#seal();
    }
    await this.#drain();
    if (this.#failure) throw this.#failure;
  }

  /** The digest of the bytes on disk (call after settle()). */
  async digest(): Promise<string> {
    if (this.#hashBroken || this.#hashed !== this.#bytes) await this.#hashPrefix(this.#bytes);
    return this.#hasher.digest();
  }

  /** Waits for the writes in flight and ends the worker; the file handle stays open. */
  async close(): Promise<void> {
    await this.#drain();
    await this.#hasher.close();
  }

  #accepting(): boolean {
    return this.#failure === undefined && this.#pool.spare > 0;
  }

  #take(): number {
    const slot = this.#pool.take();
    // The readers stop when commit()/append() say so, which leaves a spare slot for this.
    if (slot === undefined) throw new Error('download ring overrun: a reader ignored backpressure');
    return slot;
  }

  /** Hands the current slot to the file and the hash, and moves on to a fresh one. */
  #seal(): void {
    const slot = this.#current;
    const length = this.#fill;
    const sealed: Sealed = { end: this.#position + length, written: false };
    this.#current = this.#take();
    this.#fill = 0;
    const written = writeAll(this.#handle, this.#pool.view(slot).subarray(0, length), this.#position).then(() => {
      sealed.written = true;
      this.#advance();
    });
    const hashed = this.#hasher.update(this.#pool.offset(slot), length);
    this.#position += length;
    this.#hashed += length;
    this.#sealed.push(sealed);
    this.#track(Promise.allSettled([written, hashed]).then(([w, h]) => {
      this.#pool.release(slot);
      if (h.status === 'rejected') this.#hashBroken = true;
      for (const r of [w, h]) if (r.status === 'rejected') this.#fail(r.reason);
    }));
  }

  /** Moves `bytes` over the slots written in order, reports it, and starts a background flush now and then. */
  #advance(): void {
    while (this.#sealed[0]?.written) this.#bytes = this.#sealed.shift()?.end ?? this.#bytes;
    this.#onBytes(this.#bytes);
    if (this.#syncing || this.#bytes - this.#syncedTo < this.#syncEvery) return;
    // Writeback now overlaps the transfer; left to the end, flushing 1 GiB takes ~0.5 s here.
    const upTo = this.#bytes;
    this.#syncing = true;
    this.#track(this.#handle.datasync().then(
      () => { this.#syncedTo = upTo; },
      (error: unknown) => this.#fail(error),
    ).finally(() => { this.#syncing = false; }));
  }

  /** Rebuilds the hash from the file's first `length` bytes, reading and hashing in parallel. */
  async #hashPrefix(length: number, onBytes?: (bytes: number) => void): Promise<void> {
    await this.#drain();
    await this.#hasher.reset();
    this.#hashBroken = false;
    this.#hashed = 0;
    for (let at = 0; at < length && !this.#failure;) {
      await this.#pool.whenFree();
      const slot = this.#take();
      const want = Math.min(this.#pool.size, length - at);
      const read = await readAll(this.#handle, this.#pool.view(slot).subarray(0, want), at).catch((error: unknown) => {
        this.#pool.release(slot);
        throw error;
      });
      at += read;
      this.#hashed += read;
      this.#track(this.#hasher.update(this.#pool.offset(slot), read).then(
        () => { this.#pool.release(slot); onBytes?.(at); },
        (error: unknown) => { this.#pool.release(slot); this.#hashBroken = true; this.#fail(error); },
      ));
      if (read < want) break; // the file is shorter than expected
    }
    await this.#drain();
    if (this.#failure) throw this.#failure;
    this.#bytes = this.#hashed;
  }

  #fail(error: unknown): void {
    this.#failure ??= error instanceof Error ? error : new Error(String(error));
  }

  #track(work: Promise<void>): void {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  async #drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled(this.#inFlight);
  }
}

async function writeAll(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  // write may take less than asked (signals, quotas): go on from where it stopped.
  for (let done = 0; done < data.length;) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

async function readAll(handle: FileHandle, into: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}
