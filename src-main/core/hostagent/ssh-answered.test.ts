// The host agent (in this process) against a real SSH server on 127.0.0.1: ssh2's own server
// standing in for a guest's sshd that first refuses Corral's key (sshd not ready, key not yet
// installed), then lets it in while no boot script writes anything. The agent must record in
// guest-status.json the moment SSH first let it in, and not before; the boot script's phases
// later keep that time. The whole flow on a real guest is e2e/real-guest-provision.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import type { ServerChannel } from 'ssh2';
import { freeLoopbackPort } from '../ssh/guest-endpoint.ts';
import { ensureIdentity } from '../ssh/identity.ts';
import { readGuestStatus, writeBootId, writeGuestStatus } from '../guest/status.ts';
import { runHostAgent } from './agent.ts';
import type { AgentOutcome } from './agent.ts';

// ssh2 is CommonJS whose Server Node's ESM loader does not find as a named export.
const { Server, utils } = ssh2;

/** A guest's sshd as the agent meets it: logins refused until `letIn()`, then the status file's follow stays open. */
async function guestSshd(publicKey: string, hostKey: Buffer) {
  const allowed = utils.parseKey(publicKey);
  if (allowed instanceof Error) throw allowed;
  let accepting = false;
  let refused = (): void => undefined;
  const firstRefusal = new Promise<void>((resolve) => (refused = resolve));
  let follow: ServerChannel | undefined;
  let followOpened = (_channel: ServerChannel): void => undefined;
  const following = new Promise<ServerChannel>((resolve) => (followOpened = resolve));
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('authentication', (context) => {
      const key = context.method === 'publickey' ? context.key : undefined;
      const ours = key !== undefined && key.algo === allowed.type && key.data.equals(allowed.getPublicSSH());
      if (ours && accepting) return context.accept();
      if (ours) refused();
      context.reject(['publickey']);
    });
    client.on('ready', () => client.on('session', (accept) => {
      accept().on('exec', (ok, _reject, info) => {
        const channel = ok();
        // The agent's follow: `echo corral-connected; exec tail -F <status file>`, the file not there yet.
        if (info.command.startsWith('echo corral-connected;')) {
          channel.write('corral-connected\n');
          follow = channel;
          followOpened(channel);
        } else {
          channel.exit(1);
          channel.end();
        }
      });
    }));
    client.on('error', () => undefined);
  });
  const port = await freeLoopbackPort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    firstRefusal,
    following,
    letIn: () => void (accepting = true),
    close: () => {
      follow?.close();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('host agent: when SSH first lets it in', () => {
  let dir: string;
  let sshd: Awaited<ReturnType<typeof guestSshd>>;
  const stop = new AbortController();
  let ended: Promise<AgentOutcome>;
  /** The agent's log lines, and who waits for which. */
  const logged: string[] = [];
  const waiting: { pattern: RegExp; resolve: () => void }[] = [];

  function logShows(pattern: RegExp): Promise<void> {
    if (logged.some((line) => pattern.test(line))) return Promise.resolve();
    return new Promise((resolve) => waiting.push({ pattern, resolve }));
  }

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-ssh-answered-'));
    const identity = await ensureIdentity(dir);
    sshd = await guestSshd(identity.publicKey, await fs.readFile(identity.privateKey));
    // As the engine leaves it before starting the agent.
    await writeBootId(dir, 'iid-1');
    await writeGuestStatus(dir, { bootId: 'iid-1', phase: 'booting', updatedAt: new Date().toISOString() });
    ended = runHostAgent({
      dir, bootId: 'iid-1', timeoutMs: 600_000, retryDelayMs: 50, stop: stop.signal,
      target: { host: '127.0.0.1', port: sshd.port, user: 'corral', identityFile: identity.privateKey },
      log: (line) => {
        logged.push(line);
        for (const waiter of waiting.filter((w) => w.pattern.test(line))) waiter.resolve();
      },
    });
  });

  after(async () => {
    stop.abort();
    await ended;
    await sshd.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('says nothing of SSH while the guest refuses its login', async () => {
    await sshd.firstRefusal;
    const status = await readGuestStatus(dir);
    assert.equal(status?.phase, 'booting');
    assert.equal(status?.sshSince, undefined, 'SSH has not let the agent in');
  });

  it('records when SSH let it in, though no boot script has reported', async () => {
    const before = new Date().toISOString();
    sshd.letIn();
    await logShows(/^status: .*"sshSince"/);
    const status = await readGuestStatus(dir);
    assert.equal(status?.phase, 'booting', 'the boot script has said nothing');
    assert.ok(status?.sshSince && status.sshSince >= before && status.sshSince <= new Date().toISOString(), `sshSince ${status?.sshSince} is the login's time`);
  });

  it('keeps that time as the boot script reports its steps', async () => {
    const since = (await readGuestStatus(dir))?.sshSince;
    const follow = await sshd.following;
    follow.write('begin iid-1\nstep 1 2 provision-00-system\n');
    await logShows(/^status: .*"provisioning"/);
    const status = await readGuestStatus(dir);
    assert.equal(status?.phase, 'provisioning');
    assert.equal(status?.sshSince, since);
  });
});
