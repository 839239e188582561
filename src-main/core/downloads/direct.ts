// A small HTTP/1.1 client for the common case, a GET without a proxy: one connection per
// request (`Connection: close`), redirects followed. It exists for speed. The socket is
// opened with `onread`, so the kernel (or TLS) writes the body straight into the download's
// slot, up to a whole slot per read, with no Buffer per chunk, no parser copy and no stream
// machinery; undici reads into a fresh Buffer per read (64 KiB), copies it into its WebAssembly
// parser, and hands the body on as a view of that Buffer for the ring to copy, a JS callback
// per read: on loopback that takes the core the hash needs. Proxies stay with undici.
// Measured, not assumed (issue #11): undici's low-level dispatch API, a handler appending each
// onResponseData chunk to the same ring (bench/undici-dispatch.ts, no Readable stream), reached
// 0.50x and 0.46x this transport's throughput in two runs of
// `node_modules/.bin/node bench/download.bench.ts` (each the median of 5 interleaved 1 GiB
// pairs, order alternating; per pass 0.50 0.50 0.36 0.51 0.52 and 0.36 0.54 0.47 0.40 0.46;
// 155 vs 306 and 113 vs 255 MiB/s) on the 2-core build machine, loaded by other test runs.
// A separate set of 4 pairs, with and without the redirect interceptor, gave 0.34 to 0.49x.
// Far from the 0.9x that would justify a swap, so this client stays; the bench prints the ratio.
import net from 'node:net';
import tls from 'node:tls';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { Body, BodySink } from './body.ts';
import { ChunkedDecoder } from './chunked.ts';
import { IdleTimeoutError, TruncatedError } from './failures.ts';

export type HeaderMap = Record<string, string | string[] | undefined>;

export interface RawResponse {
  status: number;
  headers: HeaderMap;
  body: Body;
}

export interface DirectOptions {
  headers: Record<string, string>;
  idleTimeoutMs: number;
  signal: AbortSignal | undefined;
  /** Extra TLS settings (a test's private CA). */
  tls?: tls.ConnectionOptions | undefined;
}

const maxRedirects = 10;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const maxHeadBytes = 64 << 10;

/** GET `url`, following redirects; resolves with the final response's head, its body unread. */
export async function directRequest(url: string, options: DirectOptions): Promise<RawResponse> {
  let target = new URL(url);
  for (let hop = 0; ; hop++) {
    const exchange = await Exchange.open(target, options);
    const location = first(exchange.headers.location);
    if (!redirectStatuses.has(exchange.status) || location === undefined) {
      return { status: exchange.status, headers: exchange.headers, body: exchange };
    }
    exchange.cancel();
    if (hop === maxRedirects) throw new DriverError('UNAVAILABLE', `${url}: more than ${maxRedirects} redirects`, { url });
    target = new URL(location, target);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new DriverError('INVALID_CONFIG', `${url} redirects to ${target.href}, which is not http(s)`, { url });
    }
  }
}

type Framing = { kind: 'length'; remaining: number } | { kind: 'chunked'; decoder: ChunkedDecoder } | { kind: 'close' };
/** head: reading the status and headers; held: head parsed, body waits for pipeTo(). */
type Phase = 'head' | 'held' | 'body' | 'done';
interface Pending { resolve: () => void; reject: (error: Error) => void }

/** One request on one connection. */
class Exchange implements Body {
  status = 0;
  headers: HeaderMap = {};
  readonly #url: URL;
  readonly #socket: net.Socket;
  #phase: Phase = 'head';
  /** The response head, then body bytes read along with it (or before pipeTo()). */
  readonly #head = Buffer.allocUnsafe(maxHeadBytes);
  #headLength = 0;
  #scanFrom = 0;
  /** Whether the buffer last handed to the socket is #head's free part (else the sink's room). */
  #readingIntoHead = true;
  #room: Buffer = this.#head;
  #framing: Framing = { kind: 'close' };
  #sink: BodySink | undefined;
  #received = 0;
  /** The server closed its side (read while the body was held: acted on in pipeTo()). */
  #ended = false;
  #pending: Pending | undefined;
  #error: Error | undefined;

  static async open(url: URL, options: DirectOptions): Promise<Exchange> {
    options.signal?.throwIfAborted();
    const exchange = new Exchange(url, options);
    await exchange.#wait();
    return exchange;
  }

