// The driver's side of a progress event (protocol.ts, progressEventSchema): a small reporter a
// driver feeds with byte counts as its own transfer goes (an upload to a remote host). It
// throttles, so a driver may call update() for every chunk without flooding the engine, and it
// ends once: after done() or failed(), further calls are ignored.
import type { DriverEvent, TransferSubject } from './protocol.ts';

export interface TransferProgress {
  /** `bytes` of `total` have gone so far. Sent at most once per interval (the first at once). */
  update(bytes: number, total: number): void;
  /** It all arrived. */
  done(): void;
  /** It stopped without arriving; `reason` is one line for the user. */
  failed(reason: string): void;
}

/** How often a running transfer is reported at most: often enough for a bar, rare enough for IPC. */
const defaultIntervalMs = 250;

export function transferProgress(emit: (event: DriverEvent) => void, subject: TransferSubject, intervalMs = defaultIntervalMs): TransferProgress {
  let bytes = 0;
  let total = 0;
  let lastSent = Number.NEGATIVE_INFINITY;
  let ended = false;
  const send = (phase: 'upload' | 'done' | 'failed', reason?: string) => {
    lastSent = performance.now();
    emit({ type: 'progress', ...subject, phase, bytes, total, ...(reason === undefined ? {} : { reason }) });
  };
  return {
    update(done, of) {
      if (ended) return;
      bytes = done;
      total = of;
      if (performance.now() - lastSent >= intervalMs) send('upload');
    },
    done() {
      if (ended) return;
      ended = true;
      bytes = total = Math.max(bytes, total);
      send('done');
    },
    failed(reason) {
      if (ended) return;
      ended = true;
      send('failed', reason);
    },
  };
}
