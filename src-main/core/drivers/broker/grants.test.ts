// The broker's check of a request against the manifest's grants, on real folders: what a
// driver may name, and the tricks it may not play (a link out of its instance folder, a
// socket its process could not make).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { SpawnRequest } from '../../../../src-drivers/sdk/broker.ts';
import { DriverError } from '../../../../src-drivers/sdk/errors.ts';
import { checkRequest } from './grants.ts';
import type { BrokerGrants } from './grants.ts';

let root: string;
let grants: BrokerGrants;
let instance: string;
let request: SpawnRequest;

before(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'corral-grants-')));
  instance = path.join(root, 'instances', 'vm');
  for (const dir of [instance, path.join(root, 'downloads'), path.join(root, 'secret')]) await fs.mkdir(dir, { recursive: true });
  grants = { driver: 'd', executables: ['/usr/bin/qemu-system-x86_64'], readable: [path.join(root, 'downloads'), path.join(root, 'instances')], writable: [path.join(root, 'instances')], data: [], network: false };
  request = {
    executable: '/usr/bin/qemu-system-x86_64', args: ['-m', '256M'],
    files: [{ path: path.join(root, 'downloads', 'kernel'), write: false }, { path: instance, write: true }],
    sockets: [path.join(instance, 'qmp.sock')], log: path.join(instance, 'qemu.log'),
  };
});

after(() => fs.rm(root, { recursive: true, force: true }));

function refused(changed: Partial<SpawnRequest>, message: RegExp): void {
  assert.throws(() => checkRequest({ ...request, ...changed }, grants), (error: unknown) => {
    assert.ok(error instanceof DriverError);
    assert.equal(error.code, 'PERMISSION_DENIED');
    assert.match(error.message, message);
    return true;
  });
}

test('a request inside the grants passes', () => {
  checkRequest(request, grants);
});

test('an undeclared executable is refused, naming what is declared', () => {
  refused({ executable: '/bin/sh' }, /starting \/bin\/sh: its manifest does not declare it for the broker \(it declares \/usr\/bin\/qemu-system-x86_64\)/);
});

test('a file outside the grants is refused, and a read-only grant is not a writable one', () => {
  refused({ files: [{ path: path.join(root, 'secret', 'key'), write: false }] }, /reading .*secret\/key: it is outside the paths its manifest grants/);
  refused({ files: [{ path: path.join(root, 'downloads'), write: true }] }, /writing .*downloads: it is outside the paths its manifest grants/);
  refused({ files: [{ path: `${path.join(root, 'instances')}-evil`, write: false }] }, /instances-evil: it is outside/);
});

test('a link in the instance folder does not carry a grant elsewhere', async () => {
  await fs.symlink(path.join(root, 'secret'), path.join(instance, 'link'));
  refused({ files: [{ path: path.join(instance, 'link', 'key'), write: false }] }, /reading .*link\/key: it is outside/);
});

test('sockets and the log must be where the process may write', () => {
  refused({ sockets: [path.join(root, 'secret', 'qmp.sock')] }, /the socket .*secret\/qmp\.sock: it is outside the paths its manifest grants for writing/);
  refused({ log: path.join(root, 'instances', 'other', 'qemu.log') }, /the log .*other\/qemu\.log: it is not inside a writable file of the request/);
});