  private constructor(url: URL, o: DirectOptions) {
    this.#url = url;
    this.#socket = connect(url, o.tls, { buffer: () => this.#nextRoom(), callback: (length) => this.#onRead(length) });
    this.#socket.write(requestHead(url, o.headers), 'latin1');
    this.#socket.setTimeout(o.idleTimeoutMs, () => this.#fail(new IdleTimeoutError(`${url.href}: no data for ${o.idleTimeoutMs} ms`)));
    this.#socket.on('error', (error) => this.#fail(error));
    this.#socket.on('end', () => this.#onEnd());
    this.#socket.on('close', () => { if (!this.#ended) this.#fail(new TruncatedError(`${url.href}: the connection closed`)); });
    const signal = o.signal;
    if (signal) {
      const onAbort = () => this.#fail(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      signal.addEventListener('abort', onAbort, { once: true });
      this.#socket.once('close', () => signal.removeEventListener('abort', onAbort));
    }
  }

  pipeTo(sink: BodySink): Promise<void> {
    if (this.#phase !== 'held') return Promise.reject(this.#error ?? new Error('the body was already read'));
    // Bytes read along with the head are copied in at once: at most #head's size.
    if (sink.chunkLimit < maxHeadBytes) return Promise.reject(new RangeError(`a sink for the direct transport takes chunks of ${maxHeadBytes} bytes`));
    this.#sink = sink;
    this.#phase = 'body';
    const done = this.#wait();
    if (this.#framing.kind === 'length' && this.#framing.remaining === 0) this.#finish();
    else this.#continue(this.#drainHead());
    return done;
  }

  cancel(): void {
    this.#phase = 'done';
    this.#socket.destroy();
  }

  #wait(): Promise<void> {
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => { this.#pending = { resolve, reject }; });
  }

  /** The buffer the socket reads into next: the sink's room once the body flows, else #head. */
  #nextRoom(): Buffer {
    const sink = this.#sink;
    this.#readingIntoHead = this.#phase !== 'body' || !sink;
    if (this.#readingIntoHead || !sink) {
      this.#room = this.#head.subarray(Math.min(this.#headLength, maxHeadBytes - 1));
    } else {
      const room = sink.space();
      // Never read past a known end: what follows would not be ours.
      this.#room = this.#framing.kind === 'length' ? room.subarray(0, Math.max(1, this.#framing.remaining)) : room;
    }
    return this.#room;
  }

  /** Called for every read; false pauses the socket. */
  #onRead(length: number): boolean {
    try {
      if (this.#phase === 'body') {
        // The first read after pipeTo() still lands in #head (its room was handed out before).
        const more = this.#deliver(this.#room.subarray(0, length), !this.#readingIntoHead);
        if (!more) this.#continue(false);
        return more;
      }
      if (this.#phase === 'done') return false;
      this.#headLength += length;
      if (this.#phase === 'head') return this.#parseHead();
      if (this.#headLength >= maxHeadBytes - 1) throw new Error(`${this.#url.href}: too much data before the body was wanted`);
      return false;
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  #parseHead(): boolean {
    for (;;) {
      const end = this.#head.subarray(0, this.#headLength).indexOf('\r\n\r\n', this.#scanFrom);
      if (end < 0) {
        if (this.#headLength >= maxHeadBytes - 1) throw new Error(`${this.#url.href}: response head over ${maxHeadBytes} bytes`);
        this.#scanFrom = Math.max(0, this.#headLength - 3);
        return true;
      }
      const { status, headers } = parseHead(this.#head.toString('latin1', 0, end));
      this.#head.copyWithin(0, end + 4, this.#headLength);
      this.#headLength -= end + 4;
      this.#scanFrom = 0;
      if (status < 200) continue; // interim answer (100, 103): the real one follows
      this.status = status;
      this.headers = headers;
      this.#framing = framing(status, headers);
      this.#phase = 'held';
      this.#settle();
      return false;
    }
  }

  /** Body bytes that arrived in #head: copied into the sink. */
  #drainHead(): boolean {
    const data = this.#head.subarray(0, this.#headLength);
    this.#headLength = 0;
    return data.length === 0 || this.#deliver(data, false);
  }

  /** Applies the framing to freshly read bytes (in the sink's room, or elsewhere to copy in). */
  #deliver(read: Buffer, inRoom: boolean): boolean {
    const sink = this.#sink;
    if (!sink) throw new Error('body bytes before pipeTo()');
    const framing = this.#framing;
    let data = read;
    if (framing.kind === 'length') data = read.subarray(0, Math.min(read.length, framing.remaining));
    if (framing.kind === 'chunked') data = read.subarray(0, framing.decoder.decode(read));
    if (framing.kind === 'length') framing.remaining -= data.length;
    this.#received += data.length;
    const more = data.length === 0 || (inRoom ? sink.commit(data.length) : sink.append(data));
    if ((framing.kind === 'length' && framing.remaining === 0) || (framing.kind === 'chunked' && framing.decoder.done)) {
      this.#finish();
      return false;
    }
    return more;
  }

  /** Reads on when the sink takes more (now, or once it is ready), or ends a body the server closed. */
  #continue(more: boolean): void {
    if (this.#phase !== 'body') return;
    if (this.#ended) this.#onEnd();
    else if (more) this.#socket.resume();
    else void this.#sink?.ready().then(() => this.#continue(true), (error: Error) => this.#fail(error));
  }

  #onEnd(): void {
    this.#ended = true;
    if (this.#phase === 'held') return;
    if (this.#phase === 'body' && this.#framing.kind === 'close') this.#finish();
    else if (this.#phase === 'head') this.#fail(new TruncatedError(`${this.#url.href}: the connection closed before a response`));
    else this.#fail(new TruncatedError(`${this.#url.href}: the connection closed after ${this.#received} bytes of the body`));
  }

  #finish(): void {
    this.#phase = 'done';
    this.#socket.destroy();
    this.#settle();
  }

  #settle(error?: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (error) pending?.reject(error);
    else pending?.resolve();
  }

  #fail(error: Error): void {
    if (this.#phase === 'done') return;
    this.#phase = 'done';
    this.#error = error;
    this.#socket.destroy();
    this.#settle(error);
  }
}

function connect(url: URL, tlsOptions: tls.ConnectionOptions | undefined, onread: net.OnReadOpts): net.Socket {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1'); // IPv6 literals come bracketed
  const https = url.protocol === 'https:';
  const port = Number(url.port) || (https ? 443 : 80);
  if (!https) return net.connect({ host, port, onread });
  // tls.connect takes `onread` too (documented), though @types/node does not list it.
  const options: tls.ConnectionOptions & { onread: net.OnReadOpts } = { host, port, ALPNProtocols: ['http/1.1'], ...tlsOptions, onread };
  return tls.connect(options);
}

function requestHead(url: URL, headers: Record<string, string>): string {
  const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`];
  for (const [name, value] of Object.entries(headers)) {
    // Values come from the server too (ETag for If-Range): never let one end the line.
    if (/[\r\n]/.test(value)) throw new DriverError('INVALID_CONFIG', `header ${name} has a line break`, { name });
    lines.push(`${name}: ${value}`);
  }
  lines.push('connection: close', '', '');
  return lines.join('\r\n');
}

const statusLine = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/;
const headerLine = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;

/** Status and headers (names lower-cased, repeated ones as arrays) from the head's text. */
export function parseHead(text: string): { status: number; headers: HeaderMap } {
  const [first = '', ...lines] = text.split('\r\n');
  const status = statusLine.exec(first);
  if (!status) throw new Error(`not an HTTP/1.1 response: ${JSON.stringify(first.slice(0, 80))}`);
  const headers: HeaderMap = {};
  for (const line of lines) {
    const match = headerLine.exec(line);
    if (!match) throw new Error(`malformed response header: ${JSON.stringify(line.slice(0, 80))}`);
    const name = (match[1] ?? '').toLowerCase();
    const value = match[2] ?? '';
    const seen = headers[name];
    headers[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return { status: Number(status[1]), headers };
}

/** How the body ends (RFC 9112, section 6.3). */
function framing(status: number, headers: HeaderMap): Framing {
  if (status === 204 || status === 304) return { kind: 'length', remaining: 0 };
  const coding = all(headers['transfer-encoding']);
  if (coding !== undefined) return /(?:^|,)[ \t]*chunked[ \t]*$/i.test(coding) ? { kind: 'chunked', decoder: new ChunkedDecoder() } : { kind: 'close' };
  const lengths = new Set(all(headers['content-length'])?.split(',').map((v) => v.trim()));
  if (lengths.size === 0) return { kind: 'close' };
  const [length] = lengths;
  if (lengths.size > 1 || length === undefined || !/^\d{1,15}$/.test(length)) throw new Error(`bad Content-Length: ${JSON.stringify(headers['content-length'])}`);
  return { kind: 'length', remaining: Number(length) };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function all(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
