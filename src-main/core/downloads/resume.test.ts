import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { Downloader, listCache, type DownloadProgress } from './index.ts';
import { TestServer } from './test-support/server.ts';
import { randomBody, sha256, tempDir } from './test-support/temp.ts';

let server: TestServer;
before(async () => { server = await TestServer.start(); });
after(async () => { await server.close(); });

const size = 4 << 20;

function rangeStart(range: string | undefined): number {
  const match = /^bytes=(\d+)-$/.exec(range ?? '');
  assert.ok(match, `expected a "bytes=N-" Range header, got ${String(range)}`);
  return Number(match[1]);
}

test('a connection dropped at 50% resumes from there with Range + If-Range, byte-identical', async () => {
  const cache = await tempDir();
  const body = randomBody(size);
  const url = server.route('/drop.img', { body, dropOnceAt: 0.5, etag: '"drop-v1"' });
  const d = new Downloader({ cacheDir: cache, retryDelayMs: 10 });
  const result = await d.fetch({ url, digest: sha256(body) });
  const seen = server.requests.filter((r) => r.path === '/drop.img');
  assert.equal(seen.length, 2);
  assert.equal(seen[0]?.range, undefined);
  const from = rangeStart(seen[1]?.range);
  // What arrived before the drop but was still in flight to the disk is fetched again: the
  // resume point is somewhere in the first half, never zero.
  assert.ok(from > 0 && from <= size / 2, `resumed at ${from} of ${size}`);
  assert.equal(seen[1]?.ifRange, '"drop-v1"');
  assert.ok((await fs.readFile(result.path)).equals(body));
  await d.close();
});

test('a server without Range support answers 200 to the resume: a clean restart from zero', async () => {
  const cache = await tempDir();
  const body = randomBody(size);
  const url = server.route('/norange.img', { body, dropOnceAt: 0.5, ranges: false });
  const d = new Downloader({ cacheDir: cache, retryDelayMs: 10, progressIntervalMs: 0 });
  const events: DownloadProgress[] = [];
  const result = await d.fetch({ url, digest: sha256(body), onProgress: (p) => events.push(p) });
  const seen = server.requests.filter((r) => r.path === '/norange.img');
  assert.equal(seen.length, 2);
  assert.ok(rangeStart(seen[1]?.range) > 0); // it asked to resume, the server said 200
  assert.ok(events.some((e, i) => i > 0 && e.phase === 'download' && e.bytes === 0 && (events[i - 1]?.bytes ?? 0) > 0), 'progress went back to 0');
  assert.ok((await fs.readFile(result.path)).equals(body));
  assert.equal(result.size, size);
  await d.close();
});

test('after an app restart the partial file is re-hashed and the download resumes', async () => {
  const cache = await tempDir();
  const body = randomBody(size);
  const url = server.route('/restart.img', { body, dropOnceAt: 0.5 });
  // First "run": no retries, so the drop ends it with the partial kept.
  const first = new Downloader({ cacheDir: cache, retries: 0 });
  await assert.rejects(first.fetch({ url, digest: sha256(body) }), { code: 'UNAVAILABLE' });
  await first.close();
  assert.deepEqual(await listCache(cache), []);

  const second = new Downloader({ cacheDir: cache });
  const events: DownloadProgress[] = [];
  const result = await second.fetch({ url, digest: sha256(body), onProgress: (p) => events.push(p) });
  const seen = server.requests.filter((r) => r.path === '/restart.img');
  const from = rangeStart(seen[1]?.range);
  assert.ok(from > 0 && from <= size / 2, `resumed at ${from} of ${size}`);
  assert.equal(events[0]?.phase, 'verify');
  assert.ok((await fs.readFile(result.path)).equals(body));
  await second.close();
});
