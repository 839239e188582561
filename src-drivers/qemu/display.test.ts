// The VNC display against real QEMU and the test guest: loopback only, a fresh password per
// start that QEMU enforces, and a screen whose pixels change when the guest writes to it.
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DriverError, driverRpc } from '../sdk/index.ts';
import type { DisplayInfo, DriverRpc, InstanceSpec } from '../sdk/index.ts';
import { ACCEL_ENV } from './accelerator.ts';
import { qemuDriver } from './driver.ts';
import { instancePaths } from './paths.ts';
import { canConnect, rfbSession } from './test-support/rfb-client.ts';
import { buildTestGuest, fakeEngine, GuestShell, guestSpec, killFromPidFiles, removeDir, tempDir } from './test-support/guest.ts';
import type { FakeEngine } from './test-support/guest.ts';

/** An address of this host that is not loopback, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(os.networkInterfaces()).flat().find((a) => a && !a.internal && a.family === 'IPv4')?.address;
}

describe('qemu driver VNC display (real QEMU)', () => {
  let root: string;
  let engine: FakeEngine;
  let driver: DriverRpc;
  let spec: InstanceSpec;
  let shell: GuestShell;
  let display: DisplayInfo;
  const savedAccel = process.env[ACCEL_ENV];

  before(async () => {
    process.env[ACCEL_ENV] = 'tcg';
    root = await tempDir('vnc');
    engine = fakeEngine();
    driver = driverRpc(qemuDriver, engine.context);
    await driver.hello();
    await driver.configure({ cacheDir: path.join(root, 'cache') });
    const base = guestSpec(root, await buildTestGuest());
    spec = { ...base, config: { ...base.config, display: 'vnc' } };
    await driver.create(spec);
    await driver.start(spec);
    shell = new GuestShell(engine.streams, 'console');
    await driver.openConsole(spec, 'console');
    await shell.reader.waitFor('CORRAL-GUEST-READY');
    const info = await driver.display(spec);
    assert.ok(info);
    display = info;
  });

  after(async () => {
    if (savedAccel === undefined) delete process.env.CORRAL_QEMU_ACCEL; else process.env[ACCEL_ENV] = savedAccel;
    await killFromPidFiles(instancePaths(spec).pidFile);
    await removeDir(root);
  });

  it('reports VNC on loopback with a websocket and a password kept out of sight', async () => {
    assert.deepEqual((await driver.hello()).capabilities.display, ['vnc']);
    assert.equal(display.kind, 'vnc');
    assert.equal(display.host, '127.0.0.1');
    assert.ok(display.port > 5900 && display.websocketPort !== undefined && display.websocketPort !== display.port);
    assert.match(display.password, /^[A-Za-z0-9_-]{8}$/);
    const paths = instancePaths(spec);
    assert.equal((await stat(paths.vncPasswordFile)).mode & 0o777, 0o600);
    const { pid } = await driver.inspect(spec);
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    assert.match(cmdline, /password=on/);
    assert.ok(!cmdline.includes(display.password), 'not on the command line');
    assert.ok(!(await readFile(paths.log, 'utf8')).includes(display.password), 'not in qemu.log');
    assert.ok(!JSON.stringify(engine.events).includes(display.password), 'not in the driver\'s log events');
  });

  it('refuses a wrong password and shows the guest screen with the right one', async () => {
    const wrong = await rfbSession(display.host, display.port, 'wrong123');
    assert.equal(wrong.ok, false);
    assert.match(wrong.ok ? '' : wrong.reason, /authentication failed/i);

    const first = await rfbSession(display.host, display.port, display.password);
    assert.ok(first.ok, first.ok ? '' : first.reason);
    assert.ok(first.width >= 640 && first.height >= 400, `${first.width}x${first.height}`);
    assert.ok(first.pixels.some((byte) => byte !== 0), 'the screen is not blank');

    await shell.run('clear > /dev/tty0; echo CORRAL-ON-SCREEN > /dev/tty0');
    const second = await rfbSession(display.host, display.port, display.password);
    assert.ok(second.ok);
    assert.ok(!second.pixels.equals(first.pixels), 'the pixels changed when the guest wrote to tty0');
  });

  it('listens on loopback only', async (t) => {
    assert.equal(await canConnect('127.0.0.1', display.port), true);
    assert.equal(await canConnect('127.0.0.1', display.websocketPort ?? 0), true);
    const address = externalAddress();
    if (!address) return t.skip('this host has no non-loopback IPv4 address to try');
    assert.equal(await canConnect(address, display.port), false, `VNC reachable on ${address}`);
    assert.equal(await canConnect(address, display.websocketPort ?? 0), false, `the VNC websocket reachable on ${address}`);
  });

  it('gets a new password at every start; a stopped VM has no display', async () => {
    await driver.stop(spec, { force: true, timeoutMs: 10_000 });
    await assert.rejects(driver.display(spec), (error: unknown) => error instanceof DriverError && error.code === 'INVALID_STATE' && /not running/.test(error.message));
    await driver.start(spec);
    const again = await driver.display(spec);
    assert.ok(again);
    assert.notEqual(again.password, display.password);
    const old = await rfbSession(again.host, again.port, display.password);
    assert.equal(old.ok, false, 'the previous run\'s password no longer works');
    await driver.stop(spec, { force: true, timeoutMs: 10_000 });
    await driver.delete(spec);
    assert.equal(await stat(instancePaths(spec).vncPasswordFile).then(() => true, () => false), false, 'delete removes the password file');
  });
});
