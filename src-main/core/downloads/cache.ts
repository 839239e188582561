// The download cache, after Lima's: one folder per URL, named by the URL's sha256, holding
// `data`, `url`, `digest`, `time`, `type` and `meta.json`. An entry folder appears only by an
// atomic rename of a finished, fsynced staging folder, so nothing partial is ever an entry.
// In-progress transfers live apart under partial/, lock files under locks/.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { formatDigest, tryParseDigest, type Digest } from './digest.ts';

export interface CacheLayout {
  root: string;
  entries: string;
  partial: string;
  locks: string;
  staging: string;
  /** What local files were found to hold (verified.ts): a record per path, not cache entries. */
  verified: string;
}

export function cacheLayout(cacheDir: string): CacheLayout {
  const root = path.join(cacheDir, 'downloads');
  return {
    root,
    entries: path.join(root, 'by-url-sha256'),
    partial: path.join(root, 'partial'),
    locks: path.join(root, 'locks'),
    staging: path.join(root, 'staging'),
    verified: path.join(root, 'verified-local'),
  };
}

export function urlKey(url: string): string {
  return createHash('sha256').update(url).digest('hex');
}

const metaSchema = z.object({
  version: z.literal(1),
  size: z.number().int().nonnegative(),
  /** 'raw': the bytes as downloaded; 'decompressed': after the decompression step (which may have found nothing to undo). */
  form: z.enum(['raw', 'decompressed']),
  encoding: z.enum(['gzip', 'xz', 'zstd', 'bzip2']).nullable(),
  etag: z.string().nullable(),
  lastModified: z.string().nullable(),
});
export type EntryMeta = z.infer<typeof metaSchema>;

export interface CacheEntry {
  key: string;
  url: string;
  dir: string;
  /** The file to use. */
  data: string;
  size: number;
  time: Date;
  /** Digest of the downloaded (possibly compressed) bytes. */
  digest: Digest | null;
  contentType: string | null;
  meta: EntryMeta;
}

async function readText(file: string): Promise<string | undefined> {
  return fs.readFile(file, 'utf8').then((t) => t.trim(), () => undefined);
}

/** The complete entry for `key`, or undefined when absent or unreadable (treated as a miss). */
export async function readEntry(layout: CacheLayout, key: string): Promise<CacheEntry | undefined> {
  const dir = path.join(layout.entries, key);
  const [url, time, digest, type, metaText, stat] = await Promise.all([
    readText(path.join(dir, 'url')),
    readText(path.join(dir, 'time')),
    readText(path.join(dir, 'digest')),
    readText(path.join(dir, 'type')),
    readText(path.join(dir, 'meta.json')),
    fs.stat(path.join(dir, 'data')).catch(() => undefined),
  ]);
  if (url === undefined || time === undefined || metaText === undefined || !stat?.isFile()) return undefined;
  const when = z.iso.datetime({ offset: true }).safeParse(time);
  let meta: EntryMeta;
  try {
    meta = metaSchema.parse(JSON.parse(metaText));
  } catch {
    return undefined;
  }
  if (!when.success || meta.size !== stat.size) return undefined;
  return {
    key, url, dir, data: path.join(dir, 'data'), size: stat.size, time: new Date(when.data),
    digest: digest ? tryParseDigest(digest) ?? null : null, contentType: type || null, meta,
  };
}

export interface NewEntry {
  url: string;
  /** A finished, fsynced file on the cache's file system; it is moved, not copied. */
  dataFile: string;
  digest: Digest | null;
  contentType: string | null;
  meta: Omit<EntryMeta, 'version' | 'size'>;
}

/** Publishes an entry atomically, replacing any older one. Call with the URL's lock held. */
export async function commitEntry(layout: CacheLayout, key: string, entry: NewEntry): Promise<CacheEntry> {
  await fs.mkdir(layout.staging, { recursive: true });
  await fs.mkdir(layout.entries, { recursive: true });
  const stage = path.join(layout.staging, `${key}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(stage);
  try {
    await fs.rename(entry.dataFile, path.join(stage, 'data'));
    const size = (await fs.stat(path.join(stage, 'data'))).size;
    const meta: EntryMeta = { version: 1, size, ...entry.meta };
    const files: [string, string | null][] = [
      ['url', entry.url],
      ['time', new Date().toISOString()],
      ['digest', entry.digest && formatDigest(entry.digest)],
      ['type', entry.contentType],
      ['meta.json', JSON.stringify(meta)],
    ];
    // At once: each waits on its own fsync, and the entry exists only after the rename below.
    await Promise.all(files.map(([name, text]) => text && writeSynced(path.join(stage, name), `${text}\n`)));
    await syncDir(stage);
    const target = path.join(layout.entries, key);
    // A folder cannot be renamed over a non-empty one: move the old entry aside first.
    const old = `${stage}.old`;
    const hadOld = await fs.rename(target, old).then(() => true, () => false);
    await fs.rename(stage, target);
    await syncDir(layout.entries);
    if (hadOld) await fs.rm(old, { recursive: true, force: true });
  } catch (error) {
    await fs.rm(stage, { recursive: true, force: true });
    throw error;
  }
  const written = await readEntry(layout, key);
  if (!written) throw new Error(`cache entry ${key} vanished right after it was written`);
  return written;
}

async function writeSynced(file: string, text: string): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync a folder so a rename in it survives a crash (not possible on Windows: skipped). */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
