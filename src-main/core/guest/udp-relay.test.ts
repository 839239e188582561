// UDP forwarding's two halves, the real ones, with the guest half run by this host's python3 in
// place of the guest's (over SSH it is the same command on the session's stdin and stdout): a
// datagram sent to the host port reaches a UDP echo server and its answer comes back to the
// client that sent it, for several clients at once; a taken host port is refused; a guest
// without python3 is said in words.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { UdpRelay } from './udp-relay.ts';
import type { RelaySession } from './udp-relay.ts';
import { udpRelayCommand } from './udp-relay-script.ts';

const localSession = (env: NodeJS.ProcessEnv = process.env): RelaySession => spawn('/bin/sh', ['-c', udpRelayCommand], { stdio: ['pipe', 'pipe', 'pipe'], env });

async function bound(type: 'udp4' | 'udp6', address: string): Promise<{ socket: dgram.Socket; port: number }> {
  const socket = dgram.createSocket(type);
  await new Promise<void>((resolve) => socket.bind({ address, port: 0 }, resolve));
  return { socket, port: socket.address().port };
}

/** Sends `text` from `client` to the port and resolves with the first answer. */
async function ask(client: dgram.Socket, port: number, host: string, text: string): Promise<string> {
  const answer = once(client, 'message', { signal: AbortSignal.timeout(20_000) });
  client.send(text, port, host);
  const [payload] = await answer as [Buffer];
  return payload.toString();
}

describe('UDP relay', () => {
  const echoes: dgram.Socket[] = [];
  const clients: dgram.Socket[] = [];
  const relays: UdpRelay[] = [];
  let echoPort: number;
  let echo6Port: number;

  /** A UDP echo "in the guest": answers each datagram with `echo:` and its text. */
  async function echoServer(type: 'udp4' | 'udp6', address: string): Promise<number> {
    const { socket, port } = await bound(type, address);
    socket.on('message', (payload, from) => socket.send(`echo:${payload.toString()}`, from.port, from.address));
    echoes.push(socket);
    return port;
  }

  async function client(type: 'udp4' | 'udp6' = 'udp4', address = '127.0.0.1'): Promise<dgram.Socket> {
    const { socket } = await bound(type, address);
    clients.push(socket);
    return socket;
  }

  async function freeUdpPort(): Promise<number> {
    const { socket, port } = await bound('udp4', '127.0.0.1');
    await new Promise<void>((resolve) => socket.close(resolve));
    return port;
  }

  function relay(onFailure: (message: string) => void = () => undefined, session = () => localSession()): UdpRelay {
    const made = new UdpRelay(session, onFailure);
    relays.push(made);
    return made;
  }

  before(async () => {
    echoPort = await echoServer('udp4', '127.0.0.1');
    echo6Port = await echoServer('udp6', '::1');
  });

  after(() => {
    for (const made of relays) made.close();
    for (const socket of [...echoes, ...clients]) socket.close();
  });

  it('carries a datagram to the guest program and its answer back to each client', async () => {
    const hostPort = await freeUdpPort();
    const udp = relay();
    await udp.add('a', { guestHost: '127.0.0.1', guestPort: echoPort, hostIP: '127.0.0.1', hostPort });
    const [first, second] = [await client(), await client()];
    assert.equal(await ask(first, hostPort, '127.0.0.1', 'one'), 'echo:one');
    const answers = await Promise.all([ask(first, hostPort, '127.0.0.1', 'from-first'), ask(second, hostPort, '127.0.0.1', 'from-second')]);
    assert.deepEqual(answers, ['echo:from-first', 'echo:from-second']);
    const big = 'x'.repeat(60_000);
    assert.equal(await ask(second, hostPort, '127.0.0.1', big), `echo:${big}`);
  });

  it('reaches a guest program on IPv6 loopback', async () => {
    const hostPort = await freeUdpPort();
    const udp = relay();
    await udp.add('b', { guestHost: '::1', guestPort: echo6Port, hostIP: '127.0.0.1', hostPort });
    assert.equal(await ask(await client(), hostPort, '127.0.0.1', 'six'), 'echo:six');
  });

  it('refuses a host port that is taken, with the socket\'s error code, and unbinds on remove', async () => {
    const taken = await client();
    const takenPort = taken.address().port;
    const udp = relay();
    await assert.rejects(udp.add('c', { guestHost: '127.0.0.1', guestPort: echoPort, hostIP: '127.0.0.1', hostPort: takenPort }), (error: Error & { details?: { code?: string } }) => error.details?.code === 'EADDRINUSE');
    const hostPort = await freeUdpPort();
    await udp.add('d', { guestHost: '127.0.0.1', guestPort: echoPort, hostIP: '127.0.0.1', hostPort });
    udp.remove('d');
    await new Promise<void>((resolve, reject) => {
      const probe = dgram.createSocket('udp4');
      probe.once('error', reject);
      probe.bind({ address: '127.0.0.1', port: hostPort, exclusive: true }, () => probe.close(() => resolve()));
    });
  });

  it('says that the guest needs python3 when it has none', async () => {
    const hostPort = await freeUdpPort();
    let told: (message: string) => void = () => undefined;
    const failure = new Promise<string>((resolve) => { told = resolve; });
    const udp = relay((message) => told(message), () => localSession({ PATH: '/nonexistent' }));
    await udp.add('e', { guestHost: '127.0.0.1', guestPort: echoPort, hostIP: '127.0.0.1', hostPort });
    (await client()).send('anyone?', hostPort, '127.0.0.1');
    assert.match(await failure, /UDP forwarding needs python3 in the guest/);
  });
});
