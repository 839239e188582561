// `corral copy [-r] SRC... DST`, as Lima's `limactl copy`: files between the host and a guest,
// a guest's side written INSTANCE:PATH. It runs the system's scp with the options `corral
// shell` gives ssh (client.ts), so the same key, user and loopback port are used, and scp's
// exit status is corral's.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { DriverError } from '../../src-drivers/sdk/errors.ts';
import type { Engine } from '../core/engine.ts';
import { sshArgs } from '../core/ssh/client.ts';
import type { SshTarget } from '../core/ssh/client.ts';
import { runningSshTarget } from '../core/ssh/target.ts';

/** One operand: a host path, or a path in an instance's guest. */
export type CopyPath = { kind: 'host'; path: string } | { kind: 'guest'; instance: string; path: string };

/**
 * NAME:PATH names a guest path when the colon comes before any slash (as scp reads it), so
 * `./a:b` and `/tmp/a:b` stay host paths. An empty PATH is the guest user's home.
 */
export function parseCopyPath(operand: string): CopyPath {
  const match = /^([^/:]+):(.*)$/s.exec(operand);
  return match?.[1] ? { kind: 'guest', instance: match[1], path: match[2] ?? '' } : { kind: 'host', path: operand };
}

/** The operands checked: at least a source and a destination, and exactly one instance among them. */
export function copyInstance(paths: readonly CopyPath[]): string {
  if (paths.length < 2) throw new DriverError('INVALID_CONFIG', 'copy needs a source and a destination: corral copy [-r] SRC... DST (a guest path is NAME:PATH)', {});
  const instances = [...new Set(paths.flatMap((p) => (p.kind === 'guest' ? [p.instance] : [])))];
  const [instance, other] = instances;
  if (!instance) throw new DriverError('INVALID_CONFIG', 'copy: no path is in a guest; write the guest side as NAME:PATH (e.g. corral copy file.txt deb:/tmp/)', {});
  if (other) {
    throw new DriverError('UNSUPPORTED', `copying between two instances (${instances.join(', ')}) is not supported; copy to the host first, then from there`, { instances: instances.join(',') });
  }
  return instance;
}

/** scp's arguments: the ssh options, -r, then each operand (guest ones as HOST:PATH). */
export function scpArgs(target: SshTarget, paths: readonly CopyPath[], recursive: boolean): string[] {
  // Host paths reach scp as given: parseCopyPath reads the same NAME:PATH shape scp does.
  const operand = (p: CopyPath): string => (p.kind === 'guest' ? `${target.host}:${p.path}` : p.path);
  return [...sshArgs(target), ...(recursive ? ['-r'] : []), '--', ...paths.map(operand)];
}

export async function copyCommand(engine: Engine, operands: readonly string[], options: { recursive: boolean }): Promise<number> {
  const paths = operands.map(parseCopyPath);
  const target = await runningSshTarget(engine, copyInstance(paths));
  const child = spawn('scp', scpArgs(target, paths, options.recursive), { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT'
        ? new DriverError('MISSING_BINARY', 'scp is not installed; install OpenSSH\'s client (apt-get install openssh-client)', { binary: 'scp' })
        : error);
    });
    // A signal's death is reported the way shells do: 128 + its number.
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}
