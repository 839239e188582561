// The engine's downloader: a URL (plus optional digest) in, a verified local file out.
// Remote files land in the cache (one transfer per URL across processes, resumable);
// local files and file:// URLs are checked and used in place.
import fs from 'node:fs/promises';
import path from 'node:path';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { cacheLayout, commitEntry, readEntry, urlKey, type CacheEntry, type CacheLayout } from './cache.ts';
import { decompressFile, detectEncoding, type Encoding } from './decompress.ts';
import { formatDigest, hashFile, newHash, parseDigest, type Digest } from './digest.ts';
import { diskFullError, isDiskFull } from './failures.ts';
import { HashWorkerPool } from './hash-worker.ts';
import { createTransport, type Transport } from './http.ts';
import { checkLocal, isLocalLocation, localPath, mismatch } from './local.ts';
import { describeFailure } from './plain-words.ts';
import { ProgressReporter, type DownloadProgress, type ProgressListener } from './progress.ts';
import { defaultIdleTimeoutMs, idleTimeoutFromEnv } from './settings.ts';
import { fetchText } from './text.ts';
import { partialName, readState, transfer } from './transfer.ts';
import { withUrlLock } from './url-lock.ts';

export interface DownloaderOptions {
  /** The cache root (`corralPaths().cache`); entries go under `downloads/`. */
  cacheDir: string;
  /** No byte for this long ends the download (TIMEOUT). Default: CORRAL_DOWNLOAD_IDLE_TIMEOUT, else 30 s. */
  idleTimeoutMs?: number;
  /** Attempts in a row without progress before giving up. Default 5. */
  retries?: number;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** A lock not refreshed for this long belongs to a dead process. Default 10 s. */
  lockStaleMs?: number;
  lockPollMs?: number;
  progressIntervalMs?: number;
  userAgent?: string;
  /** The HTTP transport; by default chosen from the proxy variables (http.ts). The download bench compares transports. */
  transport?: Transport;
}

export interface FetchRequest {
  /** http(s):// or file:// URL, or an absolute path. */
  url: string;
  /** `sha256:<hex>` or `sha512:<hex>` of the file as downloaded (compressed, if it is). */
  digest?: string | undefined;
  /** Unpack .gz/.xz/.zst/.bz2 (by extension or magic bytes) into the cache. For images, not archives. */
  decompress?: boolean;
  signal?: AbortSignal | undefined;
  onProgress?: ProgressListener | undefined;
}

export interface FetchResult {
  /** The local file to use: in the cache, or the local file itself. */
  path: string;
  url: string;
  size: number;
  /** Digest of the downloaded bytes (sha256 unless the request asked for sha512); null for unverified local files. */
  digest: string | null;
  /** How the file came: transferred now, found in the cache, or a local file used in place. */
  source: 'network' | 'cache' | 'local';
}

type Lookup = { kind: 'hit'; result: FetchResult } | { kind: 'decompress'; entry: CacheEntry; encoding: Encoding } | undefined;

interface Job {
  done: Promise<unknown>;
  listeners: Set<ProgressListener>;
}

export class Downloader {
  readonly #layout: CacheLayout;
  readonly #transport: Transport;
  readonly #hashers = new HashWorkerPool();
  readonly #o: Required<Omit<DownloaderOptions, 'cacheDir' | 'transport'>>;
  readonly #jobs = new Map<string, Job>();
  /** A malformed setting, reported by each fetch rather than by the engine's constructor. */
  readonly #settingError: Error | undefined;

