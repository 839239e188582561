// A login shell in the guest on a real pty, for the app's Terminal tab. This one uses the `ssh2`
// package (pure JS) instead of the system's OpenSSH client that `corral shell` runs: ssh
// allocates the guest's pty from its own terminal's size and learns of a new size only from
// SIGWINCH on a local tty, and Node has no pty to give it. ssh2 sends the pty request and
// every "window-change" itself, so the xterm's size reaches the guest (`stty size` follows).
// The options match client.ts: Corral's key only, host key not recorded (new per instance,
// loopback only), a bounded handshake.
import fs from 'node:fs/promises';
import { Client } from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { SshTarget } from './client.ts';

export interface TerminalSize {
  cols: number;
  rows: number;
}

export interface TerminalSession {
  /** The shell's output (stdout and stderr are one stream on a pty). Returns an unsubscribe. */
  onData(listener: (bytes: Uint8Array) => void): () => void;
  /** The shell or the connection ended; no more data follows. Returns an unsubscribe. */
  onEnd(listener: (reason: string) => void): () => void;
  /** Sends keystrokes; settles once they are handed to the connection (ignored once ended). */
  write(bytes: Uint8Array): Promise<void>;
  /** Tells the guest's pty its new size (SIGWINCH there). */
  resize(size: TerminalSize): void;
  /** Ends the shell and the connection. */
  close(): Promise<void>;
}

/** The same bound as client.ts's ConnectTimeout: a guest whose network is down never speaks. */
const handshakeTimeoutMs = 30_000;

/** Connects, asks for a pty of `size` and a login shell; rejects with a typed error saying why not. */
export async function openTerminal(target: SshTarget, size: TerminalSize): Promise<TerminalSession> {
  const privateKey = await fs.readFile(target.identityFile).catch((error: NodeJS.ErrnoException) => {
    throw new DriverError('INVALID_CONFIG', `cannot read Corral's SSH key ${target.identityFile} (${error.code ?? error.message}); remove its folder to make a new key`, { file: target.identityFile });
  });
  const client = new Client();
  const channel = await new Promise<ClientChannel>((resolve, reject) => {
    const refuse = (error: Error): void => {
      client.end();
      reject(new DriverError('UNAVAILABLE', `cannot reach the guest's SSH at ${target.user}@${target.host}:${target.port}: ${error.message}; is the guest still booting?`, { port: target.port }));
    };
    client.once('error', refuse);
    client.once('ready', () => {
      client.shell({ term: 'xterm-256color', cols: size.cols, rows: size.rows }, (error, opened) => {
        if (error) return refuse(error);
        client.off('error', refuse);
        resolve(opened);
      });
    });
    client.connect({
      host: target.host, port: target.port, username: target.user, privateKey,
      // Not recorded, as with `corral shell`: the key is new at each instance and the port is loopback.
      hostVerifier: () => true,
      readyTimeout: handshakeTimeoutMs,
      keepaliveInterval: 15_000,
    });
  });
  return session(client, channel);
}

function session(client: Client, channel: ClientChannel): TerminalSession {
  const dataListeners = new Set<(bytes: Uint8Array) => void>();
  const endListeners = new Set<(reason: string) => void>();
  let ended = false;
  let exit: string | undefined;
  const finish = (reason: string): void => {
    if (ended) return;
    ended = true;
    client.end();
    for (const listener of endListeners) listener(reason);
  };
  const deliver = (bytes: Buffer): void => {
    for (const listener of dataListeners) listener(bytes);
  };
  channel.on('data', deliver);
  channel.stderr.on('data', deliver);
  channel.on('exit', (code: number | null, signal?: string) => {
    exit = signal ? `the shell was ended by SIG${signal}` : `the shell exited with status ${code ?? 0}`;
  });
  channel.on('close', () => finish(exit ?? 'the SSH session closed'));
  // A connection that drops (guest stopped, network gone) ends the shell too.
  client.on('error', (error) => finish(`the SSH connection failed: ${error.message}`));
  client.on('close', () => finish(exit ?? 'the SSH connection closed (the guest stopped or went away)'));
  return {
    onData(listener) {
      dataListeners.add(listener);
      return () => dataListeners.delete(listener);
    },
    onEnd(listener) {
      endListeners.add(listener);
      return () => endListeners.delete(listener);
    },
    write(bytes) {
      if (ended) return Promise.resolve();
      return new Promise((resolve) => channel.write(Buffer.from(bytes), () => resolve()));
    },
    resize({ cols, rows }) {
      if (!ended) channel.setWindow(rows, cols, 0, 0);
    },
    async close() {
      finish('closed');
    },
  };
}
