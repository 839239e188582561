// Loading a template for a new instance: find it, merge its bases, combine keyed list entries,
// refuse what Corral cannot run, fill Lima's defaults, and check the result against the subset
// of lima.yaml Corral runs. Every field Corral will not act on comes back as a warning.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchText } from '../downloads/text.ts';
import { limaConfigSchema, validateAgainst } from '../instances/config.ts';
import type { LimaConfig } from '../instances/config.ts';
import { combineListEntries } from './combine.ts';
import { fillDefaults, fillImageArch, loadDefaults } from './defaults.ts';
import { embedTemplate } from './embed.ts';
import { fieldWarnings } from './fields.ts';
import { parseLocator } from './locator.ts';
import type { Locator } from './locator.ts';
import type { FetchText } from './read.ts';
import { assertRunnable, runnableWarnings } from './support.ts';
import { cloneValue, withoutNulls } from './values.ts';
import type { YamlMap } from './values.ts';

const plainFetchText: FetchText = (url, maxBytes) => fetchText(url, { maxBytes });

export const catalogDir = fileURLToPath(new URL('../../../assets/templates/', import.meta.url));

export interface TemplateOptions {
  /** Folders searched for `template:NAME` and bare names, in order. Default: [assets/templates]. */
  catalogDirs?: readonly string[];
  /** Fetches http(s) templates. Default: a plain fetch (proxies and idle timeout as for downloads). */
  fetchText?: FetchText;
  /**
   * vmTypes the installed drivers handle; any other is refused. Without it only Lima's
   * hypervisors that no Corral driver provides (vz, wsl2, krunkit) are refused.
   */
  vmTypes?: readonly string[];
  /** Lima defaults file (containerd archives); null: built-in values only. */
  defaultsFile?: string | null;
  /** Folder a relative file path given as `ref` is relative to. Default: process.cwd(). */
  cwd?: string;
}

export interface LoadedTemplate {
  /** The Corral subset, defaults filled: what an instance stores. */
  config: LimaConfig;
  /** The whole resolved template (bases merged, defaults filled), unsupported fields included. */
  document: YamlMap;
  warnings: string[];
  /** The file or URL the template was read from. */
  source: string;
}

/** A file path (has a slash or a .yaml ending), a locator URL, or else a catalog name. */
export function templateLocator(ref: string, cwd: string = process.cwd()): Locator {
  const where = { field: null, source: ref, dotDot: true };
  if (/^[a-z][a-z0-9+.-]+:/i.test(ref)) return parseLocator(ref, { dir: cwd }, where);
  if (/[/\\]/.test(ref) || /\.ya?ml$/.test(ref)) return { kind: 'file', path: path.resolve(cwd, ref) };
  return parseLocator(`template:${ref}`, { dir: cwd }, where);
}

export async function loadTemplate(ref: string, options: TemplateOptions = {}): Promise<LoadedTemplate> {
  const locator = templateLocator(ref, options.cwd);
  const embedded = await embedTemplate(locator, { catalogDirs: options.catalogDirs ?? [catalogDir], fetchText: options.fetchText ?? plainFetchText });
  const { source } = embedded;
  const merged = cloneValue(embedded.document);
  combineListEntries(merged);
  assertRunnable(merged, source, options.vmTypes);

  const document = fillDefaults(merged, await loadDefaults(options.defaultsFile));
  fillImageArch(document);
  const config = validateAgainst(limaConfigSchema(), { source }, withoutNulls(document));
  const warnings = [...embedded.trustWarnings, ...fieldWarnings(document, source), ...runnableWarnings(document, source)];
  return { config, document, warnings, source };
}
