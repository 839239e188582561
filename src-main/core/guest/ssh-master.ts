// Requests to the SSH ControlMaster that the host agent's follow connection is (ssh/shared-
// connection.ts): forwards are added and removed with `ssh -O forward` / `ssh -O cancel`, each a
// short ssh run that reuses the connection, and the guest's port-discovery loop and UDP relay
// run as sessions on it. Ending the master ends every forward and session it holds.
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { sshArgs } from '../ssh/client.ts';
import type { SshTarget } from '../ssh/client.ts';
import { muxClientOptions } from '../ssh/shared-connection.ts';

const missingSsh = (): DriverError => new DriverError('MISSING_BINARY', 'ssh is not installed; install OpenSSH\'s client (apt-get install openssh-client)', { binary: 'ssh' });

/** Options for every request here: the master's socket, and never a login of their own. */
const onTheMaster = (controlPath: string): string[] => muxClientOptions(controlPath, { masterOnly: true });

/** A mux request is a round trip on a live connection; longer means the master is wedged. */
const muxTimeoutMs = 30_000;

/**
 * `ssh -O forward|cancel -L SPEC` on the master. Resolves once the master has bound (or
 * released) the host side; a refusal is an error with ssh's own words.
 */
export function muxForward(target: SshTarget, controlPath: string, verb: 'forward' | 'cancel', spec: string): Promise<void> {
  const args = [...sshArgs(target), ...onTheMaster(controlPath), '-O', verb, '-L', spec, target.host];
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
 * stdin and stdout the caller's: the discovery loop's snapshots and the UDP relay's datagrams.
 * Without a master it fails at once.
 */
export function startMuxSession(target: SshTarget, controlPath: string, remoteCommand: string): ChildProcessByStdio<Writable, Readable, Readable> {
  const args = [...sshArgs(target), ...onTheMaster(controlPath), '-T', target.host, '--', remoteCommand];
  return spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
}
