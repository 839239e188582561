// The download cache as the engine shows it: each entry with the instances that use it, and
// prune, which keeps whatever an instance still names.
import { listCache, pruneCache } from '../downloads/index.ts';
import type { CacheListing, PruneResult } from '../downloads/index.ts';
import type { InstanceStore } from '../instances/store.ts';

export type CacheEntry = CacheListing & { usedBy: string[] };

export async function listCacheUsage(cacheDir: string, store: InstanceStore): Promise<CacheEntry[]> {
  const users = await cacheUsers(store);
  return (await listCache(cacheDir)).map((entry) => ({ ...entry, usedBy: users.get(entry.url) ?? [] }));
}

/** Removes cache entries no instance uses (an instance's disk is layered on its image). */
export async function pruneUnused(cacheDir: string, store: InstanceStore, options: { olderThan?: Date }): Promise<PruneResult> {
  return pruneCache(cacheDir, { ...options, inUse: new Set((await cacheUsers(store)).keys()) });
}

/** URL -> the instances whose config names it. */
async function cacheUsers(store: InstanceStore): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>();
  for (const name of await store.names()) {
    const config = await store.readConfig(name).catch(() => undefined);
    const files = [...(config?.images ?? []).flatMap((i) => [i, i.kernel, i.initrd]), ...(config?.containerd?.archives ?? [])];
    for (const file of files) if (file) users.set(file.location, [...(users.get(file.location) ?? []), name]);
  }
  return users;
}
