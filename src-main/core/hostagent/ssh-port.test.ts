// The host agent before its first login, against the port a booting guest offers: QEMU's
// forward, played here by a TCP server on 127.0.0.1 that accepts every connection and then says
// nothing (the guest's network is not up), hangs up at once (the guest answers, no sshd yet), or
// hands the connection to a real SSH server (ssh2's, standing in for the guest's sshd). Shorter
// pauses and looks than an agent's own, as a test runs them.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { ensureIdentity } from '../ssh/identity.ts';
import { readGuestStatus, writeBootId, writeGuestStatus } from '../guest/status.ts';
import { runHostAgent } from './agent.ts';
import type { AgentOutcome } from './agent.ts';

const { Server, utils } = ssh2; // CommonJS: Node's ESM loader finds no named exports

type Phase = 'silent' | 'closing' | 'sshd';

/** A guest's sshd: Corral's key gets in, and the agent's follow stays open. */
function guestSshd(publicKey: string, hostKey: Buffer): InstanceType<typeof Server> {
  const allowed = utils.parseKey(publicKey);
  if (allowed instanceof Error) throw allowed;
  return new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('authentication', (context) => {
      const ours = context.method === 'publickey' && context.key.algo === allowed.type && context.key.data.equals(allowed.getPublicSSH());
      if (ours) context.accept();
      else context.reject(['publickey']);
    });
    client.on('ready', () => client.on('session', (accept) => accept().on('exec', (ok) => ok().write('corral-connected\n'))));
    client.on('error', () => undefined);
  });
}

describe('host agent: looking at the SSH port before logging in', () => {
  let dir: string;
  let front: net.Server;
  let port = 0;
  let phase: Phase = 'silent';
  /** Each connection the port took: in which phase, the bytes the agent sent, whether it has closed. */
  const connections: { phase: Phase; bytesIn: number; closed: boolean; atMs: number }[] = [];
  const waiting: { done: () => boolean; resolve: () => void }[] = [];
  const logged: string[] = [];
  const stop = new AbortController();
  let ended: Promise<AgentOutcome>;
  const firstLookMs = 300;
  let startedAt = 0;

  function until(done: () => boolean): Promise<void> {
    return done() ? Promise.resolve() : new Promise((resolve) => waiting.push({ done, resolve }));
  }
  const wake = (): void => {
    for (const waiter of waiting.filter((w) => w.done())) {
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const closedIn = (which: Phase) => connections.filter((c) => c.phase === which && c.closed);

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-ssh-port-'));
    const identity = await ensureIdentity(dir);
    const sshd = guestSshd(identity.publicKey, await fs.readFile(identity.privateKey));
    front = net.createServer((socket) => {
      const seen = { phase, bytesIn: 0, closed: false, atMs: performance.now() };
      connections.push(seen);
      socket.on('error', () => undefined);
      socket.on('close', () => { seen.closed = true; wake(); });
      if (phase === 'sshd') return sshd.injectSocket(socket);
      socket.on('data', (chunk: Buffer) => (seen.bytesIn += chunk.length));
      if (phase === 'closing') socket.end();
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    port = (front.address() as net.AddressInfo).port;
    await writeBootId(dir, 'iid-1');
    await writeGuestStatus(dir, { bootId: 'iid-1', phase: 'booting', updatedAt: new Date().toISOString() });
    startedAt = performance.now();
    ended = runHostAgent({
      dir, bootId: 'iid-1', timeoutMs: 600_000, stop: stop.signal,
      lookSchedule: { firstLookMs, pauseMs: 100, firstWaitMs: 100, longestWaitMs: 400, upWaitMs: 5000 },
      target: { host: '127.0.0.1', port, user: 'corral', identityFile: identity.privateKey },
      log: (line) => {
        logged.push(line);
        wake();
      },
    });
  });

  after(async () => {
    stop.abort();
    await ended;
    front.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('lets the guest boot before its first look: QEMU holds a connection the guest cannot answer yet for a minute', { timeout: 20_000 }, async () => {
    await until(() => connections.length > 0);
    assert.ok(connections[0] && connections[0].atMs - startedAt >= firstLookMs, `first look ${(connections[0]?.atMs ?? Number.NaN) - startedAt} ms after the start`);
  });

  it('while nothing answers, looks and hangs up without starting ssh (a held connection costs the driver an ss run every second)', { timeout: 20_000 }, async () => {
    await until(() => closedIn('silent').length >= 3);
    // OpenSSH's client sends its version line as soon as it connects: none came.
    assert.deepEqual(closedIn('silent').map((c) => c.bytesIn), [0, 0, 0], 'no ssh client spoke on the silent port');
    const status = await readGuestStatus(dir);
    assert.equal(status?.sshSince, undefined, 'no login');
  });

  it('logs in once the guest\'s sshd answers, after the guest hung up on it', { timeout: 30_000 }, async () => {
    phase = 'closing';
    await until(() => closedIn('closing').length >= 2);
    phase = 'sshd';
    await until(() => logged.some((line) => /^status: .*"sshSince"/.test(line)));
    assert.ok((await readGuestStatus(dir))?.sshSince, 'the login is recorded');
  });
});
