// A template names host files that end up inside the guest: its disk image (the guest can read
// every byte: `/etc/shadow` works, as in Lima), kernel, initrd, nerdctl archive. From the user's own template that is their choice; from one somebody else wrote
// (downloaded, or a file another user owns or can change) it is a way to read the user's files,
// so each such host file is named in a warning where the user decides: `corral create` and the
// UI's create result.
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Locator } from './locator.ts';
import { isYamlMap } from './values.ts';
import type { YamlMap } from './values.ts';

/** Why a template is not the user's own, or undefined when it is. */
export async function notUsersOwn(locator: Exclude<Locator, { kind: 'catalog' }>): Promise<string | undefined> {
  if (locator.kind === 'url') return `was downloaded from ${locator.url}`;
  const stat = await fs.stat(locator.path).catch(() => undefined);
  if (!stat || process.platform === 'win32') return undefined;
  const uid = process.getuid?.();
  // root's files are the system's (the app's own catalog, packaged templates).
  if (stat.uid !== uid && stat.uid !== 0) return `belongs to another user (uid ${stat.uid})`;
  if ((stat.mode & 0o022) !== 0) return `can be changed by other users (mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')})`;
  return undefined;
}

/** A location that is a host file (a path or file:// URL), as that path. */
function hostPath(location: unknown): string | undefined {
  if (typeof location !== 'string') return undefined;
  if (location.startsWith('file://')) return fileURLToPath(location);
  return /^[a-z][a-z0-9+.-]+:/i.test(location) ? undefined : location;
}

/** The host files a document (locators already absolute) hands to the guest, with what each becomes. */
export function hostFilesNamed(document: YamlMap): { file: string; role: string }[] {
  const found: { file: string; role: string }[] = [];
  const add = (location: unknown, role: string): void => {
    const file = hostPath(location);
    if (file) found.push({ file, role });
  };
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  for (const image of list(document.images)) {
    if (!isYamlMap(image)) continue;
    add(image.location, 'disk image');
    if (isYamlMap(image.kernel)) add(image.kernel.location, 'kernel');
    if (isYamlMap(image.initrd)) add(image.initrd.location, 'initrd');
  }
  if (isYamlMap(document.containerd)) for (const archive of list(document.containerd.archives)) if (isYamlMap(archive)) add(archive.location, 'nerdctl archive');
  // Provision and probe script files belong here too once Corral runs them (today it ignores them).
  return found;
}

/** One warning per host file that a template the user did not write gives the guest. */
export function hostFileWarnings(source: string, why: string, document: YamlMap): string[] {
  return hostFilesNamed(document).map(({ file, role }) =>
    `${source}: this template ${why} and gives the guest the host file ${file} as its ${role}, which the guest can read; create it only if you trust whoever wrote the template`);
}
