// The page's link to the engine (api/link.ts) as React state: the banner and whatever must be
// off while the engine cannot be reached read it here.
import { create } from 'zustand';
import { link } from '../../api/link.ts';
import type { LinkState } from '../../api/link.ts';

/** lostAt: when the engine was last reachable, while it is not (what is shown dates from then). */
export const useConnection = create<{ state: LinkState; lostAt: number | undefined }>(() => ({ state: link.state, lostAt: undefined }));

const unreachable = (state: LinkState): boolean => state === 'offline' || state === 'unauthorised';

link.on((state) => useConnection.setState((previous) => ({
  state,
  lostAt: unreachable(state) ? (previous.lostAt ?? Date.now()) : undefined,
})));

/** Whether actions can reach the engine now (before the first connect counts as yes: calls say it themselves). */
export function useOnline(): boolean {
  return useConnection((s) => !unreachable(s.state));
}
