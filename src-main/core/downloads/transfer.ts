// The bytes of one URL into `dir/data.partial`, hashed while they stream. Survives dropped
// connections (resume with Range + If-Range), restarts of the app (state.json keeps the
// validator; the partial is re-hashed once), and servers without ranges (a 200 restarts
// cleanly from zero). Transient failures are retried with backoff.
import fs from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import type { Body } from './body.ts';
import type { Digest, DigestAlgorithm } from './digest.ts';
import { backoffMs, classify, finalError, TruncatedError, wait, type FailureKind } from './failures.ts';
import type { HashWorkerPool } from './hash-worker.ts';
import { canResume, get, RangeRefusedError, type Transport, type Validator } from './http.ts';
import type { ProgressReporter } from './progress.ts';
import { PartialWriter } from './sink.ts';

export interface TransferOptions {
  url: string;
  /** The URL's partial folder (exclusive to this process: the caller holds the URL's lock). */
  dir: string;
  algorithm: DigestAlgorithm;
  transport: Transport;
  hashers: HashWorkerPool;
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
  const onDisk = await fileSize(file);
  const resumable = saved !== undefined && onDisk > 0 && (canResume(saved) || saved.total === onDisk);
  const hasher = o.hashers.take();
  const writer = await PartialWriter.open(file, resumable, hasher, o.algorithm, (bytes) => o.progress.update(bytes)).catch(async (error: unknown) => {
    await o.hashers.give(hasher);
    throw error;
  });
  let hex: string;
  try {
    if (resumable) {
      // After a restart the hash state is gone: rebuild it from the bytes already on disk.
      o.progress.phase('verify', onDisk);
      await writer.adopt(onDisk, (bytes) => o.progress.update(bytes));
      o.progress.flush();
    }
    if (!(saved && saved.total !== null && writer.bytes === saved.total)) {
      o.progress.phase('download', saved?.total ?? null, writer.bytes);
      saved = await download(o, writer, saved);
    }
    await writer.sync();
    hex = await writer.digest();
  } finally {
    await writer.close();
    await o.hashers.give(hasher);
  }
  o.progress.phase('download', writer.bytes, writer.bytes);
  return {
    file,
    bytes: writer.bytes,
    digest: { algorithm: o.algorithm, hex },
    contentType: saved.contentType,
    validator: { etag: saved.etag, lastModified: saved.lastModified },
  };
}

async function download(o: TransferOptions, writer: PartialWriter, saved: SavedState | undefined): Promise<SavedState> {
  let failures = 0;
  let attempts = 0;
  for (;;) {
    attempts++;
    const before = writer.bytes;
    try {
      await writer.begin();
      const validator = saved ?? { etag: null, lastModified: null };
      const res = await get(o.url, { transport: o.transport, from: writer.bytes, validator, idleTimeoutMs: o.idleTimeoutMs, signal: o.signal, userAgent: o.userAgent });
      if (res.start === 0 && writer.bytes > 0) await restart(o, writer);
      const next: SavedState = { url: o.url, ...res.validator, total: res.total, contentType: res.contentType };
      if (JSON.stringify(next) !== JSON.stringify(saved)) await writeState(o.dir, next);
      saved = next;
      o.progress.setTotal(res.total);
      await receive(res.body, writer);
      if (res.total !== null && writer.bytes < res.total) throw new TruncatedError(`${o.url}: body ended at ${writer.bytes} of ${res.total} bytes`);
      return saved;
    } catch (error) {
      if (o.signal?.aborted) throw o.signal.reason;
      let kind: FailureKind;
      if (error instanceof RangeRefusedError) {
        // The server will not continue this partial: drop it and start over.
        await restart(o, writer);
        saved = undefined;
        kind = 'retry';
      } else {
        kind = classify(error);
      }
      if (kind === 'fatal' || kind === 'disk-full') throw error;
      // A stall ends the download after the idle timeout the user set (what arrived is kept for
      // the next try), not after retries that each wait that long again: 208 s at 30 s.
      if (kind === 'timeout') throw finalError(o.url, error, kind, attempts, o.idleTimeoutMs);
      failures = writer.bytes > before ? 1 : failures + 1;
      if (failures > o.retries) throw finalError(o.url, error, kind, attempts, o.idleTimeoutMs);
      await wait(backoffMs(failures - 1, o.retryDelayMs, o.maxRetryDelayMs), o.signal);
    }
  }
}

/** The body into the partial file. What arrived before a failure is kept (and hashed) for the resume. */
async function receive(body: Body, writer: PartialWriter): Promise<void> {
  try {
    await body.pipeTo(writer);
  } catch (error) {
    body.cancel();
    await writer.settle().catch(() => undefined); // the transfer's error is the one to report
    throw error;
  }
  await writer.settle();
}

async function restart(o: TransferOptions, writer: PartialWriter): Promise<void> {
  await writer.restart();
  o.progress.phase('download', null, 0);
}
