// How the instance list is narrowed and ordered: a name search, a status and a driver filter,
// and a sort column. Kept in a store so they survive a visit to an instance page; the
// functions are pure so the rules are tested without a page (e2e/ui/list-view.test.ts).
import { create } from 'zustand';
import type { Instance } from '../../../src-main/api/contract.ts';
import { connectionOf } from '../connections/connection-of.ts';
import { driverName } from './driver-name.ts';
import { shownFigure } from './running-figure.ts';
import { sizesKnown } from './sizes-known.ts';

export type SortColumn = 'name' | 'state' | 'driver' | 'cpus' | 'memory' | 'disk';

export interface ListView {
  search: string;
  /** A status ("Running") or '' for all. */
  state: string;
  /** A driver name or '' for all. */
  driver: string;
  /** A connection name or '' for all (features/connections). */
  connection: string;
  sort: SortColumn;
  descending: boolean;
}

export const emptyListView: ListView = { search: '', state: '', driver: '', connection: '', sort: 'name', descending: false };

interface ListViewStore extends ListView {
  /** Counts the requests to focus the search field ("/"), which the field follows. */
  searchFocus: number;
  focusSearch(): void;
  set(patch: Partial<ListView>): void;
  /** Sorts by `column`; a second click on the same column reverses the order. */
  sortBy(column: SortColumn): void;
  clear(): void;
}

export const useListView = create<ListViewStore>((set) => ({
  ...emptyListView,
  searchFocus: 0,
  focusSearch: () => set((s) => ({ searchFocus: s.searchFocus + 1 })),
  set: (patch) => set(patch),
  sortBy: (column) => set((s) => ({ sort: column, descending: s.sort === column ? !s.descending : false })),
  clear: () => set({ search: '', state: '', driver: '', connection: '' }),
}));

export function isFiltered(view: ListView): boolean {
  return view.search.trim() !== '' || view.state !== '' || view.driver !== '' || view.connection !== '';
}

// One collator for every comparison: localeCompare with options builds a new one per call,
// which a 200-row sort on each pushed status change cannot afford.
const collator = new Intl.Collator(undefined, { numeric: true });
const byName = (a: Instance, b: Instance): number => collator.compare(a.name, b.name);

const byColumn: Record<SortColumn, (a: Instance, b: Instance) => number> = {
  name: byName,
  state: (a, b) => a.state.localeCompare(b.state),
  driver: (a, b) => driverName(a).localeCompare(driverName(b)),
  // By what the cell shows first: a running VM's own figure when lima.yaml was edited since it started.
  cpus: (a, b) => shownFigure(a, 'cpus') - shownFigure(b, 'cpus'),
  memory: (a, b) => shownFigure(a, 'memory') - shownFigure(b, 'memory'),
  disk: (a, b) => shownFigure(a, 'disk') - shownFigure(b, 'disk'),
};

/** The columns whose figures come from the lima.yaml: blank ("—") when it cannot be read. */
const sizeColumns: ReadonlySet<SortColumn> = new Set(['cpus', 'memory', 'disk']);

/** The instances that match the search and filters, in the chosen order (ties by name, A to Z). */
export function visibleInstances(instances: readonly Instance[], view: ListView): Instance[] {
  const needle = view.search.trim().toLowerCase();
  const kept = instances.filter((i) =>
    (needle === '' || i.name.toLowerCase().includes(needle))
    && (view.state === '' || i.state === view.state)
    && (view.driver === '' || driverName(i) === view.driver)
    && (view.connection === '' || connectionOf(i) === view.connection));
  const direction = view.descending ? -1 : 1;
  const compare = (a: Instance, b: Instance): number => direction * byColumn[view.sort](a, b) || byName(a, b);
  return kept.sort(sizeColumns.has(view.sort) ? blanksLast(compare) : compare);
}

/**
 * Sizes not known sort last whichever the direction, by name among themselves, as a spreadsheet
 * puts its blanks: their figures are Lima's defaults, which would place them among the known ones.
 */
function blanksLast(compare: (a: Instance, b: Instance) => number): (a: Instance, b: Instance) => number {
  return (a, b) => {
    const aKnown = sizesKnown(a);
    const bKnown = sizesKnown(b);
    if (aKnown && bKnown) return compare(a, b);
    return Number(bKnown) - Number(aKnown) || byName(a, b);
  };
}
