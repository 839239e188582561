// Shared by the start benchmarks: when the tiny guest's ready marker reaches serial.log, and the
// baseline they are measured against, the same QEMU command line spawned by hand.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { readyMarker } from '../e2e/support/guest.ts';
import { alive, waitForExit } from './guest-vm.ts';
import type { BenchGuest } from './guest-vm.ts';

/**
 * Resolves with performance.now() when `marker` appears in `file`, which may not exist yet
 * (QEMU creates it). Watches the folder, so the file's creation and growth both wake it.
 */
export function markerIn(file: string, marker = readyMarker, timeoutMs = 180_000): { seen: Promise<number>; cancel(): void } {
  const needle = Buffer.from(marker);
  let offset = 0;
  let tail = Buffer.alloc(0);
  let done = false;
  let watcher: fs.FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  const finish = (): void => {
    done = true;
    watcher?.close();
    clearTimeout(timer);
  };
  const seen = new Promise<number>((resolve, reject) => {
    const check = (): void => {
      if (done) return;
      let bytes: Buffer;
      try {
        const fd = fs.openSync(file, 'r');
        try {
          const size = fs.fstatSync(fd).size;
          if (size < offset) offset = 0; // a new file
          bytes = Buffer.alloc(size - offset);
          fs.readSync(fd, bytes, 0, bytes.length, offset);
          offset = size;
        } finally {
          fs.closeSync(fd);
        }
      } catch {
        return; // not there yet
      }
      const joined = Buffer.concat([tail, bytes]);
      if (joined.includes(needle)) {
        const at = performance.now();
        finish();
        return resolve(at);
      }
      tail = joined.subarray(Math.max(0, joined.length - needle.length));
    };
    watcher = fs.watch(path.dirname(file), check);
    timer = setTimeout(() => { finish(); reject(new Error(`no ${marker} in ${file} after ${timeoutMs} ms`)); }, timeoutMs);
    check();
  });
  return { seen, cancel: finish };
}

/** The argv of a running VM, from /proc. */
export async function cmdline(pid: number): Promise<string[]> {
  const raw = await fsp.readFile(`/proc/${pid}/cmdline`, 'utf8');
  return raw.split('\0').filter((arg, i, all) => arg !== '' || i < all.length - 1);
}

/** What QEMU leaves behind when killed (the engine would take it for a running VM), and this boot's log. */
export async function removeLeftovers(guest: BenchGuest): Promise<void> {
  await Promise.all(
    [path.join(guest.dir, 'qemu.pid'), path.join(guest.runtimeDir, 'qmp.sock'), path.join(guest.runtimeDir, 'serial.sock')].map((f) => fsp.rm(f, { force: true })),
  );
}

/** Kills the VM whose pid file is in the instance folder, if any, and waits for it to go. */
export async function killVm(guest: BenchGuest): Promise<void> {
  const pid = Number((await fsp.readFile(path.join(guest.dir, 'qemu.pid'), 'utf8').catch(() => '')).trim());
  if (pid > 0) {
    guest.pids.add(pid);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    await waitForExit(pid);
  }
  await removeLeftovers(guest);
}

/**
 * The baseline: `argv` (a VM's own command line) spawned directly, timed from the spawn to the
 * marker in serial.log, then killed. `setUpMs`: from the spawn until QEMU's foreground process
 * exited (-daemonize: the VM is set up and, without -S, the guest runs).
 */
export async function bareBoot(guest: BenchGuest, argv: string[]): Promise<{ markerMs: number; setUpMs: number }> {
  if (argv.includes('-S')) throw new Error('the VM was held at -S: a bare boot of the same argv would never reach the marker');
  await removeLeftovers(guest);
  await fsp.rm(guest.serialLog, { force: true });
  const [binary, ...args] = argv;
  if (!binary) throw new Error('empty QEMU command line');
  const marker = markerIn(guest.serialLog);
  const t = performance.now();
  try {
    const setUp = await new Promise<number>((resolve, reject) => {
      const child = spawn(binary, args, { stdio: 'ignore', detached: true });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(performance.now()) : reject(new Error(`the bare QEMU spawn exited with ${code}`))));
    });
    const seen = await marker.seen;
    return { markerMs: seen - t, setUpMs: setUp - t };
  } finally {
    marker.cancel();
    await killVm(guest);
  }
}
