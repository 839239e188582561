// One HTTP GET, possibly a ranged resume. The headers the resume logic relies on
// (Content-Range, Content-Length, ETag, Last-Modified) are validated here, so a server's
// odd answer becomes a clean restart or a clear error, never a silently corrupt file.
// Two transports carry it: the direct one (direct.ts, fast) when no proxy is configured,
// undici when one is, since undici's EnvHttpProxyAgent is what honours the proxy variables.
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import * as z from 'zod';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { streamBody, type Body } from './body.ts';
import { directRequest, type HeaderMap, type RawResponse } from './direct.ts';
import { RetryableStatusError } from './failures.ts';

/** What makes a resume safe: the response must be of the same representation (If-Range). */
export interface Validator {
  etag: string | null;
  lastModified: string | null;
}

export interface Response {
  body: Body;
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

function header(headers: HeaderMap, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface TransportRequest {
  headers: Record<string, string>;
  idleTimeoutMs: number;
  signal: AbortSignal | undefined;
}

/** Sends a GET (redirects followed) and answers with the final response, its body unread. */
export interface Transport {
  request(url: string, options: TransportRequest): Promise<RawResponse>;
  close(): Promise<void>;
}

const proxyVariables = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy'];

/**
 * Undici (through a proxy, minus NO_PROXY) when any proxy variable is set, for http or https
 * alike (EnvHttpProxyAgent sends https to HTTP_PROXY when HTTPS_PROXY is unset); otherwise
 * every request would go direct anyway, so the direct transport sends it. Read when called.
 */
export function createTransport(env: NodeJS.ProcessEnv = process.env): Transport {
  const proxied = proxyVariables.some((name) => (env[name] ?? '') !== '');
  return proxied ? undiciTransport() : { request: directRequest, close: async () => undefined };
}

/**
 * undici is loaded with the first proxied request: loading it takes about 0.1 s of CPU, which
 * every command would pay at start (the engine holds a downloader) and most never download.
 */
let undici: Promise<typeof Undici> | undefined;
const loadUndici = () => (undici ??= import('undici'));

/**
 * Proxy from HTTPS_PROXY/HTTP_PROXY/NO_PROXY (read when called), redirects followed. Plain
 * http goes to the proxy as an ordinary absolute-URI request, not a CONNECT tunnel: many
 * proxies allow CONNECT only to port 443.
 */
export async function createDispatcher(): Promise<Dispatcher> {
  const { EnvHttpProxyAgent, interceptors } = await loadUndici();
  return new EnvHttpProxyAgent({ proxyTunnel: false }).compose(interceptors.redirect({ maxRedirections: 10 }));
}

function undiciTransport(): Transport {
  let dispatcher: Promise<Dispatcher> | undefined;
  return {
    async request(url, o) {
      const { request } = await loadUndici();
      dispatcher ??= createDispatcher();
      const res = await request(url, {
        method: 'GET',
        headers: o.headers,
        dispatcher: await dispatcher,
        signal: o.signal,
        headersTimeout: o.idleTimeoutMs,
        bodyTimeout: o.idleTimeoutMs,
      });
      return { status: res.statusCode, headers: res.headers, body: streamBody(res.body) };
    },
    close: async () => { await (await dispatcher)?.close(); },
  };
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
  transport: Transport;
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
  const res = await options.transport.request(url, { headers, idleTimeoutMs: options.idleTimeoutMs, signal: options.signal });
  const status = res.status;
  if (status !== 200 && status !== 206) {
    res.body.cancel();
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
      res.body.cancel();
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
