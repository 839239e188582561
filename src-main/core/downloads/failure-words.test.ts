// Every download ends with a phase a user can read: failed with what happened in plain words
// (real failures: a closed port, an unknown host, a 404, a wrong checksum), or cancelled; a
// local file is marked local, so the app does not list it as a download.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Downloader } from './index.ts';
import type { DownloadProgress } from './index.ts';
import { TestServer } from './test-support/server.ts';
import { randomBody, sha256, tempDir } from './test-support/temp.ts';

let server: TestServer;
before(async () => { server = await TestServer.start(); });
after(async () => { await server.close(); });

/** A port nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as net.AddressInfo;
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  return port;
}

async function lastEvent(url: string, options: { digest?: string; signal?: AbortSignal } = {}): Promise<{ last: DownloadProgress | undefined; phases: string[] }> {
  const d = new Downloader({ cacheDir: await tempDir(), retryDelayMs: 1, maxRetryDelayMs: 5 });
  const events: DownloadProgress[] = [];
  await assert.rejects(d.fetch({ url, ...options, onProgress: (p) => events.push(p) }));
  await d.close();
  return { last: events.at(-1), phases: [...new Set(events.map((e) => e.phase))] };
}

test('a closed port fails as "connection refused", once, at the end', async () => {
  const { last } = await lastEvent(`http://127.0.0.1:${await closedPort()}/disk.img`);
  assert.equal(last?.phase, 'failed');
  assert.equal(last?.failure?.reason, 'connection-refused');
  assert.match(last?.failure?.text ?? '', /^Connection refused: nothing at 127\.0\.0\.1:\d+ accepts downloads/);
  assert.equal(last?.local, false);
});

test('an unknown host fails as "host not found", naming it', async () => {
  const { last } = await lastEvent('http://no-such-host.invalid/disk.img');
  assert.equal(last?.failure?.reason, 'host-not-found');
  assert.match(last?.failure?.text ?? '', /no computer named no-such-host\.invalid/);
});

test('a 404 and a wrong checksum say so in words', async () => {
  const missing = await lastEvent(server.route('/gone.img', { body: Buffer.alloc(0), status: 404 }));
  assert.equal(missing.last?.failure?.reason, 'not-found');
  assert.match(missing.last?.failure?.text ?? '', /^Not found \(HTTP 404\)/);
  const wrong = await lastEvent(server.route('/wrong.img', { body: randomBody(4096) }), { digest: sha256(randomBody(16)) });
  assert.equal(wrong.last?.failure?.reason, 'digest-mismatch');
  assert.deepEqual(wrong.phases, ['download', 'verify', 'failed']);
  assert.doesNotMatch(wrong.last?.failure?.text ?? '', /sha256|ECONN|getaddrinfo/);
});

test('a cancelled download ends as cancelled, not failed', async () => {
  let release: () => void = () => undefined;
  const url = server.route('/slow.img', { body: randomBody(1 << 20), gate: new Promise<void>((resolve) => { release = resolve; }) });
  const controller = new AbortController();
  server.once('half', () => controller.abort(new Error('cancelled by the user')));
  const { last } = await lastEvent(url, { signal: controller.signal });
  release();
  assert.equal(last?.phase, 'cancelled');
  assert.equal(last?.failure, undefined);
});

test('a local file is reported as local', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'kernel');
  await fs.writeFile(file, randomBody(1024));
  const d = new Downloader({ cacheDir: dir });
  const events: DownloadProgress[] = [];
  await d.fetch({ url: file, onProgress: (p) => events.push(p) });
  await d.close();
  assert.ok(events.length > 0 && events.every((e) => e.local));
});
