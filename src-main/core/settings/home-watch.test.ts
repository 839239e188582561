// Only a long-lived front end (one that calls watch(): `corral serve`, the Electron shell) keeps
// a watch on CORRAL_HOME for another process's move of the instances folder; an engine a CLI
// command makes opens none. Counted from the kernel's own list of this process's inotify
// watches (/proc/self/fdinfo), by the home folder's inode.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../engine.ts';
import { tempDir } from '../downloads/test-support/temp.ts';

/** This process's inotify watches on the inode of `dir`. */
async function watchesOn(dir: string): Promise<number> {
  const inode = (await fs.stat(dir)).ino.toString(16);
  let count = 0;
  for (const fd of await fs.readdir('/proc/self/fdinfo')) {
    const info = await fs.readFile(path.join('/proc/self/fdinfo', fd), 'utf8').catch(() => '');
    count += [...info.matchAll(/^inotify wd:\S+ ino:([0-9a-f]+) /gm)].filter((m) => m[1] === inode).length;
  }
  return count;
}

describe('the engine\'s watch on CORRAL_HOME', () => {
  let root: string;
  before(async () => { root = await tempDir(); });
  after(async () => { await fs.rm(root, { recursive: true, force: true }); });

  it('is not opened by an engine that is never asked to watch (a CLI command\'s)', async () => {
    const home = path.join(root, 'cli-home');
    const engine = new Engine({ home, cache: path.join(root, 'cache') });
    try {
      await engine.list();
      assert.equal(await watchesOn(home), 0);
    } finally {
      await engine.close();
    }
  });

  it('is opened by watch() and closed by close()', async () => {
    const home = path.join(root, 'serve-home');
    const engine = new Engine({ home, cache: path.join(root, 'cache') });
    try {
      engine.watch();
      assert.equal(await watchesOn(home), 1);
    } finally {
      await engine.close();
    }
    assert.equal(await watchesOn(home), 0);
  });
});
