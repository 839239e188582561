// The libvirt driver as users get it: built and packed by scripts/pack-driver.ts, installed
// with installBundle into a fresh home, run by a DriverHost inside the bundle sandbox
// (bubblewrap + Node's permission model, only what manifest.json grants), and driving a real
// libvirt domain from there: the test guest boots to its console marker and runs what we type.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { DriverHost } from '../src-main/core/drivers/host.ts';
import { forkDriverProcess } from '../src-main/core/drivers/process.ts';
import { installBundle } from '../src-main/core/drivers/bundles/install.ts';
import { packBundle } from '../src-main/core/drivers/bundles/pack.ts';
import { bundleDriverEntry } from '../src-main/core/drivers/sandbox/entries.ts';
import { sandboxSupport } from '../src-main/core/drivers/sandbox/spawn.ts';
import type { InstanceSpec } from '../src-drivers/sdk/protocol.ts';
import { domainsUnder, removeDomainsUnder, requireLibvirt, runInGuest, StreamReader } from '../src-drivers/libvirt/test-support/libvirt.ts';
import type { Virsh } from '../src-drivers/libvirt/virsh.ts';
import { testGuest } from './support/guest.ts';
import { childrenOf, waitForExit } from './support/processes.ts';
import { repoRoot, tempDir } from './support/temp.ts';

let virsh: Virsh;
let root: string;
const hosts: DriverHost[] = [];

before(async () => {
  virsh = await requireLibvirt();
  root = await tempDir('corral-lvb-');
});

after(async () => {
  for (const host of hosts) await host.dispose();
  if (virsh && root) {
    await removeDomainsUnder(virsh, root);
    assert.deepEqual(await domainsUnder(virsh, root), [], 'no domain outlives the test');
  }
  if (root) await fs.rm(root, { recursive: true, force: true });
});

test('the libvirt bundle packs, installs, and boots the test guest from inside the sandbox', async () => {
  const support = sandboxSupport();
  assert.ok(support.enforced, `the bundle must be tested sandboxed; bubblewrap comes from scripts/install-host-packages.sh (${support.enforced ? '' : support.reason})`);

  // Built and packed the way `npm run build:drivers` does it.
  const out = path.join(root, 'dist');
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'scripts/pack-driver.ts'), 'libvirt', '--out', out], { cwd: repoRoot });
  const file = path.join(out, 'libvirt-0.1.0.corral-driver');
  assert.match(stdout, /libvirt-0\.1\.0\.corral-driver/);

  const home = path.join(root, 'home');
  const installed = await installBundle(home, file, { confirm: async () => true, sandbox: support });
  assert.deepEqual(installed.manifest.permissions, { read: [], write: ['/var/run/libvirt/libvirt-sock'], exec: ['virsh', 'ssh', 'script', '/bin/sh', 'stty'], network: true, ssh: true });
  const paths = { instances: path.join(home, 'instances'), runtimeRoot: path.join(root, 'run'), downloads: path.join(root, 'downloads'), driverCache: (d: string) => path.join(root, 'cache', d) };
  // The engine hands the driver downloaded artifacts from its downloads cache (readable inside),
  // there before the driver starts, as the engine's is.
  await fs.mkdir(paths.downloads, { recursive: true });
  const guest = await testGuest();
  for (const name of ['vmlinuz', 'initrd.img', 'disk.raw']) {
    await fs.link(path.join(guest, name), path.join(paths.downloads, name)).catch(() => fs.copyFile(path.join(guest, name), path.join(paths.downloads, name)));
  }
  const host = new DriverHost(bundleDriverEntry(installed, paths, support), { spawn: forkDriverProcess, logDir: path.join(home, 'logs'), cacheDir: paths.driverCache('libvirt') });
  hosts.push(host);

  const handshake = await host.handshake();
  assert.equal(handshake.name, 'libvirt');
  assert.equal(handshake.version, installed.manifest.version, 'the driver and its manifest agree on the version');
  assert.deepEqual(handshake.available, { ok: true }, 'virsh reaches libvirtd from inside the sandbox');

  const spec: InstanceSpec = {
    name: 'boxed',
    dir: path.join(paths.instances, 'boxed'),
    runtimeDir: path.join(paths.runtimeRoot, 'boxed'),
    config: {
      vmType: 'libvirt', arch: 'x86_64', cpus: 1, memoryBytes: 256 * 1024 ** 2, diskBytes: 128 * 1024 ** 2, display: 'vnc',
      image: { path: path.join(paths.downloads, 'disk.raw'), format: 'raw' },
      kernel: { path: path.join(paths.downloads, 'vmlinuz'), cmdline: 'quiet' },
      initrd: { path: path.join(paths.downloads, 'initrd.img') },
    },
  };
  await fs.mkdir(spec.dir, { recursive: true });

  await host.call('validate', spec);
  await host.call('create', spec);
  const started = await host.call('start', spec);
  assert.equal(started.accelerator, 'tcg');
  assert.equal((await host.call('inspect', spec)).state, 'Running');

  const streams = await host.streams();
  const reader = new StreamReader(streams, 'boxed-console');
  await host.call('openConsole', spec, 'boxed-console');
  await reader.waitFor('CORRAL-GUEST-READY');
  assert.equal((await runInGuest(streams, 'boxed-console', reader, 'echo $((6*7))')).trim(), '42');

  // The driver process dies (SIGKILL, no goodbye); the VM does not, and the next process re-attaches.
  const firstPid = await host.pid();
  assert.ok(firstPid);
  process.kill(firstPid, 'SIGKILL');
  await waitForExit(firstPid);
  assert.equal((await host.call('inspect', spec)).state, 'Running');
  assert.notEqual(await host.pid(), firstPid);
  const streams2 = await host.streams();
  const reader2 = new StreamReader(streams2, 'boxed-console-2');
  await host.call('openConsole', spec, 'boxed-console-2');
  await reader2.waitFor('CORRAL-GUEST-READY'); // replayed from serial.log
  assert.equal((await runInGuest(streams2, 'boxed-console-2', reader2, 'echo again-$((1+1))')).trim(), 'again-2');

  const display = await host.call('display', spec);
  assert.equal(display?.host, '127.0.0.1');
  assert.equal(display?.password.length, 8);

  await host.call('createSnapshot', spec, 'boxed1');
  const snapshots = await host.call('listSnapshots', spec);
  assert.deepEqual(snapshots.map((s) => [s.tag, s.running]), [['boxed1', true]]);
  assert.ok((snapshots[0]?.sizeBytes ?? 0) > 0, 'the sandboxed driver reads the snapshot sizes from the disk');
  await host.call('deleteSnapshot', spec, 'boxed1');

  await host.call('stop', spec, { force: false, timeoutMs: 30_000 });
  assert.equal((await host.call('inspect', spec)).state, 'Stopped');
  await reader2.untilEnded();
  await host.call('delete', spec);
  assert.deepEqual(await fs.readdir(spec.dir), []);
  assert.deepEqual(await domainsUnder(virsh, root), []);
});

