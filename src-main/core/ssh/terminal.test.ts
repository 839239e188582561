// The Terminal tab's SSH session (terminal.ts) against a real SSH server on 127.0.0.1: ssh2's
// own server, which, unlike the guest's sshd, shows what arrives (the pty request, each window
// change). The whole flow on a real guest is e2e/ui/terminal.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import type { PseudoTtyInfo } from 'ssh2';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { freeLoopbackPort } from './guest-endpoint.ts';
import { ensureIdentity } from './identity.ts';
import { openTerminal } from './terminal.ts';

// ssh2 is CommonJS whose Server Node's ESM loader does not find as a named export.
const { Server, utils } = ssh2;
const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

interface Seen { pty?: PseudoTtyInfo; sizes: [number, number][]; drop?: () => void }

/** An SSH server that takes only `publicKey` and gives a pty shell that echoes each line. */
async function sshServer(publicKey: string): Promise<{ port: number; seen: Seen; close(): Promise<void> }> {
  // From ssh-keygen: about 1 in 250 ed25519 keys from ssh2's own generateKeyPairSync fail its parser.
  const hostKey = await fs.readFile((await identity()).privateKey);
  const allowed = utils.parseKey(publicKey);
  if (allowed instanceof Error) throw allowed;
  const seen: Seen = { sizes: [] };
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('authentication', (context) => {
      const key = context.method === 'publickey' ? context.key : undefined;
      if (key && key.algo === allowed.type && key.data.equals(allowed.getPublicSSH())) return context.accept();
      context.reject(['publickey']);
    });
    seen.drop = () => client.end();
    client.on('ready', () => client.on('session', (accept) => {
      const session = accept();
      session.on('pty', (ok, _reject, info) => {
        seen.pty = info;
        ok();
      });
      session.on('window-change', (ok, _reject, info) => {
        seen.sizes.push([info.cols, info.rows]);
        ok?.();
      });
      session.on('shell', (ok) => {
        const channel = ok();
        channel.write('ready$ ');
        channel.on('data', (bytes: Buffer) => {
          const line = bytes.toString().trim();
          if (line.startsWith('exit ')) {
            channel.exit(Number(line.slice(5)));
            channel.end();
          } else channel.write(`you said ${line}\r\n`);
        });
      });
    }));
    client.on('error', () => undefined);
  });
  const port = await freeLoopbackPort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function identity(): Promise<{ privateKey: string; publicKey: string }> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-terminal-'));
  roots.push(home);
  return ensureIdentity(home);
}

/** Resolves with everything the terminal printed once `pattern` shows. */
function output(session: Awaited<ReturnType<typeof openTerminal>>, pattern: RegExp): Promise<string> {
  let text = '';
  return new Promise((resolve) => {
    const stop = session.onData((bytes) => {
      text += Buffer.from(bytes).toString();
      if (pattern.test(text)) {
        stop();
        resolve(text);
      }
    });
  });
}

describe('openTerminal', () => {
  it('logs in with Corral\'s key on a pty of the page\'s size, follows resizes, and says how the shell ended', async () => {
    const key = await identity();
    const server = await sshServer(key.publicKey);
    try {
      const session = await openTerminal({ host: '127.0.0.1', port: server.port, user: 'lima', identityFile: key.privateKey }, { cols: 120, rows: 40 });
      const ended = new Promise<string>((resolve) => session.onEnd(resolve));
      await output(session, /ready\$ /);
      assert.equal(server.seen.pty?.cols, 120);
      assert.equal(server.seen.pty?.rows, 40);
      const echoed = output(session, /you said hello/);
      await session.write(Buffer.from('hello\n'));
      await echoed;
      session.resize({ cols: 60, rows: 20 });
      const after = output(session, /you said again/);
      await session.write(Buffer.from('again\n'));
      await after; // the window change went first, on the same channel
      assert.deepEqual(server.seen.sizes, [[60, 20]]);
      await session.write(Buffer.from('exit 3\n'));
      assert.equal(await ended, 'the shell exited with status 3');
    } finally {
      await server.close();
    }
  });

  it('says the connection closed when it drops under an open shell', async () => {
    const key = await identity();
    const server = await sshServer(key.publicKey);
    const session = await openTerminal({ host: '127.0.0.1', port: server.port, user: 'lima', identityFile: key.privateKey }, { cols: 80, rows: 24 });
    const ended = new Promise<string>((resolve) => session.onEnd(resolve));
    await output(session, /ready\$ /);
    server.seen.drop?.(); // as when the guest stops: the connection goes, no exit status
    assert.match(await ended, /^the SSH (session|connection) closed/);
    await server.close();
  });

  it('refuses with a clear error: nothing listening, a key the server does not take, an unreadable key', async () => {
    const key = await identity();
    const port = await freeLoopbackPort();
    const target = { host: '127.0.0.1' as const, port, user: 'lima', identityFile: key.privateKey };
    await assert.rejects(openTerminal(target, { cols: 80, rows: 24 }), (error: unknown) => {
      assert.ok(error instanceof DriverError);
      assert.equal(error.code, 'UNAVAILABLE');
      assert.match(error.message, new RegExp(`^cannot reach the guest's SSH at lima@127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
      return true;
    });
    const other = await identity();
    const server = await sshServer(other.publicKey);
    try {
      await assert.rejects(openTerminal({ ...target, port: server.port }, { cols: 80, rows: 24 }), /cannot reach the guest's SSH at .*authentication methods failed/);
    } finally {
      await server.close();
    }
    const missing = path.join(path.dirname(key.privateKey), 'gone');
    await assert.rejects(openTerminal({ ...target, identityFile: missing }, { cols: 80, rows: 24 }), (error: unknown) => {
      assert.ok(error instanceof DriverError);
      assert.equal(error.code, 'INVALID_CONFIG');
      assert.match(error.message, new RegExp(`cannot read Corral's SSH key ${missing} \\(ENOENT\\)`));
      return true;
    });
  });
});
