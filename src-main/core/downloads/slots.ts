// A fixed ring of big buffers in one SharedArrayBuffer, through which a download flows: the
// socket fills a slot, then the file write (libuv's thread pool) and the hash (a worker
// thread) read it at the same time, and the slot comes back once both are done. Shared
// memory lets the worker hash the bytes where they are (no copy, no transfer); a fixed ring
// keeps memory flat whatever the file's size, and an empty ring is the backpressure.

export class SlotPool {
  readonly size: number;
  readonly buffer: SharedArrayBuffer;
  readonly #pad: number;
  readonly #views: Buffer[];
  readonly #free: number[];
  #waiters: (() => void)[] = [];

  /** `count` slots of `size` bytes from `pad` on in `buffer` (the pad aligns them for O_DIRECT). */
  constructor(buffer: SharedArrayBuffer, count: number, size: number, pad = 0) {
    if (pad + count * size > buffer.byteLength) throw new RangeError('the slots do not fit in the buffer');
    this.size = size;
    this.buffer = buffer;
    this.#pad = pad;
    this.#views = Array.from({ length: count }, (_, i) => Buffer.from(buffer, pad + i * size, size));
    this.#free = this.#views.map((_, i) => i);
  }

  /** The whole slot (callers slice it to what they filled). */
  view(slot: number): Buffer {
    const view = this.#views[slot];
    if (!view) throw new RangeError(`no slot ${slot}`);
    return view;
  }

  /** Where the slot starts in `buffer` (for the worker, which sees the SharedArrayBuffer). */
  offset(slot: number): number {
    return this.#pad + slot * this.size;
  }

  get spare(): number {
    return this.#free.length;
  }

  take(): number | undefined {
    return this.#free.shift();
  }

  release(slot: number): void {
    this.#free.push(slot);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves once a slot is free. */
  async whenFree(): Promise<void> {
    while (this.#free.length === 0) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
}
