// Snapshots against real QEMU and the test guest: a live snapshot (memory included) taken and
// applied through QMP, and a disk snapshot of a stopped VM through qemu-img.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { DriverError, driverRpc } from '../sdk/index.ts';
import type { DriverRpc, InstanceSpec } from '../sdk/index.ts';
import { ACCEL_ENV } from './accelerator.ts';
import { qemuDriver } from './driver.ts';
import { instancePaths } from './paths.ts';
import { readPidFile } from './process.ts';
import { buildTestGuest, fakeEngine, GuestShell, guestSpec, killFromPidFiles, removeDir, tempDir } from './test-support/guest.ts';
import type { FakeEngine } from './test-support/guest.ts';

const run = promisify(execFile);

function rejectsWith(code: DriverError['code'], pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DriverError, `expected a DriverError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('qemu driver snapshots (real QEMU)', () => {
  let root: string;
  let engine: FakeEngine;
  let driver: DriverRpc;
  let spec: InstanceSpec;
  let consoles = 0;
  const savedAccel = process.env[ACCEL_ENV];

  /** Boots the guest and returns its shell, once the guest is ready. */
  async function boot(): Promise<GuestShell> {
    await driver.start(spec);
    const id = `console-${++consoles}`;
    const shell = new GuestShell(engine.streams, id);
    await driver.openConsole(spec, id);
    await shell.reader.waitFor('CORRAL-GUEST-READY');
    return shell;
  }

  before(async () => {
    process.env[ACCEL_ENV] = 'tcg'; // no accelerator probe: this suite is about snapshots
    root = await tempDir('snap');
    engine = fakeEngine();
    driver = driverRpc(qemuDriver, engine.context);
    await driver.hello();
    await driver.configure({ cacheDir: path.join(root, 'cache') });
    spec = guestSpec(root, await buildTestGuest());
    await driver.create(spec);
  });

  after(async () => {
    if (savedAccel === undefined) delete process.env.CORRAL_QEMU_ACCEL; else process.env[ACCEL_ENV] = savedAccel;
    await killFromPidFiles(instancePaths(spec).pidFile);
    await removeDir(root);
  });

  it('says it can do snapshots', async () => {
    assert.equal((await driver.hello()).capabilities.snapshots, true);
  });

  it('rejects bad names and unknown snapshots with clear errors', async () => {
    for (const tag of ['', '1', 'has space', 'semi;colon', '-dash', 'x'.repeat(64)]) {
      await assert.rejects(driver.createSnapshot(spec, tag), rejectsWith('INVALID_NAME', /invalid snapshot name/));
    }
    await assert.rejects(driver.applySnapshot(spec, 'nope'), rejectsWith('NOT_FOUND', /no snapshot "nope" \(snapshots: none\)/));
    await assert.rejects(driver.deleteSnapshot(spec, 'nope'), rejectsWith('NOT_FOUND', /no snapshot "nope"/));
  });

  it('running: create, change the guest, apply: the change is gone', async () => {
    const shell = await boot();
    const before = Date.now();
    await driver.createSnapshot(spec, 'clean');
    const [snapshot] = await driver.listSnapshots(spec);
    assert.equal(snapshot?.tag, 'clean');
    assert.equal(snapshot?.running, true);
    assert.ok((snapshot?.sizeBytes ?? 0) > 0, 'a live snapshot holds the VM state');
    assert.ok(Math.abs(Date.parse(snapshot?.createdAt ?? '') - before) < 60_000, `createdAt ${snapshot?.createdAt}`);
    await assert.rejects(driver.createSnapshot(spec, 'clean'), rejectsWith('ALREADY_EXISTS', /already has a snapshot "clean"/));

    await shell.run('echo changed > /tmp/marker');
    assert.match(await shell.run('cat /tmp/marker'), /changed/);
    await driver.applySnapshot(spec, 'clean');
    assert.equal((await driver.inspect(spec)).state, 'Running', 'loadvm resumes a running guest');
    assert.match(await shell.run('test -e /tmp/marker && echo PRESENT || echo ABSENT'), /ABSENT/);

    await driver.deleteSnapshot(spec, 'clean');
    assert.deepEqual(await driver.listSnapshots(spec), []);
  });

  it('stopped: a disk snapshot, a changed disk, apply: the disk is back', async () => {
    // A live snapshot to check that each kind is refused where it cannot be applied.
    await driver.createSnapshot(spec, 'live');
    await driver.stop(spec, { force: true, timeoutMs: 10_000 });

    await driver.createSnapshot(spec, 'disk-0');
    const listed = await driver.listSnapshots(spec);
    assert.deepEqual(listed.map((s) => [s.tag, s.running, s.sizeBytes]), [['live', true, listed[0]?.sizeBytes], ['disk-0', false, 0]]);
    await assert.rejects(driver.applySnapshot(spec, 'live'), rejectsWith('INVALID_STATE', /taken while it ran.*start guest, then apply it/));

    // Change the disk from inside the guest.
    let shell = await boot();
    await assert.rejects(driver.applySnapshot(spec, 'disk-0'), rejectsWith('INVALID_STATE', /holds only the disk.*stop guest/));
    await shell.run('printf CORRAL-DISK-MARK | dd of=/dev/vda bs=512 seek=2048 conv=fsync');
    assert.match(await shell.run('dd if=/dev/vda bs=512 skip=2048 count=1 2>/dev/null | head -c 16'), /CORRAL-DISK-MARK/);
    await driver.stop(spec, { force: true, timeoutMs: 10_000 });

    await driver.applySnapshot(spec, 'disk-0');
    shell = await boot();
    assert.doesNotMatch(await shell.run('dd if=/dev/vda bs=512 skip=2048 count=1 2>/dev/null | head -c 16'), /CORRAL-DISK-MARK/);
    await driver.stop(spec, { force: true, timeoutMs: 10_000 });

    await driver.deleteSnapshot(spec, 'disk-0');
    await driver.deleteSnapshot(spec, 'live');
    assert.deepEqual(await driver.listSnapshots(spec), []);
  });

  it('answers a list that QEMU\'s end cuts short from the disk, as when a stop races a refresh', async () => {
    await boot();
    await driver.createSnapshot(spec, 'kept');
    const paths = instancePaths(spec);
    const pid = await readPidFile(paths.pidFile);
    assert.ok(pid !== undefined, 'QEMU wrote its pid file');
    process.kill(pid, 'SIGSTOP'); // QEMU accepts nothing now: the list's QMP connection waits
    const listing = driver.listSnapshots(spec);
    await waitForQueuedConnection(paths.qmpSocket); // the list is talking to QMP
    process.kill(pid, 'SIGKILL');
    const listed = await listing;
    assert.deepEqual(listed.map((s) => [s.tag, s.running]), [['kept', true]]);
    await driver.deleteSnapshot(spec, 'kept');
  });
});

/** Until a connection waits in the listening socket's queue (ss's Recv-Q of a listener). */
async function waitForQueuedConnection(socket: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { stdout } = await run('ss', ['-xlH', 'src', socket]);
    if (Number(stdout.trim().split(/\s+/)[2] ?? 0) > 0) return;
    assert.ok(Date.now() < deadline, `no connection reached ${socket}: ${stdout}`);
    await setImmediatePromise();
  }
}
