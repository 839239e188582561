import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { Downloader, listCache, pruneCache, type DownloadProgress } from './index.ts';
import { TestServer } from './test-support/server.ts';
import { leftovers, randomBody, sha256, sha512, tempDir } from './test-support/temp.ts';

let server: TestServer;
before(async () => { server = await TestServer.start(); });
after(async () => { await server.close(); });

function downloader(cacheDir: string, extra: Partial<ConstructorParameters<typeof Downloader>[0]> = {}): Downloader {
  return new Downloader({ cacheDir, retryDelayMs: 10, maxRetryDelayMs: 50, ...extra });
}

test('downloads, verifies the digest, caches, and serves the next fetch from the cache', async () => {
  const cache = await tempDir();
  const body = randomBody(3 << 20);
  const url = server.route('/ok.img', { body });
  const d = downloader(cache);
  const events: DownloadProgress[] = [];
  const first = await d.fetch({ url, digest: sha256(body), onProgress: (p) => events.push(p) });
  assert.equal(first.source, 'network');
  assert.equal(first.digest, sha256(body));
  assert.deepEqual(await fs.readFile(first.path), body);
  assert.equal(path.basename(first.path), 'data');
  for (const name of ['url', 'digest', 'time', 'type', 'meta.json']) await fs.access(path.join(path.dirname(first.path), name));
  assert.equal(events.at(-1)?.phase, 'done');
  assert.equal(events.at(-1)?.bytes, body.length);
  assert.ok(events.some((e) => e.phase === 'download' && e.total === body.length));

  const second = await d.fetch({ url, digest: sha256(body) });
  assert.equal(second.source, 'cache');
  assert.equal(second.path, first.path);
  // A different algorithm is checked by hashing the cached bytes, not by downloading again.
  const third = await d.fetch({ url, digest: sha512(body) });
  assert.equal(third.source, 'cache');
  assert.equal(server.count('/ok.img'), 1);
  const listed = await listCache(cache);
  assert.deepEqual(listed.map((e) => [e.url, e.size]), [[url, body.length]]);
  await d.close();
});

test('a file bigger than the download ring streams through it (backpressure, slot boundaries)', async () => {
  const cache = await tempDir();
  const body = randomBody((40 << 20) + 1);
  const url = server.route('/big.img', { body });
  const d = downloader(cache);
  const result = await d.fetch({ url, digest: sha256(body) });
  assert.equal(result.size, body.length);
  assert.ok((await fs.readFile(result.path)).equals(body));
  await d.close();
});

test('sizes at the edges of the ring and of O_DIRECT blocks (empty, 4 KiB +/- 1, a slot +/- 1)', async () => {
  const d = downloader(await tempDir());
  for (const size of [0, 1, 4095, 4096, 4097, (4 << 20) - 1, 4 << 20, (4 << 20) + 1]) {
    const body = randomBody(size);
    const result = await d.fetch({ url: server.route(`/edge-${size}.img`, { body }), digest: sha256(body) });
    assert.ok((await fs.readFile(result.path)).equals(body), `${size} bytes`);
  }
  await d.close();
});

test('a wrong digest is an error naming both digests, leaves the cache clean, and a right one then works', async () => {
  const cache = await tempDir();
  const body = randomBody(1 << 20);
  const url = server.route('/digest.img', { body });
  const wrong = sha256(Buffer.from('something else'));
  const d = downloader(cache);
  await assert.rejects(d.fetch({ url, digest: wrong }), (error: unknown) => {
    assert.ok(error instanceof DriverError);
    assert.equal(error.code, 'DIGEST_MISMATCH');
    assert.match(error.message, new RegExp(wrong.slice(7)));
    assert.match(error.message, new RegExp(sha256(body).slice(7)));
    assert.equal(error.details.url, url);
    return true;
  });
  assert.deepEqual(await listCache(cache), []);
  assert.deepEqual(await leftovers(cache), []);
  const ok = await d.fetch({ url, digest: sha256(body) });
  assert.deepEqual(await fs.readFile(ok.path), body);
  await d.close();
});

test('404 is NOT_FOUND naming the URL, without retries', async () => {
  const cache = await tempDir();
  const url = `${server.origin}/missing.img`;
  const d = downloader(cache);
  await assert.rejects(d.fetch({ url }), (error: unknown) => error instanceof DriverError && error.code === 'NOT_FOUND' && error.message.includes(url));
  assert.equal(server.count('/missing.img'), 1);
  await d.close();
});

test('5xx answers are retried with backoff', async () => {
  const cache = await tempDir();
  const body = randomBody(64 << 10);
  const url = server.route('/flaky.img', { body, status: 503, failures: 2 });
  const d = downloader(cache, { retries: 3 });
  const result = await d.fetch({ url, digest: sha256(body) });
  assert.deepEqual(await fs.readFile(result.path), body);
  assert.equal(server.count('/flaky.img'), 3);
  await d.close();
});

