// Port forwarding riding on the host agent's own SSH connection, against a real SSH server on
// 127.0.0.1 (ssh2's server standing in for the guest's sshd) and the system's OpenSSH client:
// the agent follows the boot to ready, then the forwards go over that same connection (one
// login per connection, none more), leave when it drops, come back on the next one, and leave
// nothing behind when the agent ends. The same on a real guest: e2e/real-guest-ports.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import type { Connection, ServerChannel } from 'ssh2';
import { runHostAgent } from '../hostagent/agent.ts';
import type { AgentOutcome } from '../hostagent/agent.ts';
import { freeLoopbackPort } from '../ssh/guest-endpoint.ts';
import { ensureIdentity } from '../ssh/identity.ts';
import { discoveryScript } from './guest-listeners.ts';
import { forwardPorts } from './port-forwarding.ts';
import { portForwardRules } from './port-rules.ts';
import { portsFileName, readPortsFile } from './ports-file.ts';
import type { PortsFile } from './ports-file.ts';
import { writeBootId, writeGuestStatus } from './status.ts';

// ssh2 is CommonJS whose Server Node's ESM loader does not find as a named export.
const { Server, utils } = ssh2;

/** The guest's port the rule forwards, and what "listens" there: an echo server on the host. */
const guestPort = 8080;

/**
 * A guest's sshd after the boot: the follow reports the boot done at once, the discovery loop
 * lists guest port 8080 (the first one only when told to: `list()`), and a forwarded connection
 * to it reaches `echoPort`. Counts logins.
 */
async function readyGuestSshd(publicKey: string, hostKey: Buffer, echoPort: number) {
  const allowed = utils.parseKey(publicKey);
  if (allowed instanceof Error) throw allowed;
  const connections: Connection[] = [];
  const discoveries: ServerChannel[] = [];
  const listing = `0100007F:${guestPort.toString(16).toUpperCase()}\n--\n`;
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('authentication', (context) => {
      const key = context.method === 'publickey' ? context.key : undefined;
      if (key !== undefined && key.algo === allowed.type && key.data.equals(allowed.getPublicSSH())) return context.accept();
      context.reject(['publickey']);
    });
    client.on('ready', () => {
      connections.push(client);
      client.on('session', (accept) => accept().on('exec', (ok, _reject, info) => {
        const channel = ok();
        if (info.command.startsWith('echo corral-connected;')) channel.write('corral-connected\nbegin iid-1\ndone 0\n');
        else if (info.command === discoveryScript) {
          if (discoveries.length > 0) channel.write(listing);
          discoveries.push(channel);
        }
        else {
          channel.write('the boot log\n'); // `sudo -n cat` of the boot log, copied at ready
          channel.exit(0);
          channel.end();
        }
      }));
      client.on('tcpip', (accept, reject, info) => {
        if (info.destPort !== guestPort) return reject();
        const channel = accept();
        const socket = net.connect(echoPort, '127.0.0.1');
        socket.on('error', () => channel.close());
        channel.pipe(socket).pipe(channel);
      });
    });
    client.on('error', () => undefined);
  });
  const port = await freeLoopbackPort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    /** How many times the client logged in. */
    logins: () => connections.length,
    /** The first discovery loop lists the guest's ports. */
    list: () => discoveries[0]?.write(listing),
    /** Ends the newest discovery loop, its connection left up. */
    endDiscovery: () => {
      discoveries.at(-1)?.exit(1);
      discoveries.at(-1)?.end();
    },
    /** Drops the newest connection, as a guest reboot or a dead network does. */
    drop: () => connections.at(-1)?.end(),
    close: () => {
      for (const connection of connections) connection.end();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Resolves once ports.json satisfies `test`, re-read at each change of the folder. */
async function waitForPorts(dir: string, test: (ports: PortsFile) => boolean): Promise<PortsFile> {
  const changes = fs.watch(dir, { signal: AbortSignal.timeout(30_000) });
  const check = async (): Promise<PortsFile | undefined> => {
    const ports = await readPortsFile(dir).catch(() => undefined);
    return ports && test(ports) ? ports : undefined;
  };
  const now = await check();
  if (now) return now;
  for await (const change of changes) {
    const ports = change.filename === portsFileName ? await check() : undefined;
    if (ports) return ports;
  }
  assert.fail('ports.json never showed it');
}

/** What 127.0.0.1:port answers to `text`, or the connection's error code. */
function echoOf(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.end(text));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.once('end', () => resolve(answer));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** This process's children that are ssh (the test runner gives each file its own process). */
async function sshChildren(): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...
    const match = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
    if (match?.[1] === 'ssh' && Number(match[2]) === process.pid) found.push(Number(entry));
  }
  return found;
}

