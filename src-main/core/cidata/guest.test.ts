// The cidata image as a Linux guest sees it: the test guest (e2e/fixtures/test-guest) mounts a
// disk labelled cidata with the kernel's isofs and prints the sha256 of user-data and of the
// archive before CORRAL-GUEST-READY. QEMU is spawned here directly, with the ISO attached the
// ways a driver may attach it; the hashes are compared with the ones computed here.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConsoleText, readyMarker, testGuest } from '../../../e2e/support/guest.ts';
import { cidataFiles, nerdctlArchiveName, writeCidataIso } from './index.ts';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

interface Boot {
  serial: ConsoleText;
  qemu: ChildProcess;
}

const running = new Set<ChildProcess>();

/** Boots the test guest under TCG with its serial console on stdout, plus `drives`. */
async function boot(drives: string[]): Promise<Boot> {
  const guest = await testGuest();
  const qemu = spawn('qemu-system-x86_64', [
    '-machine', 'q35', '-accel', 'tcg', '-cpu', 'max', '-m', '256M', '-nodefaults', '-no-user-config', '-display', 'none',
    '-kernel', path.join(guest, 'vmlinuz'), '-initrd', path.join(guest, 'initrd.img'), '-append', 'console=ttyS0 quiet',
    '-serial', 'stdio', '-monitor', 'none',
    // The driver's own disk comes first, so the guest must pick the cidata one by its label.
    '-drive', `file=${path.join(guest, 'disk.raw')},format=raw,if=virtio,readonly=on`,
    ...drives,
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(qemu);
  const serial = new ConsoleText();
  qemu.stdout?.on('data', (chunk: Buffer) => serial.push(chunk));
  qemu.stderr?.on('data', (chunk: Buffer) => serial.push(chunk));
  qemu.once('exit', () => running.delete(qemu));
  return { serial, qemu };
}

async function stop(qemu: ChildProcess): Promise<void> {
  if (qemu.exitCode !== null || qemu.signalCode !== null) return;
  const exited = once(qemu, 'exit');
  qemu.kill('SIGKILL');
  await exited;
}

interface Markers {
  lines: string[];
  ms: number;
  /** What `command`, typed into the guest's shell once it is ready, printed. */
  output: string;
}

/** The guest's markers up to the ready line, after waiting for it; then runs `command` in its shell. */
async function markers(drives: string[], command?: string): Promise<Markers> {
  const started = performance.now();
  const { serial, qemu } = await boot(drives);
  try {
    const ready = await serial.waitFor(readyMarker, 0, 120_000);
    const ms = performance.now() - started;
    let output = '';
    if (command) {
      const from = serial.text.length;
      qemu.stdin?.write(`${command}; echo COMMAND-DONE\n`);
      // The shell echoes the command line too: the marker counts once it starts a line of output.
      const end = await serial.waitFor(/^COMMAND-DONE/m, from);
      output = serial.text.slice(from, end);
    }
    return { lines: serial.text.slice(0, ready).split(/\r?\n/).filter((l) => l.startsWith('CORRAL-CIDATA')), ms, output };
  } finally {
    await stop(qemu);
  }
}

describe('cidata in the test guest', () => {
  let dir: string;
  let iso: string;
  /** A cidata without the archive: small, as when containerd is off. */
  let smallIso: string;
  let userData: Uint8Array;
  let archive: Buffer;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-cidata-'));
    archive = randomBytes(4 * 1024 * 1024 + 3); // multi-MiB, odd size: a stand-in for nerdctl-full
    await fs.writeFile(path.join(dir, 'archive.tgz'), archive);
    const user = { name: 'corral', uid: 1000, sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITest test@corral'] };
    const files = cidataFiles({ name: 'guest' }, { user, instanceId: 'iid-1', macAddress: '52:55:55:00:00:01', containerd: { archive: path.join(dir, 'archive.tgz'), system: true, user: false } });
    const data = files.find((f) => f.name === 'user-data')?.data;
    assert.ok(data instanceof Uint8Array);
    userData = data;
    iso = path.join(dir, 'cidata.iso');
    await writeCidataIso(iso, files);
    smallIso = path.join(dir, 'small.iso');
    // The same files less the archive: the size of a cidata with containerd off.
    await writeCidataIso(smallIso, files.filter((f) => f.name !== nerdctlArchiveName));
  });
  after(async () => {
    await Promise.all([...running].map(stop));
    await fs.rm(dir, { recursive: true, force: true });
  });

  const expectIntact = (lines: string[]) => {
    assert.match(lines[0] ?? '', new RegExp(`^CORRAL-CIDATA-FILES /dev/\\S+ meta-data ${nerdctlArchiveName.replace('.', '\\.')} network-config user-data$`));
    assert.deepEqual(lines.slice(1), [`CORRAL-CIDATA-USERDATA ${sha256(userData)}`, `CORRAL-CIDATA-ARCHIVE ${sha256(archive)}`]);
  };

  test('attached as a read-only virtio disk; Linux reads the Rock Ridge tree', async (t) => {
    const { lines, ms, output } = await markers(
      ['-drive', `file=${iso},format=raw,if=virtio,readonly=on`],
      'mount -t iso9660 -o ro /dev/vdb /mnt && ls -l /mnt/user-data && umount /mnt',
    );
    t.diagnostic(`booted to ready in ${Math.round(ms)} ms`);
    expectIntact(lines);
    assert.match(lines[0] ?? '', / \/dev\/vdb /);
    // Rock Ridge's PX mode (0444); from Joliet or plain ISO 9660, Linux would show r-xr-xr-x.
    assert.match(output, /^-r--r--r-- .* \/mnt\/user-data\r?$/m);
  });

  test('attached as a virtio-scsi CD-ROM (what Lima does), without an archive', async (t) => {
    const { lines, ms } = await markers([
      '-drive', `id=cidata,if=none,file=${smallIso},format=raw,readonly=on,media=cdrom`,
      '-device', 'virtio-scsi-pci,id=scsi0', '-device', 'scsi-cd,bus=scsi0.0,drive=cidata',
    ]);
    t.diagnostic(`booted to ready in ${Math.round(ms)} ms`);
    assert.deepEqual(lines, ['CORRAL-CIDATA-FILES /dev/sr0 meta-data network-config user-data', `CORRAL-CIDATA-USERDATA ${sha256(userData)}`]);
  });

  test('without a cidata disk the guest boots as before, with no cidata markers', async (t) => {
    const { lines, ms } = await markers([]);
    t.diagnostic(`booted to ready in ${Math.round(ms)} ms`);
    assert.deepEqual(lines, []);
  });
});
