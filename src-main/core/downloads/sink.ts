// Writes a download to its partial file and hashes it on the way, so the digest is known the
// moment the last byte lands (no second pass). Bytes arrive in slots of a shared ring; a full
// slot is written (libuv's thread pool) and hashed (a worker thread) at the same time while the
// socket fills the next one, so reading, writing and hashing overlap instead of taking turns.
// Slot writes may finish out of order: `bytes` only counts the prefix that is on disk.
// Where the file system takes it, whole aligned slots are written with O_DIRECT (direct-io.ts).
import fs, { type FileHandle } from 'node:fs/promises';
import type { BodySink } from './body.ts';
import type { DigestAlgorithm } from './digest.ts';
import { directAlign, openDirect, pageAlignedBuffer, type DirectFile } from './direct-io.ts';
import type { HashWorker } from './hash-worker.ts';
import { SlotPool } from './slots.ts';

export interface WriterOptions {
  /** Slots in the ring (at least 2) and their size (a multiple of 4 KiB). */
  slotCount?: number;
  slotSize?: number;
  /** Write whole aligned slots with O_DIRECT where possible (default true). */
  direct?: boolean;
  /** Without O_DIRECT: flush the page cache every this many bytes, so the final fsync has little left. */
  syncEvery?: number;
}

// 8 x 4 MiB: big enough that each write and hash message carries plenty of bytes, small enough
// to keep the process's memory flat (32 MiB, whatever the file).
const defaults = { slotCount: 8, slotSize: 4 << 20, direct: true, syncEvery: 64 << 20 };

/** A slot handed to the file and the hash, in file order. */
interface Sealed { end: number; written: boolean }

export class PartialWriter implements BodySink {
  readonly chunkLimit: number;
  readonly #handle: FileHandle;
  readonly #direct: DirectFile | undefined;
  /** Off after the file system refused a direct write. */
  #directOn: boolean;
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
  /** Where the current slot counts as full: short once, so that direct writes start aligned. */
  #limit: number;
  #sealed: Sealed[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #failure: Error | undefined;
  #syncedTo = 0;
  #syncing = false;
  #pageCacheWrites: Promise<void> = Promise.resolve();

  /**
   * Opens the partial file: kept as it is when `keep` (then adopt() its bytes), else emptied.
   * The hasher is lent for the writer's life (close() leaves it running).
   */
  static async open(file: string, keep: boolean, hasher: HashWorker, algorithm: DigestAlgorithm, onBytes: (bytes: number) => void, options: WriterOptions = {}): Promise<PartialWriter> {
    const o = { ...defaults, ...options };
    const handle = await fs.open(file, keep ? 'r+' : 'w');
    let direct: DirectFile | undefined;
    try {
      const buffer = pageAlignedBuffer(o.slotCount * o.slotSize + directAlign);
      direct = o.direct ? await openDirect(file, buffer) : undefined;
      const pool = new SlotPool(buffer, o.slotCount, o.slotSize, direct?.pad ?? 0);
      // Not awaited: a worker still booting (~45 ms) takes it first thing, while the request
      // goes out and the ring fills; a failure shows on the first hash.
      hasher.attach(buffer, algorithm).catch(() => undefined);
      return new PartialWriter(handle, direct, pool, hasher, onBytes, o.syncEvery);
    } catch (error) {
      await direct?.handle.close();
      await handle.close();
      throw error;
    }
  }

  private constructor(handle: FileHandle, direct: DirectFile | undefined, pool: SlotPool, hasher: HashWorker, onBytes: (bytes: number) => void, syncEvery: number) {
    this.#handle = handle;
    this.#direct = direct;
    this.#directOn = direct !== undefined;
    this.#pool = pool;
    this.#hasher = hasher;
    this.#onBytes = onBytes;
    this.#syncEvery = syncEvery;
    this.chunkLimit = pool.size;
    this.#limit = pool.size;
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
    await this.#drain();
    this.#failure = undefined;
    if (this.#hashBroken || this.#hashed !== this.#bytes) await this.#hashPrefix(this.#bytes);
    await this.#handle.truncate(this.#bytes);
    this.#position = this.#bytes;
    this.#fill = 0;
    this.#limit = this.#pool.size - (this.#position % directAlign);
    this.#sealed = [];
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
    return this.#pool.view(this.#current).subarray(this.#fill, this.#limit);
  }

  commit(length: number): boolean {
    this.#fill += length;
    // Progress counts what arrived, not what is on disk: a slot is written only once full (or at
    // the attempt's end), so a server stalling mid-slot would otherwise show up to a slot less.
    this.#onBytes(this.#position + this.#fill);
    if (this.#fill === this.#limit) this.#seal();
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

  /** fsync: the file's data and size are on disk. */
  async sync(): Promise<void> {
    await this.#handle.sync();
  }

  /** Waits for the writes and hashes in flight, closes the file. */
  async close(): Promise<void> {
    await this.#drain();
    await this.#direct?.handle.close();
    await this.#handle.close();
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
    this.#limit = this.#pool.size;
    const written = this.#write(this.#pool.view(slot).subarray(0, length), this.#position).then(() => {
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

  /** Whole aligned slots bypass the page cache where possible; the rest (a short first or last slot) goes through it. */
  async #write(data: Buffer, position: number): Promise<void> {
    const direct = this.#direct;
    if (direct && this.#directOn && position % directAlign === 0 && data.length % directAlign === 0) {
      try {
        return await writeAll(direct.handle, data, position);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
        this.#directOn = false; // refused after all (an unusual file system): the page cache from now on
      }
    }
    // Through the page cache one write at a time: concurrent ones only contend for the
    // file's lock (1 GiB: 0.33 s of system time one by one, 0.84 s with 7 at once).
    const run = this.#pageCacheWrites.then(() => writeAll(this.#handle, data, position));
    this.#pageCacheWrites = run.catch(() => undefined);
    await run;
  }

  /** Moves `bytes` over the slots written in order and (page cache only) starts a background flush now and then. */
  #advance(): void {
    while (this.#sealed[0]?.written) this.#bytes = this.#sealed.shift()?.end ?? this.#bytes;
    if (this.#directOn || this.#syncing || this.#bytes - this.#syncedTo < this.#syncEvery) return;
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
    const tracked = work.catch((error: unknown) => this.#fail(error)).finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
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
