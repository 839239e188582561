// The bytes of one URL into `dir/data.partial`, hashed while they stream. Survives dropped
// connections (resume with Range + If-Range), restarts of the app (state.json keeps the
// validator; the partial is re-hashed once), and servers without ranges (a 200 restarts
// cleanly from zero). Transient failures are retried with backoff.
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { newHash, hashFile, type Digest, type DigestAlgorithm } from './digest.ts';
import { backoffMs, classify, finalError, TruncatedError, wait, type FailureKind } from './failures.ts';
import { canResume, get, RangeRefusedError, type Validator } from './http.ts';
import type { ProgressReporter } from './progress.ts';
import { HashingFileSink, type PartialState } from './sink.ts';

export interface TransferOptions {
  url: string;
  /** The URL's partial folder (exclusive to this process: the caller holds the URL's lock). */
  dir: string;
  algorithm: DigestAlgorithm;
  dispatcher: Dispatcher;
  idleTimeoutMs: number;
  retries: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  userAgent: string;
  signal: AbortSignal | undefined;
  progress: ProgressReporter;
}

export interface TransferResult {
  file: string;
  bytes: number;
  digest: Digest;
  contentType: string | null;
  validator: Validator;
}

const stateSchema = z.object({
  url: z.string(),
  etag: z.string().nullable(),
  lastModified: z.string().nullable(),
  total: z.number().int().nonnegative().nullable(),
  contentType: z.string().nullable(),
});
type SavedState = z.infer<typeof stateSchema>;

export const partialName = 'data.partial';
export const stateName = 'state.json';

/** The saved transfer state, if it is valid and for this URL (read by waiters too). */
export async function readState(dir: string, url: string): Promise<SavedState | undefined> {
  try {
    const parsed = stateSchema.safeParse(JSON.parse(await fs.readFile(path.join(dir, stateName), 'utf8')));
    return parsed.success && parsed.data.url === url ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function writeState(dir: string, state: SavedState): Promise<void> {
  const temp = path.join(dir, `${stateName}.tmp`);
  await fs.writeFile(temp, JSON.stringify(state));
  await fs.rename(temp, path.join(dir, stateName));
}

async function fileSize(file: string): Promise<number> {
  return (await fs.stat(file).catch(() => undefined))?.size ?? 0;
}

export async function transfer(o: TransferOptions): Promise<TransferResult> {
  const file = path.join(o.dir, partialName);
  let saved = await readState(o.dir, o.url);
  const state: PartialState = { hash: newHash(o.algorithm), bytes: 0, hashValid: true };

  // After a restart the hash state is gone: rebuild it from the bytes already on disk.
  const onDisk = await fileSize(file);
  if (saved && onDisk > 0 && (canResume(saved) || saved.total === onDisk)) {
    o.progress.phase('verify', onDisk);
    state.bytes = await hashFile(file, state.hash, (b) => o.progress.update(b), onDisk);
    o.progress.flush();
  }
  const handle = await fs.open(file, state.bytes > 0 ? 'r+' : 'w');
  try {
    if (!(saved && saved.total !== null && state.bytes === saved.total)) {
      o.progress.phase('download', saved?.total ?? null, state.bytes);
      saved = await download(o, handle, state, saved);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  o.progress.phase('download', state.bytes, state.bytes);
  return {
    file,
    bytes: state.bytes,
    digest: { algorithm: o.algorithm, hex: state.hash.digest('hex') },
    contentType: saved.contentType,
    validator: { etag: saved.etag, lastModified: saved.lastModified },
  };
}

async function download(o: TransferOptions, handle: fs.FileHandle, state: PartialState, saved: SavedState | undefined): Promise<SavedState> {
  let failures = 0;
  let attempts = 0;
  for (;;) {
    attempts++;
    const before = state.bytes;
    try {
      if (!state.hashValid) await rehash(o, state);
      await handle.truncate(state.bytes);
      const validator = saved ?? { etag: null, lastModified: null };
      const res = await get(o.url, { dispatcher: o.dispatcher, from: state.bytes, validator, idleTimeoutMs: o.idleTimeoutMs, signal: o.signal, userAgent: o.userAgent });
      if (res.start === 0 && state.bytes > 0) await reset(o, handle, state);
      const next: SavedState = { url: o.url, ...res.validator, total: res.total, contentType: res.contentType };
      if (JSON.stringify(next) !== JSON.stringify(saved)) await writeState(o.dir, next);
      saved = next;
      o.progress.setTotal(res.total);
      const sink = new HashingFileSink(handle, state, (b) => o.progress.update(b));
      try {
        await pipeline(res.body, sink);
      } finally {
        await closed(sink);
      }
      if (res.total !== null && state.bytes < res.total) throw new TruncatedError(`${o.url}: body ended at ${state.bytes} of ${res.total} bytes`);
      return saved;
    } catch (error) {
      if (o.signal?.aborted) throw o.signal.reason;
      let kind: FailureKind;
      if (error instanceof RangeRefusedError) {
        // The server will not continue this partial: drop it and start over.
        await reset(o, handle, state);
        saved = undefined;
        kind = 'retry';
      } else {
        kind = classify(error);
      }
      if (kind === 'fatal' || kind === 'disk-full') throw error;
      failures = state.bytes > before ? 1 : failures + 1;
      if (failures > o.retries) throw finalError(o.url, error, kind, attempts, o.idleTimeoutMs);
      await wait(backoffMs(failures - 1, o.retryDelayMs, o.maxRetryDelayMs), o.signal);
    }
  }
}

async function reset(o: TransferOptions, handle: fs.FileHandle, state: PartialState): Promise<void> {
  await handle.truncate(0);
  state.hash = newHash(o.algorithm);
  state.bytes = 0;
  state.hashValid = true;
  o.progress.phase('download', null, 0);
}

async function rehash(o: TransferOptions, state: PartialState): Promise<void> {
  state.hash = newHash(o.algorithm);
  await hashFile(path.join(o.dir, partialName), state.hash, undefined, state.bytes);
  state.hashValid = true;
}

function closed(stream: NodeJS.WritableStream & { closed: boolean; once(event: 'close', fn: () => void): unknown }): Promise<void> {
  return stream.closed ? Promise.resolve() : new Promise((resolve) => stream.once('close', () => resolve()));
}
