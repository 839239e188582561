// The download cache as the API carries it: the engine's listing and prune result mapped to
// wire types (dates as ISO text, only what the Downloads page shows).
import type { CacheEntry as EngineCacheEntry, UnusedPruneResult } from '../core/engine/cache.ts';
import type { CacheEntry, PruneSummary } from '../api/contract.ts';

export function toCacheEntry(entry: EngineCacheEntry): CacheEntry {
  const wire: CacheEntry = { url: entry.url, kind: entry.kind, size: entry.size, downloadedAt: entry.time.toISOString(), digest: entry.digest, usedBy: entry.usedBy };
  if (entry.keptUntil) wire.keptUntil = entry.keptUntil.toISOString();
  if (entry.keptBecause) wire.keptBecause = entry.keptBecause;
  return wire;
}

export function toPruneSummary(result: UnusedPruneResult): PruneSummary {
  return { removed: result.removed.map((entry) => entry.url), freedBytes: result.freedBytes, inUse: result.inUse.length, skipped: result.skipped, recent: result.recent.length };
}