test('a server that stops sending ends in TIMEOUT after the idle time set in CORRAL_DOWNLOAD_IDLE_TIMEOUT, and the next try resumes', async () => {
  const cache = await tempDir();
  const body = randomBody(1 << 20);
  const url = server.route('/stall.img', { body, stallAt: 0.3 });
  const saved = process.env.CORRAL_DOWNLOAD_IDLE_TIMEOUT;
  process.env.CORRAL_DOWNLOAD_IDLE_TIMEOUT = '0.5';
  let d: Downloader;
  try {
    d = downloader(cache); // retries left at their default: a stall must not wait through them
  } finally {
    if (saved === undefined) delete process.env.CORRAL_DOWNLOAD_IDLE_TIMEOUT; else process.env.CORRAL_DOWNLOAD_IDLE_TIMEOUT = saved;
  }
  const started = performance.now();
  await assert.rejects(d.fetch({ url }), (error: unknown) => {
    assert.ok(error instanceof DriverError, String(error));
    assert.equal(error.code, 'TIMEOUT');
    assert.equal(error.message, `downloading ${url} stalled: no data arrived for 0.5 s; what arrived is kept and the next try resumes it; to wait longer, set CORRAL_DOWNLOAD_IDLE_TIMEOUT to more seconds (now 0.5)`);
    return true;
  });
  const took = performance.now() - started;
  assert.ok(took >= 500 && took < 5_000, `failed after ${took.toFixed(0)} ms`);
  assert.equal(server.count('/stall.img'), 1, 'a stall is not retried');
  assert.deepEqual(await listCache(cache), []);
  // The server recovers: the next fetch asks only for the rest.
  const recovered = server.route('/stall.img', { body });
  assert.equal(recovered, url);
  const result = await d.fetch({ url, digest: sha256(body) });
  assert.deepEqual(await fs.readFile(result.path), body);
  assert.match(server.requests.filter((r) => r.path === '/stall.img')[1]?.range ?? '', /^bytes=[1-9]\d*-$/);
  await d.close();
});

test('a server that sends an exact number of bytes and then stalls: progress reports that exact count while it waits', { timeout: 30_000 }, async () => {
  const cache = await tempDir();
  // Less than one of the download ring's slots, and not a multiple of anything: nothing is on disk yet.
  const body = randomBody((3 << 20) + 1234);
  const sent = Math.floor(body.length * 0.75);
  const url = server.route('/stall-count.img', { body, stallAt: 0.75 });
  // The download waits far longer than the test: the exact figure must come while it is stalled.
  const d = downloader(cache, { idleTimeoutMs: 600_000 });
  const stopped = new AbortController();
  const seen: DownloadProgress[] = [];
  const started = performance.now();
  const fetching = d.fetch({ url, signal: stopped.signal, onProgress: (p) => {
    seen.push(p);
    if (p.phase === 'download' && p.bytes === sent) stopped.abort();
  } });
  await assert.rejects(fetching, { name: 'AbortError' });
  const took = performance.now() - started;
  const downloading = seen.filter((p) => p.phase === 'download');
  assert.equal(downloading.at(-1)?.bytes, sent);
  // The trailing event is no extra one: still at most one per 100 ms interval (plus the phase's first).
  assert.ok(downloading.length <= Math.ceil(took / 100) + 1, `${downloading.length} events in ${took.toFixed(0)} ms`);
  await d.close();
});

test('a CORRAL_DOWNLOAD_IDLE_TIMEOUT that is not a number of seconds is refused in one line, by the download', async () => {
  const cache = await tempDir();
  const saved = process.env.CORRAL_DOWNLOAD_IDLE_TIMEOUT;
  process.env.CORRAL_DOWNLOAD_IDLE_TIMEOUT = '2m';
  let d: Downloader;
  try {
    d = downloader(cache); // the engine that owns it still starts
  } finally {
    if (saved === undefined) delete process.env.CORRAL_DOWNLOAD_IDLE_TIMEOUT; else process.env.CORRAL_DOWNLOAD_IDLE_TIMEOUT = saved;
  }
  await assert.rejects(d.fetch({ url: server.route('/never.img', { body: randomBody(10) }) }), {
    code: 'INVALID_CONFIG',
    message: 'CORRAL_DOWNLOAD_IDLE_TIMEOUT="2m" is not a number of seconds between 0 and 86400; set it to, say, 120, or unset it for the default 30',
  });
  assert.equal(server.count('/never.img'), 0);
  await d.close();
});

