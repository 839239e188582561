// Image facts read straight from the files, checked against images qemu-img made.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { imageFacts, qcow2Snapshots } from './qcow2.ts';
import { removeDir, tempDir } from './test-support/libvirt.ts';

let dir: string;
before(async () => { dir = await tempDir('qcow2'); });
after(() => removeDir(dir));

const qemuImg = (...args: string[]) => execFileSync('qemu-img', args, { stdio: ['ignore', 'pipe', 'pipe'] });

test('raw and qcow2 images: format, size, backing file', async () => {
  const raw = path.join(dir, 'base.raw');
  await writeFile(raw, Buffer.alloc(3 * 65536));
  assert.deepEqual(await imageFacts(raw), { format: 'raw', virtualSize: 3 * 65536 });
  const plain = path.join(dir, 'plain.qcow2');
  qemuImg('create', '-q', '-f', 'qcow2', plain, '64M');
  assert.deepEqual(await imageFacts(plain), { format: 'qcow2', virtualSize: 64 * 1024 ** 2 });
  const overlay = path.join(dir, 'overlay.qcow2');
  qemuImg('create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', raw, overlay, '1G');
  assert.deepEqual(await imageFacts(overlay), { format: 'qcow2', virtualSize: 1024 ** 3, backingFile: raw });
  const external = path.join(dir, 'external.qcow2');
  qemuImg('create', '-q', '-f', 'qcow2', '-o', `data_file=${path.join(dir, 'external.data')}`, external, '1M');
  assert.equal((await imageFacts(external)).externalDataFile, true);
});

test('the internal snapshot table', async () => {
  const disk = path.join(dir, 'snap.qcow2');
  qemuImg('create', '-q', '-f', 'qcow2', disk, '16M');
  assert.deepEqual(await qcow2Snapshots(disk), []);
  for (const name of ['first', 'a-much-longer-snapshot-name.2']) qemuImg('snapshot', '-c', name, disk);
  const found = await qcow2Snapshots(disk);
  assert.deepEqual(found.map((s) => [s.id, s.name, s.vmStateSize]), [['1', 'first', 0], ['2', 'a-much-longer-snapshot-name.2', 0]]);
  assert.ok(found.every((s) => Math.abs(s.dateSec - Date.now() / 1000) < 600));
  await assert.rejects(qcow2Snapshots(path.join(dir, 'base.raw')), /not a qcow2 image/);
});
