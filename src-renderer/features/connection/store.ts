// The page's link to the engine (api/link.ts) as React state: the banner and whatever must be
// off while the engine cannot be reached read it here.
import { create } from 'zustand';
import { link } from '../../api/link.ts';
import type { LinkState } from '../../api/link.ts';

export const useConnection = create<{ state: LinkState }>(() => ({ state: link.state }));

link.on((state) => useConnection.setState({ state }));

/** Whether actions can reach the engine now (before the first connect counts as yes: calls say it themselves). */
export function useOnline(): boolean {
  return useConnection((s) => s.state === 'online' || s.state === 'connecting');
}
