// A tiny forward proxy for plain http (absolute-form request lines), counting what it relays.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export class TestProxy {
  readonly relayed: string[] = [];
  readonly #server: http.Server;

  private constructor() {
    this.#server = http.createServer((req, res) => {
      this.relayed.push(req.url ?? '');
      const upstream = http.request(req.url ?? '', { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
  }

  static async start(): Promise<TestProxy> {
    const proxy = new TestProxy();
    proxy.#server.listen(0, '127.0.0.1');
    await once(proxy.#server, 'listening');
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
