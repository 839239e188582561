// `corral snapshot|clone|rename|edit` as a user types them, on a stopped test guest (the
// running paths are covered through the engine in reshape.test.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { corralRunner } from './support/cli.ts';
import type { CorralRunner } from './support/cli.ts';
import { writeGuestTemplate } from './support/guest.ts';
import { tempDir } from './support/temp.ts';

describe('corral snapshot, clone, rename, edit', () => {
  let root: string;
  let home: string;
  let run: CorralRunner;
  const corral = (...args: string[]) => run(args);

  async function ok(...args: string[]): Promise<string> {
    const result = await corral(...args);
    assert.equal(result.code, 0, `corral ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    run = corralRunner(home, path.join(root, 'cache'));
    await ok('create', 'vm', '--template', await writeGuestTemplate(root));
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('takes, lists, applies and deletes snapshots', async () => {
    assert.match(await ok('snapshot', 'list', 'vm'), /vm has no snapshots/);
    assert.match(await ok('snapshot', 'create', 'vm', 'first'), /Took snapshot first of vm\./);
    assert.match(await ok('snapshot', 'list', 'vm'), /^TAG\s+CREATED\s+KIND\s+VM STATE\nfirst\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+disk only\s+-$/m);
    const json = JSON.parse(await ok('snapshot', 'list', 'vm', '--json')) as { tag: string; running: boolean }[];
    assert.deepEqual(json.map((s) => [s.tag, s.running]), [['first', false]]);
    assert.match(await ok('snapshot', 'apply', 'vm', 'first'), /Applied snapshot first to vm\./);

    const missing = await corral('snapshot', 'apply', 'vm', 'second');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'corral: vm has no snapshot "second" (snapshots: first)\n');
    const bad = await corral('snapshot', 'create', 'vm', '2nd');
    assert.match(bad.stderr, /^corral: invalid snapshot name "2nd": .*starting with a letter\n$/);
    const usage = await corral('snapshot', 'create', 'vm');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing tag: corral snapshot create NAME TAG/);

    assert.match(await ok('snapshot', 'delete', 'vm', 'first'), /Deleted snapshot first of vm\./);
  });

  it('edits, clones and renames a stopped instance', async () => {
    const shrink = await corral('edit', 'vm', '--disk', '100MiB');
    assert.equal(shrink.code, 1);
    assert.match(shrink.stderr, /the disk of "vm" is 1 ?GiB; it can grow but not shrink/);
    assert.match(await ok('edit', 'vm', '--cpus', '2', '--disk', '3GiB'), /Edited vm: 2 CPUs, 256 ?MiB memory, 3 ?GiB disk\./);
    assert.match(await ok('clone', 'vm', 'vm2'), /Cloned vm as vm2\./);
    assert.match(await ok('rename', 'vm2', 'vm3'), /Renamed vm2 to vm3\./);
    const list = JSON.parse(await ok('list', '--json')) as { name: string; cpus: number; diskBytes: number }[];
    assert.deepEqual(list.map((i) => [i.name, i.cpus, i.diskBytes]), [['vm', 2, 3 * 1024 ** 3], ['vm3', 2, 3 * 1024 ** 3]]);
    const taken = await corral('rename', 'vm3', 'vm');
    assert.match(taken.stderr, /an instance named "vm" already exists/);
  });
});
