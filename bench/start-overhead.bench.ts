// Starting a VM through the engine (lock, inspect, artifacts, driver RPC, accelerator choice,
// QEMU spawn, pid file, QMP cont) against spawning the very same QEMU command line directly,
// same run. Goal: at most 150 ms extra.
//
// The first engine start warms the accelerator probe cache and the driver process; then each
// round times engine.start() (until it resolves: the guest runs), reads the exact argv of
// that VM from /proc/PID/cmdline, force-stops it, and times a direct spawn of that argv
// (-S -daemonize -pidfile: the foreground process exits once the VM is set up), ending that
// VM by its pid. The direct side does not send QMP `cont` (the guest stays stopped under -S):
// that round trip counts as engine overhead here.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { alive, createGuest, waitForExit } from './guest-vm.ts';
import type { BenchGuest } from './guest-vm.ts';
import { median, percentile, report } from './stats.ts';

const rounds = Number(process.env.CORRAL_BENCH_ROUNDS ?? 8);

async function cmdline(pid: number): Promise<string[]> {
  const raw = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
  return raw.split('\0').filter((arg, i, all) => arg !== '' || i < all.length - 1);
}

/** What QEMU leaves behind when killed: the engine would take it for a running VM. */
async function removeLeftovers(guest: BenchGuest): Promise<void> {
  await Promise.all(
    [path.join(guest.dir, 'qemu.pid'), path.join(guest.runtimeDir, 'qmp.sock'), path.join(guest.runtimeDir, 'serial.sock')].map((f) => fs.rm(f, { force: true })),
  );
}

async function apiStart(guest: BenchGuest): Promise<{ ms: number; argv: string[] }> {
  const t = performance.now();
  const { pid } = await guest.engine.start(guest.name);
  const ms = performance.now() - t;
  guest.pids.add(pid);
  const argv = await cmdline(pid);
  await guest.engine.stop(guest.name, { force: true });
  await waitForExit(pid);
  return { ms, argv };
}

async function directStart(guest: BenchGuest, argv: string[]): Promise<number> {
  await removeLeftovers(guest);
  const [binary, ...args] = argv;
  if (!binary) throw new Error('empty QEMU command line');
  const t = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(binary, args, { stdio: 'ignore', detached: true });
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  const ms = performance.now() - t;
  const pid = Number((await fs.readFile(path.join(guest.dir, 'qemu.pid'), 'utf8').catch(() => '')).trim());
  if (pid > 0) {
    guest.pids.add(pid);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    await waitForExit(pid);
  }
  await removeLeftovers(guest);
  if (code !== 0) throw new Error(`the direct QEMU spawn exited with ${code}`);
  return ms;
}

export async function run(): Promise<void> {
  const guest = await createGuest('startbench');
  try {
    const warm = await apiStart(guest); // accelerator probe cache, driver process, file cache
    await directStart(guest, warm.argv);
    const api: number[] = [];
    const direct: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const a = await apiStart(guest);
      api.push(a.ms);
      direct.push(await directStart(guest, a.argv));
    }
    const extra = median(api) - median(direct);
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    report(
      'VM start through the engine vs direct qemu spawn',
      median(api) / median(direct),
      '< 150 ms extra',
      `extra ${ms(extra)}; median ${ms(median(api))} vs ${ms(median(direct))}, p90 ${ms(percentile(api, 90))} vs ${ms(percentile(direct, 90))} over ${rounds} rounds`,
    );
  } finally {
    await guest.dispose();
  }
}

if (import.meta.main) await run();
