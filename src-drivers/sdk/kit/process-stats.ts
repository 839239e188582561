// A local VM process's figures from Linux's /proc: CPU time (utime + stime of /proc/PID/stat,
// in clock ticks) and resident memory (VmRSS of /proc/PID/status). The maths that turns two
// readings into a percentage is kept apart from the reading, so it is tested on its own.
import { readFile } from 'node:fs/promises';

/** What /proc says about a process at one moment. */
export interface ProcessReading {
  /** When it was read (ms, a monotonic clock). */
  atMs: number;
  /** utime + stime: CPU time used since the process started, in clock ticks. */
  cpuTicks: number;
  /** Resident set size. */
  rssBytes: number;
}

/**
 * Clock ticks per second of /proc/PID/stat's times (sysconf(_SC_CLK_TCK)). Linux fixes the
 * user-visible value at 100 on every architecture (USER_HZ), whatever the kernel's HZ.
 */
export const LINUX_CLOCK_TICKS = 100;

/** utime + stime from the text of /proc/PID/stat; the command name may hold spaces and ')'. */
export function parseCpuTicks(stat: string): number {
  // Fields after "pid (comm) ": state is field 3, so utime (14) and stime (15) are the 12th and 13th after comm.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unexpected /proc stat line: ${stat.slice(0, 120)}`);
  return utime + stime;
}

/** VmRSS from the text of /proc/PID/status (kernel threads have none: 0). */
export function parseRssBytes(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/**
 * CPU used between two readings, in % of one CPU: ticks / ticks-per-second is CPU seconds,
 * over the wall seconds between them. A process on two busy CPUs shows about 200.
 */
export function cpuPercent(before: ProcessReading, after: ProcessReading, ticksPerSecond = LINUX_CLOCK_TICKS): number | null {
  const wallMs = after.atMs - before.atMs;
  if (wallMs <= 0) return null;
  const cpuMs = ((after.cpuTicks - before.cpuTicks) / ticksPerSecond) * 1000;
  return Math.max(0, (cpuMs / wallMs) * 100);
}

/** Bytes per second between two totals; null without an earlier total or elapsed time, 0 when a counter went back (it restarted). */
export function byteRate(before: number | undefined, after: number, intervalMs: number): number | null {
  if (before === undefined || intervalMs <= 0) return null;
  return Math.max(0, ((after - before) / intervalMs) * 1000);
}

/** Reads the process's figures now; rejects when it is gone (or /proc is not Linux's). */
export async function readProcess(pid: number, now: () => number = () => performance.now()): Promise<ProcessReading> {
  const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
  return { atMs: now(), cpuTicks: parseCpuTicks(stat), rssBytes: parseRssBytes(status) };
}
