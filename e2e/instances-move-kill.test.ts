// The instances folder holding a 3 GiB raw disk that is mostly holes, moved between this
// machine's disk and /dev/shm (two file systems, so the files are copied, not linked):
// - a `corral instances move` killed with SIGKILL mid-copy (at its progress output) leaves
//   the old folder in use and whole, and the next engine start removes its partial copy;
// - a copy keeps the disk sparse: its blocks on the target stay near the data it holds;
// - closing an engine stops its move still copying, switching nothing and keeping nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../src-main/core/engine.ts';
import { locationRecordFile } from '../src-main/core/settings/folder-location.ts';
import { moveInBackground, nextEvent, readAt, writeSparse } from './instances-move-support.ts';
import { writeGuestTemplate } from './support/guest.ts';
import { runToEnd } from './support/processes.ts';
import { corralBin } from './support/serve.ts';
import { tempDir } from './support/temp.ts';

const cache = path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache');
const GiB = 1024 ** 3;
const diskSize = 3 * GiB;
const dataAt = GiB;

describe('corral instances move: a kill, a sparse disk, an engine closing', () => {
  let root: string;
  let home: string;
  let shm: string;
  const data = randomBytes(1024 * 1024);
  const env = { ...process.env, CORRAL_CACHE: cache };
  const journal = () => path.join(home, 'instances-move.json');
  const recorded = () => fs.readFile(locationRecordFile(home, 'instances'), 'utf8').then((t) => (JSON.parse(t) as { instances: string }).instances, () => undefined);

  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    shm = await fs.mkdtemp('/dev/shm/corral-instances-kill-');
    await fs.rmdir(shm); // a new folder: the move makes it
    const engine = new Engine({ home, cache });
    try {
      await engine.create('vm', { template: await writeGuestTemplate(root) });
      await writeSparse(path.join(engine.store.dir('vm'), 'data.raw'), diskSize, dataAt, data);
    } finally {
      await engine.close();
    }
  });
  after(async () => {
    await fs.rm(shm, { recursive: true, force: true });
    await fs.rm(root, { recursive: true, force: true, maxRetries: 3 });
  });

  it('a move killed mid-copy leaves the old folder in use and whole; the next start removes its copy', { timeout: 300_000 }, async () => {
    const move = moveInBackground(home, shm, env);
    await move.progressBetween(10, 60);
    await fs.access(path.join(shm, '.corral-moving', 'vm')); // the copy is under way
    move.child.kill('SIGKILL');
    assert.equal((await move.ended).signal, 'SIGKILL');

    await new Engine({ home, cache }).close(); // close waits for the start's finishing of the move
    await assert.rejects(fs.stat(shm), { code: 'ENOENT' }, 'the partial copy and the folder the move made are gone');
    await assert.rejects(fs.stat(journal()), { code: 'ENOENT' });
    assert.equal(await recorded(), undefined, 'not switched');
    const old = path.join(home, 'instances', 'vm', 'data.raw');
    assert.ok((await fs.lstat(path.join(home, 'instances'))).isDirectory(), 'the old folder is still the folder in use');
    assert.equal((await fs.stat(old)).size, diskSize);
    assert.deepEqual(await readAt(old, dataAt, data.length), data);
  });

  it('copies a sparse disk to another file system keeping its holes', { timeout: 300_000 }, async () => {
    const moved = await runToEnd(process.execPath, [corralBin, '--home', home, 'instances', 'move', shm], { env });
    assert.equal(moved.code, 0, moved.stderr);
    const disk = path.join(shm, 'vm', 'data.raw');
    const stat = await fs.stat(disk);
    assert.equal(stat.size, diskSize);
    assert.ok(stat.blocks * 512 < 8 * 1024 * 1024, `the copy holds ${stat.blocks * 512} bytes for 1 MiB of data: its holes were filled`);
    assert.deepEqual(await readAt(disk, dataAt, data.length), data);
    assert.deepEqual(await readAt(disk, 0, 4096), Buffer.alloc(4096), 'a hole reads as zeros');
  });

  it('closing the engine stops its move still copying: nothing switched, nothing kept at the target', { timeout: 300_000 }, async () => {
    const engine = new Engine({ home, cache });
    const back = path.join(root, 'back');
    const copying = nextEvent(engine, (e) => e.type === 'instances-move' && e.phase === 'copying' && e.bytes > 0 && e.bytes < e.total);
    const outcome = engine.moveInstances(back).then(() => undefined, (error: unknown) => error);
    await copying;
    await engine.close();
    const error = await outcome;
    assert.ok(error instanceof Error);
    assert.equal(error.message, 'the instances folder was not moved: Corral closed during the copy; move it again');
    await assert.rejects(fs.stat(back), { code: 'ENOENT' });
    await assert.rejects(fs.stat(journal()), { code: 'ENOENT' });
    assert.equal(await recorded(), shm);
    assert.deepEqual(await readAt(path.join(shm, 'vm', 'data.raw'), dataAt, data.length), data);
  });
});
