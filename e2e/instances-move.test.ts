// `corral instances move DIR` with a real engine, real CLI processes and a real tiny guest: the
// move is refused, changing nothing, while the guest runs (naming it); once it is stopped, its
// folder is copied to another file system (/dev/shm), the switch is recorded, the old folder
// becomes a link, and the guest starts from the new folder in a new engine and boots. A move
// interrupted before or after its switch is undone or finished when the next engine starts.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../src-main/core/engine.ts';
import { locationRecordFile, recordLocation } from '../src-main/core/settings/folder-location.ts';
import { ConsoleText, readyMarker, writeGuestTemplate } from './support/guest.ts';
import { runToEnd } from './support/processes.ts';
import { corralBin } from './support/serve.ts';
import { tempDir } from './support/temp.ts';

const cache = path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache'); // shared, so the accelerator probe runs once

async function bootsToMarker(engine: Engine, name: string): Promise<void> {
  await engine.start(name);
  const session = await engine.openConsole(name);
  const text = new ConsoleText();
  session.onData((bytes) => text.push(bytes));
  try {
    await text.waitFor(readyMarker, 0, 120_000);
  } finally {
    await session.close();
  }
}

describe('corral instances move', () => {
  let root: string;
  let home: string;
  let target: string;
  let engine: Engine | undefined;
  const env = { ...process.env, CORRAL_CACHE: cache };
  const corral = (...args: string[]) => runToEnd(process.execPath, [corralBin, '--home', home, ...args], { env });

  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    target = await fs.mkdtemp('/dev/shm/corral-instances-move-');
    await fs.rmdir(target); // a new folder: the move makes it
  });
  after(async () => {
    await engine?.delete('vm', { force: true }).catch(() => undefined);
    await engine?.close();
    await fs.rm(target, { recursive: true, force: true });
    await fs.rm(root, { recursive: true, force: true, maxRetries: 3 });
  });

  it('refuses while an instance runs, naming it, and changes nothing', { timeout: 300_000 }, async () => {
    engine = new Engine({ home, cache });
    await engine.create('vm', { template: await writeGuestTemplate(root) });
    await engine.create('idle', { template: await writeGuestTemplate(root) });
    await bootsToMarker(engine, 'vm');
    const refused = await corral('instances', 'move', target);
    assert.notEqual(refused.code, 0);
    assert.equal(refused.stderr, 'corral: instance "vm" is running; stop them, then move the instances folder\n');
    await assert.rejects(fs.stat(target), { code: 'ENOENT' }, 'no target folder made');
    await assert.rejects(fs.stat(locationRecordFile(home, 'instances')), { code: 'ENOENT' }, 'not switched');
    assert.equal((await engine.inspect('vm')).state, 'Running');
    await engine.stop('vm', { force: true });
  });

  it('moves the stopped instances; later starts use the new folder and the guest boots from it', { timeout: 300_000 }, async () => {
    assert.ok(engine);
    const disk = (await fs.readdir(engine.store.dir('vm'))).sort();
    await engine.close();
    engine = undefined;
    const moved = await corral('instances', 'move', target);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, /^Moved the instances folder \(\d+(\.\d)? (B|KiB|MiB)\) from .*\/home\/instances to \/dev\/shm\/corral-instances-move-\w+; later starts use it/);
    assert.match(moved.stderr, /Moving the instances folder: 100 %/);
    assert.deepEqual(JSON.parse(await fs.readFile(locationRecordFile(home, 'instances'), 'utf8')), { version: 1, instances: target });
    assert.equal(await fs.readlink(path.join(home, 'instances')), target, 'the old folder is a link to the new one');
    assert.deepEqual((await fs.readdir(path.join(target, 'vm'))).sort(), disk, 'every file of the instance moved');
    assert.ok(!(await fs.readdir(target)).includes('.corral-moving'));

    const listed = await corral('list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { name: string; dir: string }[]).map((i) => [i.name, i.dir]).sort(), [['idle', path.join(target, 'idle')], ['vm', path.join(target, 'vm')]]);
    await fs.rm(path.join(home, 'instances')); // the link is for engines running during the move: later ones need it not
    engine = new Engine({ home, cache });
    assert.equal(engine.paths.instances, target);
    await bootsToMarker(engine, 'vm');
    await engine.stop('vm', { force: true });
    await engine.delete('vm');
    await engine.delete('idle');
    await assert.rejects(fs.stat(path.join(target, 'vm')), { code: 'ENOENT' });
  });

  it('an interrupted move is undone (before its switch) or finished (after it) when an engine starts', async () => {
    const journal = path.join(home, 'instances-move.json');
    const elsewhere = path.join(root, 'elsewhere');
    await fs.mkdir(path.join(elsewhere, 'a'), { recursive: true });
    await fs.writeFile(path.join(elsewhere, 'a', 'lima.yaml'), 'copied');
    // Killed before the switch: the copy in the target goes, the record still names the folder in use.
    await fs.writeFile(journal, JSON.stringify({ from: target, to: elsewhere, children: ['a'] }));
    await new Engine({ home, cache }).close();
    assert.deepEqual(await fs.readdir(elsewhere), []);
    await assert.rejects(fs.stat(journal), { code: 'ENOENT' });
    assert.deepEqual(JSON.parse(await fs.readFile(locationRecordFile(home, 'instances'), 'utf8')), { version: 1, instances: target });
    // Killed after the switch: the old folder goes and becomes a link to the new one.
    await fs.mkdir(path.join(elsewhere, 'a'));
    await fs.writeFile(path.join(target, 'left.txt'), 'old');
    await fs.writeFile(journal, JSON.stringify({ from: target, to: elsewhere, children: ['a'] }));
    await recordLocation(home, 'instances', elsewhere);
    const next = new Engine({ home, cache });
    try {
      assert.equal(next.paths.instances, elsewhere);
    } finally {
      await next.close(); // its finish of the move ends before the folders are removed
    }
    assert.equal(await fs.readlink(target), elsewhere);
    await assert.rejects(fs.stat(journal), { code: 'ENOENT' });
  });
});
