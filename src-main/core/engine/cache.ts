// The download cache as the engine shows it: each entry with the instances that use it, and
// prune, which keeps whatever an instance still names. Template uploads from the web shell
// (templates/uploaded-prune.ts) are listed and pruned with it, by the same rules.
import { listCache, pruneCache } from '../downloads/index.ts';
import type { CacheListing, PruneResult } from '../downloads/index.ts';
import type { InstanceStore } from '../instances/store.ts';
import { stringsIn } from '../templates/uploaded.ts';
import { keptUntil, listUploadedTemplates, pruneUploadedTemplates, type InstanceStrings, type UploadedTemplate } from '../templates/uploaded-prune.ts';

export type CacheEntry = CacheListing & {
  usedBy: string[];
  kind: 'download' | 'template-upload';
  /** An unused upload newer than the grace period or held by a create dialog: prune keeps it until then. */
  keptUntil?: Date;
  /** Why it is kept: it is new, or an open create dialog holds it (the later of the two decides). */
  keptBecause?: 'new' | 'held';
};

/** What prune did, with the unused uploads it kept because they are new. */
export type UnusedPruneResult = PruneResult & { recent: CacheEntry[] };

export async function listCacheUsage(cacheDir: string, store: InstanceStore, home: string): Promise<CacheEntry[]> {
  const configs = await instanceConfigs(store);
  const users = cacheUsers(configs);
  const downloads = (await listCache(cacheDir)).map((entry): CacheEntry => ({ ...entry, usedBy: users.get(entry.url) ?? [], kind: 'download' }));
  const uploads = (await listUploadedTemplates(home, configs)).map(uploadEntry);
  return [...downloads, ...uploads];
}

/** Removes cache entries and template uploads no instance uses (an instance's disk is layered on its image). */
export async function pruneUnused(cacheDir: string, store: InstanceStore, home: string, options: { olderThan?: Date }): Promise<UnusedPruneResult> {
  const configs = await instanceConfigs(store);
  const downloads = await pruneCache(cacheDir, { ...options, inUse: new Set(cacheUsers(configs).keys()) });
  const uploads = await pruneUploadedTemplates(home, configs, options); // an upload being written is no entry: not counted as skipped
  return {
    ...downloads,
    removed: [...downloads.removed, ...uploads.removed.map(uploadEntry)],
    freedBytes: downloads.freedBytes + uploads.freedBytes,
    inUse: [...downloads.inUse, ...uploads.inUse.map(uploadEntry)],
    recent: uploads.recent.map(uploadEntry),
  };
}

function uploadEntry(upload: UploadedTemplate): CacheEntry {
  const entry: CacheEntry = { url: upload.url, path: upload.path, size: upload.size, time: upload.time, digest: null, usedBy: upload.usedBy, kind: 'template-upload' };
  const until = keptUntil(upload);
  if (until) {
    entry.keptUntil = until;
    entry.keptBecause = upload.heldUntil && upload.heldUntil.getTime() >= until.getTime() ? 'held' : 'new';
  }
  return entry;
}

type InstanceConfig = InstanceStrings & { files: string[] };

/** Each instance's downloadable files (by location) and every string of its config. */
async function instanceConfigs(store: InstanceStore): Promise<InstanceConfig[]> {
  const configs: InstanceConfig[] = [];
  for (const name of await store.names()) {
    const config = await store.readConfig(name).catch(() => undefined);
    const files = [...(config?.images ?? []).flatMap((i) => [i, i.kernel, i.initrd]), ...(config?.containerd?.archives ?? [])];
    configs.push({ name, files: files.flatMap((file) => (file ? [file.location] : [])), strings: config ? stringsIn(config) : [] });
  }
  return configs;
}

/** URL -> the instances whose config names it. */
function cacheUsers(configs: InstanceConfig[]): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const { name, files } of configs) for (const location of files) users.set(location, [...(users.get(location) ?? []), name]);
  return users;
}
