// The libvirt bundle against a remote host that shares no files with this one: a second
// libvirtd in its own mount namespace, reached as qemu+ssh through an sshd on 127.0.0.1
// (e2e/fixtures/remote-host/). The bundle is packed, installed and run sandboxed, as users get
// it (e2e/fixtures/remote-host/sandboxed-libvirt.ts): ssh inside the sandbox finds the key and
// the host key in the ~/.ssh of a home made for the test, or the key in an SSH agent. One boot
// of the tiny guest: create (uploads by digest), start, console, a VNC frame through the
// tunnel, snapshot, the SSH connection killed mid-run (the VM goes on; a fresh driver
// re-attaches), stop, delete (shared uploads go with their last user); then the bad connections.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { DriverEvent, InstanceSpec } from '../src-drivers/sdk/index.ts';
import { removeDir, runInGuest, StreamReader, tempDir, waitForShell } from '../src-drivers/libvirt/test-support/libvirt.ts';
import { Virsh } from '../src-drivers/libvirt/virsh.ts';
import { rfbSession } from '../src-drivers/qemu/test-support/rfb-client.ts';
import type { SshUser } from '../src-main/core/drivers/sandbox/ssh-grant.ts';
import { startRemoteHost } from './fixtures/remote-host/remote-host.ts';
import type { RemoteHost } from './fixtures/remote-host/remote-host.ts';
import { sandboxedLibvirt, sshHome } from './fixtures/remote-host/sandboxed-libvirt.ts';
import type { SandboxedDriver, SandboxedLibvirt } from './fixtures/remote-host/sandboxed-libvirt.ts';
import { readyMarker, testGuest } from './support/guest.ts';
import { childrenOf, waitForExit } from './support/processes.ts';

const run = promisify(execFile);

/** Names of the volumes in Corral's pool on the remote host. */
async function poolVolumes(virsh: Virsh): Promise<string[]> {
  await virsh.run(['pool-refresh', 'corral']);
  return (await virsh.run(['vol-list', 'corral'])).split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n && n !== 'Name' && !/^-+$/.test(n)).sort();
}

const uploadLines = (events: DriverEvent[]) => events.filter((e) => e.type === 'log' && /uploading .* 100 %/.test(e.message));

/** A spec for the test guest whose files are in the engine's downloads (readable in the sandbox). */
function specIn(lab: SandboxedLibvirt, name: string, display: 'vnc' | 'none'): InstanceSpec {
  const { downloads } = lab.paths;
  return {
    name,
    dir: path.join(lab.paths.instances, name),
    runtimeDir: path.join(lab.paths.runtimeRoot, name),
    config: {
      vmType: 'libvirt', arch: 'x86_64', cpus: 1, memoryBytes: 256 * 1024 ** 2, diskBytes: 128 * 1024 ** 2, display,
      image: { path: path.join(downloads, 'disk.raw'), format: 'raw' },
      kernel: { path: path.join(downloads, 'vmlinuz'), cmdline: 'quiet' },
      initrd: { path: path.join(downloads, 'initrd.img') },
    },
  };
}

