// The driver kit as a driver author relies on it: what a driver leaves out is refused the way
// the contract says, a second start or stop is BUSY, stop() powers down and ends the VM only
// when it must (saying why), a VM that went by itself is reported unless the driver ended it,
// and validate()'s refusals name the field. The QEMU and libvirt driver tests cover the same
// kit against real VMs.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DriverError } from '../errors.ts';
import type { Capabilities, InstanceSpec, StopOptions } from '../protocol.ts';
import { fakeEngine } from '../test-support/fake-engine.ts';
import { checkMemory, checkSocketPaths, formatBytes, readable } from './validate.ts';
import { exists, removeFiles, removeFolderIfEmpty } from './files.ts';
import { TransitionGuard } from './transitions.ts';
import { powerDownThenEnd } from './stop.ts';
import type { StopSteps } from './stop.ts';
import { answerUnsupported } from './unsupported.ts';
import type { DriverMethods } from './unsupported.ts';
import { WatchedVms } from './watched-vms.ts';

const spec: InstanceSpec = {
  name: 'vm', dir: '/tmp/kit-vm', runtimeDir: '/tmp/kit-run',
  config: { vmType: 'kit', arch: 'x86_64', cpus: 1, memoryBytes: 1 << 28, diskBytes: 1 << 30, display: 'none' },
};

const none: Capabilities = { pause: false, snapshots: false, display: [], console: [], imageFormats: [], accelerators: [], ssh: false, mounts: [], stats: false };

function coreMethods(): DriverMethods {
  return {
    validate: async () => undefined, create: async () => undefined, delete: async () => undefined,
    clone: async () => undefined, resizeDisk: async () => undefined, start: async () => ({ pid: 1, accelerator: 'tcg' }),
    stop: async () => undefined, inspect: async () => ({ state: 'Stopped' }),
  };
}

const withCode = (code: DriverError['code'], pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof DriverError, String(error));
  assert.equal(error.code, code);
  assert.match(error.message, pattern);
  return true;
};

