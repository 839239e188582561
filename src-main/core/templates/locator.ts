// Where a template (or a file it names) lives: a catalog name, a local file, or a URL; and how a
// relative locator inside a template becomes absolute against the folder (or URL) it came from.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';

export type Locator =
  | { kind: 'catalog'; name: string }
  | { kind: 'file'; path: string }
  | { kind: 'url'; url: string };

/** The folder a template was read from, or its URL: what its relative locators are relative to. */
export type Origin = { dir: string } | { url: string };

/** A scheme of two letters or more (one letter is a Windows drive, as Lima reads it). */
const schemePattern = /^([a-z][a-z0-9+.-]+):/i;

export function describeLocator(locator: Locator): string {
  if (locator.kind === 'catalog') return `template:${locator.name}`;
  return locator.kind === 'file' ? locator.path : locator.url;
}

function expandTilde(location: string): string {
  return location === '~' || location.startsWith('~/') ? path.join(os.homedir(), location.slice(1)) : location;
}

function refuse(message: string, field: string | null): never {
  throw new DriverError('INVALID_CONFIG', message, { field });
}

/**
 * Turns a locator string into a Locator. `dotDot` false applies Lima's rule for locators inside
 * templates: a relative path may not climb out of the template's folder with `..`.
 */
export function parseLocator(ref: string, origin: Origin, where: { field: string | null; source: string; dotDot: boolean }): Locator {
  const at = `${where.source}: ${where.field ? `field "${where.field}": ` : ''}`;
  const template = /^template:(?:\/\/)?(.*)$/.exec(ref);
  if (template) {
    const name = (template[1] ?? '').replace(/\.ya?ml$/, '');
    if (!name || name.split('/').some((part) => part === '..' || part === '')) refuse(`${at}"${ref}" is not a valid template name`, where.field);
    return { kind: 'catalog', name };
  }
  const scheme = schemePattern.exec(ref)?.[1]?.toLowerCase();
  if (scheme === 'file') return { kind: 'file', path: fileURLToPath(ref) };
  if (scheme === 'http' || scheme === 'https') return { kind: 'url', url: ref };
  if (scheme) {
    // Lima hands other schemes to `github:` support or to limactl-url-SCHEME plugins.
    const feature = `${scheme}: locators`;
    const how = scheme === 'github' ? 'Lima\'s github: shorthand' : `a Lima URL handler plugin (limactl-url-${scheme})`;
    throw new DriverError('INVALID_CONFIG', `${at}${feature} are not supported: "${ref}" needs ${how}; use a path, file://, http(s):// or template: instead`, { field: where.field, feature });
  }
  const location = expandTilde(ref);
  if (path.isAbsolute(location)) return { kind: 'file', path: path.normalize(location) };
  if (!where.dotDot && location.split(/[/\\]/).includes('..')) refuse(`${at}relative locator "${ref}" must not contain ".." (Lima's rule)`, where.field);
  return 'url' in origin ? { kind: 'url', url: new URL(location, origin.url).href } : { kind: 'file', path: path.resolve(origin.dir, location) };
}

/** An artifact location (image, kernel, archive) made absolute; URLs are kept as they are. */
export function absoluteLocation(location: string, origin: Origin): string {
  if (schemePattern.test(location)) return location;
  const expanded = expandTilde(location);
  if (path.isAbsolute(expanded)) return expanded;
  return 'url' in origin ? new URL(expanded, origin.url).href : path.resolve(origin.dir, expanded);
}

/** The origin of a template read from `locator` (catalog names are resolved to files first). */
export function originOf(locator: Exclude<Locator, { kind: 'catalog' }>): Origin {
  return locator.kind === 'file' ? { dir: path.dirname(locator.path) } : { url: locator.url };
}
