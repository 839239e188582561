// virtiofs shares: one virtiofsd per folder, started before QEMU (which connects to its socket
// at once) and detached like QEMU, so it outlives the driver process. Its pid file in the
// runtime folder lets any later driver process end it; virtiofsd also exits by itself when
// QEMU's vhost-user connection closes, so a QEMU that dies takes its daemons with it.
// Supported: QEMU's own virtiofsd (C; qemu-system-common on Debian), which needs root for its
// namespace sandbox and has no read-only mode (Lima's read-only virtiofs mounts are read-only in
// the guest only): here a read-only folder's virtiofsd runs in a mount namespace of its own where
// the folder is a read-only bind mount, so the guest's root cannot write to it either.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DriverError } from '../sdk/index.ts';
import type { InstanceSpec } from '../sdk/index.ts';
import { findOnPath } from './host.ts';
import { readTail } from './launch.ts';
import type { InstancePaths } from './paths.ts';
import { virtiofsLog, virtiofsPidFile, virtiofsSocket } from './paths.ts';
import { isOurProcess, readPidFile, sendSignal, waitForExit } from './process.ts';

/** Where distributions install QEMU's virtiofsd when it is not on PATH. */
const knownPaths = ['/usr/lib/qemu/virtiofsd', '/usr/libexec/virtiofsd', '/usr/lib/virtiofsd'];
const SOCKET_TIMEOUT_MS = 10_000;
const END_TIMEOUT_MS = 5_000;

type SpecMount = NonNullable<InstanceSpec['config']['mounts']>[number];

export async function findVirtiofsd(): Promise<string | undefined> {
  const onPath = await findOnPath('virtiofsd');
  if (onPath) return onPath;
  for (const candidate of knownPaths) {
    if (await stat(candidate).then((s) => s.isFile(), () => false)) return candidate;
  }
  return undefined;
}

/** Whether this host can serve virtiofs: a virtiofsd, unshare, and root (for their namespaces). */
export async function virtiofsAvailable(): Promise<boolean> {
  return process.platform === 'linux' && process.getuid?.() === 0 && (await findVirtiofsd()) !== undefined && (await findOnPath('unshare')) !== undefined;
}

const virtiofsMounts = (spec: InstanceSpec): SpecMount[] => (spec.config.mounts ?? []).filter((m) => m.type === 'virtiofs');

/** FUSE options are comma-separated; a backslash escapes a comma (and itself) in a value. */
export function fuseOption(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll(',', '\\,');
}

export function virtiofsdArgs(mount: SpecMount, paths: InstancePaths): string[] {
  return [`--socket-path=${virtiofsSocket(paths, mount.tag)}`, '-o', `source=${fuseOption(mount.hostPath)}`, '-o', 'cache=auto', '-f'];
}

/**
 * The command that runs virtiofsd for `mount`. Read-only: unshare makes a private mount
 * namespace, the shell bind-mounts the folder onto itself read-only there, then execs virtiofsd
 * (one pid throughout, so the pid file and command-line check still name virtiofsd). The path
 * is an argument, never part of the script.
 */
export function virtiofsdCommand(binary: string, mount: SpecMount, paths: InstancePaths): { file: string; args: string[] } {
  const args = virtiofsdArgs(mount, paths);
  if (mount.writable) return { file: binary, args };
  const script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"';
  return { file: 'unshare', args: ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', mount.hostPath, binary, ...args] };
}

/** Starts a virtiofsd for every virtiofs mount and waits for its socket; on failure none is left running. */
export async function startVirtiofsDaemons(spec: InstanceSpec, paths: InstancePaths): Promise<void> {
  const mounts = virtiofsMounts(spec);
  if (mounts.length === 0) return;
  const binary = await findVirtiofsd();
  if (!binary) throw new DriverError('MISSING_BINARY', 'virtiofsd not found; install it (Debian: apt-get install qemu-system-common) or use mountType 9p', { binary: 'virtiofsd' });
  await endVirtiofsDaemons(paths); // leftovers of a run that was killed
  try {
    for (const mount of mounts) await startOne(binary, mount, paths);
  } catch (error) {
    await endVirtiofsDaemons(paths);
    throw error;
  }
}

async function startOne(binary: string, mount: SpecMount, paths: InstancePaths): Promise<void> {
  const socket = virtiofsSocket(paths, mount.tag);
  const logFile = virtiofsLog(paths, mount.tag);
  const log = await open(logFile, 'w');
  try {
    const command = virtiofsdCommand(binary, mount, paths);
    const child = spawn(command.file, command.args, { detached: true, stdio: ['ignore', log.fd, log.fd] });
    const failed = new Promise<string>((resolve) => {
      child.once('error', (error) => resolve(error.message));
      child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`));
    });
    const pid = child.pid;
    if (pid !== undefined) await writeFile(virtiofsPidFile(paths, mount.tag), `${pid}\n`);
    const outcome = await Promise.race([waitForFile(socket, SOCKET_TIMEOUT_MS).then(() => undefined), failed]);
    child.unref();
    if (outcome !== undefined || pid === undefined) {
      const said = await readTail(logFile);
      throw new DriverError('VM_FAILED', `virtiofsd for ${mount.hostPath} failed to start (${outcome ?? 'no pid'}): ${said || 'it printed nothing'} (log: ${logFile})`, { log: logFile });
    }
  } finally {
    await log.close();
  }
}

/** Resolves once `file` exists; rejects after `timeoutMs`. Watches the folder, so no polling. */
function waitForFile(file: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const name = path.basename(file);
    const done = (error?: Error): void => {
      watcher.close();
      clearTimeout(timer);
      if (error) reject(error); else resolve();
    };
    const watcher = fs.watch(path.dirname(file), (_event, changed) => { if (changed?.toString() === name && fs.existsSync(file)) done(); });
    watcher.on('error', (error) => done(error));
    const timer = setTimeout(() => done(new DriverError('VM_FAILED', `virtiofsd made no socket at ${file} within ${timeoutMs} ms`)), timeoutMs);
    if (fs.existsSync(file)) done();
  });
}

/** The tags of the virtiofsd processes started for this instance (their pid files), whatever the spec now says. */
async function startedTags(paths: InstancePaths): Promise<string[]> {
  const names = await readdir(paths.runtimeDir).catch(() => [] as string[]);
  return names.flatMap((name) => /^virtiofs-([a-z0-9]+)\.pid$/.exec(name)?.[1] ?? []);
}

/** Ends the instance's virtiofsd processes (found by pid file, checked by command line) and removes their pid files and sockets. */
export async function endVirtiofsDaemons(paths: InstancePaths): Promise<void> {
  for (const tag of await startedTags(paths)) {
    const pidFile = virtiofsPidFile(paths, tag);
    const socket = virtiofsSocket(paths, tag);
    const pid = await readPidFile(pidFile);
    if (pid !== undefined && (await isOurProcess(pid, `--socket-path=${socket}`))) {
      sendSignal(pid, 'SIGTERM');
      if (!(await waitForExit(pid, END_TIMEOUT_MS))) sendSignal(pid, 'SIGKILL');
    }
    await Promise.all([rm(pidFile, { force: true }), rm(socket, { force: true })]);
  }
}

/** The virtiofsd logs in the instance folder, for delete(). */
export async function virtiofsLogs(paths: InstancePaths): Promise<string[]> {
  const dir = path.dirname(paths.log);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((name) => /^virtiofsd-[a-z0-9]+\.log$/.test(name)).map((name) => path.join(dir, name));
}
