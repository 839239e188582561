// The template catalog: every `NAME.yaml` under the catalog folders, except `_`-prefixed files
// and folders (bases and defaults, not templates to start), with a one-line description taken
// from the template's `# description: ...` comment (a comment keeps the file a valid Lima template).
import fs from 'node:fs/promises';
import path from 'node:path';
import { readTemplateText } from './read.ts';

export interface CatalogEntry {
  /** What `template:NAME` and `corral create --template NAME` accept, e.g. "debian". */
  name: string;
  description: string;
  file: string;
}

const descriptionPattern = /^#\s*description:\s*(.+?)\s*$/m;

export function templateDescription(text: string): string | undefined {
  return descriptionPattern.exec(text)?.[1];
}

async function yamlFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('_') || entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) names.push(...(await yamlFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`)));
    else if (entry.name.endsWith('.yaml')) names.push(`${prefix}${entry.name.slice(0, -'.yaml'.length)}`);
  }
  return names;
}

/** The catalog, sorted by name; a name found in an earlier folder hides the same name in later ones. */
export async function listCatalog(catalogDirs: readonly string[]): Promise<CatalogEntry[]> {
  const byName = new Map<string, CatalogEntry>();
  for (const dir of catalogDirs) {
    for (const name of await yamlFiles(dir)) {
      if (byName.has(name)) continue;
      const file = path.join(dir, `${name}.yaml`);
      const { text } = await readTemplateText({ kind: 'file', path: file }, { catalogDirs });
      byName.set(name, { name, file, description: templateDescription(text) ?? '(no description)' });
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
