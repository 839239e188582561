// After all bases are merged, list entries that share a key are combined, as Lima's
// combineListEntries does: `mounts` by mount point (which defaults to `location`), `networks` by
// `interface`, `additionalDisks` by `name`. The earlier entry gets the fields it lacks from the
// later one, and the later one is removed. A key of "*" fills every earlier entry.
// Runs on the fully merged document only, so that "*" sees the entries of every base.
import { cloneValue, isYamlMap } from './values.ts';
import type { YamlMap } from './values.ts';

interface ListRule {
  list: string;
  key(entry: YamlMap): string;
  /** Fields never copied: the key itself. */
  skip: readonly string[];
}

const rules: ListRule[] = [
  { list: 'additionalDisks', key: (e) => str(e.name), skip: ['name'] },
  { list: 'mounts', key: (e) => str(e.mountPoint) || str(e.location), skip: ['location', 'mountPoint'] },
  { list: 'networks', key: (e) => str(e.interface), skip: ['interface'] },
];

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Fills the fields `into` lacks (null counts as lacking) from `from`, deeply for mappings. */
function fillMissing(into: YamlMap, from: YamlMap, skip: readonly string[]): void {
  for (const [field, value] of Object.entries(from)) {
    if (skip.includes(field) || value === null || value === undefined) continue;
    const current = into[field];
    if (current === null || current === undefined) into[field] = cloneValue(value);
    else if (isYamlMap(current) && isYamlMap(value)) fillMissing(current, value, []);
  }
}

function combineNetwork(into: YamlMap, from: YamlMap): void {
  // `lima` and `socket` exclude each other: take the later entry's only if both are still unset.
  const skip = into.lima || into.socket ? ['interface', 'lima', 'socket'] : ['interface'];
  fillMissing(into, from, skip);
}

function combineList(entries: unknown[], rule: ListRule): unknown[] {
  // A plain string disk entry is a name only; it becomes a mapping once something is added to it.
  const list = entries.map((e) => (rule.list === 'additionalDisks' && typeof e === 'string' ? { name: e } : e));
  const stringDisks = new Set(entries.flatMap((e, i) => (typeof e === 'string' ? [list[i]] : [])));
  const firstIndex = new Map<string, number>();
  for (let src = 0; src < list.length;) {
    const entry = list[src];
    const key = isYamlMap(entry) ? rule.key(entry) : '';
    let targets: number[];
    if (key === '*') targets = Array.from({ length: src }, (_, i) => i);
    else if (firstIndex.has(key)) targets = [firstIndex.get(key) ?? 0];
    else {
      if (key) firstIndex.set(key, src);
      src++;
      continue;
    }
    for (const dst of targets) {
      const into = list[dst];
      if (!isYamlMap(into) || !isYamlMap(entry)) continue;
      const before = Object.keys(into).length;
      if (rule.list === 'networks') combineNetwork(into, entry);
      else fillMissing(into, entry, rule.skip);
      if (Object.keys(into).length !== before) stringDisks.delete(into);
    }
    list.splice(src, 1);
  }
  // Disk names that gained nothing stay plain strings, as the template wrote them.
  return list.map((e) => (stringDisks.has(e) && isYamlMap(e) ? e.name : e));
}

/** Combines keyed list entries in place. */
export function combineListEntries(document: YamlMap): void {
  for (const rule of rules) {
    const entries = document[rule.list];
    if (Array.isArray(entries)) document[rule.list] = combineList(entries, rule);
  }
}
