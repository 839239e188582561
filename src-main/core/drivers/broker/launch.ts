// Starts one checked request: bubblewrap with the same kind of empty root as the driver's
// sandbox (only the executable, its libraries, the manifest's data files and the request's
// files exist inside), but detached: its own session, no --die-with-parent and no PID
// namespace, so the process outlives the driver and the engine, and its pid means the same
// on the host as in the driver's pid file. bwrap's --info-fd gives the child's pid.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DriverError } from '../../../../src-drivers/sdk/errors.ts';
import type { SpawnRequest, Spawned } from '../../../../src-drivers/sdk/broker.ts';
import { sharedLibraries } from '../sandbox/bwrap.ts';
import type { BrokerGrants } from './grants.ts';

export function detachedBwrapArgs(request: SpawnRequest, grants: BrokerGrants): string[] {
  const binds = (flag: string, paths: string[]) => paths.flatMap((p) => [flag, p, p]);
  return [
    '--unshare-user', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', ...(grants.network ? [] : ['--unshare-net']),
    '--new-session', '--cap-drop', 'ALL',
    // Scratch space of its own (QEMU puts snapshot=on overlays in /var/tmp), gone with it.
    '--dev', '/dev', '--tmpfs', '/tmp', '--tmpfs', '/var/tmp',
    ...binds('--ro-bind', sharedLibraries(request.executable)),
    '--ro-bind', request.executable, request.executable,
    ...binds('--ro-bind-try', grants.data),
    ...request.files.flatMap((f) => [f.write ? '--bind' : '--ro-bind', f.path, f.path]),
    '--info-fd', '3',
    request.executable, ...request.args,
  ];
}

/** The last bytes of a log, for a failure message. */
function tail(file: string, bytes = 600): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-bytes).trim();
  } catch {
    return '';
  }
}

/** Resolves with the child's host pid, read from bwrap's info JSON on fd 3. */
function childPid(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const info = child.stdio[3] as NodeJS.ReadableStream;
    info.setEncoding('utf8');
    info.on('data', (chunk: string) => { text += chunk; });
    info.once('end', () => {
      const pid = (JSON.parse(text || '{}') as { 'child-pid'?: unknown })['child-pid'];
      if (typeof pid === 'number') resolve(pid);
      else reject(new Error('bubblewrap reported no child pid'));
    });
    info.once('error', reject);
  });
}

/** Resolves once every path exists; rejects when `gone` settles first, or after `timeoutMs`. */
function whenAllExist(paths: string[], gone: Promise<string>, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const watchers: fs.FSWatcher[] = [];
    const finish = (error?: Error) => {
      clearTimeout(timer);
      for (const w of watchers) w.close();
      if (error) reject(error);
      else resolve();
    };
    const check = () => { if (paths.every((p) => fs.existsSync(p))) finish(); };
    const timer = setTimeout(() => finish(new Error(`its sockets did not appear within ${timeoutMs / 1000} s`)), timeoutMs);
    for (const dir of new Set(paths.map((p) => path.dirname(p)))) watchers.push(fs.watch(dir, check));
    void gone.then((why) => finish(new Error(why)));
    check();
  });
}

export async function launchDetached(request: SpawnRequest, grants: BrokerGrants, bwrap = 'bwrap'): Promise<Spawned> {
  // bwrap cannot bind what is not there, and guessing file or folder would be wrong half the time.
  const missing = request.files.find((f) => !fs.existsSync(f.path));
  if (missing) throw new DriverError('INVALID_CONFIG', `${missing.path} does not exist: make it before asking the broker to start ${request.executable}`, { field: 'files' });
  const log = fs.openSync(request.log, 'a', 0o600);
  const child = spawn(bwrap, detachedBwrapArgs(request, grants), {
    detached: true, stdio: ['ignore', log, log, 'pipe'], env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
  });
  fs.closeSync(log);
  const gone = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(`it exited (${signal ?? `code ${code}`})`));
    child.once('error', (error) => resolve(`bubblewrap did not start: ${error.message}`));
  });
  try {
    const pid = await Promise.race([childPid(child), gone.then((why) => { throw new Error(why); })]);
    await whenAllExist(request.sockets, gone, request.timeoutMs ?? 30_000);
    child.unref();
    return { pid, sockets: request.sockets };
  } catch (error) {
    // Nothing left behind: the whole detached group goes.
    if (child.pid !== undefined) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone already */ }
    const last = tail(request.log);
    throw new DriverError('VM_FAILED', `${request.executable} did not start: ${(error as Error).message}${last ? `; its log ends: ${last}` : ''}`, { log: request.log });
  }
}