describe('answerUnsupported', () => {
  it('refuses the methods of undeclared capabilities with UNSUPPORTED naming the capability, and closes unknown consoles quietly', async () => {
    const driver = answerUnsupported({ name: 'kit', capabilities: none }, coreMethods());
    await assert.rejects(driver.pause(spec), withCode('UNSUPPORTED', /does not offer pause \(capabilities\.pause is false\)/));
    await assert.rejects(driver.listSnapshots(spec), withCode('UNSUPPORTED', /capabilities\.snapshots/));
    await assert.rejects(driver.display(spec), withCode('UNSUPPORTED', /capabilities\.display is \[\]/));
    await assert.rejects(driver.openConsole(spec, 's'), withCode('UNSUPPORTED', /console/));
    assert.equal(await driver.closeConsole('never-opened'), undefined);
    assert.equal((await driver.inspect(spec)).state, 'Stopped');
  });

  it('calls a class instance\'s own methods with the instance as `this`', async () => {
    class Paused {
      readonly #state = 'Paused' as const;
      async inspect() { return { state: this.#state }; }
    }
    const instance = Object.assign(new Paused(), { ...coreMethods(), inspect: Paused.prototype.inspect });
    const driver = answerUnsupported({ name: 'kit', capabilities: none }, instance);
    assert.equal((await driver.inspect(spec)).state, 'Paused');
  });

  it('refuses at configure time a driver that declares a capability but lacks its methods', () => {
    assert.throws(() => answerUnsupported({ name: 'kit', capabilities: { ...none, pause: true } }, coreMethods()),
      withCode('INTERNAL', /declares capabilities\.pause but has no pause\(\)/));
  });
});

describe('TransitionGuard', () => {
  it('refuses a second start while one is under way with BUSY, and frees the instance when the first fails', async () => {
    const guard = new TransitionGuard();
    let release: () => void = () => undefined;
    const first = guard.during(spec, 'Starting', () => new Promise<void>((_resolve, reject) => { release = () => reject(new Error('boot failed')); }));
    assert.equal(guard.of(spec), 'Starting');
    await assert.rejects(guard.during(spec, 'Stopping', async () => undefined), withCode('BUSY', /vm is starting already/));
    release();
    await assert.rejects(first, /boot failed/);
    assert.equal(guard.of(spec), undefined);
    assert.equal(await guard.during(spec, 'Stopping', async () => 'stopped'), 'stopped');
  });
});

describe('powerDownThenEnd', () => {
  const run = async (options: StopOptions, powerDown: StopSteps['powerDown']) => {
    const engine = fakeEngine();
    const done: string[] = [];
    await powerDownThenEnd(spec, options, {
      powerDown: async (timeoutMs) => { done.push(`powerDown ${timeoutMs}`); return powerDown(timeoutMs); },
      end: async () => { done.push('end'); },
      cleanUp: async () => { done.push('cleanUp'); },
    }, engine.context);
    return { done, warnings: engine.events.flatMap((e) => (e.type === 'log' && e.level === 'warn' ? [e.message] : [])) };
  };

  it('cleans up after a guest that powered off, without ending it', async () => {
    assert.deepEqual(await run({ force: false, timeoutMs: 500 }, async () => true), { done: ['powerDown 500', 'cleanUp'], warnings: [] });
  });

  it('ends a guest that did not power off in time, and says so', async () => {
    const result = await run({ force: false, timeoutMs: 500 }, async () => 'the guest did not power off within 500 ms');
    assert.deepEqual(result, { done: ['powerDown 500', 'end'], warnings: ['vm: the guest did not power off within 500 ms; ending the VM'] });
  });

  it('ends the VM when the power-down itself fails, naming the failure', async () => {
    const result = await run({ force: false, timeoutMs: 500 }, async () => { throw new Error('monitor gone'); });
    assert.deepEqual(result, { done: ['powerDown 500', 'end'], warnings: ['vm: the power-down failed (monitor gone); ending the VM'] });
  });

  it('ends the VM at once when forced', async () => {
    assert.deepEqual(await run({ force: true, timeoutMs: 500 }, async () => true), { done: ['end'], warnings: [] });
  });
});

describe('WatchedVms', () => {
  it('reports a VM that went by itself, not one the driver ended, and undoes the driver\'s watch either way', async () => {
    const engine = fakeEngine();
    const undone: string[] = [];
    const vms = new WatchedVms<{ id: string }>(engine.context, (vm) => undone.push(vm.watch.id));
    vms.add('a', { ...spec, name: 'a' }, { id: 'a' });
    vms.add('b', { ...spec, name: 'b' }, { id: 'b' });
    vms.silence('b');
    vms.gone('a', 'the guest powered off');
    vms.gone('b', 'the guest powered off');
    vms.gone('a', 'reported twice?');
    assert.deepEqual(engine.events, [{ type: 'state', instance: 'a', state: 'Stopped', reason: 'the guest powered off' }]);
    assert.deepEqual(undone, ['a', 'b']);
    assert.equal(vms.size, 0);
  });
});

describe('validate helpers', () => {
  it('readable() names the field and says whether the file is missing', async () => {
    const missing = path.join(os.tmpdir(), `corral-kit-missing-${process.pid}`);
    await fs.rm(missing, { force: true });
    await assert.rejects(readable('images[0].kernel.location', missing, 'kernel'), (error: unknown) => {
      assert.ok(error instanceof DriverError);
      assert.equal(error.code, 'INVALID_CONFIG');
      assert.equal(error.details.field, 'images[0].kernel.location');
      assert.equal(error.message, `the kernel ${missing} does not exist`);
      return true;
    });
    await readable('images[0].kernel.location', import.meta.filename, 'kernel');
  });

  it('formatBytes() says sizes as users write them', () => {
    assert.equal(formatBytes(1024 ** 3), '1 GiB');
    assert.equal(formatBytes(1536 * 1024 ** 2), '1536 MiB');
    assert.equal(formatBytes(1000), '1000 B');
  });
});

describe('file chores', () => {
  it('removeFolderIfEmpty() leaves a runtime folder that still holds another instance\'s socket, and removes an empty one', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-kit-'));
    try {
      await fs.writeFile(path.join(dir, 'other.sock'), '');
      await removeFolderIfEmpty(dir);
      assert.ok(await exists(path.join(dir, 'other.sock')));
      await removeFiles([path.join(dir, 'other.sock'), path.join(dir, 'never-made')]);
      await removeFolderIfEmpty(dir);
      assert.equal(await exists(dir), false);
      await removeFolderIfEmpty(dir); // gone already: fine
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('checkMemory() and checkSocketPaths() name the field at fault', () => {
    assert.throws(() => checkMemory(32 * 1024 ** 2), (error: unknown) => error instanceof DriverError && error.details.field === 'memory' && /at least 64 MiB/.test(error.message));
    checkMemory(64 * 1024 ** 2);
    assert.throws(() => checkSocketPaths([`/tmp/${'x'.repeat(120)}/serial.sock`]), (error: unknown) => error instanceof DriverError && error.details.field === 'runtimeDir');
    checkSocketPaths(['/tmp/run/serial.sock']);
  });
});
