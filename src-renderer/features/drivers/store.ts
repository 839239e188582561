// The driver bundle being installed: dropped, checked by the engine, waiting for the user's
// answer in the trust dialog.
import { create } from 'zustand';
import type { BundleReview, BundleSource } from '../../../src-main/api/contract.ts';

export interface PendingBundle {
  fileName: string;
  source: BundleSource;
  review: BundleReview;
}

interface BundleInstallState {
  /** A file is being dragged over the window. */
  dragging: boolean;
  /** The engine is checking a dropped file. */
  checking: string | undefined;
  pending: PendingBundle | undefined;
  setDragging(dragging: boolean): void;
  setChecking(fileName: string | undefined): void;
  setPending(pending: PendingBundle | undefined): void;
}

export const useBundleInstall = create<BundleInstallState>((set) => ({
  dragging: false,
  checking: undefined,
  pending: undefined,
  setDragging: (dragging) => set({ dragging }),
  setChecking: (checking) => set({ checking }),
  setPending: (pending) => set({ pending, checking: undefined }),
}));
