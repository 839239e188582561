// Which failures are worth another attempt. Transient network trouble and 5xx are retried
// (with a resume); 404, a full disk and a cancel are final, since trying again cannot help.
import { setTimeout as delay } from 'node:timers/promises';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { stalledError } from './settings.ts';

/** An HTTP status that a retry may fix (5xx, 408, 429). */
export class RetryableStatusError extends Error {
  readonly status: number;
  constructor(url: string, status: number) {
    super(`${url} answered HTTP ${status}`);
    this.status = status;
  }
}

/** The body ended before the length the server announced. */
export class TruncatedError extends Error {}

/** No byte arrived for the idle timeout (the direct transport's counterpart of undici's timeouts). */
export class IdleTimeoutError extends Error {}

export type FailureKind = 'retry' | 'timeout' | 'disk-full' | 'fatal';

const timeoutCodes = new Set(['UND_ERR_BODY_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const networkCodes = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENETUNREACH', 'ENETDOWN', 'EHOSTUNREACH',
  'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'ERR_STREAM_PREMATURE_CLOSE',
]);
const diskFullCodes = new Set(['ENOSPC', 'EDQUOT']);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function classify(error: unknown): FailureKind {
  if (error instanceof RetryableStatusError || error instanceof TruncatedError) return 'retry';
  if (error instanceof IdleTimeoutError) return 'timeout';
  const code = errorCode(error) ?? errorCode((error as { cause?: unknown } | null)?.cause);
  if (code && diskFullCodes.has(code)) return 'disk-full';
  if (code && timeoutCodes.has(code)) return 'timeout';
  if (code && networkCodes.has(code)) return 'retry';
  return 'fatal';
}

function causeCode(error: unknown): string | null {
  return errorCode(error) ?? errorCode((error as { cause?: unknown } | null)?.cause) ?? null;
}

export function isDiskFull(error: unknown): boolean {
  return classify(error) === 'disk-full';
}

/** Exponential backoff with jitter, so many clients do not return in lockstep. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export async function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  await delay(ms, undefined, signal ? { signal } : {});
}

/** The error a caller sees once retries are spent. */
export function finalError(url: string, error: unknown, kind: FailureKind, attempts: number, idleTimeoutMs: number): Error {
  if (error instanceof DriverError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  if (kind === 'timeout') return stalledError(url, idleTimeoutMs, attempts);
  if (kind === 'retry') {
    const status = error instanceof RetryableStatusError ? error.status : null;
    // The system code travels as details.cause, so a front end can say it in plain words (plain-words.ts).
    return new DriverError('UNAVAILABLE', `downloading ${url} failed after ${attempts} attempts: ${reason}`, { url, attempts, status, cause: causeCode(error) });
  }
  return new DriverError('INTERNAL', `downloading ${url} failed: ${reason}`, { url, cause: causeCode(error) });
}

export function diskFullError(url: string, dir: string, error: unknown): DriverError {
  const reason = error instanceof Error ? error.message : String(error);
  return new DriverError('UNAVAILABLE', `no space left to download ${url} into ${dir}; free some disk space (or prune the cache) and retry (${reason})`, { url, dir, reason: 'ENOSPC' });
}