  constructor(options: DownloaderOptions) {
    this.#layout = cacheLayout(options.cacheDir);
    const idle = options.idleTimeoutMs === undefined ? idleSetting() : { ms: options.idleTimeoutMs, error: undefined };
    this.#settingError = idle.error;
    this.#transport = options.transport ?? createTransport();
    this.#o = {
      idleTimeoutMs: options.idleTimeoutMs ?? idle.ms,
      retries: options.retries ?? 5,
      retryDelayMs: options.retryDelayMs ?? 1_000,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 30_000,
      lockStaleMs: options.lockStaleMs ?? 10_000,
      lockPollMs: options.lockPollMs ?? 250,
      progressIntervalMs: options.progressIntervalMs ?? 100,
      userAgent: options.userAgent ?? 'corral',
    };
  }

  get cacheLayout(): CacheLayout {
    return this.#layout;
  }

  async fetch(req: FetchRequest): Promise<FetchResult> {
    if (this.#settingError) throw this.#settingError;
    const listeners = new Set<ProgressListener>();
    if (req.onProgress) listeners.add(req.onProgress);
    const local = isLocalLocation(req.url);
    const reporter = new ProgressReporter(req.url, (p) => emit(listeners, p), this.#o.progressIntervalMs, local);
    try {
      return await this.#fetch(req, listeners, reporter);
    } catch (error) {
      // Every download ends with a phase a front end can show: cancelled, or failed and why.
      reporter.ended(req.signal?.aborted ? 'cancelled' : { failure: describeFailure(req.url, error) });
      throw error;
    }
  }

  async #fetch(req: FetchRequest, listeners: Set<ProgressListener>, reporter: ProgressReporter): Promise<FetchResult> {
    const expected = req.digest ? parseDigest(req.digest) : undefined;
    const file = localPath(req.url);
    if (file !== undefined) {
      const size = await checkLocal(req.url, file, expected, reporter, this.#layout.verified);
      reporter.done(size);
      return { path: file, url: req.url, size, digest: expected ? formatDigest(expected) : null, source: 'local' };
    }
    if (!/^https?:\/\//i.test(req.url)) throw new DriverError('INVALID_CONFIG', `cannot download ${req.url}: only http(s):// and file:// URLs are supported`, { url: req.url });

    const key = urlKey(req.url);
    // Another fetch of this URL in this process: share its progress, then use its result.
    for (let job = this.#jobs.get(key); job; job = this.#jobs.get(key)) {
      const forward: ProgressListener = (p) => emit(listeners, p);
      job.listeners.add(forward);
      try {
        await abortable(job.done.catch(() => undefined), req.signal);
      } finally {
        job.listeners.delete(forward);
      }
    }
    // Registered before the first await, so a concurrent fetch finds it.
    const work = (async () => {
      const found = await this.#lookup(key, req, expected, reporter);
      if (found?.kind === 'hit') return found.result;
      if (!found) this.#hashers.warm(); // likely a transfer: the worker boots while the server answers
      return withUrlLock(this.#layout.locks, key, {
        signal: req.signal,
        staleMs: this.#o.lockStaleMs,
        pollMs: this.#o.lockPollMs,
        onWaiting: () => this.#reportWaiting(key, req.url, reporter),
      }, (signal) => this.#fill(key, req, expected, reporter, signal));
    })();
    this.#jobs.set(key, { done: work, listeners });
    try {
      return await work;
    } finally {
      this.#jobs.delete(key);
    }
  }

  /** A small text file (a template) into memory, cut at maxBytes + 1 bytes; never cached. */
  async fetchText(url: string, maxBytes: number): Promise<string> {
    if (this.#settingError) throw this.#settingError;
    return fetchText(url, { maxBytes, idleTimeoutMs: this.#o.idleTimeoutMs, transport: this.#transport, userAgent: this.#o.userAgent });
  }

  /** Ends the HTTP connection pool and the idle hash worker. */
  async close(): Promise<void> {
    await this.#hashers.close();
    await this.#transport.close();
  }

  /** What the cache holds for this request, usable as is or after unpacking. */
  async #lookup(key: string, req: FetchRequest, expected: Digest | undefined, reporter: ProgressReporter): Promise<Lookup> {
    const entry = await readEntry(this.#layout, key);
    if (!entry) return undefined;
    if (!req.decompress && entry.meta.encoding !== null) return undefined; // unpacked, but raw bytes wanted
    const raw = entry.meta.form === 'raw' || entry.meta.encoding === null;
    if (expected) {
      if (entry.digest?.algorithm === expected.algorithm) {
        if (entry.digest.hex !== expected.hex) return undefined; // the upstream file changed, or the cache did
      } else {
        if (!raw) return undefined; // cannot hash the downloaded bytes any more
        reporter.phase('verify', entry.size);
        const hash = newHash(expected.algorithm);
        await hashFile(entry.data, hash, (b) => reporter.update(b));
        reporter.flush();
        if (hash.digest('hex') !== expected.hex) return undefined;
      }
    }
    if (req.decompress && entry.meta.form === 'raw') {
      const encoding = await detectEncoding(req.url, entry.data);
      if (encoding) return { kind: 'decompress', entry, encoding };
    }
    reporter.done(entry.size);
    const digest = expected ?? entry.digest;
    return { kind: 'hit', result: { path: entry.data, url: req.url, size: entry.size, digest: digest ? formatDigest(digest) : null, source: 'cache' } };
  }

  /** Under the URL's lock: download (or resume), verify, unpack, publish. */
  async #fill(key: string, req: FetchRequest, expected: Digest | undefined, reporter: ProgressReporter, signal: AbortSignal): Promise<FetchResult> {
    const found = await this.#lookup(key, req, expected, reporter);
    if (found?.kind === 'hit') return found.result;
    const dir = path.join(this.#layout.partial, key);
    await fs.mkdir(dir, { recursive: true });
    const unpacked = path.join(dir, 'data.out');
    try {
      let source: string;
      let digest: Digest | null;
      let contentType: string | null;
      let validator: { etag: string | null; lastModified: string | null };
      if (found?.kind === 'decompress') {
        ({ data: source, digest, contentType } = found.entry);
        validator = { etag: found.entry.meta.etag, lastModified: found.entry.meta.lastModified };
      } else {
        const t = await transfer({
          url: req.url, dir, algorithm: expected?.algorithm ?? 'sha256', transport: this.#transport, hashers: this.#hashers,
          idleTimeoutMs: this.#o.idleTimeoutMs, retries: this.#o.retries, retryDelayMs: this.#o.retryDelayMs,
          maxRetryDelayMs: this.#o.maxRetryDelayMs, userAgent: this.#o.userAgent, signal, progress: reporter,
        });
        if (expected) {
          reporter.phase('verify', t.bytes, t.bytes);
          if (t.digest.hex !== expected.hex) throw mismatch(req.url, expected, t.digest);
        }
        ({ file: source, digest, contentType, validator } = t);
      }
      let dataFile = source;
      let encoding: Encoding | null = null;
      if (req.decompress) {
        encoding = found?.kind === 'decompress' ? found.encoding : await detectEncoding(req.url, source);
        if (encoding) {
          await decompressFile(req.url, encoding, source, unpacked, reporter, signal);
          dataFile = unpacked;
        }
      }
      const entry = await commitEntry(this.#layout, key, {
        url: req.url, dataFile, digest, contentType,
        meta: { form: req.decompress ? 'decompressed' : 'raw', encoding, ...validator },
      });
      await fs.rm(dir, { recursive: true, force: true });
      reporter.done(entry.size);
      return { path: entry.data, url: req.url, size: entry.size, digest: digest ? formatDigest(digest) : null, source: 'network' };
    } catch (error) {
      await this.#cleanUp(dir, unpacked, error);
      if (isDiskFull(error)) throw diskFullError(req.url, this.#layout.root, error);
      throw error;
    }
  }

  // A partial worth resuming (network trouble, timeout, cancel) is kept; one that can
  // never become good (wrong digest, full disk, bad archive, gone upstream) is removed.
  async #cleanUp(dir: string, unpacked: string, error: unknown): Promise<void> {
    await fs.rm(unpacked, { force: true });
    const hopeless = isDiskFull(error) || (error instanceof DriverError && ['DIGEST_MISMATCH', 'NOT_FOUND', 'INVALID_CONFIG'].includes(error.code));
    if (hopeless) await fs.rm(dir, { recursive: true, force: true });
  }

  /** While another process downloads, show its progress from the partial file's growth. */
  async #reportWaiting(key: string, url: string, reporter: ProgressReporter): Promise<void> {
    const dir = path.join(this.#layout.partial, key);
    const [state, stat] = await Promise.all([readState(dir, url), fs.stat(path.join(dir, partialName)).catch(() => undefined)]);
    reporter.setTotal(state?.total ?? null);
    reporter.update(stat?.size ?? 0);
  }
}

/** CORRAL_DOWNLOAD_IDLE_TIMEOUT, or the default and the error that explains why it was not used. */
function idleSetting(): { ms: number; error: Error | undefined } {
  try {
    return { ms: idleTimeoutFromEnv(), error: undefined };
  } catch (error) {
    return { ms: defaultIdleTimeoutMs, error: error as Error };
  }
}

function emit(listeners: Set<ProgressListener>, progress: DownloadProgress): void {
  for (const listener of listeners) listener(progress);
}

async function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
