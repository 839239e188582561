// UI state that is not engine data: which view is shown, which dialog is open (one delete
// confirmation for the whole page), the last error to announce. The view is mirrored in location.hash so a reload stays on the page.
import { create } from 'zustand';

/** The pages of the app. Each has its own address (location.hash) so reloads and links keep it. */
export type View =
  | { kind: 'list' }
  | { kind: 'instance'; name: string; tab?: InstanceTab }
  | { kind: 'downloads' }
  | { kind: 'drivers' }
  | { kind: 'connections' }
  | { kind: 'settings' };

/** The instance page's tabs; Overview is the page's plain address, the others add their name. */
export const instanceTabs = ['overview', 'console', 'terminal', 'display', 'snapshots', 'logs'] as const;
export type InstanceTab = (typeof instanceTabs)[number];

const pageHashes = { downloads: '#/downloads', drivers: '#/drivers', connections: '#/connections', settings: '#/settings' } as const;

export interface Notice {
  /** `warning`: an action that succeeded, with something the user should know (what a delete left). */
  kind: 'error' | 'warning' | 'info';
  text: string;
  /** The instance the message is about, so its row can show it too. */
  instance?: string;
}

interface UiState {
  view: View;
  createOpen: boolean;
  notice: Notice | undefined;
  /** The instance whose deletion waits for the user's confirmation. */
  deleting: string | undefined;
  show(view: View): void;
  setCreateOpen(open: boolean): void;
  notify(notice: Notice | undefined): void;
  askDelete(name: string | undefined): void;
}

export function viewFromHash(hash: string): View {
  // The name is encoded, so a '/' after it can only start the tab.
  const match = /^#\/instances\/([^/]+)(?:\/([a-z]+))?$/.exec(hash);
  if (match?.[1]) {
    const tab = instanceTabs.find((t) => t === match[2]);
    return tab && tab !== 'overview' ? { kind: 'instance', name: decodeURIComponent(match[1]), tab } : { kind: 'instance', name: decodeURIComponent(match[1]) };
  }
  for (const [kind, pageHash] of Object.entries(pageHashes) as [keyof typeof pageHashes, string][]) {
    if (hash === pageHash) return { kind };
  }
  return { kind: 'list' };
}

export function hashOf(view: View): string {
  if (view.kind === 'instance') {
    const page = `#/instances/${encodeURIComponent(view.name)}`;
    return view.tab && view.tab !== 'overview' ? `${page}/${view.tab}` : page;
  }
  return view.kind === 'list' ? '#/' : pageHashes[view.kind];
}

export const useUi = create<UiState>((set) => ({
  view: viewFromHash(location.hash),
  createOpen: false,
  notice: undefined,
  deleting: undefined,
  show(view) {
    if (location.hash !== hashOf(view)) history.pushState(null, '', hashOf(view));
    set({ view });
  },
  setCreateOpen: (createOpen) => set({ createOpen }),
  notify: (notice) => set({ notice }),
  askDelete: (deleting) => set({ deleting }),
}));

// Back and forward buttons move between views too.
window.addEventListener('popstate', () => useUi.setState({ view: viewFromHash(location.hash) }));
