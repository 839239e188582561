// The QEMU driver's network figures come from the kernel's counters of a process's TCP sockets:
// here the test's own process, with a real loopback connection and the real `ss`.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import { parseTcpSockets, tcpTrafficOf } from './net-stats.ts';

/** Runs `ask` until it answers what `done` wants (the shared `ss` snapshot is up to 0.5 s old). */
async function until<T>(ask: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await ask();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`never saw ${what}; last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('network figures from TCP socket counters', () => {
  it('reads each socket\'s inode and byte counters from ss output, 0 where ss leaves a counter out', () => {
    const sockets = parseTcpSockets([
      'ESTAB 0 0 127.0.0.1:46430 127.0.0.1:42779 timer:(keepalive,119min,0) ino:2389486 sk:3 cgroup:/ <->',
      '\t ts sack cubic rto:216 bytes_sent:3917 bytes_acked:3918 bytes_received:3405 segs_out:19',
      'ESTAB 41 0 127.0.0.1:46617 127.0.0.1:52348 ino:2391007 sk:4 cgroup:/ <->',
      '\t ts sack cubic bytes_received:41 segs_in:3',
      'TIME-WAIT 0 0 127.0.0.1:1 127.0.0.1:2 timer:(timewait,50sec,0) ino:0 sk:5',
    ].join('\n'));
    assert.deepEqual([...sockets], [[2389486, { received: 3405, sent: 3917 }], [2391007, { received: 41, sent: 0 }]]);
  });

  it('counts what the process\'s sockets receive and send, and keeps it after they close', async () => {
    const server = net.createServer((socket) => socket.on('data', () => undefined));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    try {
      const traffic = tcpTrafficOf(process.pid);
      const start = await traffic();
      assert.ok(start, 'ss is there');
      const client = net.connect(port, '127.0.0.1');
      await once(client, 'connect');
      const bytes = 300_000;
      client.write(Buffer.alloc(bytes));
      // Both ends are this process's: it received the bytes (server side) and sent them (client side).
      const moved = await until(traffic, (t) => t !== null && t.rxBytes - start.rxBytes >= bytes && t.txBytes - start.txBytes >= bytes, `${bytes} B each way`);
      client.destroy();
      await once(client, 'close');
      const after = await until(traffic, (t) => t !== null, 'a reading');
      assert.ok(after && moved && after.rxBytes >= moved.rxBytes && after.txBytes >= moved.txBytes, `totals do not go down when a socket closes (${JSON.stringify({ moved, after })})`);
    } finally {
      server.close();
    }
  });
});
