// The direct transport against a raw TCP server that answers with scripted bytes, for the
// HTTP/1.1 cases the downloader's test server never produces (chunked bodies, interim answers,
// odd framing), and against an HTTPS server.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { BodySink } from './body.ts';
import { directRequest, type DirectOptions } from './direct.ts';
import { IdleTimeoutError, TruncatedError } from './failures.ts';
import { randomBody, tempDir } from './test-support/temp.ts';

/** Collects a body through small rooms, refusing more now and then (backpressure). */
class MemorySink implements BodySink {
  readonly chunkLimit = 64 << 10;
  readonly parts: Buffer[] = [];
  #room = Buffer.alloc(1000);
  #calls = 0;

  get bytes(): Buffer {
    return Buffer.concat(this.parts);
  }

  space(): Buffer {
    return this.#room;
  }

  commit(length: number): boolean {
    this.parts.push(Buffer.from(this.#room.subarray(0, length)));
    this.#room = Buffer.alloc(1000);
    return ++this.#calls % 3 !== 0;
  }

  append(chunk: Buffer): boolean {
    assert.ok(chunk.length <= this.chunkLimit);
    this.parts.push(Buffer.from(chunk));
    return ++this.#calls % 3 !== 0;
  }

  async ready(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

type Script = (socket: net.Socket, request: string) => void;
let server: net.Server;
const scripts = new Map<string, Script>();
const sockets = new Set<net.Socket>();

before(async () => {
  server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let head = '';
    socket.on('data', (data: Buffer) => {
      head += data.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const target = /^GET (\S+)/.exec(head)?.[1] ?? '';
      scripts.get(target)?.(socket, head);
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});
after(() => {
  for (const socket of sockets) socket.destroy();
  server.close();
});

function route(target: string, script: Script): string {
  scripts.set(target, script);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${target}`;
}

const options: DirectOptions = { headers: { 'user-agent': 'test' }, idleTimeoutMs: 2000, signal: undefined };

/** Writes `data` in pieces of `size` bytes, one per tick, so reads split at odd places. */
function dribble(socket: net.Socket, data: Buffer, size: number, end = true): void {
  const next = (at: number): void => {
    if (at >= data.length) { if (end) socket.end(); return; }
    socket.write(data.subarray(at, at + size), () => setImmediate(() => next(at + size)));
  };
  next(0);
}

async function fetchBody(url: string, o = options): Promise<{ status: number; body: Buffer }> {
  const res = await directRequest(url, o);
  const sink = new MemorySink();
  await res.body.pipeTo(sink);
  return { status: res.status, body: sink.bytes };
}

test('a Content-Length body arrives whole, read past the head and through backpressure', async () => {
  const body = randomBody(300_000);
  const url = route('/length', (socket, request) => {
    assert.match(request, /^GET \/length HTTP\/1\.1\r\n/);
    assert.match(request, /\r\nhost: 127\.0\.0\.1:\d+\r\n/);
    assert.match(request, /\r\nuser-agent: test\r\n/);
    assert.match(request, /\r\nconnection: close\r\n/);
    socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nETag: "x"\r\n\r\n`), body]));
  });
  const res = await directRequest(url, options);
  assert.equal(res.status, 200);
  assert.equal(res.headers.etag, '"x"');
  const sink = new MemorySink();
  await res.body.pipeTo(sink);
  assert.ok(sink.bytes.equals(body));
});

test('chunked bodies, interim 1xx answers and split reads', async () => {
  const url = route('/chunked', (socket) => {
    const text = 'HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\n';
    dribble(socket, Buffer.from(text, 'latin1'), 5, false); // the connection stays open: the framing says where it ends
  });
  assert.deepEqual(await fetchBody(url), { status: 200, body: Buffer.from('Wikipedia') });
});

test('a body without length ends with the connection', async () => {
  const body = randomBody(50_000);
  const url = route('/close', (socket) => dribble(socket, Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), body]), 7000));
  const got = await fetchBody(url);
  assert.ok(got.body.equals(body));
});

test('redirects are followed (relative Location too), up to a limit', async () => {
  const target = route('/final', (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  const url = route('/moved', (socket) => socket.end('HTTP/1.1 302 Found\r\nLocation: /final\r\nContent-Length: 0\r\n\r\n'));
  assert.deepEqual(await fetchBody(url), { status: 200, body: Buffer.from('ok') });
  assert.ok(target.endsWith('/final'));
  const loop = route('/loop', (socket) => socket.end('HTTP/1.1 301 Moved\r\nLocation: /loop\r\n\r\n'));
  await assert.rejects(directRequest(loop, options), /more than 10 redirects/);
});

test('a connection closed early, a malformed head, a huge head are errors', async () => {
  const short = route('/short', (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
  await assert.rejects(fetchBody(short), (error: unknown) => error instanceof TruncatedError && /after 3 bytes/.test(error.message));
  const nothing = route('/nothing', (socket) => socket.end());
  await assert.rejects(directRequest(nothing, options), TruncatedError);
  const garbage = route('/garbage', (socket) => socket.end('SSH-2.0-OpenSSH\r\n\r\n'));
  await assert.rejects(directRequest(garbage, options), /not an HTTP\/1\.1 response/);
  const huge = route('/huge', (socket) => socket.end(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`));
  await assert.rejects(directRequest(huge, options), /response head over/);
  const lengths = route('/lengths', (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'));
  await assert.rejects(directRequest(lengths, options), /bad Content-Length/);
});

test('silence ends in an idle timeout; an abort ends the request with its reason', async () => {
  const stall = route('/stall', (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
  await assert.rejects(fetchBody(stall, { ...options, idleTimeoutMs: 200 }), IdleTimeoutError);
  const controller = new AbortController();
  const hang = route('/hang', () => controller.abort(new Error('stop')));
  await assert.rejects(directRequest(hang, { ...options, signal: controller.signal }), /stop/);
});

test('header values cannot smuggle a line break into the request', async () => {
  const url = route('/unused', (socket) => socket.end());
  await assert.rejects(directRequest(url, { ...options, headers: { 'if-range': '"a"\r\nx: y' } }), /line break/);
});

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('https: TLS reads land in the sink the same way', { skip: !hasOpenssl() && 'openssl is not installed' }, async () => {
  const dir = await tempDir();
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  const ca = await fs.readFile(cert);
  const body = randomBody(2 << 20);
  const tlsServer = https.createServer({ key: await fs.readFile(key), cert: ca }, (_req, res) => {
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
  tlsServer.listen(0, '127.0.0.1');
  await once(tlsServer, 'listening');
  try {
    const url = `https://localhost:${(tlsServer.address() as AddressInfo).port}/tls.img`;
    const got = await fetchBody(url, { ...options, tls: { ca } });
    assert.equal(got.status, 200);
    assert.ok(got.body.equals(body));
    // The certificate is checked: without the test's CA the same request fails.
    await assert.rejects(directRequest(url, options), /self-signed|unable to verify/);
  } finally {
    tlsServer.close();
  }
});
