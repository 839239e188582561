// The agent's two ways of talking to the guest over the system's OpenSSH: a command whose output
// is read whole, and a command whose output lines arrive as they come (the status file's tail).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { sshArgs } from '../ssh/client.ts';
import type { SshTarget } from '../ssh/client.ts';

/** ssh's own failures (no connection, refused login) exit 255; anything else is the command's. */
export const sshFailed = 255;

// A stopped guest must end the follow promptly: its forwarded port stays open in QEMU only while QEMU runs,
// and a guest that hangs without closing the connection is found by keep-alives.
const keepAlive = ['-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3'];

/** `options`: more ssh options, such as those that make it the ControlMaster or a session on one (ssh/shared-connection.ts). */
function sshCommand(target: SshTarget, command: string, options: readonly string[]): string[] {
  return [...sshArgs(target), ...keepAlive, ...options, '-T', target.host, '--', command];
}

export interface Exited {
  code: number;
  stderr: string;
}

/** Runs `command` in the guest; its stdout, or the exit and stderr when it fails. */
export function sshRun(target: SshTarget, command: string, signal: AbortSignal, options: readonly string[] = []): Promise<Exited & { stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('ssh', sshCommand(target, command, options), { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => resolve({ code: sshFailed, stdout, stderr: stderr || error.message }));
    child.once('close', (code) => resolve({ code: code ?? sshFailed, stdout, stderr }));
  });
}

/** Runs `command` in the guest, handing each output line to `onLine` as it comes, until it ends. */
export function sshFollow(target: SshTarget, command: string, signal: AbortSignal, onLine: (line: string) => void, options: readonly string[] = []): Promise<Exited> {
  return new Promise((resolve) => {
    const child = spawn('ssh', sshCommand(target, command, options), { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4096)));
    createInterface({ input: child.stdout }).on('line', onLine);
    child.once('error', (error) => resolve({ code: sshFailed, stderr: stderr || error.message }));
    child.once('close', (code) => resolve({ code: code ?? sshFailed, stderr }));
  });
}
