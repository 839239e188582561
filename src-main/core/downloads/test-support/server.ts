// A real HTTP server on 127.0.0.1 for the downloader's tests. Each route can serve with or
// without Range support, drop the connection part-way once, stall, wait on a gate, or fail
// with a status; every request is recorded (with its Range and If-Range) and announced.
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route {
  body: Buffer;
  /** Honour Range requests (default true). */
  ranges?: boolean;
  etag?: string;
  /** The first full answer closes the connection after this fraction of the file. */
  dropOnceAt?: number;
  /** Every answer stops at this fraction of the file and then sends nothing, keeping the socket open. */
  stallAt?: number;
  /** Answers pause after half the file until this resolves ('half' is emitted then). */
  gate?: Promise<void>;
  /** Answer this status, with no body, to every request… */
  status?: number;
  /** …or only to the first `failures` requests. */
  failures?: number;
}

export interface Seen {
  path: string;
  range: string | undefined;
  ifRange: string | undefined;
}

export class TestServer extends EventEmitter {
  readonly requests: Seen[] = [];
  readonly #routes = new Map<string, Route & { dropped?: boolean; served?: number }>();
  readonly #server: http.Server;
  #port = 0;

  private constructor() {
    super();
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
  }

  static async start(): Promise<TestServer> {
    const server = new TestServer();
    server.#server.listen(0, '127.0.0.1');
    await once(server.#server, 'listening');
    server.#port = (server.#server.address() as AddressInfo).port;
    return server;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  route(path: string, route: Route): string {
    this.#routes.set(path, { ...route });
    return `${this.origin}${path}`;
  }

  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.origin).pathname;
    const seen: Seen = { path, range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined };
    this.requests.push(seen);
    this.emit('request', seen);
    const route = this.#routes.get(path);
    if (!route) { res.writeHead(404).end(); return; }
    route.served = (route.served ?? 0) + 1;
    if (route.status && (route.failures === undefined || route.served <= route.failures)) { res.writeHead(route.status).end(); return; }

    const etag = route.etag ?? '"v1"';
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/octet-stream', etag, 'last-modified': new Date(0).toUTCString() };
    if (route.ranges !== false) headers['accept-ranges'] = 'bytes';
    let start = 0;
    let status = 200;
    const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (route.ranges !== false && match && (!seen.ifRange || seen.ifRange === etag)) {
      start = Number(match[1]);
      status = 206;
      headers['content-range'] = `bytes ${start}-${route.body.length - 1}/${route.body.length}`;
    }
    const slice = route.body.subarray(start);
    headers['content-length'] = slice.length;
    res.writeHead(status, headers);

    if (route.dropOnceAt !== undefined && !route.dropped) {
      route.dropped = true;
      const cut = Math.max(0, Math.floor(route.body.length * route.dropOnceAt) - start);
      res.write(slice.subarray(0, cut), () => res.socket?.destroy());
      return;
    }
    if (route.stallAt !== undefined) {
      res.write(slice.subarray(0, Math.max(0, Math.floor(route.body.length * route.stallAt) - start)));
      return;
    }
    if (route.gate) {
      const half = Math.floor(slice.length / 2);
      res.write(slice.subarray(0, half), () => this.emit('half', seen));
      await route.gate;
      res.end(slice.subarray(half));
      return;
    }
    res.end(slice);
  }
}
