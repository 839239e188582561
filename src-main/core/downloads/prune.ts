// `corral cache list|prune`: what the download cache holds, and removing it. Pruning skips
// any URL whose lock is held, so it never pulls a file from under a running transfer.
import fs from 'node:fs/promises';
import path from 'node:path';
import { properLockfile } from '../lockfile.ts';
import { cacheLayout, readEntry, type CacheEntry, type CacheLayout } from './cache.ts';

export interface CacheListing {
  url: string;
  path: string;
  size: number;
  time: Date;
  digest: string | null;
}

export interface PruneOptions {
  /** Only entries downloaded before this moment (all when omitted). */
  olderThan?: Date | undefined;
  /** URLs still needed (an instance's disk is layered on the image): never removed. */
  inUse?: ReadonlySet<string>;
}

export interface PruneResult {
  removed: CacheListing[];
  freedBytes: number;
  /** Entries left because a transfer of the same URL is running. */
  skipped: number;
  /** Entries left because an instance uses them. */
  inUse: CacheListing[];
  /** Records of verified local files dropped (their next use hashes them again). */
  forgotten: number;
}

async function names(dir: string): Promise<string[]> {
  return fs.readdir(dir).catch(() => []);
}

function listing(entry: CacheEntry): CacheListing {
  const digest = entry.digest ? `${entry.digest.algorithm}:${entry.digest.hex}` : null;
  return { url: entry.url, path: entry.data, size: entry.size, time: entry.time, digest };
}

export async function listCache(cacheDir: string): Promise<CacheListing[]> {
  const layout = cacheLayout(cacheDir);
  const entries = await Promise.all((await names(layout.entries)).map((key) => readEntry(layout, key)));
  return entries.filter((e) => e !== undefined).map(listing).sort((a, b) => a.time.getTime() - b.time.getTime());
}

/** Runs `fn` only if nobody holds the URL's lock (no waiting). */
async function ifUnlocked(layout: CacheLayout, key: string, fn: () => Promise<void>): Promise<boolean> {
  const target = path.join(layout.locks, key);
  await fs.mkdir(layout.locks, { recursive: true });
  const release = await (await properLockfile()).lock(target, { lockfilePath: `${target}.lock`, realpath: false, retries: 0 }).catch(() => undefined);
  if (!release) return false;
  try {
    await fn();
  } finally {
    await release().catch(() => undefined);
  }
  return true;
}

export async function pruneCache(cacheDir: string, options: PruneOptions = {}): Promise<PruneResult> {
  const layout = cacheLayout(cacheDir);
  const result: PruneResult = { removed: [], freedBytes: 0, skipped: 0, inUse: [], forgotten: 0 };
  const cutoff = options.olderThan?.getTime() ?? Number.POSITIVE_INFINITY;
  for (const key of await names(layout.entries)) {
    const entry = await readEntry(layout, key);
    const stale = entry ? entry.time.getTime() < cutoff : true; // unreadable entries are junk
    if (!stale) continue;
    if (entry && options.inUse?.has(entry.url)) { result.inUse.push(listing(entry)); continue; }
    const done = await ifUnlocked(layout, key, () => fs.rm(path.join(layout.entries, key), { recursive: true, force: true }));
    if (!done) { result.skipped++; continue; }
    if (entry) { result.removed.push(listing(entry)); result.freedBytes += entry.size; }
  }
  // Abandoned partial transfers (and staging left by a crash) go too, when old enough.
  for (const dir of [layout.partial, layout.staging]) {
    for (const name of await names(dir)) {
      const full = path.join(dir, name);
      const stat = await fs.stat(full).catch(() => undefined);
      if (!stat || stat.mtimeMs >= cutoff) continue;
      const key = name.slice(0, 64);
      const size = await folderSize(full);
      if (await ifUnlocked(layout, key, () => fs.rm(full, { recursive: true, force: true }))) result.freedBytes += size;
      else result.skipped++;
    }
  }
  result.forgotten = await forgetVerifiedRecords(layout, cutoff);
  return result;
}

/**
 * The records of local files found verified (verified.ts) go too: small, but one per image
 * path ever used, and dropping one costs only a re-hash at the next start. Returns how many.
 */
async function forgetVerifiedRecords(layout: CacheLayout, cutoff: number): Promise<number> {
  let count = 0;
  for (const name of await names(layout.verified)) {
    const full = path.join(layout.verified, name);
    const stat = await fs.stat(full).catch(() => undefined);
    if (!stat?.isFile() || stat.mtimeMs >= cutoff) continue;
    if (await fs.rm(full).then(() => true, () => false)) count++;
  }
  return count;
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const name of await names(dir)) total += (await fs.stat(path.join(dir, name)).catch(() => undefined))?.size ?? 0;
  return total;
}
