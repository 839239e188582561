// The libvirt driver in-process, through the SDK's RPC surface (driverRpc) with an in-memory
// engine side, against the real libvirt (qemu:///system, set up by scripts/setup-libvirt.sh)
// and the real test guest. A missing libvirt fails the suite, naming the setup script.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { testGuest } from '../../e2e/support/guest.ts';
import { DriverError, driverRpc } from '../sdk/index.ts';
import type { DriverRpc, InstanceSpec } from '../sdk/index.ts';
import { readIdentity } from './domain.ts';
import { libvirtDriver } from './driver.ts';
import { instancePaths } from './paths.ts';
import { imageFacts } from './qcow2.ts';
import { domainsUnder, fakeEngine, guestSpec, removeDir, removeDomainsUnder, requireLibvirt, runInGuest, StreamReader, tempDir } from './test-support/libvirt.ts';
import type { FakeEngine } from './test-support/libvirt.ts';
import type { Virsh } from './virsh.ts';
import { startedPid } from '../sdk/test-support/started.ts';

function rejectsWith(code: DriverError['code'], pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DriverError, `expected a DriverError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

const exists = (file: string) => access(file).then(() => true, () => false);

/** Whether a process runs (the QEMU libvirt started, seen from this host). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A fresh driver "process": nothing shared in memory with any earlier one. */
async function freshDriver(root: string): Promise<{ engine: FakeEngine; driver: DriverRpc }> {
  const engine = fakeEngine();
  const driver = driverRpc(libvirtDriver, engine.context);
  await driver.hello();
  await driver.configure({ cacheDir: path.join(root, 'cache') });
  return { engine, driver };
}

/** The RFB handshake up to the server's security types: which authentication it demands. */
function vncSecurityTypes(port: number): Promise<{ banner: string; types: number[] }> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: '127.0.0.1', port });
    let buffer = Buffer.alloc(0);
    let banner = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('no RFB handshake within 10 s')));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!banner && buffer.length >= 12) {
        banner = buffer.subarray(0, 12).toString('latin1');
        buffer = buffer.subarray(12);
        socket.write(banner); // speak the version the server offered
      }
      if (banner && buffer.length >= 1 && buffer.length >= 1 + (buffer[0] ?? 0)) {
        const count = buffer[0] ?? 0;
        resolve({ banner, types: [...buffer.subarray(1, 1 + count)] });
        socket.destroy();
      }
    });
  });
}

describe('libvirt driver (real libvirt)', () => {
  let virsh: Virsh;
  let root: string;
  let guestDir: string;
  let engine: FakeEngine;
  let driver: DriverRpc;
  let spec: InstanceSpec;

  before(async () => {
    virsh = await requireLibvirt();
    root = await tempDir('lv');
    guestDir = await testGuest();
    ({ engine, driver } = await freshDriver(root));
    spec = guestSpec(root, guestDir);
    // A NoCloud seed disk, as the engine attaches one (read-only, and outside the snapshots).
    const seed = path.join(root, 'seed');
    await mkdir(seed);
    await writeFile(path.join(seed, 'user-data'), '#cloud-config\n');
    await writeFile(path.join(seed, 'meta-data'), 'instance-id: guest\n');
    const iso = path.join(root, 'cidata.iso');
    await promisify(execFile)('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'cidata', '-J', '-r', '-o', iso, seed]);
    spec.config.cidata = { path: iso };
  });

  after(async () => {
    // Whatever a failed test left: no domain, no QEMU outlives the suite.
    if (virsh && root) {
      await removeDomainsUnder(virsh, root);
      assert.deepEqual(await domainsUnder(virsh, root), []);
    }
    await removeDir(root);
  });

  it('describes itself', async () => {
    const hello = await driver.hello();
    assert.equal(hello.name, 'libvirt');
    assert.deepEqual(hello.available, { ok: true });
    assert.deepEqual(hello.capabilities, { pause: true, snapshots: true, display: ['vnc'], console: ['serial'], imageFormats: ['qcow2', 'raw'], accelerators: ['tcg'], ssh: false });
  });

  it('says why it is unavailable when libvirt does not answer, naming the setup script', async () => {
    const saved = process.env.CORRAL_LIBVIRT_URI;
    process.env.CORRAL_LIBVIRT_URI = `qemu:///system?socket=${path.join(root, 'no-such.sock')}`;
    try {
      const hello = await driver.hello();
      assert.equal(hello.available.ok, false);
      assert.match(hello.available.ok ? '' : hello.available.reason, /cannot reach libvirt at .*no-such\.sock.*scripts\/setup-libvirt\.sh/s);
    } finally {
      if (saved === undefined) delete process.env.CORRAL_LIBVIRT_URI;
      else process.env.CORRAL_LIBVIRT_URI = saved;
    }
  });

  it('validates specs, naming the field at fault', async () => {
    await driver.validate(spec);
    const missing = guestSpec(root, guestDir);
    missing.config.kernel = { path: path.join(root, 'no-such-vmlinuz'), cmdline: '' };
    await assert.rejects(driver.validate(missing), (error: unknown) => {
      rejectsWith('INVALID_CONFIG', /no-such-vmlinuz does not exist/)(error);
      assert.equal((error as DriverError).details.field, 'images[0].kernel.location');
      return true;
    });
    await assert.rejects(driver.validate({ ...spec, config: { ...spec.config, arch: 's390x' } }), rejectsWith('INVALID_CONFIG', /s390x/));
    await assert.rejects(driver.validate({ ...spec, runtimeDir: `/tmp/${'x'.repeat(120)}` }), rejectsWith('INVALID_CONFIG', /socket path/));
    // It declares no ssh: a spec asking for the SSH forward anyway is refused, not silently booted without it.
    const withSsh = { ...spec, config: { ...spec.config, network: { macAddress: '52:55:55:12:34:56', sshLocalPort: 2222 } } };
    await assert.rejects(driver.validate(withSsh), rejectsWith('UNSUPPORTED', /cannot forward 127\.0\.0\.1:2222 .*passt/));
    await driver.validate({ ...spec, config: { ...spec.config, network: { macAddress: '52:55:55:12:34:56' } } });
  });

  it('creates a qcow2 overlay on the base image through libvirt, idempotently', async () => {
    await driver.create(spec);
    await driver.create(spec);
    const disk = instancePaths(spec).disk;
    assert.deepEqual(await imageFacts(disk), { format: 'qcow2', virtualSize: spec.config.diskBytes, backingFile: path.join(guestDir, 'disk.raw') });
    assert.equal((await stat(disk)).uid, process.getuid?.());
    assert.ok(await readIdentity(spec, instancePaths(spec)), 'the instance has its domain identity');
  });

  it('grows a stopped disk through libvirt, refuses to shrink it, and clones it', async () => {
    const sized = guestSpec(root, guestDir, 'sized');
    await driver.create(sized);
    const bigger = { ...sized, config: { ...sized.config, diskBytes: 256 * 1024 ** 2 } };
    await driver.resizeDisk(bigger);
    assert.equal((await imageFacts(instancePaths(sized).disk)).virtualSize, 256 * 1024 ** 2);
    await assert.rejects(driver.resizeDisk(sized), (error: unknown) => {
      rejectsWith('INVALID_CONFIG', /can grow but not shrink/)(error);
      assert.equal((error as DriverError).details.field, 'disk');
      return true;
    });
    const copy = guestSpec(root, guestDir, 'copy');
    await driver.clone(bigger, copy);
    assert.deepEqual(await imageFacts(instancePaths(copy).disk), await imageFacts(instancePaths(sized).disk));
    assert.equal(await readIdentity(copy, instancePaths(copy)), undefined, 'the clone gets a domain of its own at its first start');
    await driver.delete(copy);
    await driver.delete(sized);
    assert.deepEqual(await readdir(sized.dir), []);
  });

  it('runs the lifecycle: start, console, re-attach, pause, snapshots, graceful stop, poweroff, force stop, delete', async (t) => {
    const paths = instancePaths(spec);
    // The engine owns the folder: delete() must leave its files alone.
    await writeFile(path.join(spec.dir, 'lima.yaml'), 'engine-owned\n');
    assert.deepEqual(await driver.inspect(spec), { state: 'Stopped' });
    const console1 = new StreamReader(engine.streams, 'console-1');

    await t.test('start', async () => {
      const started = await driver.start(spec);
      const pid = startedPid(started);
      assert.equal(started.accelerator, 'tcg');
      assert.ok(pid > 0 && alive(pid), `QEMU's pid ${pid} is read from libvirt's pid file`);
      assert.deepEqual(await driver.inspect(spec), { state: 'Running', pid: started.pid, accelerator: 'tcg' });
      assert.equal((await domainsUnder(virsh, root)).length, 1, 'one domain, found by the folder in its metadata');
      await assert.rejects(driver.start(spec), rejectsWith('INVALID_STATE', /already running/));
    });

    await t.test('console: the guest boots and runs what we type', async () => {
      await driver.openConsole(spec, 'console-1');
      await console1.waitFor('CORRAL-GUEST-READY');
      assert.match(console1.text, /CORRAL-CIDATA-FILES \/dev\/vdb meta-data user-data/, 'the seed disk reached the guest');
      const mark = console1.text.length;
      engine.streams.write('console-1', new TextEncoder().encode('echo $((6*7))\n'));
      await console1.waitFor(/^42\r?$/m, mark);
      // A second console sees the history.
      const console2 = new StreamReader(engine.streams, 'console-2');
      await driver.openConsole(spec, 'console-2');
      await console2.waitFor('CORRAL-GUEST-READY');
      await driver.closeConsole('console-2');
      assert.equal(console2.ended, true);
      await driver.closeConsole('never-opened');
    });

    await t.test('a fresh driver process re-attaches: state, console and input', async () => {
      const other = await freshDriver(root);
      assert.equal((await other.driver.inspect(spec)).state, 'Running');
      const reader = new StreamReader(other.engine.streams, 'other-1');
      await other.driver.openConsole(spec, 'other-1');
      await reader.waitFor('CORRAL-GUEST-READY');
      assert.equal((await runInGuest(other.engine.streams, 'other-1', reader, 'echo from-$((2+3))')).trim(), 'from-5');
      await other.driver.closeConsole('other-1');
      assert.equal(reader.ended, true);
    });

    await t.test('pause and resume', async () => {
      await driver.pause(spec);
      assert.equal((await driver.inspect(spec)).state, 'Paused');
      await assert.rejects(driver.pause(spec), rejectsWith('INVALID_STATE', /paused/));
      await driver.resume(spec);
      assert.equal((await driver.inspect(spec)).state, 'Running');
      await assert.rejects(driver.resume(spec), rejectsWith('INVALID_STATE', /running/));
    });

    await t.test('live snapshots: create, list, revert (memory too), delete', async () => {
      assert.equal((await runInGuest(engine.streams, 'console-1', console1, 'echo before > /tmp/mark; cat /tmp/mark')).trim(), 'before');
      await driver.createSnapshot(spec, 'live1');
      const [snapshot, ...others] = await driver.listSnapshots(spec);
      assert.deepEqual(others, []);
      assert.equal(snapshot?.tag, 'live1');
      assert.equal(snapshot?.running, true);
      assert.ok((snapshot?.sizeBytes ?? 0) > 0, 'the saved VM state has a size');
      assert.ok(Math.abs(Date.parse(snapshot?.createdAt ?? '') - Date.now()) < 120_000, `createdAt ${snapshot?.createdAt} is about now`);
      await assert.rejects(driver.createSnapshot(spec, 'live1'), rejectsWith('ALREADY_EXISTS'));
      await assert.rejects(driver.createSnapshot(spec, 'bad name'), rejectsWith('INVALID_NAME'));
      assert.equal((await runInGuest(engine.streams, 'console-1', console1, 'echo after > /tmp/mark; cat /tmp/mark')).trim(), 'after');
      await driver.applySnapshot(spec, 'live1');
      assert.equal((await driver.inspect(spec)).state, 'Running');
      // /tmp is a tmpfs: only a restored memory brings "before" back.
      assert.equal((await runInGuest(engine.streams, 'console-1', console1, 'cat /tmp/mark')).trim(), 'before');
      await assert.rejects(driver.applySnapshot(spec, 'nope'), rejectsWith('NOT_FOUND', /no snapshot "nope"/));
      await driver.deleteSnapshot(spec, 'live1');
      assert.deepEqual(await driver.listSnapshots(spec), []);
      await assert.rejects(driver.deleteSnapshot(spec, 'live1'), rejectsWith('NOT_FOUND'));
      assert.equal(console1.ended, false, 'the console outlives the revert (QEMU restarted under it)');
    });

    await t.test('graceful stop: the guest powers off on the ACPI button', async () => {
      const { pid } = await driver.inspect(spec);
      const events = engine.events.length;
      await driver.stop(spec, { force: false, timeoutMs: 30_000 });
      assert.equal(alive(pid ?? 0), false);
      assert.deepEqual(await driver.inspect(spec), { state: 'Stopped' });
      assert.deepEqual(engine.events.slice(events), [], 'no timeout warning, no unprompted state event');
      await console1.untilEnded(); // the VM is gone, so are its consoles
      await assert.rejects(driver.stop(spec, { force: false, timeoutMs: 1_000 }), rejectsWith('INVALID_STATE', /not running/));
      await assert.rejects(driver.openConsole(spec, 'console-3'), rejectsWith('INVALID_STATE'));
      await assert.rejects(driver.pause(spec), rejectsWith('INVALID_STATE'));
      await assert.rejects(driver.display(spec), rejectsWith('INVALID_STATE'));
    });

    await t.test('disk-only snapshots while stopped', async () => {
      await driver.createSnapshot(spec, 'cold1');
      const listed = await driver.listSnapshots(spec);
      assert.deepEqual(listed.map((s) => [s.tag, s.running, s.sizeBytes]), [['cold1', false, 0]]);
      await driver.applySnapshot(spec, 'cold1');
      await driver.deleteSnapshot(spec, 'cold1');
      assert.deepEqual(await driver.listSnapshots(spec), []);
    });

    await t.test('a guest that powers off by itself is reported Stopped', async () => {
      await driver.start(spec);
      const console4 = new StreamReader(engine.streams, 'console-4');
      await driver.openConsole(spec, 'console-4');
      await console4.waitFor('CORRAL-GUEST-READY');
      engine.streams.write('console-4', new TextEncoder().encode('poweroff -f\n'));
      const event = await engine.nextEvent((e) => e.type === 'state' && e.instance === spec.name);
      assert.deepEqual(event, { type: 'state', instance: spec.name, state: 'Stopped', reason: 'the guest powered off' });
      await console4.untilEnded();
      assert.deepEqual(await driver.inspect(spec), { state: 'Stopped' });
    });

    await t.test('force stop and delete', async () => {
      const pid = startedPid(await driver.start(spec));
      await assert.rejects(driver.delete(spec), rejectsWith('INVALID_STATE', /running/));
      await driver.stop(spec, { force: true, timeoutMs: 30_000 });
      assert.equal(alive(pid), false);
      assert.deepEqual(await driver.inspect(spec), { state: 'Stopped' });

      const identity = await readIdentity(spec, paths);
      assert.ok(identity);
      await driver.delete(spec);
      assert.deepEqual((await readdir(spec.dir)).sort(), ['lima.yaml']);
      assert.equal(await exists(spec.runtimeDir), false);
      assert.equal(await virsh.runOrMissing(['domstate', identity.uuid]), undefined, 'libvirt has no such domain any more');
      await driver.delete(spec); // nothing left to delete is fine
    });
  });

  it('serves a VNC display on loopback that demands the password', async () => {
    const vnc = guestSpec(root, guestDir, 'vnc');
    vnc.config.display = 'vnc';
    await driver.create(vnc);
    await driver.start(vnc);
    try {
      const display = await driver.display(vnc);
      assert.ok(display);
      assert.equal(display.host, '127.0.0.1');
      assert.equal(display.password.length, 8);
      assert.ok(display.websocketPort && display.websocketPort > 0);
      const { banner, types } = await vncSecurityTypes(display.port);
      assert.match(banner, /^RFB 003\.00\d\n$/);
      assert.deepEqual(types, [2], 'VNC authentication (type 2) and nothing else: no password, no entry');
      assert.equal(await driver.display(guestSpec(root, guestDir, 'vnc')).catch(() => 'refused'), null, 'display none: no display');
    } finally {
      await driver.stop(vnc, { force: true, timeoutMs: 10_000 });
      await driver.delete(vnc);
    }
  });

  it('follows an instance that was renamed: the domain is renamed, a live snapshot still applies', async () => {
    const before = guestSpec(root, guestDir, 'old');
    await driver.create(before);
    await driver.start(before);
    const reader = new StreamReader(engine.streams, 'rename-1');
    await driver.openConsole(before, 'rename-1');
    await reader.waitFor('CORRAL-GUEST-READY');
    await runInGuest(engine.streams, 'rename-1', reader, 'echo kept > /tmp/mark');
    await driver.createSnapshot(before, 'live');
    await driver.stop(before, { force: true, timeoutMs: 10_000 });

    // What the engine does on rename: the folder moves, the runtime folder is derived anew.
    const moved = guestSpec(root, guestDir, 'new');
    await rename(before.dir, moved.dir);
    await mkdir(moved.runtimeDir, { recursive: true });
    await driver.start(moved);
    const identity = await readIdentity(moved, instancePaths(moved));
    assert.ok(identity);
    assert.equal((await virsh.run(['domname', identity.uuid])).trim(), identity.name);
    assert.match(identity.name, /^corral-new-/);
    const console2 = new StreamReader(engine.streams, 'rename-2');
    await driver.openConsole(moved, 'rename-2');
    await console2.waitFor('CORRAL-GUEST-READY');
    await driver.applySnapshot(moved, 'live');
    assert.equal((await runInGuest(engine.streams, 'rename-2', console2, 'cat /tmp/mark')).trim(), 'kept');
    await driver.stop(moved, { force: true, timeoutMs: 10_000 });
    await driver.delete(moved);
    assert.deepEqual(await domainsUnder(virsh, root), []);
  });

  it('refuses to start from a disk that is no longer qcow2, naming the file, and defines nothing', async () => {
    const damaged = guestSpec(root, guestDir, 'damaged');
    await mkdir(damaged.dir, { recursive: true });
    await writeFile(instancePaths(damaged).disk, 'not a qcow2 image');
    await assert.rejects(driver.start(damaged), rejectsWith('VM_FAILED', /the disk of damaged \(\S+\/disk\.qcow2\) is not in qcow2 format: .*delete the instance and create it again/));
    assert.equal((await driver.inspect(damaged)).state, 'Stopped');
    assert.deepEqual(await domainsUnder(virsh, root), []);
    await driver.delete(damaged);
  });

  it('reports a start failure with libvirt\'s reason, leaving nothing running', async () => {
    // A qcow2 whose base is gone: libvirt reads the chain itself and refuses before QEMU runs,
    // so its words are the same on every run (a QEMU that exits at once is not: see checkDisk).
    const broken = guestSpec(root, guestDir, 'broken');
    await mkdir(broken.dir, { recursive: true });
    const missingBase = path.join(root, 'gone', 'base.qcow2');
    await promisify(execFile)('qemu-img', ['create', '-q', '-f', 'qcow2', '-u', '-b', missingBase, '-F', 'qcow2', instancePaths(broken).disk, '64M']);
    await assert.rejects(driver.start(broken), rejectsWith('VM_FAILED', new RegExp(`virsh start \\S+ failed: .*${missingBase}`, 's')));
    const after = await driver.inspect(broken);
    assert.equal(after.state, 'Stopped');
    await driver.delete(broken);
    assert.deepEqual(await domainsUnder(virsh, root), []);
  });
});
