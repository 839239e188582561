// virtiofs shares on the standard Debian test guest (e2e/fixtures/debian-guest/build.sh: Debian's
// cloud kernel, which has virtiofs but no 9p). Runs where the qemu driver offers virtiofs (a
// virtiofsd, run as root) and reports a skip with the reason elsewhere. It boots ONCE; every
// check runs against that boot, in order, then it is stopped and deleted: a read-only folder
// whose host path has "," (QEMU's and FUSE's option separator) shows the host's file and stays
// read-only even when the guest's root remounts it read-write; a writable one takes the guest
// user's files; and no virtiofsd outlives the VM.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { virtiofsAvailable } from '../src-drivers/qemu/virtiofsd.ts';
import { GuestCli, debianGuest, writeDebianTemplate } from './support/debian-guest.ts';
import { alive, waitForExit } from './support/processes.ts';
import { tempDir } from './support/temp.ts';

const name = 'vfs';
const asRoot = process.getuid?.() === 0;
const guestUid = asRoot ? 1000 : (process.getuid?.() ?? 1000);
const guestUser = asRoot ? 'lima' : String(process.env.USER);
const available = await virtiofsAvailable();

/** The virtiofsd processes serving sockets under `runtimeRoot` (QEMU's forks once sandboxed: two per folder), by socket. */
async function daemonsUnder(runtimeRoot: string): Promise<Map<string, number[]>> {
  const pids = (await fs.readdir('/proc')).filter((e) => /^\d+$/.test(e));
  const found = new Map<string, number[]>();
  for (const pid of pids) {
    const args = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const socket = args.find((a) => a.startsWith(`--socket-path=${runtimeRoot}`));
    if (socket && args.some((a) => a.endsWith('virtiofsd'))) found.set(socket, [...(found.get(socket) ?? []), Number(pid)]);
  }
  return found;
}

describe('virtiofs shares on the standard Debian cloud guest', { skip: available ? false : 'the qemu driver offers no virtiofs here (needs virtiofsd and root)' }, () => {
  let root: string;
  let cli: GuestCli;
  let readOnly: string;
  let writable: string;
  const timings: Record<string, number> = {};

  before(async () => {
    const started = Date.now();
    const guestDir = await debianGuest('cloud');
    timings.buildOrCacheMs = Date.now() - started;
    root = await tempDir('corral-vfs-');
    cli = new GuestCli(root, name);
    readOnly = path.join(root, 'ro,cache=none,source=');
    writable = path.join(root, 'rw');
    await fs.mkdir(readOnly);
    await fs.writeFile(path.join(readOnly, 'hello.txt'), 'from the host\n');
    await fs.mkdir(writable);
    await fs.chown(writable, guestUid, guestUid);
    await writeDebianTemplate(path.join(root, 'guest.yaml'), guestDir, {
      mountType: 'virtiofs',
      mounts: [{ location: readOnly, mountPoint: '/mnt/ro' }, { location: writable, mountPoint: '/mnt/rw', writable: true }],
    });
  });

  after(async () => {
    if (cli) await cli.run(['delete', '--force', name]);
    if (root) await fs.rm(root, { recursive: true, force: true });
    process.stderr.write(`real-guest-virtiofs timings (ms): ${JSON.stringify(timings)}\n`);
  });

  it('creates and starts it; SSH answers and cloud-init is done', async () => {
    await cli.ok(['create', name, '--template', path.join(root, 'guest.yaml')]);
    const started = Date.now();
    await cli.ok(['start', name]);
    await cli.waitReady();
    timings.startToReadyMs = Date.now() - started;
  });

  it('shows the host\'s file read-only, and refuses writes even after the guest\'s root remounts it read-write', async () => {
    assert.equal(await cli.okInGuest('cat /mnt/ro/hello.txt'), 'from the host\n');
    assert.match(await cli.okInGuest('findmnt -n -o FSTYPE,SOURCE,OPTIONS /mnt/ro'), /^virtiofs\s+mount0\s+ro,/);
    const refused = await cli.inGuest('echo x > /mnt/ro/new.txt');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Read-only file system/);
    const remounted = await cli.inGuest('sudo mount -o remount,rw /mnt/ro && sudo touch /mnt/ro/new.txt');
    assert.notEqual(remounted.code, 0, remounted.stdout);
    assert.match(remounted.stderr, /Read-only file system/);
    assert.deepEqual(await fs.readdir(readOnly), ['hello.txt']);
  });

  it('takes files the guest user writes in the writable folder, owned by that user, onto the host', async () => {
    assert.match(await cli.okInGuest('findmnt -n -o FSTYPE,SOURCE,OPTIONS /mnt/rw'), /^virtiofs\s+mount1\s+rw,/);
    await cli.okInGuest('echo "written by $(id -un)" > /mnt/rw/from-guest.txt');
    assert.equal(await fs.readFile(path.join(writable, 'from-guest.txt'), 'utf8'), `written by ${guestUser}\n`);
    assert.equal((await fs.stat(path.join(writable, 'from-guest.txt'))).uid, guestUid);
  });

  it('stops and deletes, leaving no QEMU and no virtiofsd', async () => {
    const runtimeRoot = (await fs.readFile(path.join(cli.home, 'runtime-dir'), 'utf8')).trim();
    const bySocket = await daemonsUnder(runtimeRoot);
    assert.equal(bySocket.size, 2, 'a virtiofsd per folder while it runs');
    const daemons = [...bySocket.values()].flat();
    const pid = Number(await fs.readFile(path.join(cli.home, 'instances', name, 'qemu.pid'), 'utf8'));
    assert.ok(alive(pid));
    await cli.ok(['stop', name]);
    await waitForExit(pid);
    for (const daemon of daemons) assert.equal(alive(daemon), false, `virtiofsd ${daemon} ended with the VM`);
    await cli.ok(['delete', name]);
    assert.deepEqual(JSON.parse(await cli.ok(['list', '--json'])), []);
  });
});
