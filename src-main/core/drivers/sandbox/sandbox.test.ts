// The sandbox, seen denying: a bundle driver that reads outside its grants, writes outside its
// folders, runs an undeclared executable or reaches the network without declaring it is
// refused each time, and the refusal reaches the engine's side as a DriverError that says so.
// Each denial has a control beside it (the same act, granted, succeeds), so a sandbox that is
// merely broken cannot pass for one that works.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { fixtureDriver, tempDir } from '../../../../e2e/support/temp.ts';
import { DriverError } from '../../../../src-drivers/sdk/errors.ts';
import type { InstanceSpec } from '../../../../src-drivers/sdk/protocol.ts';
import { installBundle } from '../bundles/install.ts';
import type { InstalledDriver } from '../bundles/install.ts';
import type { Permissions } from '../bundles/manifest.ts';
import { packBundle } from '../bundles/pack.ts';
import { writeBundleDir } from '../bundles/test-support/bundles.ts';
import { DriverHost } from '../host.ts';
import { driverNodeFlags, forkDriverProcess } from '../process.ts';
import { DriverRegistry } from '../registry.ts';
import { bundleDriverEntry } from './entries.ts';
import type { EntryPaths } from './entries.ts';
import { sandboxSupport } from './spawn.ts';
import type { SshUser } from './ssh-grant.ts';
import { checkConfined, verifySandbox } from './verify.ts';

const support = sandboxSupport();
const skip = support.enforced ? false : `the sandbox is not available here: ${support.reason}`;

let root: string;
let home: string;
let paths: EntryPaths;
let probeJs: string;
let outside: string;
let granted: string;
let grantedWrite: string;
const hosts: DriverHost[] = [];

before(async () => {
  root = await tempDir('corral-sandbox-');
  home = path.join(root, 'home');
  paths = { instances: path.join(home, 'instances'), runtimeRoot: path.join(root, 'run'), downloads: path.join(root, 'cache', 'downloads'), driverCache: (d) => path.join(root, 'cache', 'drivers', d) };
  outside = path.join(root, 'outside');
  granted = path.join(root, 'granted');
  grantedWrite = path.join(root, 'granted-write');
  for (const dir of [outside, granted, grantedWrite, paths.instances]) await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(outside, 'secret.txt'), 'the user\'s secret');
  await fs.writeFile(path.join(granted, 'data.txt'), 'granted data');
  const result = await build({ entryPoints: [fixtureDriver('sandbox-probe.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', write: false, logLevel: 'silent' });
  probeJs = result.outputFiles[0]?.text ?? '';
});

after(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  await fs.rm(root, { recursive: true, force: true });
});

async function installProbe(name: string, permissions: Permissions): Promise<InstalledDriver> {
  const dir = await writeBundleDir(path.join(root, 'src', name), { 'main.mjs': probeJs }, { name, entry: 'main.mjs', platforms: ['linux'], permissions });
  const { file } = await packBundle(dir);
  return installBundle(home, file, { confirm: async () => true, sandbox: support });
}

function hostFor(driver: InstalledDriver, sshUser?: SshUser): DriverHost {
  const entry = bundleDriverEntry(driver, paths, support, sshUser ? { sshUser } : {});
  const host = new DriverHost(entry, { spawn: forkDriverProcess, logDir: path.join(home, 'logs'), cacheDir: paths.driverCache(driver.name) });
  hosts.push(host);
  return host;
}

async function order(host: DriverHost, command: string): Promise<string> {
  const dir = path.join(paths.instances, 'vm');
  await fs.mkdir(dir, { recursive: true });
  const spec: InstanceSpec = {
    name: 'vm', dir, runtimeDir: path.join(paths.runtimeRoot, 'vm'),
    config: { vmType: host.name, arch: 'x86_64', cpus: 1, memoryBytes: 1 << 28, diskBytes: 1 << 30, display: 'none', kernel: { path: '/k', cmdline: command } },
  };
  return (await host.call('start', spec)).acceleratorNote ?? '';
}

async function denied(call: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof DriverError, String(error));
    assert.equal(error.code, 'PERMISSION_DENIED', error.message);
    assert.match(error.message, message);
    return true;
  });
}

