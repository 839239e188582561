// A console's input, paced. xterm hands a paste over as one string, which may be megabytes;
// sent as one message it would break the engine's frame limit, and sent all at once it would
// pile up between the page and a guest that reads a serial line slowly. So input goes out in
// pieces of at most the engine's per-write limit, with only a few pieces unanswered at a time:
// each is answered (console-written) once the engine has passed it on, and only then does the
// next go. Typing stays immediate: a keystroke is one small piece with the line idle.
import type { maxConsoleWriteBytes } from '../../src-main/api/schemas.ts';

/** The engine's limit per console-write; the type ties this number to the schema's. */
export const pieceBytes: typeof maxConsoleWriteBytes = 16 * 1024;
/** Bytes sent and not yet answered: enough to keep the line busy, few enough that a paste waits here. */
const windowBytes = 4 * pieceBytes;

export class PacedInput {
  readonly #send: (bytes: Uint8Array) => void;
  readonly #queue: Uint8Array[] = [];
  /** Bytes sent and not yet answered. */
  #inFlight = 0;
  #queued = 0;
  /** Totals since the start, to tell each write when all its bytes were answered. */
  #accepted = 0;
  #answered = 0;
  readonly #waiters: { upTo: number; resolve: () => void }[] = [];

  constructor(send: (bytes: Uint8Array) => void) {
    this.#send = send;
  }

  /** Queues `bytes`; settles once the engine has answered for all of them (or the console ended). */
  write(bytes: Uint8Array): Promise<void> {
    for (let start = 0; start < bytes.length; start += pieceBytes) this.#queue.push(bytes.subarray(start, start + pieceBytes));
    this.#queued += bytes.length;
    this.#accepted += bytes.length;
    const done = new Promise<void>((resolve) => this.#waiters.push({ upTo: this.#accepted, resolve }));
    this.#pump();
    return done;
  }

  /** The engine answered for `bytes` more bytes: send what the window allows now. */
  answered(bytes: number): void {
    this.#inFlight = Math.max(0, this.#inFlight - bytes);
    this.#answered += bytes;
    while (this.#waiters.length > 0 && (this.#waiters[0]?.upTo ?? Infinity) <= this.#answered) this.#waiters.shift()?.resolve();
    this.#pump();
  }

  /** Bytes waiting in the page, not sent yet. */
  get waiting(): number {
    return this.#queued;
  }

  /** The console ended: what waits is dropped, and every write settles. */
  stop(): void {
    this.#queue.length = 0;
    this.#queued = 0;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  #pump(): void {
    while (this.#queue.length > 0 && this.#inFlight < windowBytes) {
      const piece = this.#queue.shift();
      if (!piece) break;
      this.#inFlight += piece.length;
      this.#queued -= piece.length;
      this.#send(piece);
    }
  }
}
