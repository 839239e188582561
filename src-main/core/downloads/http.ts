// One HTTP GET, possibly a ranged resume. The headers the resume logic relies on
// (Content-Range, Content-Length, ETag, Last-Modified) are validated here, so a server's
// odd answer becomes a clean restart or a clear error, never a silently corrupt file.
import type { Readable } from 'node:stream';
import { EnvHttpProxyAgent, interceptors, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { RetryableStatusError } from './failures.ts';

/** What makes a resume safe: the response must be of the same representation (If-Range). */
export interface Validator {
  etag: string | null;
  lastModified: string | null;
}

export interface Response {
  body: Readable;
  /** Where the body starts in the file: the requested offset for a 206, 0 for a 200. */
  start: number;
  /** Size of the whole file, when the server says. */
  total: number | null;
  validator: Validator;
  contentType: string | null;
}

const lengthSchema = z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER));
const contentRangeSchema = z.string().regex(/^bytes (\d+)-(\d+)\/(\d+|\*)$/).transform((value) => {
  const [, start, end, total] = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value) ?? [];
  return { start: Number(start), end: Number(end), total: total === '*' ? null : Number(total) };
});
const headerText = z.string().min(1).max(1024);

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Proxy from HTTPS_PROXY/HTTP_PROXY/NO_PROXY (read when called), redirects followed. Plain
 * http goes to the proxy as an ordinary absolute-URI request, not a CONNECT tunnel: many
 * proxies allow CONNECT only to port 443.
 */
export function createDispatcher(): Dispatcher {
  return new EnvHttpProxyAgent({ proxyTunnel: false }).compose(interceptors.redirect({ maxRedirections: 10 }));
}

/** Only a strong ETag may go in If-Range (RFC 9110 13.1.5); else the date. */
function ifRange(validator: Validator): string | null {
  if (validator.etag && !validator.etag.startsWith('W/')) return validator.etag;
  return validator.lastModified;
}

export function canResume(validator: Validator): boolean {
  return ifRange(validator) !== null;
}

export interface RequestOptions {
  dispatcher: Dispatcher;
  from: number;
  validator: Validator;
  idleTimeoutMs: number;
  signal: AbortSignal | undefined;
  userAgent: string;
}

export async function get(url: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': options.userAgent };
  const condition = ifRange(options.validator);
  if (options.from > 0 && condition) {
    headers.range = `bytes=${options.from}-`;
    headers['if-range'] = condition;
  }
  const res = await request(url, {
    method: 'GET',
    headers,
    dispatcher: options.dispatcher,
    signal: options.signal,
    headersTimeout: options.idleTimeoutMs,
    bodyTimeout: options.idleTimeoutMs,
  });
  const status = res.statusCode;
  if (status !== 200 && status !== 206) {
    // Drain the short error body so the connection can be reused (destroy() would emit an error).
    await res.body.dump().catch(() => undefined);
    if (status === 404 || status === 410) throw new DriverError('NOT_FOUND', `${url} does not exist (HTTP ${status})`, { url, status });
    if (status === 416) return refuse(url, 'range not satisfiable');
    if (status >= 500 || status === 408 || status === 429) throw new RetryableStatusError(url, status);
    throw new DriverError('UNAVAILABLE', `${url} answered HTTP ${status}`, { url, status });
  }
  const h = res.headers;
  const etag = headerText.safeParse(header(h, 'etag'));
  const lastModified = headerText.safeParse(header(h, 'last-modified'));
  const type = headerText.safeParse(header(h, 'content-type'));
  const length = lengthSchema.safeParse(header(h, 'content-length'));
  const response: Response = {
    body: res.body,
    start: 0,
    total: length.success ? length.data : null,
    validator: { etag: etag.success ? etag.data : null, lastModified: lastModified.success ? lastModified.data : null },
    contentType: type.success ? type.data : null,
  };
  if (status === 206) {
    const range = contentRangeSchema.safeParse(header(h, 'content-range'));
    // A 206 for another offset than asked cannot be appended: start over.
    if (!range.success || range.data.start !== options.from) {
      res.body.on('error', () => undefined).destroy();
      return refuse(url, `unexpected Content-Range ${header(h, 'content-range') ?? '(none)'}`);
    }
    response.start = range.data.start;
    response.total = range.data.total;
  }
  return response;
}

/** A ranged answer the client cannot use: the caller restarts from zero. */
export class RangeRefusedError extends Error {}

function refuse(url: string, why: string): never {
  throw new RangeRefusedError(`${url}: ${why}`);
}
