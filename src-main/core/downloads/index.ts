// The downloader's public surface, for the engine and `corral cache`.
export { Downloader, type DownloaderOptions, type FetchRequest, type FetchResult } from './downloader.ts';
export { listCache, pruneCache, type CacheListing, type PruneOptions, type PruneResult } from './prune.ts';
export type { DownloadPhase, DownloadProgress, ProgressListener } from './progress.ts';
export { parseDigest, formatDigest, type Digest, type DigestAlgorithm } from './digest.ts';
export { cacheLayout } from './cache.ts';
export { fetchText, type TextFetchOptions } from './text.ts';
