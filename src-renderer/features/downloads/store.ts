// The downloads the engine reports, by instance and artifact, for the download lines. Fed only
// by pushed download-progress events. Local files checked in place are not downloads and are
// left out; a finished or cancelled line clears itself after a few seconds; a failed one stays
// until it is retried or dismissed.
import { create } from 'zustand';
import type { ApiEvent } from '../../../src-main/api/contract.ts';

export type Transfer = Omit<Extract<ApiEvent, { type: 'download-progress' }>, 'type'>;
export type Phase = Transfer['phase'];

/** How long a done or cancelled line stays, so the user sees it end. */
export const clearAfterMs = 4000;

interface DownloadsState {
  transfers: Record<string, Transfer>;
  record(transfer: Transfer): void;
  dismiss(key: string): void;
}

export const transferKey = (t: Pick<Transfer, 'instance' | 'artifact'>) => `${t.instance}\u0000${t.artifact}`;

const clearTimers = new Map<string, ReturnType<typeof setTimeout>>();

export const useDownloads = create<DownloadsState>((set, get) => ({
  transfers: {},
  record: (transfer) => {
    if (transfer.local) return;
    const key = transferKey(transfer);
    clearTimeout(clearTimers.get(key));
    clearTimers.delete(key);
    if (transfer.phase === 'done' || transfer.phase === 'cancelled') {
      clearTimers.set(key, setTimeout(() => {
        clearTimers.delete(key);
        if (get().transfers[key]?.phase === transfer.phase) get().dismiss(key);
      }, clearAfterMs));
    }
    set((s) => ({ transfers: { ...s.transfers, [key]: transfer } }));
  },
  dismiss: (key) => set((s) => {
    const { [key]: _gone, ...rest } = s.transfers;
    return { transfers: rest };
  }),
}));

export function isActive(phase: Phase): boolean {
  return phase === 'queued' || phase === 'download' || phase === 'verify' || phase === 'decompress' || phase === 'upload';
}

/** 0..100 for the bar; the download phase alone decides it (verify/decompress follow at 100). */
export function percentOf(t: Transfer): number | undefined {
  if (t.phase === 'done') return 100;
  if (t.phase === 'queued') return 0;
  if (!t.total) return undefined;
  return Math.min(100, Math.floor((t.bytes / t.total) * 100));
}

/** The file's name as the URL ends (what the user would call it), else the whole URL. */
export function fileName(url: string): string {
  try {
    const last = new URL(url).pathname.split('/').filter(Boolean).at(-1);
    return last ? decodeURIComponent(last) : url;
  } catch {
    return url;
  }
}
