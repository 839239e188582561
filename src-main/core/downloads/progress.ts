// Progress events, throttled so a fast loopback transfer does not flood the engine's event
// bus: at most one per interval while a phase runs, and always the last one of a phase.
// The throttle also fires on its trailing edge: an update it held back is sent once the
// interval is up, so a transfer that goes quiet (a stalled server) shows every byte it got.
// A download's life: queued, then download / verify / decompress, then one of done, failed
// (with the reason in plain words) or cancelled.
import type { DownloadFailure } from './plain-words.ts';

// A driver's own upload of the file (drivers' progress events) runs in phase 'upload'.
export type DownloadPhase = 'queued' | 'download' | 'verify' | 'decompress' | 'upload' | 'done' | 'failed' | 'cancelled';

export interface DownloadProgress {
  url: string;
  phase: DownloadPhase;
  bytes: number;
  total: number | null;
  /** Bytes per second over the last couple of seconds (0 until measurable). */
  rate: number;
  etaSeconds: number | null;
  /** A local file (path or file://) checked in place: not a download a user waits for. */
  local: boolean;
  /** Why it failed, for phase 'failed'. */
  failure?: DownloadFailure;
}

export type ProgressListener = (progress: DownloadProgress) => void;

interface Sample { t: number; bytes: number }

const windowMs = 2_000;
/** The phases in which bytes move (and a time left means something). */
const running: ReadonlySet<DownloadPhase> = new Set(['download', 'verify', 'decompress', 'upload']);

export class ProgressReporter {
  readonly #url: string;
  readonly #emit: ProgressListener;
  readonly #intervalMs: number;
  readonly #local: boolean;
  #failure: DownloadFailure | undefined;
  #phase: DownloadPhase = 'download';
  #total: number | null = null;
  #bytes = 0;
  #lastEmit = Number.NEGATIVE_INFINITY;
  #samples: Sample[] = [];
  /** The held-back update's send, due when the interval since the last event is up. */
  #trailing: NodeJS.Timeout | undefined;

  constructor(url: string, emit: ProgressListener, intervalMs = 100, local = false) {
    this.#url = url;
    this.#local = local;
    this.#emit = emit;
    this.#intervalMs = intervalMs;
  }

  /** Starts a phase; emits at once so a listener sees every phase begin. */
  phase(phase: DownloadPhase, total: number | null, bytes = 0): void {
    this.#phase = phase;
    this.#total = total;
    this.#bytes = bytes;
    this.#samples = [{ t: performance.now(), bytes }];
    this.#send(performance.now());
  }

  /** The total can arrive after the phase started (response headers). */
  setTotal(total: number | null): void {
    this.#total = total;
  }

  update(bytes: number): void {
    this.#bytes = bytes;
    const now = performance.now();
    const wait = this.#intervalMs - (now - this.#lastEmit);
    if (wait <= 0) this.#send(now);
    else this.#trailing ??= setTimeout(() => this.#send(performance.now()), wait).unref();
  }

  /** The phase's final event, whatever the throttle says. */
  flush(): void {
    this.#send(performance.now());
  }

  done(bytes: number): void {
    this.#phase = 'done';
    this.#bytes = bytes;
    this.#total = bytes;
    this.#send(performance.now());
  }

  /** The download ended without its file: failed (why, in plain words) or cancelled. */
  ended(outcome: { failure: DownloadFailure } | 'cancelled'): void {
    this.#phase = outcome === 'cancelled' ? 'cancelled' : 'failed';
    this.#failure = outcome === 'cancelled' ? undefined : outcome.failure;
    this.#send(performance.now());
  }

  #send(now: number): void {
    clearTimeout(this.#trailing);
    this.#trailing = undefined;
    this.#lastEmit = now;
    this.#samples.push({ t: now, bytes: this.#bytes });
    while (this.#samples.length > 2 && now - (this.#samples[1]?.t ?? now) > windowMs) this.#samples.shift();
    const first = this.#samples[0] ?? { t: now, bytes: this.#bytes };
    const elapsed = (now - first.t) / 1000;
    const rate = elapsed > 0 ? Math.max(0, (this.#bytes - first.bytes) / elapsed) : 0;
    const remaining = this.#total === null ? null : Math.max(0, this.#total - this.#bytes);
    const etaSeconds = this.#phase === 'done' ? 0 : !running.has(this.#phase) ? null : remaining !== null && rate > 0 ? remaining / rate : null;
    try {
      const failure = this.#failure ? { failure: this.#failure } : {};
      this.#emit({ url: this.#url, phase: this.#phase, bytes: this.#bytes, total: this.#total, rate, etaSeconds, local: this.#local, ...failure });
    } catch {
      // A listener's bug must not break the transfer it watches.
    }
  }
}
