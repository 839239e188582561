// The download cache as the API carries it: the engine's listing and prune result mapped to
// wire types (dates as ISO text, only what the Downloads page shows).
import type { PruneResult } from '../core/downloads/index.ts';
import type { CacheEntry as EngineCacheEntry } from '../core/engine/cache.ts';
import type { CacheEntry, PruneSummary } from '../api/contract.ts';

export function toCacheEntry(entry: EngineCacheEntry): CacheEntry {
  return { url: entry.url, kind: entry.kind, size: entry.size, downloadedAt: entry.time.toISOString(), digest: entry.digest, usedBy: entry.usedBy };
}

export function toPruneSummary(result: PruneResult): PruneSummary {
  return { removed: result.removed.map((entry) => entry.url), freedBytes: result.freedBytes, inUse: result.inUse.length, skipped: result.skipped };
}
