import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { Downloader, listCache } from './index.ts';
import { TestServer } from './test-support/server.ts';
import { leftovers, randomBody, tempDir } from './test-support/temp.ts';

let server: TestServer;
before(async () => { server = await TestServer.start(); });
after(async () => { await server.close(); });

// A real full disk: a 1 MiB tmpfs as the cache (needs root, as on these machines and CI).
async function tinyDisk(): Promise<string | undefined> {
  const dir = await tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    return undefined;
  }
}

test('a full disk is a clear error and the partial file is removed', async (t) => {
  const cache = await tinyDisk();
  if (!cache) { t.skip('cannot mount a tmpfs here (not root?)'); return; }
  try {
    const url = server.route('/big.img', { body: randomBody(3 << 20) });
    const d = new Downloader({ cacheDir: cache });
    await assert.rejects(d.fetch({ url }), (error: unknown) => {
      assert.ok(error instanceof Error && 'code' in error);
      assert.equal(error.code, 'UNAVAILABLE');
      assert.match(error.message, /no space left/);
      return true;
    });
    assert.deepEqual(await leftovers(cache), []);
    assert.deepEqual(await listCache(cache), []);
    await d.close();
  } finally {
    execFileSync('umount', [cache]);
    await fs.rm(cache, { recursive: true, force: true });
  }
});