describe('port forwarding on the host agent\'s SSH connection', () => {
  let dir: string;
  let sshd: Awaited<ReturnType<typeof readyGuestSshd>>;
  let echo: net.Server;
  let hostPort: number;
  const stop = new AbortController();
  let ended: Promise<AgentOutcome>;
  const logged: string[] = [];

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-pf-'));
    const identity = await ensureIdentity(dir);
    echo = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    sshd = await readyGuestSshd(identity.publicKey, await fs.readFile(identity.privateKey), (echo.address() as net.AddressInfo).port);
    hostPort = await freeLoopbackPort();
    const target = { host: '127.0.0.1' as const, port: sshd.port, user: 'corral', identityFile: identity.privateKey };
    const rules = portForwardRules([{ guestPort, hostPort }], dir);
    await writeBootId(dir, 'iid-1');
    await writeGuestStatus(dir, { bootId: 'iid-1', phase: 'booting', updatedAt: new Date().toISOString() });
    const log = (line: string): void => void logged.push(line);
    ended = runHostAgent({
      dir, bootId: 'iid-1', timeoutMs: 600_000, retryDelayMs: 50, stop: stop.signal, target, log,
      afterReady: (signal, connection) => forwardPorts({ target, dir, bootId: 'iid-1', rules, signal, log, connection }),
    });
  });

  after(async () => {
    stop.abort();
    await ended;
    await sshd.close();
    await new Promise((resolve) => echo.close(resolve));
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('forwards once the guest is ready, over the connection that followed the boot: one login in all', async () => {
    const ports = await waitForPorts(dir, (p) => p.forwards.length === 1);
    assert.deepEqual(ports.forwards, [{ guestPort, hostIP: '127.0.0.1', hostPort, proto: 'tcp', source: 'static' }]);
    assert.equal(await echoOf(hostPort, 'hello'), 'hello', 'a static rule answers before the guest has listed its ports');
    assert.equal(sshd.logins(), 1, 'port forwarding logged in again instead of riding on the agent\'s connection');
    sshd.list();
  });

  it('when that connection drops, the forwards go, and come back on the agent\'s next connection', async () => {
    const droppedAt = Date.now();
    sshd.drop();
    const empty = await waitForPorts(dir, (p) => Date.parse(p.updatedAt) >= droppedAt && p.forwards.length === 0);
    assert.deepEqual(empty.problems, []);
    await waitForPorts(dir, (p) => Date.parse(p.updatedAt) >= droppedAt && p.forwards.length === 1);
    assert.equal(await echoOf(hostPort, 'again'), 'again');
    assert.equal(sshd.logins(), 2, 'one new login: the agent\'s reconnect');
    assert.ok(logged.some((line) => /^port forwarding: the SSH connection ended .*the forwards return when the host agent has reconnected$/.test(line)), logged.join('\n'));
  });

  it('when the discovery loop ends on a live connection, its forwards are released, and return when it starts again', async () => {
    const endedAt = Date.now();
    sshd.endDiscovery();
    await waitForPorts(dir, (p) => Date.parse(p.updatedAt) >= endedAt && p.forwards.length === 0);
    // Cancelled on the master, not only forgotten: a port no longer listed does not answer (the
    // loop starts again 1 s after it ended).
    assert.equal(await echoOf(hostPort, 'meanwhile'), 'ECONNREFUSED');
    await waitForPorts(dir, (p) => Date.parse(p.updatedAt) >= endedAt && p.forwards.length === 1);
    assert.equal(await echoOf(hostPort, 'back'), 'back');
    assert.equal(sshd.logins(), 2, 'no new login: the loop started again on the same connection');
  });

  it('when the agent ends: nothing forwarded, the host port closed, no ssh process left', async () => {
    stop.abort();
    assert.equal(await ended, 'stopped');
    assert.deepEqual((await readPortsFile(dir))?.forwards, []);
    assert.equal(await echoOf(hostPort, 'anyone?'), 'ECONNREFUSED');
    assert.deepEqual(await sshChildren(), []);
  });
});
