import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';
import { Downloader, type DownloadProgress } from './index.ts';
import { TestServer } from './test-support/server.ts';
import { randomBody, sha256, tempDir } from './test-support/temp.ts';

let server: TestServer;
before(async () => { server = await TestServer.start(); });
after(async () => { await server.close(); });

// Half random, half zeros: compressible enough to tell the two forms apart.
const raw = Buffer.concat([randomBody(1 << 20), Buffer.alloc(2 << 20)]);

function hasTool(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const compressors: [string, string, (() => Buffer) | string][] = [
  ['gzip', '.gz', () => zlib.gzipSync(raw)],
  ['zstd', '.zst', () => zlib.zstdCompressSync(raw)],
  ['xz', '.xz', 'xz'],
  ['bzip2', '.bz2', 'bzip2'],
];

for (const [name, ext, make] of compressors) {
  const missing = typeof make === 'string' && !hasTool(make) ? `the ${make} tool is missing (Debian package ${make === 'xz' ? 'xz-utils' : make})` : false;
  test(`${name} (${ext}) is unpacked into the cache; the digest is of the compressed bytes`, { skip: missing }, async () => {
    const packed = typeof make === 'string' ? execFileSync(make, ['-c'], { input: raw, maxBuffer: 64 << 20 }) : make();
    const cache = await tempDir();
    const url = server.route(`/image-${name}.raw${ext}`, { body: packed });
    const d = new Downloader({ cacheDir: cache });
    const events: DownloadProgress[] = [];
    const result = await d.fetch({ url, digest: sha256(packed), decompress: true, onProgress: (p) => events.push(p) });
    assert.ok((await fs.readFile(result.path)).equals(raw));
    assert.equal(result.digest, sha256(packed));
    const unpacking = events.filter((e) => e.phase === 'decompress');
    assert.ok(unpacking.length > 0);
    assert.equal(unpacking.at(-1)?.bytes, packed.length);
    assert.equal(unpacking.at(-1)?.total, packed.length);
    // The same request again is a cache hit.
    assert.equal((await d.fetch({ url, digest: sha256(packed), decompress: true })).source, 'cache');
    await d.close();
  });
}

test('compression is also recognised by magic bytes when the URL has no extension', async () => {
  const packed = zlib.gzipSync(raw);
  const cache = await tempDir();
  const url = server.route('/image-magic', { body: packed });
  const d = new Downloader({ cacheDir: cache });
  const result = await d.fetch({ url, decompress: true });
  assert.ok((await fs.readFile(result.path)).equals(raw));
  await d.close();
});

test('without decompress the bytes are kept as downloaded (archives stay archives)', async () => {
  const packed = zlib.gzipSync(raw);
  const cache = await tempDir();
  const url = server.route('/nerdctl.tar.gz', { body: packed });
  const d = new Downloader({ cacheDir: cache });
  const kept = await d.fetch({ url, digest: sha256(packed) });
  assert.ok((await fs.readFile(kept.path)).equals(packed));
  // Asking for the unpacked form later unpacks the cached bytes without downloading again.
  const unpacked = await d.fetch({ url, digest: sha256(packed), decompress: true });
  assert.ok((await fs.readFile(unpacked.path)).equals(raw));
  assert.equal(server.count('/nerdctl.tar.gz'), 1);
  await d.close();
});

test('corrupt compressed data is a clear error and nothing is cached', async () => {
  const packed = zlib.gzipSync(raw);
  packed.writeUInt8(packed.readUInt8(packed.length - 5) ^ 0xff, packed.length - 5); // breaks the trailer's CRC/size
  const cache = await tempDir();
  const url = server.route('/broken.img.gz', { body: packed });
  const d = new Downloader({ cacheDir: cache });
  await assert.rejects(d.fetch({ url, decompress: true }), (error: unknown) => error instanceof Error && 'code' in error && error.code === 'INVALID_CONFIG' && error.message.includes('gzip'));
  await d.close();
});