describe('a sandboxed bundle driver', { skip }, () => {
  let withExec: DriverHost;
  let withoutExec: DriverHost;
  before(async () => {
    withExec = hostFor(await installProbe('probe-exec', { read: [granted], write: [grantedWrite], exec: ['/usr/bin/id'], network: false }));
    withoutExec = hostFor(await installProbe('probe-plain', { read: [], write: [], exec: [], network: false }));
  });

  test('passes the outside check at handshake', async () => {
    const handshake = await withExec.handshake();
    assert.equal(handshake.name, 'probe');
  });

  test('reads what it was granted, and is denied a file outside its grants', async () => {
    assert.equal(await order(withExec, `read ${path.join(granted, 'data.txt')}`), 'granted data');
    await denied(order(withExec, `read ${path.join(outside, 'secret.txt')}`), /sandbox denied FileSystemRead .*secret\.txt/);
    await denied(order(withExec, 'read /etc/passwd'), /sandbox denied FileSystemRead \/etc\/passwd/);
  });

  test('writes its instance folder and its grants, and is denied anywhere else', async () => {
    assert.equal(await order(withExec, `write ${path.join(paths.instances, 'vm', 'disk')}`), 'written');
    assert.equal(await order(withExec, `write ${path.join(grantedWrite, 'out')}`), 'written');
    await denied(order(withExec, `write ${path.join(outside, 'planted')}`), /sandbox denied FileSystemWrite .*planted/);
    await denied(order(withExec, `write ${path.join(home, 'drivers', 'probe-exec', 'driver.json')}`), /sandbox denied FileSystemWrite/);
    await assert.rejects(fs.access(path.join(outside, 'planted')));
  });

  test('runs its declared executable, and is denied an undeclared one', async () => {
    assert.match(await order(withExec, 'exec /usr/bin/id'), /uid=/);
    await denied(order(withExec, 'exec /usr/bin/whoami'), /sandbox denied running \/usr\/bin\/whoami: its manifest does not declare it/);
    await denied(order(withExec, 'exec /bin/sh'), /sandbox denied running \/bin\/sh/);
  });

  test('runs with the built-in drivers\' memory flags, under the permission model', async () => {
    const flags = (await order(withoutExec, 'node-flags')).split(' ');
    for (const flag of driverNodeFlags) assert.ok(flags.includes(flag), `${flag} is missing from ${flags.join(' ')}`);
    assert.ok(flags.includes('--permission'), flags.join(' '));
  });

  test('without exec permission it can run nothing at all', async () => {
    await denied(order(withoutExec, 'exec /usr/bin/id'), /sandbox denied ChildProcess/);
  });

  test('without network permission it cannot reach even loopback', async () => {
    const server = net.createServer((socket) => socket.end()).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const networked = hostFor(await installProbe('probe-net', { read: [], write: [], exec: [], network: true }));
      assert.equal(await order(networked, `connect 127.0.0.1:${port}`), 'connected');
      await assert.rejects(order(withoutExec, `connect 127.0.0.1:${port}`), /ECONNREFUSED/);
    } finally {
      server.close();
    }
  });

  test('with "ssh", its programs see the user\'s ~/.ssh read-only, their name and the agent; nothing else of the home, and not its own Node', async () => {
    const userHome = path.join(root, 'user-home');
    await fs.mkdir(path.join(userHome, '.ssh'), { recursive: true });
    await fs.writeFile(path.join(userHome, '.ssh', 'known_hosts'), '[far]:22 ssh-ed25519 AAAA\n');
    await fs.writeFile(path.join(userHome, 'notes.txt'), 'private notes');
    const agentSocket = path.join(root, 'agent.sock');
    const agent = net.createServer((socket) => socket.end('agent here')).listen(agentSocket);
    await once(agent, 'listening');
    try {
      const me = { name: 'corral-tester', uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, home: userHome, agentSocket };
      const ssh = hostFor(await installProbe('probe-ssh', { read: [], write: [], exec: ['/usr/bin/id', '/usr/bin/cat', '/usr/bin/printenv', 'ssh'], network: true, ssh: true }), me);
      assert.equal(await order(ssh, 'exec /usr/bin/id -un'), 'corral-tester', 'ssh finds its user in the sandbox\'s passwd');
      assert.equal(await order(ssh, `exec /usr/bin/cat ${path.join(userHome, '.ssh', 'known_hosts')}`), '[far]:22 ssh-ed25519 AAAA');
      assert.equal(await order(ssh, 'exec /usr/bin/printenv SSH_AUTH_SOCK'), agentSocket);
      await assert.rejects(order(ssh, `exec /usr/bin/cat ${path.join(userHome, 'notes.txt')}`), /No such file/);
      await assert.rejects(order(ssh, `exec /usr/bin/cat ${path.join(userHome, '.ssh', 'planted')}`), /No such file/);
      await denied(order(ssh, `read ${path.join(userHome, '.ssh', 'known_hosts')}`), /sandbox denied FileSystemRead .*known_hosts/);
      // The control: without "ssh", the same programs find no user and no ~/.ssh.
      await assert.rejects(order(withExec, 'exec /usr/bin/id -un'), /cannot find name for user ID/);
    } finally {
      agent.close();
    }
  });

  test('the registry says "sandboxed" for it and "built-in" for the others', async () => {
    const registry = new DriverRegistry([], { spawn: forkDriverProcess, logDir: path.join(home, 'logs'), cacheDir: paths.driverCache });
    registry.add(bundleDriverEntry((await installProbe('probe-listed', { read: [], write: [], exec: [], network: false })), paths, support));
    registry.add({ name: 'scripted', entry: fixtureDriver('scripted-driver.ts') });
    registry.add(bundleDriverEntry({ ...(await installProbe('probe-open', { read: [], write: [], exec: [], network: false })) }, paths, { enforced: false, reason: 'bubblewrap (bwrap) is not installed' }));
    try {
      const info = Object.fromEntries((await registry.describe()).map((d) => [d.name, d]));
      assert.deepEqual(info['probe-listed']?.sandbox, { state: 'sandboxed', by: 'bubblewrap + Node permission model' });
      assert.equal(info['probe-listed']?.available.ok, true);
      assert.deepEqual(info.scripted?.sandbox, { state: 'built-in' });
      assert.deepEqual(info['probe-open']?.sandbox, { state: 'unsandboxed', reason: 'bubblewrap (bwrap) is not installed' });
    } finally {
      await registry.dispose();
    }
  });
});

describe('the outside check', { skip }, () => {
  test('refuses a driver process that is not confined', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await once(child, 'spawn');
      await assert.rejects(checkConfined(child.pid ?? 0, false), /NoNewPrivs is not set/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('finds no sandboxed Node under a process that is not bwrap', async () => {
    await assert.rejects(verifySandbox(process.pid, { node: '/nonexistent/node', network: false }), /expected one Node process under bwrap/);
  });
});
