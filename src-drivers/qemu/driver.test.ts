// The QEMU driver in-process, through the SDK's RPC surface (driverRpc) with an in-memory
// engine side, against real QEMU and the real test guest.
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DriverError, driverRpc } from '../sdk/index.ts';
import type { DriverRpc, InstanceSpec } from '../sdk/index.ts';
import { ACCEL_ENV } from './accelerator.ts';
import { qemuDriver } from './driver.ts';
import { imageInfo } from './disk.ts';
import { instancePaths } from './paths.ts';
import { isAlive } from './process.ts';
import { buildTestGuest, fakeEngine, GuestShell, guestSpec, killFromPidFiles, removeDir, StreamReader, tempDir } from './test-support/guest.ts';
import type { FakeEngine, TestGuest } from './test-support/guest.ts';
import { startedPid } from '../sdk/test-support/started.ts';

const kvmUsable = await access('/dev/kvm', constants.R_OK | constants.W_OK).then(() => true, () => false);

function rejectsWith(code: DriverError['code'], pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DriverError, `expected a DriverError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

const exists = (file: string) => access(file).then(() => true, () => false);

describe('qemu driver (real QEMU)', () => {
  let root: string;
  let guest: TestGuest;
  let engine: FakeEngine;
  let driver: DriverRpc;
  let spec: InstanceSpec;
  const savedEnv = process.env[ACCEL_ENV];

  before(async () => {
    // This suite exercises the real accelerator choice (probe included).
    delete process.env.CORRAL_QEMU_ACCEL;
    root = await tempDir('drv');
    guest = await buildTestGuest();
    engine = fakeEngine();
    driver = driverRpc(qemuDriver, engine.context);
    await driver.hello();
    await driver.configure({ cacheDir: path.join(root, 'cache') });
    spec = guestSpec(root, guest);
  });

  after(async () => {
    if (savedEnv !== undefined) process.env[ACCEL_ENV] = savedEnv;
    await killFromPidFiles(instancePaths(spec).pidFile, instancePaths(guestSpec(root, guest, 'deaf')).pidFile);
    await removeDir(root);
  });

  it('describes itself', async () => {
    const hello = await driver.hello();
    assert.equal(hello.name, 'qemu');
    assert.deepEqual(hello.available, { ok: true });
    assert.equal(hello.capabilities.pause, true);
    assert.deepEqual(hello.capabilities.console, ['serial']);
    assert.equal(hello.capabilities.accelerators.at(-1), 'tcg');
  });

  it('validates specs, naming the field at fault', async () => {
    await driver.validate(spec);
    const missing = guestSpec(root, { ...guest, kernel: path.join(root, 'no-such-vmlinuz') });
    await assert.rejects(driver.validate(missing), (error: unknown) => {
      rejectsWith('INVALID_CONFIG', /no-such-vmlinuz does not exist/)(error);
      assert.equal((error as DriverError).details.field, 'images[0].kernel.location');
      return true;
    });
    const s390 = { ...spec, config: { ...spec.config, arch: 's390x' as const } };
    await assert.rejects(driver.validate(s390), rejectsWith('INVALID_CONFIG', /s390x/));
  });

  it('reports MISSING_BINARY with an install hint when QEMU is not on PATH', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = path.join(root, 'empty-bin');
    try {
      await assert.rejects(driver.validate(spec), rejectsWith('MISSING_BINARY', /qemu-system-x86_64 not found on PATH; install it/));
      await assert.rejects(driver.start(spec), rejectsWith('MISSING_BINARY'));
      const hello = await driver.hello();
      assert.equal(hello.available.ok, false);
      assert.match(hello.available.ok ? '' : hello.available.reason, /qemu-system-x86_64 not found on PATH; install it \(.*apt-get install qemu-system-x86 qemu-utils\)/);
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('creates a qcow2 overlay on the base image, idempotently', async () => {
    await driver.create(spec);
    await driver.create(spec);
    const info = await imageInfo('qemu-img', instancePaths(spec).disk);
    assert.equal(info.format, 'qcow2');
    assert.deepEqual(info.externalFiles, [guest.disk]);
    assert.equal(info.virtualSize, spec.config.diskBytes);
  });

  it('runs the lifecycle: start, console, pause, resume, graceful stop, guest poweroff, force stop, delete', async (t) => {
    const paths = instancePaths(spec);
    // The engine owns the folder: delete() must leave its files alone.
    await writeFile(path.join(spec.dir, 'lima.yaml'), 'engine-owned\n');
    assert.deepEqual(await driver.inspect(spec), { state: 'Stopped' });
    const console1 = new StreamReader(engine.streams, 'console-1');

    await t.test('start', async () => {
      const started = await driver.start(spec);
      assert.ok(startedPid(started) > 0);
      const hello = await driver.hello();
      assert.ok(hello.capabilities.accelerators.includes(started.accelerator));
      if (started.accelerator === 'tcg' && kvmUsable) assert.match(started.acceleratorNote ?? '', /kvm/);
      assert.deepEqual(await driver.inspect(spec), { state: 'Running', pid: started.pid, accelerator: started.accelerator });
      await assert.rejects(driver.start(spec), rejectsWith('INVALID_STATE', /already running/));
    });

    await t.test('console: the guest boots and runs what we type', async () => {
      await driver.openConsole(spec, 'console-1');
      await console1.waitFor('CORRAL-GUEST-READY');
      const mark = console1.text.length;
      engine.streams.write('console-1', new TextEncoder().encode('echo $((6*7))\n'));
      await console1.waitFor(/^42\r?$/m, mark);
      // A second console sees the history and shares the connection.
      const console2 = new StreamReader(engine.streams, 'console-2');
      await driver.openConsole(spec, 'console-2');
      await console2.waitFor('CORRAL-GUEST-READY');
      await driver.closeConsole('console-2');
      assert.equal(console2.ended, true);
      await driver.closeConsole('never-opened');
    });

    await t.test('pause and resume', async () => {
      await driver.pause(spec);
      assert.equal((await driver.inspect(spec)).state, 'Paused');
      await assert.rejects(driver.pause(spec), rejectsWith('INVALID_STATE', /paused/));
      await driver.resume(spec);
      assert.equal((await driver.inspect(spec)).state, 'Running');
      await assert.rejects(driver.resume(spec), rejectsWith('INVALID_STATE', /running/));
    });

    await t.test('graceful stop: the guest powers off on the ACPI button', async () => {
      const { pid } = await driver.inspect(spec);
      const warnings = engine.events.length;
      await driver.stop(spec, { force: false, timeoutMs: 30_000 });
      assert.equal(await isAlive(pid ?? 0), false);
      assert.deepEqual(await driver.inspect(spec), { state: 'Stopped' });
      assert.equal(await exists(paths.pidFile), false);
      assert.deepEqual(engine.events.slice(warnings), [], 'no timeout warning, no unprompted state event');
      await console1.untilEnded(); // the VM is gone, so are its consoles
      await assert.rejects(driver.stop(spec, { force: false, timeoutMs: 1_000 }), rejectsWith('INVALID_STATE', /not running/));
      await assert.rejects(driver.openConsole(spec, 'console-3'), rejectsWith('INVALID_STATE'));
      await assert.rejects(driver.pause(spec), rejectsWith('INVALID_STATE'));
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
      const started = performance.now();
      await driver.stop(spec, { force: true, timeoutMs: 30_000 });
      assert.ok(performance.now() - started < 5_000, 'a forced stop does not wait for the guest');
      assert.equal(await isAlive(pid), false);
      assert.deepEqual(await driver.inspect(spec), { state: 'Stopped' });

      await driver.delete(spec);
      assert.deepEqual((await readdir(spec.dir)).sort(), ['lima.yaml']);
      assert.equal(await exists(spec.runtimeDir), false);
      await driver.delete(spec); // nothing left to delete is fine
    });
  });

  it('ends a guest that ignores the power button once the stop timeout passes, with a warning', async () => {
    const deaf = guestSpec(root, guest, 'deaf');
    await driver.create(deaf);
    const pid = startedPid(await driver.start(deaf));
    const shell = new GuestShell(engine.streams, 'console-deaf');
    await driver.openConsole(deaf, 'console-deaf');
    await shell.reader.waitFor('CORRAL-GUEST-READY');
    // busybox acpid runs the guest's poweroff on the ACPI power button (see the test guest's
    // init): without it, system_powerdown reaches a guest that never acts on it.
    // Its input device closes when it is gone (a zombie holds no files): then the button is unheard.
    const output = await shell.run('p=$(pidof acpid); kill -9 $p; while ls -l /proc/$p/fd 2>/dev/null | grep -q /dev/input/event; do usleep 10000; done; echo acpid-gone-$((40+2))');
    assert.match(output, /acpid-gone-42/);
    const timeoutMs = 2_000;
    const warnings = engine.events.length;
    const started = performance.now();
    await driver.stop(deaf, { force: false, timeoutMs });
    const took = performance.now() - started;
    assert.equal(await isAlive(pid), false, 'the VM process is gone');
    assert.ok(took >= timeoutMs, `stop waited for the guest first (${Math.round(took)} ms)`);
    assert.ok(took < timeoutMs + 10_000, `stop ended the VM soon after the timeout (${Math.round(took)} ms)`);
    assert.deepEqual(engine.events.slice(warnings).filter((e) => e.type === 'log'), [
      { type: 'log', level: 'warn', message: `deaf: the guest did not power off within ${timeoutMs} ms; ending the VM` },
    ]);
    assert.deepEqual(await driver.inspect(deaf), { state: 'Stopped' });
    await shell.reader.untilEnded();
    await driver.delete(deaf);
  });

  it('reports a QEMU start failure with the tail of qemu.log, leaving nothing running', async () => {
    const broken = guestSpec(root, guest, 'broken');
    await mkdir(broken.dir, { recursive: true });
    await writeFile(instancePaths(broken).disk, 'not a qcow2 image');
    await assert.rejects(driver.start(broken), rejectsWith('VM_FAILED', /QEMU failed to start \(exit code 1\): .*qcow2.*qemu\.log/s));
    assert.deepEqual(await driver.inspect(broken), { state: 'Stopped' });
    await driver.delete(broken);
  });

  it('does not mistake a reused pid for the VM', async () => {
    const stale = guestSpec(root, guest, 'stale');
    await mkdir(stale.dir, { recursive: true });
    await writeFile(instancePaths(stale).pidFile, `${process.pid}\n`);
    assert.deepEqual(await driver.inspect(stale), { state: 'Stopped' });
    await assert.rejects(driver.stop(stale, { force: true, timeoutMs: 1_000 }), rejectsWith('INVALID_STATE'));
    await driver.delete(stale);
  });
});
