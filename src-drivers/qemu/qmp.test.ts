// QmpClient against a real QEMU: a bare machine held at -S (no guest to boot, so it is fast).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DriverError } from '../sdk/index.ts';
import { QmpClient } from './qmp.ts';
import type { QmpEvent } from './qmp.ts';
import { killFromPidFiles, removeDir, tempDir } from './test-support/guest.ts';

let root: string | undefined;

async function bareQemu(name: string): Promise<{ socket: string; pidFile: string }> {
  const dir = root ?? '';
  const socket = path.join(dir, `${name}.sock`);
  const pidFile = path.join(dir, `${name}.pid`);
  await new Promise<void>((resolve, reject) => {
    execFile('qemu-system-x86_64', [
      '-machine', 'q35', '-accel', 'tcg', '-m', '64M', '-nodefaults', '-display', 'none', '-S',
      '-chardev', `socket,id=qmp0,path=${socket},server=on,wait=off`, '-mon', 'chardev=qmp0,mode=control',
      '-daemonize', '-pidfile', pidFile,
    ], (error, _stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve()));
  });
  return { socket, pidFile };
}

function nextEvent(client: QmpClient, name: string): Promise<QmpEvent> {
  return new Promise((resolve) => {
    const listener = (event: QmpEvent) => {
      if (event.event !== name) return;
      client.off('event', listener);
      resolve(event);
    };
    client.on('event', listener);
  });
}

describe('QmpClient (real QEMU)', () => {
  let vm: { socket: string; pidFile: string };
  let client: QmpClient;

  before(async () => {
    root = await tempDir('qmp');
    vm = await bareQemu('vm');
    client = await QmpClient.connect(vm.socket);
  });

  after(async () => {
    client.close();
    await killFromPidFiles(vm.pidFile);
    await removeDir(root);
  });

  it('reads the greeting and runs commands', async () => {
    assert.match(client.version, /^\d+\.\d+\.\d+$/);
    assert.deepEqual(await client.execute('query-status'), { status: 'prelaunch', singlestep: false, running: false });
  });

  it('matches concurrent replies to their commands', async () => {
    const [status, name, kvm] = await Promise.all([client.execute('query-status'), client.execute('query-name'), client.execute('query-kvm')]);
    assert.equal((status as { status: string }).status, 'prelaunch');
    assert.deepEqual(name, {});
    assert.equal((kvm as { enabled: boolean }).enabled, false);
  });

  it('turns a QMP error into a VM_FAILED DriverError', async () => {
    await assert.rejects(client.execute('no-such-command'), (error: unknown) => {
      assert.ok(error instanceof DriverError);
      assert.equal(error.code, 'VM_FAILED');
      assert.equal(error.details.qmpClass, 'CommandNotFound');
      assert.match(error.message, /no-such-command/);
      return true;
    });
  });

  it('delivers asynchronous events between replies', async () => {
    const resumed = nextEvent(client, 'RESUME');
    await client.execute('cont');
    assert.equal((await resumed).event, 'RESUME');
    const stopped = nextEvent(client, 'STOP');
    await client.execute('stop');
    assert.equal((await stopped).event, 'STOP');
  });

  it('makes a second client wait: QEMU serves one QMP client at a time', async () => {
    await assert.rejects(QmpClient.connect(vm.socket, { timeoutMs: 300 }), (error: unknown) => {
      assert.ok(error instanceof DriverError);
      assert.equal(error.code, 'TIMEOUT');
      return true;
    });
  });

  it('reports a missing socket clearly', async () => {
    await assert.rejects(QmpClient.connect(path.join(root ?? '', 'nothing.sock')), /does not exist/);
  });

  it('notices when QEMU goes away and fails later commands', async () => {
    const other = await bareQemu('quitter');
    const quitter = await QmpClient.connect(other.socket);
    try {
      const closed = new Promise<Error | undefined>((resolve) => quitter.once('close', resolve));
      await quitter.execute('quit');
      assert.equal(await closed, undefined);
      await quitter.closed();
      assert.equal(quitter.isClosed, true);
      await assert.rejects(quitter.execute('query-status'), /closed/);
    } finally {
      quitter.close();
      await killFromPidFiles(other.pidFile);
    }
  });
});