describe('libvirt bundle, sandboxed, on a remote host (qemu+ssh, no shared files)', () => {
  let host: RemoteHost;
  let root: string;
  let remote: Virsh;
  let lab: SandboxedLibvirt;
  let user: SshUser;
  let main: SandboxedDriver;
  let spec: InstanceSpec;
  let second: InstanceSpec;
  let console1: StreamReader;

  before(async () => {
    root = await tempDir('remote');
    host = await startRemoteHost();
    remote = new Virsh(host.uri);
    lab = await sandboxedLibvirt(root);
    const guest = await testGuest();
    await mkdir(lab.paths.downloads, { recursive: true });
    for (const name of ['vmlinuz', 'initrd.img', 'disk.raw']) {
      await link(path.join(guest, name), path.join(lab.paths.downloads, name)).catch(() => copyFile(path.join(guest, name), path.join(lab.paths.downloads, name)));
    }
    spec = specIn(lab, 'far', 'vnc');
    second = specIn(lab, 'far2', 'none');
    user = await sshHome(path.join(root, 'user'), { key: host.keyFile, knownHosts: [host.knownHostsLine] });
  });

  after(async () => {
    await lab?.dispose();
    await host?.stop();
    await removeDir(root);
  });

  it('the remote daemon cannot see the test\'s files', async () => {
    const file = path.join(root, 'only-here.txt');
    await writeFile(file, 'local\n');
    const probe = await run(host.sshCommand, ['-i', host.keyFile, '-p', String(host.port), 'root@127.0.0.1', `test -e ${file} && echo seen || echo unseen; ls /run/libvirt/libvirt-sock`]);
    assert.match(probe.stdout, /^unseen$/m, 'the file under the test\'s /tmp is not there on the remote side');
    assert.match(probe.stdout, /libvirt-sock/);
  });

  it('answers through the connection, from inside the sandbox, with the key and host key in ~/.ssh', async () => {
    const connected = await lab.connect(host.bareUri, user);
    assert.deepEqual(connected.available, { ok: true });
    assert.deepEqual(connected.host.isolation, { kind: 'sandboxed', by: 'bubblewrap + Node permission model' });
    main = connected;
  });

  it('create uploads the files as volumes named by digest; a second instance uploads nothing', async () => {
    await mkdir(spec.dir, { recursive: true });
    await mkdir(second.dir, { recursive: true });
    await main.host.call('create', spec);
    assert.equal(uploadLines(main.events).length, 3, 'kernel, initrd and image were uploaded, with progress');
    // The same uploads as progress events, which the downloads view and `corral create` show.
    const finished = main.events.flatMap((e) => (e.type === 'progress' && e.phase === 'done' ? [e.file] : [])).sort();
    assert.deepEqual(finished, ['image', 'initrd', 'kernel'], 'each upload reported its end through context.progress()');
    const afterFirst = await poolVolumes(remote);
    assert.equal(afterFirst.filter((n) => /^sha256-[0-9a-f]{64}$/.test(n)).length, 3, afterFirst.join(' '));
    assert.equal(afterFirst.filter((n) => /-disk\.qcow2$/.test(n)).length, 1);

    const before = main.events.length;
    await main.host.call('create', second);
    assert.equal(main.events.slice(before).filter((e) => e.type === 'log' && /uploading/.test(e.message)).length, 0, 'nothing uploaded for the second instance');
    const afterSecond = await poolVolumes(remote);
    assert.equal(afterSecond.filter((n) => /^sha256-[0-9a-f]{64}$/.test(n)).length, 3, 'the same shared volumes');
    assert.equal(afterSecond.filter((n) => /-disk\.qcow2$/.test(n)).length, 2, 'a disk of its own');
  });

  it('two creates needing the same new file at once (two driver processes) upload it once; the other waits for it', async () => {
    // A new image (a digest the pool has not seen), big enough that one upload outlasts the other's start.
    const image = path.join(lab.paths.downloads, 'race.raw');
    await writeFile(image, randomBytes(96 * 1024 ** 2));
    const raceSpec = (name: string): InstanceSpec => {
      const base = specIn(lab, name, 'none');
      return { ...base, config: { ...base.config, image: { path: image, format: 'raw' } } };
    };
    const [a, b] = [raceSpec('race1'), raceSpec('race2')];
    await mkdir(a.dir, { recursive: true });
    await mkdir(b.dir, { recursive: true });
    const other = await lab.connect(host.bareUri, user);
    assert.deepEqual(other.available, { ok: true });
    const before = { main: main.events.length, other: other.events.length };
    await Promise.all([main.host.call('create', a), other.host.call('create', b)]);
    const logs = [...main.events.slice(before.main), ...other.events.slice(before.other)].flatMap((e) => (e.type === 'log' ? [e.message] : []));
    assert.equal(logs.filter((m) => /uploading race\.raw .* 100 %/.test(m)).length, 1, `uploaded once: ${logs.join(' | ')}`);
    assert.equal(logs.filter((m) => /another create is uploading sha256-.* waiting for it/.test(m)).length, 1, 'the other create waited for it');
    const volumes = await poolVolumes(remote);
    const raceVolume = volumes.filter((n) => /^sha256-[0-9a-f]{64}$/.test(n)).length;
    assert.equal(raceVolume, 4, 'the three shared files and the new image, once');
    await main.host.call('delete', a);
    await other.host.call('delete', b);
    assert.equal((await poolVolumes(remote)).filter((n) => /^sha256-[0-9a-f]{64}$/.test(n)).length, 3, 'the new image went with its last user');
    await other.host.dispose({ waitForExit: true });
  });

  it('starts, and the console shows the guest and runs what we type', async () => {
    const streams = await main.host.streams();
    console1 = new StreamReader(streams, 'c1');
    await main.host.call('start', spec);
    await main.host.call('openConsole', spec, 'c1');
    // The console shows output from the moment it opens (no history on a remote host), and the
    // guest may have booted by then: typing proves the way in and out, a reboot the marker.
    await waitForShell(streams, 'c1', console1);
    assert.equal((await runInGuest(streams, 'c1', console1, 'echo remote-$((40+2))')).trim(), 'remote-42');
    const mark = console1.text.length;
    streams.write('c1', new TextEncoder().encode('reboot -f\n'));
    await console1.waitFor(readyMarker, mark, 240_000);
    assert.equal((await main.host.call('inspect', spec)).state, 'Running');
  });

  it('shows the display through a tunnel on this host\'s loopback: a full VNC frame', async () => {
    const display = await main.host.call('display', spec);
    assert.ok(display && display.kind === 'vnc');
    assert.equal(display.host, '127.0.0.1');
    const frame = await rfbSession(display.host, display.port, display.password ?? '');
    assert.ok(frame.ok, frame.ok ? '' : frame.reason);
    assert.ok(frame.width > 0 && frame.height > 0 && frame.pixels.length > 0);
  });

  it('takes a live snapshot', async () => {
    await main.host.call('createSnapshot', spec, 'live1');
    const snapshots = await main.host.call('listSnapshots', spec);
    assert.deepEqual(snapshots.map((s) => [s.tag, s.running]), [['live1', true]]);
  });

  it('the SSH connection killed mid-run: the console says so and reopens, the VM keeps running, a fresh driver re-attaches', async () => {
    const sshd = host.sshdPid();
    assert.ok(sshd, 'the harness sshd runs');
    // Every session's sshd processes (the one that took the login and the one serving it, which
    // holds the connection): what a dropped link or a restarted sshd does to the client.
    const sessions = sshdSessionsUnder(sshd);
    assert.ok(sessions.length > 0, 'the driver holds ssh sessions (the console, the event listener)');
    const killedAt = performance.now();
    for (const pid of sessions) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (error) {
        // A short session (a virsh call) that ended after it was listed: gone already, as wanted.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    await Promise.all(sessions.map((pid) => waitForExit(pid)));
    // A deadline, not a wait: without the watch, virsh console sat on the dead session for minutes.
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([console1.untilEnded(), new Promise((_resolve, reject) => {
      deadline = setTimeout(() => reject(new Error(`the console did not end within 60 s of its SSH session being killed; it showed: ${console1.text.slice(-300)}`)), 60_000);
    })]).finally(() => clearTimeout(deadline));
    const noticedMs = performance.now() - killedAt;
    assert.match(console1.text, /\[corral: the SSH connection to 127\.0\.0\.1:\d+ under this console ended .*open the console again\]/);
    assert.ok(noticedMs < 30_000, `the console noticed in ${Math.round(noticedMs)} ms`);
    assert.ok(main.events.some((e) => e.type === 'log' && /remote console: the SSH connection .* ended/.test(e.message)), 'and the driver log says so');
    const streams = await main.host.streams();
    const reopened = new StreamReader(streams, 'c1b');
    await main.host.call('openConsole', spec, 'c1b');
    assert.equal((await runInGuest(streams, 'c1b', reopened, 'echo reopened-$((2+3))')).trim(), 'reopened-5');
    await main.host.call('closeConsole', 'c1b');
    assert.equal((await remote.run(['domstate', `corral-far-${(await readDomainUuid(spec)).slice(0, 8)}`])).trim(), 'running', 'libvirt kept the VM running');

    const fresh = await lab.connect(host.bareUri, user);
    assert.equal((await fresh.host.call('inspect', spec)).state, 'Running');
    const freshStreams = await fresh.host.streams();
    const reader = new StreamReader(freshStreams, 'c2');
    await fresh.host.call('openConsole', spec, 'c2');
    assert.equal((await runInGuest(freshStreams, 'c2', reader, 'echo back-$((1+1))')).trim(), 'back-2');
    await fresh.host.call('closeConsole', 'c2');
    assert.equal(reader.ended, true);
  });

  it('stops, then delete removes what each instance made and shared uploads go with their last user', async () => {
    await main.host.call('stop', spec, { force: true, timeoutMs: 30_000 });
    assert.equal((await main.host.call('inspect', spec)).state, 'Stopped');

    // Clone on the remote host: its disk copied over there (vol-clone), nothing uploaded; it boots.
    const copy = specIn(lab, 'farclone', 'none');
    const before = main.events.length;
    await main.host.call('clone', spec, copy);
    assert.equal(main.events.slice(before).filter((e) => e.type === 'log' && /uploading/.test(e.message)).length, 0, 'a clone uploads nothing');
    assert.equal((await poolVolumes(remote)).filter((n) => /-disk\.qcow2$/.test(n)).length, 3, 'the clone has a disk of its own');
    const streams = await main.host.streams();
    const cloneConsole = new StreamReader(streams, 'clone');
    await main.host.call('start', copy);
    await main.host.call('openConsole', copy, 'clone');
    await waitForShell(streams, 'clone', cloneConsole);
    assert.equal((await runInGuest(streams, 'clone', cloneConsole, 'echo clone-$((3*3))')).trim(), 'clone-9');
    await main.host.call('stop', copy, { force: true, timeoutMs: 30_000 });
    await main.host.call('delete', copy);
    assert.equal((await poolVolumes(remote)).filter((n) => /-disk\.qcow2$/.test(n)).length, 2, 'the clone\'s disk went with it');

    await main.host.call('delete', spec);
    const afterFirst = await poolVolumes(remote);
    assert.equal(afterFirst.filter((n) => /^sha256-[0-9a-f]{64}$/.test(n)).length, 3, 'still used by the second instance');
    assert.equal(afterFirst.filter((n) => /-disk\.qcow2$/.test(n)).length, 1, 'the first instance\'s disk went');
    assert.equal((await remote.run(['list', '--all', '--name'])).trim(), '', 'its domain was undefined');
    await main.host.call('delete', second);
    assert.deepEqual(await poolVolumes(remote), [], 'nothing left in the pool');
  });

  it('logs in with a key held by the SSH agent (no key in ~/.ssh), the agent\'s socket granted', async () => {
    const socket = path.join(root, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        agent.stdout.once('data', () => resolve());
        agent.once('exit', (code) => reject(new Error(`ssh-agent exited (${code})`)));
      });
      await run('ssh-add', [host.keyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
      const agentUser = await sshHome(path.join(root, 'agent-user'), { knownHosts: [host.knownHostsLine], agentSocket: socket });
      const viaAgent = await lab.connect(host.bareUri, agentUser);
      assert.deepEqual(viaAgent.available, { ok: true });
      await viaAgent.host.dispose({ waitForExit: true });
    } finally {
      agent.kill();
    }
  });

  it('bad connections: one clear line each, nothing written', async () => {
    const closedPort = host.port === 1 ? 2 : 1;
    const stranger = await sshHome(path.join(root, 'stranger'), { key: host.strangerKeyFile, knownHosts: [host.knownHostsLine] });
    const newcomer = await sshHome(path.join(root, 'newcomer'), { key: host.keyFile, knownHosts: [] });
    const keyless = await sshHome(path.join(root, 'keyless'), { knownHosts: [host.knownHostsLine] });
    const cases: [string, string, SshUser, RegExp][] = [
      ['unreachable host', `qemu+ssh://root@127.0.0.1:${closedPort}/system`, user, /cannot reach 127\.0\.0\.1:\d+ over SSH: connection refused/],
      ['refused key', host.bareUri, stranger, /refused the SSH key for root/],
      ['unknown host key', host.bareUri, newcomer, /SSH host key is not known here/],
      ['a key outside ~/.ssh', `${host.bareUri}?keyfile=${host.keyFile}`, keyless, /cannot read the SSH key .*id_test.*~\/\.ssh/],
      ['shell metacharacters', `${host.bareUri};touch${path.join(root, 'pwned')}`, user, /contains ";", which a shell would interpret/],
    ];
    const bare = await startRemoteHost({ withoutQemu: true });
    try {
      const bareUser = await sshHome(path.join(root, 'bare-user'), { key: bare.keyFile, knownHosts: [bare.knownHostsLine] });
      cases.push(['host without the QEMU driver', bare.bareUri, bareUser, /has no QEMU driver: install it there/]);
      for (const [what, uri, who, expected] of cases) {
        const { available } = await lab.connect(uri, who);
        assert.equal(available.ok, false, what);
        const reason = available.ok ? '' : available.reason;
        assert.match(reason, expected, what);
        assert.doesNotMatch(reason, /\n/, `${what}: one line`);
      }
    } finally {
      await bare.stop();
    }
    await assert.rejects(run('ls', [path.join(root, 'pwned')]));
  });
});

/** The sshd processes of every session under the listening sshd (its children and theirs). */
function sshdSessionsUnder(listener: number): number[] {
  const found: number[] = [];
  for (let queue = childrenOf(listener); queue.length > 0;) {
    const pid = queue.shift() as number;
    if (commOf(pid) !== 'sshd') continue;
    found.push(pid);
    queue = queue.concat(childrenOf(pid));
  }
  return found;
}

/** A process's name; undefined once it has ended (a short session can end between listing and reading). */
function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

async function readDomainUuid(spec: InstanceSpec): Promise<string> {
  return (JSON.parse(await readFile(path.join(spec.dir, 'libvirt-domain.json'), 'utf8')) as { uuid: string }).uuid;
}
