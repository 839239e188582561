// The QEMU driver's network figures come from the kernel's counters of a process's TCP sockets:
// here the test's own process, with a real loopback connection and the real `ss`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
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

  it('runs no `ss` while the process has no connected TCP socket (a booting VM), and counts again once it has', async (t) => {
    // The real ss, run through a wrapper that notes each run, first on PATH.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-ss-'));
    const runs = path.join(dir, 'runs');
    await fs.writeFile(path.join(dir, 'ss'), `#!/bin/sh\necho run >> '${runs}'\nexec /usr/bin/ss "$@"\n`, { mode: 0o755 });
    const oldPath = process.env.PATH;
    process.env.PATH = `${dir}:${oldPath}`;
    // A process with only a listening socket, as QEMU has for its port forwards before the guest connects.
    const child = spawn(process.execPath, ['-e', `
      const net = require('node:net');
      const server = net.createServer((s) => s.on('data', () => undefined)).listen(0, '127.0.0.1', () => console.log(server.address().port));
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.after(async () => {
      process.env.PATH = oldPath;
      child.kill('SIGKILL');
      await fs.rm(dir, { recursive: true, force: true });
    });
    const [line] = await once(child.stdout, 'data') as [Buffer];
    const port = Number(line.toString().trim());
    const countRuns = async (): Promise<number> => (await fs.readFile(runs, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    const traffic = tcpTrafficOf(child.pid ?? 0);
    const first = await traffic(); // learns that ss answers (or ran already in this process)
    assert.ok(first, 'ss is there');
    const before = await countRuns();
    for (let i = 0; i < 3; i++) await traffic();
    // Not a synchronisation: time passing is the point. One ss snapshot serves 0.5 s of samples,
    // so only a sample after that shows whether a run is skipped or shared.
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.deepEqual(await traffic(), first, 'nothing moved');
    assert.equal(await countRuns(), before, 'no ss run for a process with only a listening socket');
    const client = net.connect(port, '127.0.0.1');
    t.after(() => client.destroy());
    await once(client, 'connect');
    client.write(Buffer.alloc(100_000));
    const moved = await until(traffic, (v) => v !== null && v.rxBytes - first.rxBytes >= 100_000, 'the connection\'s bytes');
    assert.ok(moved && (await countRuns()) > before, 'ss runs again once the process has a connection');
  });
});