test('without its grant on libvirt\'s socket, the same bundle cannot reach libvirt and says what to do', async () => {
  const support = sandboxSupport();
  assert.ok(support.enforced, `the bundle must be tested sandboxed (${support.enforced ? '' : support.reason})`);
  const out = path.join(root, 'dist-control');
  await promisify(execFile)(process.execPath, [path.join(repoRoot, 'scripts/pack-driver.ts'), 'libvirt', '--out', out], { cwd: repoRoot });
  // The same main.mjs, repacked with the socket grant taken away: the control for the grant above.
  const unpacked = path.join(root, 'control');
  await fs.mkdir(unpacked, { recursive: true });
  await promisify(execFile)('tar', ['xzf', path.join(out, 'libvirt-0.1.0.corral-driver'), '-C', unpacked]);
  const manifest = JSON.parse(await fs.readFile(path.join(unpacked, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  delete manifest.files;
  await fs.writeFile(path.join(unpacked, 'manifest.json'), JSON.stringify({ ...manifest, name: 'libvirt-nosock', permissions: { read: [], write: [], exec: ['virsh'], network: false } }));
  const { file } = await packBundle(unpacked, { out: path.join(root, 'libvirt-nosock.corral-driver') });
  const home = path.join(root, 'home-control');
  const installed = await installBundle(home, file, { confirm: async () => true, sandbox: support });
  const paths = { instances: path.join(home, 'instances'), runtimeRoot: path.join(root, 'run-control'), downloads: path.join(root, 'downloads-control'), driverCache: (d: string) => path.join(root, 'cache-control', d) };
  const host = new DriverHost(bundleDriverEntry(installed, paths, support), { spawn: forkDriverProcess, logDir: path.join(home, 'logs'), cacheDir: paths.driverCache('libvirt-nosock') });
  hosts.push(host);
  const { available } = await host.handshake();
  assert.equal(available.ok, false);
  assert.match(available.ok ? '' : available.reason, /cannot reach libvirt at qemu:\/\/\/system \(.*libvirt-sock.*\).*scripts\/setup-libvirt\.sh/s);
});

test('an unsandboxed driver process takes its libvirt event listener with it when the engine ends it', async () => {
  // The built-in way of running it (fork of main.ts): no sandbox to end the listener for it.
  const dir = path.join(root, 'plain');
  const host = new DriverHost({ name: 'libvirt', entry: path.join(repoRoot, 'src-drivers/libvirt/main.ts') }, { spawn: forkDriverProcess, logDir: path.join(dir, 'logs'), cacheDir: path.join(dir, 'cache') });
  hosts.push(host);
  const guest = await testGuest();
  const spec: InstanceSpec = {
    name: 'plain', dir: path.join(dir, 'plain'), runtimeDir: path.join(dir, 'plain.run'),
    config: {
      vmType: 'libvirt', arch: 'x86_64', cpus: 1, memoryBytes: 256 * 1024 ** 2, diskBytes: 128 * 1024 ** 2, display: 'none',
      image: { path: path.join(guest, 'disk.raw'), format: 'raw' },
      kernel: { path: path.join(guest, 'vmlinuz'), cmdline: 'quiet' },
      initrd: { path: path.join(guest, 'initrd.img') },
    },
  };
  await host.call('create', spec);
  await host.call('start', spec); // a running VM is watched: the listener runs
  const driverPid = await host.pid();
  assert.ok(driverPid);
  const listeners = childrenOf(driverPid).filter((pid) => readCmdline(pid).includes('event'));
  assert.equal(listeners.length, 1, 'one virsh event listener under the driver');
  await host.dispose(); // SIGTERM, as the engine ends its drivers
  for (const pid of listeners) await waitForExit(pid);
  // The VM outlives its driver; the after hook ends it.
  assert.equal((await virsh.run(['domstate', (JSON.parse(await fs.readFile(path.join(spec.dir, 'libvirt-domain.json'), 'utf8')) as { uuid: string }).uuid])).trim(), 'running');
});

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

