// Test helpers for driver authors: an in-memory engine side (FakeEngine) to run a driver
// in-process through driverRpc, and a StreamReader that waits for a stream's output. Used
// by the built-in drivers' tests; not part of a driver at run time.
import { DriverError } from '../errors.ts';
import { createLink } from '../link.ts';
import type { Frame, Link } from '../link.ts';
import type { DriverContext, DriverEvent } from '../protocol.ts';
import { transferProgress } from '../progress.ts';
import { StreamHub } from '../streams.ts';

/** Two ends of an in-memory link, delivering asynchronously like a real pipe. */
function linkPair(): [Link, Link] {
  const sides: Array<Set<(raw: unknown) => void>> = [new Set(), new Set()];
  const make = (mine: number): Link => createLink(
    (frame: Frame) => { for (const deliver of sides[1 - mine] ?? []) queueMicrotask(() => deliver(frame)); },
    (deliver) => { sides[mine]?.add(deliver); return () => sides[mine]?.delete(deliver); },
  );
  return [make(0), make(1)];
}

/** The engine side of a driver under test: its StreamHub and the events the driver pushed. */
export interface FakeEngine {
  context: DriverContext;
  streams: StreamHub;
  events: DriverEvent[];
  /** Resolves with the first event (already pushed or future) that matches. */
  nextEvent(match: (event: DriverEvent) => boolean): Promise<DriverEvent>;
}

export function fakeEngine(): FakeEngine {
  const [driverSide, engineSide] = linkPair();
  const events: DriverEvent[] = [];
  const waiters = new Set<{ match: (e: DriverEvent) => boolean; resolve: (e: DriverEvent) => void }>();
  const context: DriverContext = {
    streams: new StreamHub(driverSide),
    emit(event) {
      events.push(event);
      for (const waiter of waiters) if (waiter.match(event)) { waiters.delete(waiter); waiter.resolve(event); }
    },
    progress: (subject) => transferProgress((event) => context.emit(event), subject),
    // As the engine answers a built-in driver: only installed bundles get a broker.
    engine: { spawn: () => Promise.reject(new DriverError('UNSUPPORTED', 'no spawn broker in the fake engine')) },
  };
  return {
    context,
    streams: new StreamHub(engineSide),
    events,
    nextEvent(match) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.add({ match, resolve }));
    },
  };
}

/** Collects what arrives on a stream and resolves when the text contains `needle`. */
export class StreamReader {
  text = '';
  ended = false;
  readonly #waiters = new Set<() => void>();

  constructor(streams: StreamHub, id: string) {
    streams.listen(id, {
      data: (bytes) => { this.text += Buffer.from(bytes).toString('utf8'); this.#wake(); },
      end: () => { this.ended = true; this.#wake(); },
    });
  }

  /**
   * Waits until the collected text (from `from` on) matches; rejects when the stream ends or
   * after `timeoutMs`, showing the last output so a hung guest is diagnosable from the log.
   */
  async waitFor(needle: string | RegExp, from = 0, timeoutMs = 120_000): Promise<void> {
    const found = () => typeof needle === 'string' ? this.text.indexOf(needle, from) >= 0 : needle.test(this.text.slice(from));
    const deadline = performance.now() + timeoutMs;
    while (!found()) {
      if (this.ended) throw new Error(`stream ended before ${String(needle)} appeared; got: ${this.text.slice(-500)}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${String(needle)} did not appear in ${timeoutMs / 1000} s; the last output was: ${JSON.stringify(this.text.slice(-800))}`);
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.add(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  /** Resolves once the other side has ended the stream. */
  async untilEnded(): Promise<void> {
    while (!this.ended) await new Promise<void>((resolve) => this.#waiters.add(resolve));
  }

  #wake(): void {
    for (const waiter of this.#waiters) waiter();
    this.#waiters.clear();
  }
}