test('cancel through an AbortSignal stops the transfer, publishes nothing and frees the URL', async () => {
  const cache = await tempDir();
  const body = randomBody(2 << 20);
  let open!: () => void;
  const url = server.route('/cancel.img', { body, gate: new Promise<void>((resolve) => { open = resolve; }) });
  const d = downloader(cache);
  const controller = new AbortController();
  const half = once(server, 'half');
  const fetching = d.fetch({ url, signal: controller.signal });
  await half;
  controller.abort();
  await assert.rejects(fetching, { name: 'AbortError' });
  open();
  assert.deepEqual(await listCache(cache), []);
  // The lock was released: a new fetch proceeds (and finishes the file).
  server.route('/cancel.img', { body });
  const result = await d.fetch({ url, digest: sha256(body) });
  assert.deepEqual(await fs.readFile(result.path), body);
  await d.close();
});

test('two fetches of one URL in one process share one transfer', async () => {
  const cache = await tempDir();
  const body = randomBody(1 << 20);
  const url = server.route('/shared.img', { body });
  const d = downloader(cache);
  const [a, b] = await Promise.all([d.fetch({ url }), d.fetch({ url, digest: sha256(body) })]);
  assert.equal(a.path, b.path);
  assert.equal(server.count('/shared.img'), 1);
  await d.close();
});

test('local paths and file:// URLs are checked and used in place', async () => {
  const cache = await tempDir();
  const dir = await tempDir();
  const body = randomBody(100_000);
  const file = path.join(dir, 'disk.img');
  await fs.writeFile(file, body);
  const d = downloader(cache);
  const byPath = await d.fetch({ url: file, digest: sha256(body) });
  assert.deepEqual([byPath.path, byPath.source], [file, 'local']);
  const byUrl = await d.fetch({ url: pathToFileURL(file).href, digest: sha512(body) });
  assert.equal(byUrl.path, file);
  await assert.rejects(d.fetch({ url: file, digest: sha256(Buffer.from('x')) }), { code: 'DIGEST_MISMATCH' });
  await assert.rejects(d.fetch({ url: path.join(dir, 'nope.img') }), { code: 'NOT_FOUND' });
  await assert.rejects(d.fetch({ url: 'relative/disk.img' }), { code: 'INVALID_CONFIG' });
  assert.deepEqual(await listCache(cache), []);
  await d.close();
});

test('a local file is hashed once and remembered; a changed one is hashed again and a mismatch still refused', async () => {
  const cache = await tempDir();
  const dir = await tempDir();
  const body = randomBody(200_000);
  const file = path.join(dir, 'disk.img');
  await fs.writeFile(file, body);
  const d = downloader(cache);
  const phases = async (url: string, digest: string) => {
    const events: DownloadProgress[] = [];
    await d.fetch({ url, digest, onProgress: (p) => events.push(p) });
    return [...new Set(events.map((e) => e.phase))];
  };
  assert.deepEqual(await phases(file, sha256(body)), ['verify', 'done'], 'hashed the first time');
  assert.deepEqual(await phases(pathToFileURL(file).href, sha256(body)), ['done'], 'remembered: the same file, by path or URL');
  assert.deepEqual(await phases(file, sha512(body)), ['verify', 'done'], 'another digest is checked by hashing');

  // Same size and mtime put back, other bytes: the ctime gives it away.
  const { mtime } = await fs.stat(file);
  const changed = Buffer.from(body);
  changed[0] = (changed[0] ?? 0) ^ 0xff;
  await fs.writeFile(file, changed);
  await fs.utimes(file, mtime, mtime);
  await assert.rejects(d.fetch({ url: file, digest: sha512(body) }), { code: 'DIGEST_MISMATCH' });
  await assert.rejects(d.fetch({ url: file, digest: sha512(body) }), { code: 'DIGEST_MISMATCH' }, 'a mismatch is not remembered as good');
  // Replaced by another file (a new inode) with the original bytes: hashed again, and good.
  await fs.writeFile(`${file}.new`, body);
  await fs.rename(`${file}.new`, file);
  assert.deepEqual(await phases(file, sha512(body)), ['verify', 'done']);
  assert.deepEqual(await phases(file, sha512(body)), ['done']);
  assert.deepEqual(await listCache(cache), [], 'the records are no cache entries');
  await d.close();
});

test('the cache lists entries and prunes all or those older than a date', async () => {
  const cache = await tempDir();
  const d = downloader(cache);
  const one = server.route('/prune-1.img', { body: randomBody(1000) });
  const two = server.route('/prune-2.img', { body: randomBody(2000) });
  await d.fetch({ url: one });
  const between = new Date(Date.now() + 1);
  // Entries' times have millisecond resolution: make sure the second is strictly later.
  while (Date.now() <= between.getTime()) await new Promise((resolve) => setImmediate(resolve));
  await d.fetch({ url: two });
  assert.deepEqual((await listCache(cache)).map((e) => e.url), [one, two]);
  const some = await pruneCache(cache, { olderThan: between });
  assert.deepEqual(some.removed.map((e) => e.url), [one]);
  assert.equal(some.freedBytes, 1000);
  const rest = await pruneCache(cache);
  assert.deepEqual(rest.removed.map((e) => e.url), [two]);
  assert.deepEqual(await listCache(cache), []);
  await d.close();
});
