// The guest's listening sockets as the kernel writes them in /proc/net/tcp and tcp6, and the
// discovery loop's output split into snapshots; the loop itself runs in a real shell here.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { describe, it } from 'node:test';
import { discoveryScript, parseListenerAddress, parseProcNetTcp, snapshotReader } from './guest-listeners.ts';
import type { GuestListener } from './port-rules.ts';

// Taken from the Debian test guest: sshd on 0.0.0.0:22 and [::]:22, one connection, a server on 127.0.0.1:8080.
const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 13337 1 000000004a2105ae 100 0 0 10 0
   1: 0F02000A:0016 0202000A:8DFC 01 00000000:00000000 02:000AFB64 00000000     0        0 13521 3 0000000059b6deba 20 4 28 10 -1
   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 14001 1 0000000000000000 100 0 0 10 0
`;
const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 13342 1 000000009dc4db44 100 0 0 10 0
   1: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 14100 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 14101 1 0000000000000000 100 0 0 10 0
`;

describe('/proc/net/tcp parsing', () => {
  it('reads IPv4 and IPv6 listeners and leaves out connections', () => {
    assert.deepEqual(parseProcNetTcp(tcp), [{ ip: '0.0.0.0', port: 22 }, { ip: '127.0.0.1', port: 8080 }]);
    assert.deepEqual(parseProcNetTcp(tcp6), [{ ip: '::', port: 22 }, { ip: '::1', port: 3000 }, { ip: '127.0.0.1', port: 8081 }]);
  });

  it('reads one address field, and refuses what is not one', () => {
    assert.deepEqual(parseListenerAddress('0F02000A:0050'), { ip: '10.0.2.15', port: 80 });
    assert.deepEqual(parseListenerAddress('000080FE00000000FF005450150202FE:1F90'), { ip: 'fe80::5054:ff:fe02:215', port: 8080 });
    assert.equal(parseListenerAddress('0100007F:0000'), undefined);
    assert.equal(parseListenerAddress('nonsense'), undefined);
  });

  it('splits the loop\'s output into snapshots, whatever the chunking, blank heartbeat lines ignored', () => {
    const seen: GuestListener[][] = [];
    const feed = snapshotReader((listeners) => seen.push(listeners));
    for (const chunk of ['00000000:0016\n0100', '007F:1F90\nudp:0100007F:1E61\n--\n', '\n', '\n--\n']) feed(chunk);
    assert.deepEqual(seen, [[{ ip: '0.0.0.0', port: 22 }, { ip: '127.0.0.1', port: 8080 }, { ip: '127.0.0.1', port: 7777, proto: 'udp' }], []]);
  });

  it('the discovery loop, in a real shell, reports a TCP and a UDP port as they open and close, and ends once nobody reads it', async () => {
    const child = spawn('sh', ['-c', discoveryScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    const snapshots: GuestListener[][] = [];
    let wake: (() => void) | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', snapshotReader((listeners) => { snapshots.push(listeners); wake?.(); }));
    const until = async (test: (listeners: GuestListener[]) => boolean): Promise<void> => {
      while (!snapshots.some(test)) await new Promise<void>((resolve) => { wake = resolve; });
    };
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = server.address() as net.AddressInfo;
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind({ address: '127.0.0.1', port: 0 }, resolve));
    const udpPort = udp.address().port;
    const hasTcp = (listeners: GuestListener[]): boolean => listeners.some((l) => l.ip === '127.0.0.1' && l.port === port && l.proto === undefined);
    const hasUdp = (listeners: GuestListener[]): boolean => listeners.some((l) => l.ip === '127.0.0.1' && l.port === udpPort && l.proto === 'udp');
    await until((listeners) => hasTcp(listeners) && hasUdp(listeners));
    snapshots.length = 0;
    await new Promise((resolve) => server.close(resolve));
    await new Promise<void>((resolve) => udp.close(resolve));
    await until((listeners) => !hasTcp(listeners) && !hasUdp(listeners));
    // No kill: the next heartbeat (within 10 s) finds its pipe closed and the loop ends itself.
    const ended = new Promise((resolve) => child.once('exit', resolve));
    child.stdout.destroy();
    await ended;
  });
});
