// Resolving `base:` the way Lima's Embed does: bases are merged in the order listed, each one
// with its own bases merged first (recursively). A template reached twice is an error, as in
// Lima: a loop would never end, and a base included twice would duplicate its list entries.
// Each document is validated before merging, so a wrong field is reported in the file it is in.
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { useAbsoluteLocators } from './absolute.ts';
import { describeLocator, originOf, parseLocator } from './locator.ts';
import type { Locator, Origin } from './locator.ts';
import { mergeBase } from './merge.ts';
import { parseTemplateDocument } from './parse.ts';
import { readTemplateText } from './read.ts';
import type { ReadOptions } from './read.ts';
import { hostFileWarnings, notUsersOwn } from './trust.ts';
import type { YamlMap } from './values.ts';

export interface Embedded {
  document: YamlMap;
  /** Where the top template was read from (a path or URL). */
  source: string;
  /** Host files handed to the guest by templates (top or base) that are not the user's own. */
  trustWarnings: string[];
}

/** Base locators as a list; Lima allows one string, one `{url}` mapping, or a list of them. */
function baseLocators(document: YamlMap, origin: Origin, source: string): Locator[] {
  const base = document.base;
  if (base === undefined || base === null) return [];
  const list = Array.isArray(base) ? base : [base];
  return list.map((entry: unknown, index) => {
    const field = Array.isArray(base) ? `base[${index}]` : 'base';
    const url = typeof entry === 'string' ? entry : (entry as { url: string; digest?: string | null }).url;
    if (typeof entry === 'object' && entry !== null && (entry as { digest?: unknown }).digest) {
      throw new DriverError('INVALID_CONFIG', `${source}: field "${field}": a digest on a base template is not supported (nor is it by Lima yet)`, { field });
    }
    return parseLocator(url, origin, { field, source, dotDot: false });
  });
}

async function embed(locator: Locator, options: ReadOptions, seen: Map<string, string[]>, chain: string[], trustWarnings: string[]): Promise<Embedded> {
  const read = await readTemplateText(locator, options);
  const source = describeLocator(read.locator);
  const named = locator.kind === 'catalog' ? `${describeLocator(locator)} (${source})` : source;
  if (chain.includes(source)) {
    throw new DriverError('INVALID_CONFIG', `base template loop: ${[...chain, source].join(' -> ')}`, { field: 'base' });
  }
  const earlier = seen.get(source);
  if (earlier) {
    throw new DriverError('INVALID_CONFIG', `base template ${named} is included twice: via ${earlier.join(' -> ')} and via ${chain.join(' -> ')}`, { field: 'base' });
  }
  seen.set(source, chain);

  const raw = await parseTemplateDocument(read.text, source);
  const origin = originOf(read.locator);
  const bases = baseLocators(raw, origin, source);
  const { base: _consumed, ...own } = raw;
  useAbsoluteLocators(own, origin, source);
  const foreign = await notUsersOwn(read.locator);
  if (foreign) trustWarnings.push(...hostFileWarnings(source, foreign, own));

  let document: YamlMap = own;
  for (const base of bases) {
    const embedded = await embed(base, options, seen, [...chain, source], trustWarnings);
    document = mergeBase(document, embedded.document);
  }
  return { document, source, trustWarnings };
}

/** The template at `locator` with all its bases merged in (no `base` field left). */
export function embedTemplate(locator: Locator, options: ReadOptions): Promise<Embedded> {
  return embed(locator, options, new Map(), [], []);
}
