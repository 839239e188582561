// The serial console's input connection: it lasts through a person's pauses between keys
// (each reconnect cost 2 to 4 ms of echo latency), and it is hung up at once when the guest
// starts printing a lot (a connected client makes QEMU pace the guest's output). A real unix
// socket server stands in for QEMU's chardev: like QEMU with `logfile=`, it appends what it
// echoes to the log the console follows.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { INPUT_HANGUP_OUTPUT_BYTES, INPUT_IDLE_MS, SerialConsole } from './serial-console.ts';
import { fakeEngine } from './test-support/fake-engine.ts';

/** A chardev-like server: echoes every byte into the log, counts connections, reports hang-ups. */
function chardev(socketPath: string, logFile: string) {
  const connections: net.Socket[] = [];
  const hungUp: number[] = [];
  const hangUpWaiters: (() => void)[] = [];
  const server = net.createServer((socket) => {
    connections.push(socket);
    socket.on('data', (bytes) => fs.appendFileSync(logFile, bytes));
    socket.on('end', () => {
      hungUp.push(performance.now());
      for (const wake of hangUpWaiters.splice(0)) wake();
      socket.end();
    });
    socket.on('error', () => undefined);
  });
  return {
    connections,
    hungUp,
    listen: () => new Promise<void>((resolve) => server.listen(socketPath, resolve)),
    nextHangUp: () => new Promise<void>((resolve) => hangUpWaiters.push(resolve)),
    close: () => new Promise<void>((resolve) => { for (const c of connections) c.destroy(); server.close(() => resolve()); }),
  };
}

describe('SerialConsole input connection', () => {
  let dir: string;
  let logFile: string;
  let server: ReturnType<typeof chardev>;
  let serial: SerialConsole;
  const engine = fakeEngine();
  const output: string[] = [];
  let outputWaiter: (() => void) | undefined;

  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'serial-console-'));
    logFile = path.join(dir, 'serial.log');
    await fsp.writeFile(logFile, '');
    server = chardev(path.join(dir, 'serial.sock'), logFile);
    await server.listen();
    serial = new SerialConsole(logFile, path.join(dir, 'serial.sock'), engine.context.streams, (problem) => assert.fail(problem));
    engine.streams.listen('s1', {
      data: (bytes) => { output.push(Buffer.from(bytes).toString('latin1')); outputWaiter?.(); },
      end: () => undefined,
    });
    await serial.attach('s1');
  });

  after(async () => {
    serial.close();
    await server.close();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  /** Resolves once everything seen so far includes `text`. */
  const echoed = (text: string) => new Promise<void>((resolve) => {
    const check = () => { if (output.join('').includes(text)) { outputWaiter = undefined; resolve(); } };
    outputWaiter = check;
    check();
  });

  it('types keys a person types 300 ms apart over one connection, each echoed', async () => {
    for (const key of 'corral') {
      engine.streams.write('s1', Buffer.from(key));
      await echoed(output.join('') + key);
      await delay(300); // a typist's pause between keys: the scenario, not a synchronisation
    }
    assert.ok(output.join('').endsWith('corral'), `the console showed ${JSON.stringify(output.join(''))}`);
    assert.equal(server.connections.length, 1, 'every key went over the same connection');
  });

  it('hangs the input up as soon as the guest prints a burst, long before the idle time', async () => {
    const hungUp = server.nextHangUp();
    engine.streams.write('s1', Buffer.from('\n'));
    await echoed('corral\n');
    const burstAt = performance.now();
    fs.appendFileSync(logFile, 'x'.repeat(INPUT_HANGUP_OUTPUT_BYTES * 4)); // the guest prints: QEMU logs it
    await hungUp;
    const waited = (server.hungUp.at(-1) ?? Infinity) - burstAt;
    assert.ok(waited < INPUT_IDLE_MS / 2, `hung up ${Math.round(waited)} ms after the burst (the idle time is ${INPUT_IDLE_MS} ms)`);
  });

  it('opens a fresh connection for the next key, and another client can connect once it is idle', async () => {
    const before = server.connections.length;
    engine.streams.write('s1', Buffer.from('y'));
    await echoed('xy');
    assert.equal(server.connections.length, before + 1, 'the next key reconnected');
    await server.nextHangUp(); // the idle time passed with no output burst
    const other = net.createConnection(path.join(dir, 'serial.sock'));
    await new Promise<void>((resolve) => other.once('connect', resolve));
    other.write('z');
    await echoed('xyz');
    other.destroy();
  });
});
