// Reads the text of one template: a catalog name looked up in the catalog folders, a local file,
// or a URL through the given fetcher (the engine's downloader, or a plain one; see load.ts).
import fs from 'node:fs/promises';
import path from 'node:path';
import { DriverError, toDriverError } from '../../../src-drivers/sdk/errors.ts';
import { describeLocator } from './locator.ts';
import type { Locator } from './locator.ts';

/** The text at a URL, cut at maxBytes + 1 bytes (so that a longer one can be refused). */
export type FetchText = (url: string, maxBytes: number) => Promise<string>;

export interface ReadOptions {
  catalogDirs: readonly string[];
  /** Needed for URLs only (loadTemplate always gives one). */
  fetchText?: FetchText | undefined;
}

export interface TemplateText {
  text: string;
  /** Where it really came from: a file path (links followed) or a URL. Also its identity for loop checks. */
  locator: Exclude<Locator, { kind: 'catalog' }>;
}

// Lima's templates folder uses git symlinks (`_images/fedora.yaml` -> `fedora-44.yaml`). A copy
// made without symlink support stores such a link as a file holding just the target's name, so
// a file whose whole content is one sibling `.yaml` name is read as a link to that sibling.
const linkPattern = /^[\w.+-]+\.ya?ml$/;
const maxLinkHops = 8;

/**
 * The most bytes one template file may have. Lima's largest template is 34 KiB (mostly
 * comments); a parse takes about 2 us a byte here, so this bounds one parse to about a second
 * (on a worker thread, see parse.ts) and what a hostile file can make the engine hold.
 */
export const maxTemplateBytes = 512 * 1024;

/** The refusal of a template (file or URL) over maxTemplateBytes. */
export function tooLarge(ref: string, where: string): DriverError {
  return new DriverError('INVALID_CONFIG', `template "${ref}": ${where} is larger than ${maxTemplateBytes / 1024} KiB, the most a template may have; check that it is the template you meant (Lima's largest is 34 KiB)`, { field: null, template: ref, limit: maxTemplateBytes });
}

/** The file's text, refused before reading it all when it is over the size limit. */
async function readCapped(file: string, ref: string): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    // Read one byte past the limit rather than trust stat: a FIFO or /dev/zero has no size.
    const buffer = Buffer.alloc(maxTemplateBytes + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) {
      ({ bytesRead: n } = await handle.read(buffer, length, buffer.length - length, null));
    }
    if (length > maxTemplateBytes) throw tooLarge(ref, file);
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

async function readFileFollowingTextLinks(file: string, ref: string): Promise<TemplateText> {
  let current = file;
  for (let hop = 0; hop <= maxLinkHops; hop++) {
    let text: string;
    try {
      text = await readCapped(current, ref);
    } catch (error) {
      if (error instanceof DriverError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      const what = current === file ? '' : ` (linked from ${file})`;
      throw new DriverError('NOT_FOUND', `template "${ref}" not found: cannot read ${current}${what}${code ? ` (${code})` : ''}`, { template: ref, path: current });
    }
    const target = text.trim();
    if (!linkPattern.test(target) || target.includes('\n')) return { text, locator: { kind: 'file', path: current } };
    current = path.join(path.dirname(current), target);
  }
  throw new DriverError('INVALID_CONFIG', `template "${ref}": more than ${maxLinkHops} file links starting at ${file}`, { field: 'base' });
}

async function exists(file: string): Promise<boolean> {
  return (await fs.stat(file).catch(() => undefined))?.isFile() ?? false;
}

export async function readTemplateText(locator: Locator, options: ReadOptions): Promise<TemplateText> {
  const ref = describeLocator(locator);
  switch (locator.kind) {
    case 'file':
      return readFileFollowingTextLinks(locator.path, ref);
    case 'catalog': {
      for (const dir of options.catalogDirs) {
        const file = path.join(dir, `${locator.name}.yaml`);
        if (await exists(file)) return readFileFollowingTextLinks(file, ref);
      }
      throw new DriverError('NOT_FOUND', `template "${ref}" not found in the catalog (${options.catalogDirs.join(', ') || 'no catalog folders'})`, { template: ref });
    }
    case 'url': {
      if (!options.fetchText) throw new DriverError('INTERNAL', `template "${ref}": a URL was read without a fetcher`);
      let text: string;
      try {
        text = await options.fetchText(locator.url, maxTemplateBytes);
      } catch (error) {
        const failure = toDriverError(error);
        throw new DriverError(failure.code, `template "${ref}" could not be downloaded: ${failure.message}`, { ...failure.details, template: ref });
      }
      if (Buffer.byteLength(text) > maxTemplateBytes) throw tooLarge(ref, locator.url);
      return { text, locator };
    }
  }
}
