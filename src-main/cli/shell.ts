// `corral shell NAME [--workdir DIR] [-- CMD ...]` and `corral ssh-config NAME`: the system's
// OpenSSH client, as Lima uses it, on the loopback port the instance's sshd is forwarded to.
// ssh's own stdio is the terminal's, so input, output and the exit status pass straight through.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { DriverError } from '../../src-drivers/sdk/errors.ts';
import type { Engine } from '../core/engine.ts';
import { remoteScript, sshArgs, sshConfigBlock } from '../core/ssh/client.ts';
import type { SshTarget } from '../core/ssh/client.ts';
import { runningSshTarget } from '../core/ssh/target.ts';

/** The running instance's SSH endpoint and Corral's key, or an error saying what to do. */
export const sshTarget = runningSshTarget;

export interface ShellOptions {
  workdir?: string | undefined;
  command: readonly string[];
}

export async function shellCommand(engine: Engine, name: string, options: ShellOptions): Promise<number> {
  return runSsh(await sshTarget(engine, name), options);
}

/** Runs ssh to `target` with the terminal's stdio; its exit status, a signal's as shells report it. */
export function runSsh(target: SshTarget, options: ShellOptions): Promise<number> {
  const tty = process.stdin.isTTY && process.stdout.isTTY;
  const args = [...sshArgs(target), tty ? '-t' : '-T', target.host, '--', remoteScript(options)];
  const child = spawn('ssh', args, { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT'
        ? new DriverError('MISSING_BINARY', 'ssh is not installed; install OpenSSH\'s client (apt-get install openssh-client)', { binary: 'ssh' })
        : error);
    });
    // A signal's death is reported the way shells do: 128 + its number.
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

export async function sshConfigCommand(engine: Engine, name: string): Promise<string> {
  return sshConfigBlock(`corral-${name}`, await sshTarget(engine, name));
}
