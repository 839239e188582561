// A small text file over http(s) (a template, a base template), read into memory up to a limit
// rather than into the cache: the caller refuses anything longer, so nothing past the limit is
// downloaded, and nothing is left behind. Same transport (proxies), idle timeout and errors as
// the downloader's files.
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { BodySink } from './body.ts';
import { classify, RetryableStatusError } from './failures.ts';
import { createTransport, get, type Transport } from './http.ts';
import { idleTimeoutFromEnv, stalledError } from './settings.ts';

export interface TextFetchOptions {
  /** Bytes kept at most, plus one: a longer answer comes back cut at maxBytes + 1, for the caller to refuse. */
  maxBytes: number;
  /** Default: CORRAL_DOWNLOAD_IDLE_TIMEOUT, else 30 s. */
  idleTimeoutMs?: number;
  /** Default: a transport of its own, closed afterwards. */
  transport?: Transport;
  userAgent?: string;
  signal?: AbortSignal;
}

class OverLimit extends Error {}

/** Collects a body in memory; stops the transfer once it holds more than `max` bytes. */
class CappedSink implements BodySink {
  readonly chunkLimit = 64 * 1024; // the direct transport's smallest chunk
  readonly #scratch = Buffer.alloc(this.chunkLimit);
  readonly #chunks: Buffer[] = [];
  readonly #max: number;
  #size = 0;

  constructor(max: number) {
    this.#max = max;
  }

  space(): Buffer {
    return this.#scratch;
  }

  commit(length: number): boolean {
    return this.append(this.#scratch.subarray(0, length));
  }

  append(chunk: Buffer): boolean {
    const keep = chunk.subarray(0, Math.max(0, this.#max + 1 - this.#size));
    this.#chunks.push(Buffer.from(keep));
    this.#size += keep.length;
    return this.#size <= this.#max;
  }

  ready(): Promise<void> {
    return this.#size > this.#max ? Promise.reject(new OverLimit()) : Promise.resolve();
  }

  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

/** The failure in words that say which URL and what went wrong. */
function fetchError(url: string, error: unknown, idleTimeoutMs: number): DriverError {
  if (error instanceof DriverError) return error;
  if (error instanceof RetryableStatusError) return new DriverError('UNAVAILABLE', `${url} answered HTTP ${error.status}; try again later`, { url, status: error.status });
  if (classify(error) === 'timeout') return stalledError(url, idleTimeoutMs, 1);
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  const code = (error as { code?: unknown } | null)?.code ?? cause?.code;
  const reason = error instanceof Error ? error.message : String(error);
  return new DriverError('UNAVAILABLE', `cannot download ${url}: ${typeof code === 'string' && !reason.includes(code) ? `${code} ` : ''}${reason}`, { url });
}

/** The text at `url`, cut at maxBytes + 1 bytes. */
export async function fetchText(url: string, options: TextFetchOptions): Promise<string> {
  const idleTimeoutMs = options.idleTimeoutMs ?? idleTimeoutFromEnv();
  const transport = options.transport ?? createTransport();
  try {
    const response = await get(url, {
      transport, from: 0, validator: { etag: null, lastModified: null }, idleTimeoutMs, signal: options.signal, userAgent: options.userAgent ?? 'corral',
    });
    const sink = new CappedSink(options.maxBytes);
    try {
      await response.body.pipeTo(sink);
    } catch (error) {
      response.body.cancel();
      if (!(error instanceof OverLimit)) throw error;
    }
    return sink.text();
  } catch (error) {
    throw fetchError(url, error, idleTimeoutMs);
  } finally {
    if (!options.transport) await transport.close();
  }
}
