// The transfers the engine reports, by instance and artifact, for the progress bars and the
// downloads panel. Fed only by pushed download-progress events; a finished transfer stays
// (as done) until the user clears the panel.
import { create } from 'zustand';
import type { ApiEvent } from '../../../src-main/api/contract.ts';

export type Transfer = Omit<Extract<ApiEvent, { type: 'download-progress' }>, 'type'>;

interface DownloadsState {
  transfers: Record<string, Transfer>;
  record(transfer: Transfer): void;
  clearFinished(): void;
}

export const transferKey = (t: Pick<Transfer, 'instance' | 'artifact'>) => `${t.instance}\u0000${t.artifact}`;

export const useDownloads = create<DownloadsState>((set) => ({
  transfers: {},
  record: (transfer) => set((s) => ({ transfers: { ...s.transfers, [transferKey(transfer)]: transfer } })),
  clearFinished: () => set((s) => ({ transfers: Object.fromEntries(Object.entries(s.transfers).filter(([, t]) => t.phase !== 'done')) })),
}));

/** 0..100 for the bar; the download phase alone decides it (verify/decompress follow at 100). */
export function percentOf(t: Transfer): number | undefined {
  if (t.phase === 'done') return 100;
  if (!t.total) return undefined;
  return Math.min(100, Math.floor((t.bytes / t.total) * 100));
}
