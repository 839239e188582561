// One OpenSSH ControlMaster connection per instance, as Lima's host agent once used: the master
// runs the guest's port-discovery loop as its own session, and forwards are added and removed
// on it with `ssh -O forward` / `ssh -O cancel`, each a short ssh run that reuses the connection.
// Ending the master ends every forward it holds.
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { sshArgs } from '../ssh/client.ts';
import type { SshTarget } from '../ssh/client.ts';

export interface MasterExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ssh's last words, for the log. */
  stderr: string;
}

export interface SshMaster {
  child: ChildProcessByStdio<null, Readable, Readable>;
  exited: Promise<MasterExit>;
}

const missingSsh = (): DriverError => new DriverError('MISSING_BINARY', 'ssh is not installed; install OpenSSH\'s client (apt-get install openssh-client)', { binary: 'ssh' });

function muxOptions(controlPath: string): string[] {
  return ['-o', `ControlPath=${controlPath}`];
}

/** Starts the master, running `remoteCommand` in the guest; its stdout is the caller's to read. */
export function startMaster(target: SshTarget, controlPath: string, remoteCommand: string): SshMaster {
  const args = [
    ...sshArgs(target), ...muxOptions(controlPath),
    '-o', 'ControlMaster=yes', '-o', 'ControlPersist=no',
    // A forward to a unix socket replaces a stale socket file left by an earlier run.
    '-o', 'StreamLocalBindUnlink=yes',
    // A guest that stops answering ends the master within ~15 s instead of never.
    '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3',
    '-T', target.host, '--', remoteCommand,
  ];
  const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-2000); });
  const exited = new Promise<MasterExit>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? missingSsh() : error));
    child.once('close', (code, signal) => resolve({ code, signal, stderr: stderr.trim() }));
  });
  return { child, exited };
}

/** A mux request is a round trip on a live connection; longer means the master is wedged. */
const muxTimeoutMs = 30_000;

/**
 * `ssh -O forward|cancel -L SPEC` on the master. Resolves once the master has bound (or
 * released) the host side; a refusal is an error with ssh's own words.
 */
export function muxForward(target: SshTarget, controlPath: string, verb: 'forward' | 'cancel', spec: string): Promise<void> {
  const args = [...sshArgs(target), ...muxOptions(controlPath), '-O', verb, '-L', spec, target.host];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: muxTimeoutMs });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => { stderr += chunk; });
    child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? missingSsh() : error));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else if (signal) reject(new DriverError('TIMEOUT', `ssh -O ${verb} ${spec} got no answer from the SSH connection within ${muxTimeoutMs / 1000} s`, { spec }));
      else reject(new DriverError('UNAVAILABLE', `ssh -O ${verb} ${spec} failed: ${stderr.trim().split('\n').pop() || `exit ${code}`}`, { spec }));
    });
  });
}

/**
 * Runs `remoteCommand` as another session on the master's connection (no new login), with its
 * stdin and stdout the caller's: how the UDP relay's datagrams travel.
 */
export function startMuxSession(target: SshTarget, controlPath: string, remoteCommand: string): ChildProcessByStdio<Writable, Readable, Readable> {
  const args = [...sshArgs(target), ...muxOptions(controlPath), '-o', 'ControlMaster=no', '-T', target.host, '--', remoteCommand];
  return spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
}
