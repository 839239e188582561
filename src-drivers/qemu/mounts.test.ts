// Shared folders in the QEMU driver, against real QEMU and the tiny test guest (its cloud kernel
// has no 9p, so the guest side is proven by e2e/real-guest-mounts.test.ts): host paths with ","
// and "=" reach QEMU as one value, and each virtiofs folder's virtiofsd lives exactly as long
// as its VM, whichever way the VM ends.
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DriverError, driverRpc } from '../sdk/index.ts';
import type { DriverRpc, InstanceSpec } from '../sdk/index.ts';
import { qemuDriver } from './driver.ts';
import { instancePaths, virtiofsPidFile } from './paths.ts';
import { isAlive, readPidFile, sendSignal, waitForExit } from './process.ts';
import { buildTestGuest, fakeEngine, guestSpec, killFromPidFiles, removeDir, tempDir } from './test-support/guest.ts';
import { virtiofsAvailable } from './virtiofsd.ts';
import { startedPid } from '../sdk/test-support/started.ts';

type Mount = NonNullable<InstanceSpec['config']['mounts']>[number];
const virtiofs = await virtiofsAvailable();

describe('qemu driver: shared folders (real QEMU)', () => {
  let root: string;
  let driver: DriverRpc;
  let base: InstanceSpec;
  let hostile: string;

  before(async () => {
    root = await tempDir('mnt');
    const guest = await buildTestGuest();
    driver = driverRpc(qemuDriver, fakeEngine().context);
    await driver.hello();
    await driver.configure({ cacheDir: path.join(root, 'cache') });
    base = guestSpec(root, guest);
    // Unescaped, QEMU would read path=<root>/share and then more options: and <root>/share does not exist.
    hostile = path.join(root, 'share,readonly=off,security_model=passthrough');
    await mkdir(hostile);
    await driver.create(base);
  });

  after(async () => {
    await killFromPidFiles(instancePaths(base).pidFile);
    for (const tag of ['mount0', 'mount1']) await killFromPidFiles(virtiofsPidFile(instancePaths(base), tag));
    await removeDir(root);
  });

  const withMounts = (mounts: Mount[]): InstanceSpec => ({ ...base, config: { ...base.config, mounts } });
  const ninep: Mount = { tag: 'mount0', hostPath: '', mountPoint: '/mnt/share', writable: false, type: '9p', securityModel: 'none' };

  it('declares 9p, and virtiofs where a virtiofsd it can run is installed', async () => {
    const hello = await driver.hello();
    assert.deepEqual(hello.capabilities.mounts, virtiofs ? ['9p', 'virtiofs'] : ['9p']);
  });

  it('refuses a shared folder that is not there, naming the field', async () => {
    await assert.rejects(driver.validate(withMounts([{ ...ninep, hostPath: path.join(root, 'gone') }])), (e: unknown) =>
      e instanceof DriverError && e.code === 'INVALID_CONFIG' && e.details?.field === 'mounts[0].location' && /gone is not a folder on this host/.test(e.message));
  });

  it('starts a VM sharing a folder whose name has "," and "=" over 9p', async () => {
    const spec = withMounts([{ ...ninep, hostPath: hostile }]);
    const pid = startedPid(await driver.start(spec));
    assert.equal((await driver.inspect(spec)).state, 'Running');
    await driver.stop(spec, { force: true, timeoutMs: 10_000 });
    assert.equal(await isAlive(pid), false);
  });

  it('runs a virtiofsd per virtiofs folder for as long as the VM runs: ended at stop, gone when QEMU dies, its files removed at delete', async (t) => {
    if (!virtiofs) return t.skip('no virtiofsd this driver can run here (needs virtiofsd and root)');
    const spec = withMounts([
      { ...ninep, tag: 'mount0', hostPath: hostile, type: 'virtiofs' },
      { ...ninep, tag: 'mount1', hostPath: root, writable: true, type: 'virtiofs' },
    ]);
    const paths = instancePaths(spec);
    const daemons = async () => Promise.all(['mount0', 'mount1'].map(async (tag) => readPidFile(virtiofsPidFile(paths, tag))));

    await driver.start(spec);
    const first = await daemons();
    assert.ok(first.every((pid) => pid !== undefined), 'a pid file per folder');
    for (const pid of first) assert.equal(await isAlive(pid ?? 0), true);
    // Each virtiofsd serves its folder as the root of its sandbox: the read-only one from a
    // read-only bind mount made in a mount namespace of its own, the writable one as it is.
    const served = async (pid: number | undefined, folder: string) => {
      const lines = (await readFile(`/proc/${pid}/mountinfo`, 'utf8')).split('\n').map((line) => line.split(' '));
      return lines.find((f) => f[3] === folder.replaceAll(' ', '\\040') && f[4] === '/')?.[5]?.split(',')[0];
    };
    assert.equal(await served(first[0], hostile), 'ro');
    assert.equal(await served(first[1], root), 'rw');
    assert.doesNotMatch(await readFile('/proc/self/mountinfo', 'utf8'), /share,readonly=off/, 'the host keeps its own view');
    await driver.stop(spec, { force: true, timeoutMs: 10_000 });
    for (const pid of first) assert.equal(await isAlive(pid ?? 0), false, 'stop ends the daemons');
    assert.deepEqual(await daemons(), [undefined, undefined]);

    // QEMU killed behind the driver's back: virtiofsd sees its vhost-user connection close and exits.
    const qemu = startedPid(await driver.start(spec));
    const second = await daemons();
    sendSignal(qemu, 'SIGKILL');
    assert.ok(await waitForExit(qemu, 10_000));
    for (const pid of second) assert.ok(await waitForExit(pid ?? 0, 10_000), 'virtiofsd went with its QEMU');

    await driver.delete(spec);
    const left = [...await readdir(spec.dir).catch(() => []), ...await readdir(spec.runtimeDir).catch(() => [])];
    assert.deepEqual(left.filter((name) => name.startsWith('virtiofs')), []);
  });
});
