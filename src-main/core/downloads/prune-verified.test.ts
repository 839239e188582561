// `cache prune` also drops the records of verified local files: the next use hashes the file
// again (a verify phase), then remembers it anew.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { Downloader, cacheLayout, pruneCache } from './index.ts';
import type { DownloadProgress } from './index.ts';
import { randomBody, sha256, tempDir } from './test-support/temp.ts';

test('prune forgets verified local files, so the next use verifies again', async () => {
  const cache = await tempDir();
  const file = path.join(cache, 'image.raw');
  const body = randomBody(64 * 1024);
  await fs.writeFile(file, body);
  const d = new Downloader({ cacheDir: cache });
  const phases = async () => {
    const seen: DownloadProgress['phase'][] = [];
    await d.fetch({ url: file, digest: sha256(body), onProgress: (p) => seen.push(p.phase) });
    return seen;
  };
  assert.ok((await phases()).includes('verify'));
  assert.ok(!(await phases()).includes('verify'), 'remembered: not hashed again');
  assert.equal((await fs.readdir(cacheLayout(cache).verified)).length, 1);

  const result = await pruneCache(cache);
  assert.equal(result.forgotten, 1);
  assert.deepEqual(await fs.readdir(cacheLayout(cache).verified), []);
  assert.ok((await phases()).includes('verify'), 'forgotten: hashed again');
  await d.close();
});
