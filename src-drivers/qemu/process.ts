// The QEMU process behind an instance, found from live facts only: the pid file QEMU wrote,
// a process with that pid, and that process's command line naming the instance's QMP socket
// (so a pid reused by an unrelated process after a host crash is not mistaken for the VM).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

export async function readPidFile(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether `pid` names a live process (a zombie is dead: it only waits to be reaped). */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": the state follows the last ')' (comm may contain one).
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The process's command line as one string, or undefined when it cannot be read. */
async function commandLine(pid: number): Promise<string | undefined> {
  if (process.platform === 'linux') {
    try {
      return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
    } catch {
      return undefined;
    }
  }
  return new Promise((resolve) => {
    execFile('ps', ['-p', String(pid), '-o', 'command='], { windowsHide: true }, (error, stdout) => resolve(error ? undefined : stdout));
  });
}

/** Whether `pid` is alive and its command line contains `marker` (qmpMarker() of the instance). */
export async function isOurProcess(pid: number, marker: string): Promise<boolean> {
  if (!(await isAlive(pid))) return false;
  return (await commandLine(pid))?.includes(marker) ?? false;
}

/** The instance's live QEMU pid, or undefined when the pid file is missing or stale. */
export async function liveQemuPid(pidFile: string, marker: string): Promise<number | undefined> {
  const pid = await readPidFile(pidFile);
  return pid !== undefined && (await isOurProcess(pid, marker)) ? pid : undefined;
}

/**
 * Waits until `pid` is gone, up to `timeoutMs`; true when it went. QEMU is not our child
 * (-daemonize), so there is no exit event: callers first wait for its QMP socket to close and
 * use this only for the last moments of the process, polling with a deadline.
 */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await delay(25);
  }
  return true;
}

/** Sends a signal, ignoring a process that is already gone. */
export function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
