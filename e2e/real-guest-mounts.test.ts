// Shared folders on a real Debian guest: the ifupdown variant of the Debian test guest
// (e2e/fixtures/debian-guest/build.sh with VARIANT=ifupdown: Debian's generic kernel, which has
// 9p, and ifupdown instead of netplan + systemd-networkd). It boots ONCE; every check runs against
// that boot, in order, then it is stopped and deleted. Checks: a missing mount location refused
// at create with nothing written; eth0 configured by ifupdown from Corral's network-config; a
// read-only 9p folder whose host path has "," and "=" (QEMU's option separators) shows the host's
// file and refuses writes, in the guest and at QEMU; a writable one takes the guest user's files.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GuestCli, debianGuest, writeDebianTemplate } from './support/debian-guest.ts';
import { alive, waitForExit } from './support/processes.ts';
import { tempDir } from './support/temp.ts';

const name = 'mounts';
/** Lima's rule: run as root, the guest user is the fixed "lima" (uid 1000); else the host user and uid. */
const asRoot = process.getuid?.() === 0;
const guestUid = asRoot ? 1000 : (process.getuid?.() ?? 1000);
const guestUser = asRoot ? 'lima' : String(process.env.USER);

describe('shared folders on a real Debian guest (ifupdown variant, generic kernel)', () => {
  let root: string;
  let guestDir: string;
  let cli: GuestCli;
  let readOnly: string;
  let writable: string;
  const timings: Record<string, number> = {};

  before(async () => {
    const started = Date.now();
    guestDir = await debianGuest('ifupdown');
    timings.buildOrCacheMs = Date.now() - started;
    root = await tempDir('corral-mounts-');
    cli = new GuestCli(root, name);
    readOnly = path.join(root, 'host ro,readonly=off,security_model=passthrough');
    writable = path.join(root, 'rw');
    await fs.mkdir(readOnly);
    await fs.writeFile(path.join(readOnly, 'hello.txt'), 'from the host\n');
    await fs.mkdir(writable);
    // The guest user writes as its own uid: Lima's user defaults make it the host user's, so the
    // host folder is theirs. Run as root, the guest user is "lima" (1000): the folder is given to it.
    await fs.chown(writable, guestUid, guestUid);
  });

  after(async () => {
    if (cli) await cli.run(['delete', '--force', name]);
    if (root) await fs.rm(root, { recursive: true, force: true });
    process.stderr.write(`real-guest-mounts timings (ms): ${JSON.stringify(timings)}\n`);
  });

  it('refuses a mount location that does not exist at create, naming the field, and writes nothing', async () => {
    const missing = path.join(root, 'no-such-folder');
    const file = await writeDebianTemplate(path.join(root, 'missing.yaml'), guestDir, { mountType: '9p', mounts: [{ location: readOnly }, { location: missing, writable: true }] });
    const result = await cli.run(['create', name, '--template', file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /field "mounts\[1\]\.location": host folder .*no-such-folder does not exist; create it or fix the path/);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
    assert.deepEqual(JSON.parse(await cli.ok(['list', '--json'])), []);
    assert.deepEqual((await fs.readdir(path.join(cli.home, 'instances')).catch(() => [])).filter((n) => !n.startsWith('.')), []);
    await assert.rejects(fs.stat(missing), 'the folder is not made for the user');
  });

  it('creates and starts the guest with a read-only and a writable 9p folder; SSH answers and cloud-init is done', async () => {
    const file = await writeDebianTemplate(path.join(root, 'guest.yaml'), guestDir, {
      mountType: '9p',
      mounts: [{ location: readOnly, mountPoint: '/mnt/ro' }, { location: writable, mountPoint: '/mnt/rw', writable: true }],
    });
    await cli.ok(['create', name, '--template', file]);
    const started = Date.now();
    await cli.ok(['start', name]);
    await cli.waitReady();
    timings.startToReadyMs = Date.now() - started;
  });

  it('gets eth0 with its address from ifupdown (the network-config matches the MAC and sets the name)', async () => {
    const out = await cli.okInGuest('ip -4 -o addr show dev eth0; cat /etc/network/interfaces.d/50-cloud-init; systemctl is-active systemd-networkd || true');
    assert.match(out, /inet 10\.0\.2\.15\//);
    assert.match(out, /^auto eth0$/m, 'cloud-init rendered ifupdown\'s interfaces file');
    assert.match(out, /^iface eth0 inet dhcp$/m);
    assert.match(out, /^inactive$/m, 'no systemd-networkd in this variant');
  });

  it('shows the host\'s file in the read-only folder, and refuses writes there, even after a remount read-write', async () => {
    assert.equal(await cli.okInGuest('cat /mnt/ro/hello.txt'), 'from the host\n');
    const mount = await cli.okInGuest('findmnt -n -o FSTYPE,SOURCE,OPTIONS /mnt/ro');
    assert.match(mount, /^9p\s+mount0\s+ro,/);
    assert.match(mount, /trans=virtio/);
    const refused = await cli.inGuest('echo x > /mnt/ro/new.txt');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Read-only file system/);
    // QEMU itself (readonly=on) refuses too, not only the guest's mount option.
    const remounted = await cli.inGuest('sudo mount -o remount,rw /mnt/ro && sudo touch /mnt/ro/new.txt');
    assert.notEqual(remounted.code, 0, remounted.stdout);
    await assert.rejects(fs.stat(path.join(readOnly, 'new.txt')));
  });

  it('takes files the guest user writes in the writable folder, owned by that user, onto the host', async () => {
    await cli.okInGuest('echo "written in the guest by $(id -un)" > /mnt/rw/from-guest.txt');
    assert.equal(await fs.readFile(path.join(writable, 'from-guest.txt'), 'utf8'), `written in the guest by ${guestUser}\n`);
    assert.equal((await fs.stat(path.join(writable, 'from-guest.txt'))).uid, guestUid);
    // And the host's changes show in the guest.
    await fs.writeFile(path.join(writable, 'from-host.txt'), 'hello guest\n');
    assert.equal(await cli.okInGuest('cat /mnt/rw/from-host.txt'), 'hello guest\n');
  });

  it('stops and deletes, leaving no QEMU and the read-only folder as it was', async () => {
    const pid = Number(await fs.readFile(path.join(cli.home, 'instances', name, 'qemu.pid'), 'utf8'));
    assert.ok(alive(pid));
    await cli.ok(['stop', name]);
    await waitForExit(pid);
    await cli.ok(['delete', name]);
    assert.deepEqual(JSON.parse(await cli.ok(['list', '--json'])), []);
    assert.deepEqual(await fs.readdir(readOnly), ['hello.txt']);
  });
});
