// Local files (file:// URLs, absolute paths) are hashed once and remembered: a record per path
// in the cache holds what the file was when its digest was found (size, mtime, ctime, inode,
// device) and that digest, so the next start re-hashes a big image only when it changed.
// ctime as well as mtime: a tool can set a file's mtime back after writing it, never its ctime.
import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { writeFileAtomic } from '../instances/atomic.ts';
import { readJsonRecordOrNothing } from '../instances/json-record.ts';
import { formatDigest, type Digest } from './digest.ts';

const recordSchema = z.object({
  version: z.literal(1),
  path: z.string(),
  /** The file's stat when it was hashed, as decimal strings (nanosecond times do not fit a number). */
  size: z.string(),
  mtimeNs: z.string(),
  ctimeNs: z.string(),
  ino: z.string(),
  dev: z.string(),
  digest: z.string(),
});
type VerifiedRecord = z.infer<typeof recordSchema>;

const recordFile = (dir: string, file: string) => path.join(dir, `${createHash('sha256').update(file).digest('hex')}.json`);

function recordOf(file: string, stat: BigIntStats, digest: Digest): VerifiedRecord {
  return {
    version: 1, path: file, size: String(stat.size), mtimeNs: String(stat.mtimeNs), ctimeNs: String(stat.ctimeNs),
    ino: String(stat.ino), dev: String(stat.dev), digest: formatDigest(digest),
  };
}

const sameRecord = (a: VerifiedRecord, b: VerifiedRecord) => (Object.keys(a) as (keyof VerifiedRecord)[]).every((key) => a[key] === b[key]);

/** Whether `file`, as `stat` finds it now, was found to have `digest` before. A missing or damaged record: no. */
export async function wasVerified(dir: string, file: string, stat: BigIntStats, digest: Digest): Promise<boolean> {
  const record = await readJsonRecordOrNothing(recordFile(dir, file), recordSchema);
  return record !== undefined && sameRecord(record, recordOf(file, stat, digest));
}

/**
 * Remembers that `file` has `digest`, if it is still as `hashed` found it (a file written while
 * it was being hashed is not remembered). Best effort: a cache that cannot be written only
 * costs a re-hash next time.
 */
export async function rememberVerified(dir: string, file: string, hashed: BigIntStats, digest: Digest): Promise<void> {
  const now = await fs.stat(file, { bigint: true }).catch(() => undefined);
  if (!now || !sameRecord(recordOf(file, now, digest), recordOf(file, hashed, digest))) return;
  await fs.mkdir(dir, { recursive: true })
    .then(() => writeFileAtomic(recordFile(dir, file), `${JSON.stringify(recordOf(file, hashed, digest))}\n`, 0o600))
    .catch(() => undefined);
}

/** Drops the record of `file` (its digest no longer matches). */
export async function forgetVerified(dir: string, file: string): Promise<void> {
  await fs.rm(recordFile(dir, file), { force: true }).catch(() => undefined);
}
