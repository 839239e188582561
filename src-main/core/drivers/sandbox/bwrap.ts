// The command line that runs a bundle driver under bubblewrap with Node's permission model
// inside: two independent fences, so a gap in one (a Node API the permission model does not
// cover, such as the network in Node 24) is closed by the other. Only what the policy names is
// bound into an otherwise empty root: no /etc, no /home, no /usr beyond the exact binaries and
// libraries that Node and the declared executables load.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { driverNodeFlags } from '../fork-child.ts';
import type { SandboxPolicy } from './policy.ts';
import { sshGrant } from './ssh-grant.ts';

/** The shared libraries `binary` loads, as absolute paths (from ldd; the loader included). */
export function sharedLibraries(binary: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return []; // static binaries make ldd exit non-zero: nothing to bind
  }
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    const match = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)/.exec(line);
    if (match?.[1]) libs.add(match[1]);
  }
  return [...libs];
}

/** Finds a bare command on the engine's PATH; absolute paths are taken as they are. */
export function resolveExecutable(name: string): string | undefined {
  const candidates = name.startsWith('/') ? [name] : (process.env.PATH ?? '').split(':').filter(Boolean).map((dir) => path.join(dir, name));
  return candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

const exists = (p: string) => fs.existsSync(p);

/** The uid and gid an ssh-using bundle gets inside when the engine runs as root ("nobody"). */
const INSIDE_ID = 65534;

export interface SandboxCommand {
  file: string;
  args: string[];
  /** Declared executables that are not installed here (the driver will find them missing). */
  missing: string[];
  /** Environment the grants bring (the SSH agent's socket). */
  env: Record<string, string>;
}

export function bwrapCommand(policy: SandboxPolicy, options: { bwrap: string; node: string }): SandboxCommand {
  const node = fs.realpathSync(options.node);
  const { permissions } = policy;
  const exec: string[] = [];
  const missing: string[] = [];
  for (const name of permissions.exec) {
    const found = resolveExecutable(name);
    if (found) exec.push(found);
    else missing.push(name);
  }
  const binaries = [node, ...exec];
  const libraries = [...new Set(binaries.flatMap(sharedLibraries))];
  // libvirt drops the capabilities of the ssh it starts, which fails for uid 0 without
  // CAP_SETPCAP (all are dropped here) and is let through for any other uid. So an engine run
  // as root gives an ssh-using bundle another uid inside, mapped to root outside (the same
  // rights on files), and tells it the real ids (a local libvirt labels domains with them).
  const remapped = policy.sshUser && process.getuid?.() === 0 ? INSIDE_ID : undefined;
  const ssh = policy.sshUser ? sshGrant(remapped === undefined ? policy.sshUser : { ...policy.sshUser, uid: remapped, gid: remapped }, policy.etcDir) : undefined;
  const ids = remapped === undefined ? [] : ['--uid', String(remapped), '--gid', String(remapped)];
  const args = [
    '--unshare-all', ...(permissions.network ? ['--share-net'] : []), ...ids,
    '--die-with-parent', '--new-session', '--cap-drop', 'ALL',
    '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp',
    ...libraries.flatMap((lib) => ['--ro-bind', lib, lib]),
    ...binaries.flatMap((bin) => ['--ro-bind', bin, bin]),
    // A networked driver needs name resolution; nothing else from /etc.
    ...(permissions.network ? ['/etc/resolv.conf', '/etc/hosts', '/etc/nsswitch.conf'].filter(exists).flatMap((f) => ['--ro-bind', f, f]) : []),
    ...policy.readable.flatMap((p) => ['--ro-bind-try', p, p]),
    ...permissions.read.flatMap((p) => ['--ro-bind-try', p, p]),
    ...policy.writable.flatMap((p) => ['--bind', p, p]),
    ...permissions.write.flatMap((p) => ['--bind-try', p, p]),
    ...(ssh?.args ?? []),
    '--ro-bind', policy.bundleDir, policy.bundleDir,
    '--chdir', policy.bundleDir,
    // The built-in drivers' memory flags too: a bundle driver waits and relays just as they do.
    node, ...driverNodeFlags, ...nodePermissionFlags(policy, exec), policy.entry,
  ];
  const hostIds: Record<string, string> = remapped === undefined ? {} : { CORRAL_HOST_IDS: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}` };
  return { file: options.bwrap, args, missing, env: { ...ssh?.env, ...hostIds } };
}

/** Node's permission model, the inner fence: the same grants, checked by Node on every call. */
export function nodePermissionFlags(policy: SandboxPolicy, exec: string[]): string[] {
  const read = [policy.bundleDir, ...policy.readable, ...policy.writable, ...policy.permissions.read, ...policy.permissions.write,
    // The /proc bwrap mounts shows the sandbox's own PID namespace only: a driver that runs
    // programs may watch them (their children, terminals, file offsets), and nothing else.
    ...(exec.length > 0 ? ['/proc'] : [])];
  const write = [...policy.writable, ...policy.permissions.write];
  return [
    '--permission',
    ...read.map((p) => `--allow-fs-read=${p}`),
    ...write.map((p) => `--allow-fs-write=${p}`),
    // Without declared executables the driver may start no process at all; with them, bwrap
    // makes sure only those exist inside.
    ...(exec.length > 0 ? ['--allow-child-process'] : []),
  ];
}
