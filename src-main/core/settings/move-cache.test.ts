// A move interrupted after its journal was written (between the copy and the cleanup) is ended
// by the next move: switched already, the old folder becomes the link; not switched, what was
// put in the target goes and the old cache stays as it was.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { recordCache, recordedCache } from './cache-location.ts';
import { finishCacheMove } from './move-cache.ts';

describe('finishing an interrupted cache move', () => {
  let root: string;
  let home: string;
  let from: string;
  let to: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-move-finish-'));
    home = path.join(root, 'home');
    from = path.join(root, 'old');
    to = path.join(root, 'new');
    for (const dir of [home, path.join(from, 'downloads'), path.join(to, 'downloads')]) await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(from, 'downloads', 'data'), 'image');
    await fs.writeFile(path.join(to, 'downloads', 'data'), 'image');
    await fs.writeFile(path.join(home, 'cache-move.json'), JSON.stringify({ from, to, children: ['downloads'] }));
  });
  afterEach(async () => { await fs.rm(root, { recursive: true, force: true }); });

  it('after the switch: the old folder becomes a link to the new one', async () => {
    await recordCache(home, to);
    await finishCacheMove(home);
    assert.equal(await fs.readlink(from), to);
    assert.equal(await fs.readFile(path.join(from, 'downloads', 'data'), 'utf8'), 'image');
    await assert.rejects(fs.stat(path.join(home, 'cache-move.json')), { code: 'ENOENT' });
  });

  it('before the switch: the copy goes, the old cache stays in use', async () => {
    await finishCacheMove(home);
    assert.equal(recordedCache(home), undefined);
    assert.deepEqual(await fs.readdir(to), []);
    assert.equal(await fs.readFile(path.join(from, 'downloads', 'data'), 'utf8'), 'image');
    await assert.rejects(fs.stat(path.join(home, 'cache-move.json')), { code: 'ENOENT' });
  });
});
