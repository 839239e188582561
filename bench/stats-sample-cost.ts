// What one live-stats sample costs our processes (issue 14): the tiny guest boots through an
// engine in this process, then the CPU of the driver process and of this engine is read from
// /proc over three windows: nobody watching (the baseline), the first samples after a watch
// opens (cold: code compiled and schemas built on first use, as during a boot), and the steady
// samples after them. Prints ms of CPU per sample per process, the baseline taken off.
//   node bench/stats-sample-cost.ts        (CORRAL_BENCH_SAMPLES=12 steady samples)
// Not a pass/fail bench: a before/after measure for cutting the sampling's cost.
import fs from 'node:fs/promises';
import os from 'node:os';
import type { StatsUpdate } from '../src-main/core/stats/hub.ts';
import { bootGuest, createGuest } from './guest-vm.ts';
import { childrenOf } from '../e2e/support/processes.ts';

const steady = Number(process.env.CORRAL_BENCH_SAMPLES ?? 12);
const cold = 3;
const tickMs = 10; // USER_HZ is 100 on Linux

/** CPU of `pid` and of the children it waited for (utime, stime, cutime, cstime). */
async function ownCpuMs(pid: number): Promise<number> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) * tickMs;
}

/** CPU of `pid` and its children, living or waited for: what the driver's own helpers (ss) cost counts as its. */
async function cpuMs(pid: number): Promise<number> {
  let sum = await ownCpuMs(pid);
  for (const child of childrenOf(pid)) sum += await ownCpuMs(child);
  return sum;
}

async function driverPid(): Promise<number> {
  for (const pid of childrenOf(process.pid)) {
    const argv = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (/src-drivers\/qemu|driver-qemu|qemu\/main/.test(argv)) return pid;
  }
  throw new Error('no QEMU driver process among this process\'s children');
}

/** CPU ms of the driver and of this process while `during` runs, and its wall ms. */
async function measure(driver: number, during: () => Promise<void>): Promise<{ driver: number; engine: number; wallMs: number }> {
  const engineMs = (): number => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  const [d0, e0, w0] = [await cpuMs(driver), engineMs(), performance.now()];
  await during();
  const [d1, e1, w1] = [await cpuMs(driver), engineMs(), performance.now()];
  return { driver: d1 - d0, engine: e1 - e0, wallMs: w1 - w0 };
}

const guest = await createGuest('stats');
try {
  const { session, off } = await bootGuest(guest);
  off();
  await session.close();
  const driver = await driverPid();
  const samples: number[] = [];
  let wake: () => void = () => undefined;
  const samplesSeen = (count: number) => new Promise<void>((resolve) => {
    wake = () => { if (samples.length >= count) resolve(); };
    wake();
  });
  const rounds: string[] = [];
  const idle = await measure(driver, () => new Promise((resolve) => setTimeout(resolve, steady * 1000)));
  let stop: () => void = () => undefined;
  const first = await measure(driver, async () => {
    stop = guest.engine.stats.watch(guest.name, (update: StatsUpdate) => {
      if (update.type === 'sample') samples.push(update.sample.at);
      wake();
    });
    await samplesSeen(cold);
  });
  const later = await measure(driver, () => samplesSeen(cold + steady));
  stop();
  const per = (ms: number, baseMs: number, wallMs: number, count: number) => ((ms - (baseMs * wallMs) / idle.wallMs) / count).toFixed(1);
  rounds.push(`idle ${(idle.wallMs / 1000).toFixed(1)} s: driver ${idle.driver} ms, engine ${idle.engine.toFixed(0)} ms CPU`);
  rounds.push(`first ${cold} samples (cold): driver ${per(first.driver, idle.driver, first.wallMs, cold)} ms, engine ${per(first.engine, idle.engine, first.wallMs, cold)} ms CPU per sample`);
  rounds.push(`next ${steady} samples (steady): driver ${per(later.driver, idle.driver, later.wallMs, steady)} ms, engine ${per(later.engine, idle.engine, later.wallMs, steady)} ms CPU per sample`);
  console.log(rounds.join('\n'));
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await guest.dispose();
}
