// A transfer that has stopped moving: no new byte for a few seconds while it downloads or uploads.
// The engine reports progress only as bytes arrive, so the last rate and time left would stay on
// the line as if all were well; a stalled line says so instead.
import { useEffect, useState } from 'react';
import type { Transfer } from './store.ts';

/** The engine reports moving transfers about every 100 ms; this long without a byte is a stall. */
export const stallAfterMs = 3000;

export function useStalled(transfer: Pick<Transfer, 'phase' | 'bytes'>): boolean {
  const moving = transfer.phase === 'download' || transfer.phase === 'upload';
  const [stalledAt, setStalledAt] = useState<number | undefined>();
  useEffect(() => {
    if (!moving) return undefined;
    const timer = setTimeout(() => setStalledAt(transfer.bytes), stallAfterMs);
    return () => clearTimeout(timer);
  }, [moving, transfer.bytes]);
  // Stalled only at the byte count the timer saw: a new byte clears it in the same render.
  return moving && stalledAt === transfer.bytes;
}
