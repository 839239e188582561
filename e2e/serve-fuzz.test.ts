// Fuzzing the web shell's two doors, the /ws WebSocket and the HTTP API, against the real
// `corral serve` process: malformed frames and bodies, invalid UTF-8, binary frames, sizes at
// and over each limit, bad JSON, wrong types, unknown methods and verbs. After every bad
// input the server must still answer a good request, and only the offending socket may have
// closed: a bystander socket keeps answering. Seeded (CORRAL_FUZZ_SEED to replay a run) and
// bounded: a fixed number of cases, each on loopback.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServe } from './support/serve.ts';
import type { ServeProcess } from './support/serve.ts';
import { tempDir } from './support/temp.ts';
import { openRawSocket } from './support/ws-raw.ts';
import type { FrameSpec, RawSocket } from './support/ws-raw.ts';

const seed = Number(process.env.CORRAL_FUZZ_SEED ?? 0x5eed_c0de);
const wsLimit = 2 * 1024 * 1024;
const bodyLimit = 64 * 1024;
const consoleWriteLimit = 16 * 1024;

/** mulberry32: a small seeded generator, so a failing run can be replayed exactly. */
function generator(start: number): () => number {
  let state = start >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Reply { status: number; body: string }

function post(port: number, rawPath: string, headers: Record<string, string>, body?: Uint8Array | string, method = 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const text = (value: string): Uint8Array => Buffer.from(value, 'utf8');

describe(`corral serve under malformed input (seed ${seed})`, () => {
  let root: string;
  let serve: ServeProcess;
  let port: number;
  let auth: Record<string, string>;
  let wsHeaders: Record<string, string>;
  let bystander: RawSocket;
  let probes = 0;
  const random = generator(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));

  /** The server answers a good call, and the bystander socket still answers a console-open. */
  async function stillServing(after: string): Promise<void> {
    const list = await post(port, '/api/listInstances', auth, '{}').catch((error: unknown) => {
      throw new Error(`after ${after}, the server no longer answers (${String(error)}); its stderr: ${serve.stderr()}`);
    });
    assert.equal(list.status, 200, `after ${after}: ${list.body}`);
    const id = `probe-${++probes}`;
    bystander.send({ opcode: 1, payload: text(JSON.stringify({ type: 'console-open', id, name: 'ghost' })) });
    const answer = JSON.parse(await bystander.next((m) => m.includes(`"${id}"`))) as { type: string };
    assert.equal(answer.type, 'console-error', `after ${after}, the bystander socket got ${JSON.stringify(answer)}`);
  }

  /** Sends `frames` on a fresh socket and returns the close code the server answered with. */
  async function offend(frames: FrameSpec[]): Promise<number | undefined> {
    const socket = await openRawSocket(port, '/ws', wsHeaders);
    for (const frame of frames) socket.send(frame);
    return socket.closed;
  }

  before(async () => {
    root = await tempDir();
    serve = await startServe({ ...process.env, CORRAL_HOME: path.join(root, 'home'), CORRAL_CACHE: path.join(root, 'cache') });
    port = Number(serve.url.port);
    auth = { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' };
    wsHeaders = { Authorization: `Bearer ${serve.token}`, Origin: `http://127.0.0.1:${port}` };
    bystander = await openRawSocket(port, '/ws', wsHeaders);
  });

  after(async () => {
    bystander?.socket.destroy();
    if (serve && serve.child.exitCode === null && serve.child.signalCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    await fs.rm(root, { recursive: true, force: true });
  });

  it('closes only the socket that sent a message over the 2 MiB limit (1009), and keeps serving', async () => {
    const over = new Uint8Array(wsLimit + 1).fill(0x20);
    assert.equal(await offend([{ opcode: 1, payload: over }]), 1009);
    await stillServing('a text frame one byte over the limit');
    assert.equal(await offend([{ opcode: 2, payload: new Uint8Array(wsLimit + 1 + Math.floor(random() * 4096)) }]), 1009);
    await stillServing('a binary frame over the limit');
  });

  it('closes only the socket that sent a text frame with invalid UTF-8 (1007), and keeps serving', async () => {
    const invalid = [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]];
    for (let i = 0; i < 6; i++) {
      const prefix = text(JSON.stringify({ type: 'console-open', id: 'x', name: 'y' }).slice(0, Math.floor(random() * 20)));
      const payload = Buffer.concat([prefix, Buffer.from(pick(invalid))]);
      assert.equal(await offend([{ opcode: 1, payload }]), 1007, `payload ${payload.toString('hex')}`);
      await stillServing(`invalid UTF-8 ${payload.toString('hex')}`);
    }
  });

  it('takes a message of exactly 2 MiB at the frame level, refusing it as a message (1008)', async () => {
    const exactly = Buffer.alloc(wsLimit, 0x20);
    Buffer.from('{"type":"nope"}').copy(exactly);
    assert.equal(await offend([{ opcode: 1, payload: exactly }]), 1008);
    await stillServing('a 2 MiB text frame');
  });

  it('closes sockets that break the WebSocket protocol (1002), and keeps serving', async () => {
    const cases: [string, FrameSpec[]][] = [
      ['reserved bits', [{ opcode: 1, payload: text('{}'), rsv: 1 + Math.floor(random() * 7) }]],
      ['an unknown opcode', [{ opcode: pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), payload: bytes(8) }]],
      ['an unmasked client frame', [{ opcode: 1, payload: text('{}'), mask: false }]],
      ['a control frame over 125 bytes', [{ opcode: 9, payload: bytes(126 + Math.floor(random() * 100)) }]],
      ['a fragmented control frame', [{ opcode: 9, payload: bytes(4), fin: false }]],
      ['a continuation with nothing to continue', [{ opcode: 0, payload: text('{}') }]],
      ['a new message inside a fragmented one', [{ opcode: 1, payload: text('{"ty'), fin: false }, { opcode: 1, payload: text('pe"}') }]],
      ['a close frame with a reserved code', [{ opcode: 8, payload: Buffer.from([0x03, 0xed]) }]],
      ['a close frame of one byte', [{ opcode: 8, payload: Buffer.from([0x03]) }]],
    ];
    for (const [what, frames] of cases) {
      assert.equal(await offend(frames), 1002, what);
      await stillServing(what);
    }
  });

  it('closes sockets that send well-formed frames with bad messages (1008), and keeps serving', async () => {
    const badMessages: unknown[] = [
      {}, [], null, 42, 'console-open', true, { type: 'nope' }, { type: 'console-open' }, { type: 'console-open', id: '', name: 'a' },
      { type: 'console-open', id: 'x'.repeat(65), name: 'a' }, { type: 'console-open', id: 7, name: 'a' }, { type: 'console-open', id: 'a', name: '' },
      { type: 'console-write', id: 'a', data: 123 }, { type: 'console-write', id: 'a', data: 'not base64!!' }, { type: 'console-write', id: 'a' },
      { type: 'console-close' }, { type: 'console-close', id: ['a'] }, { type: { toString: 'x' } }, { __proto__: { type: 'console-close', id: 'a' } },
      // Terminals: sizes a pty cannot take, or none.
      { type: 'terminal-open', id: 'a', name: 'a' }, { type: 'terminal-open', id: 'a', name: 'a', cols: 0, rows: 24 },
      { type: 'terminal-open', id: 'a', name: 'a', cols: 80, rows: 1e9 }, { type: 'terminal-resize', id: 'a', cols: 80.5, rows: 24 },
      { type: 'terminal-resize', id: 'a', cols: '80', rows: 24 },
    ];
    for (let i = 0; i < 24; i++) {
      const choice = random();
      let payload: Uint8Array;
      let opcode = 1;
      if (choice < 0.5) payload = text(JSON.stringify(pick(badMessages)));
      else if (choice < 0.7) payload = text(Array.from({ length: 1 + Math.floor(random() * 40) }, () => String.fromCharCode(32 + Math.floor(random() * 95))).join('')); // not JSON, mostly
      else if (choice < 0.9) {
        opcode = 2; // binary: the console protocol is JSON text
        payload = bytes(Math.floor(random() * 300));
      } else payload = new Uint8Array(0);
      const code = await offend([{ opcode, payload }]);
      assert.equal(code, 1008, `opcode ${opcode}, payload ${Buffer.from(payload).toString('hex').slice(0, 80)}`);
      await stillServing(`bad message #${i}`);
    }
  });

  it('takes a console write at its size limit, refuses one over it (1008), and keeps serving', async () => {
    const socket = await openRawSocket(port, '/ws', wsHeaders);
    const at = Buffer.from(bytes(consoleWriteLimit)).toString('base64');
    socket.send({ opcode: 1, payload: text(JSON.stringify({ type: 'console-write', id: 'nobody', data: at })) });
    socket.send({ opcode: 1, payload: text(JSON.stringify({ type: 'console-open', id: 'still', name: 'ghost' })) });
    assert.match(await socket.next((m) => m.includes('"still"')), /console-error/);
    const over = Buffer.from(bytes(consoleWriteLimit + 1)).toString('base64');
    socket.send({ opcode: 1, payload: text(JSON.stringify({ type: 'console-write', id: 'nobody', data: over })) });
    assert.equal(await socket.closed, 1008);
    await stillServing('a console write over its limit');
  });

  it('survives sockets that vanish mid-frame or mid-handshake', async () => {
    for (let i = 0; i < 4; i++) {
      const socket = await openRawSocket(port, '/ws', wsHeaders);
      socket.send({ opcode: 1, payload: bytes(10), declaredLength: 1000 + Math.floor(random() * 5000) });
      socket.socket.resetAndDestroy();
      await socket.closed;
      await stillServing('a reset in the middle of a frame');
    }
    for (const target of ['/ws', '/vnc/ghost', '/vnc/%zz']) {
      const raw = await import('node:net').then((net) => net.connect({ host: '127.0.0.1', port }));
      raw.on('error', () => undefined);
      await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
      raw.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n`
        + `Sec-WebSocket-Key: ${Buffer.from(bytes(16)).toString('base64')}\r\nAuthorization: Bearer ${serve.token}\r\nOrigin: http://127.0.0.1:${port}\r\n\r\n`);
      raw.resetAndDestroy();
      await new Promise<void>((resolve) => raw.once('close', () => resolve()));
      await stillServing(`a reset right after the upgrade request for ${target}`);
    }
  });

  it('answers malformed API calls with a 4xx and a one-line JSON error, and keeps serving', async () => {
    const methods = ['listInstances', 'create', 'start', 'stop', 'delete', 'createSnapshot', 'rename', 'edit', 'reviewDriverBundle', 'setDriverEnabled'];
    const values: unknown[] = [null, 0, -1, 1.5, '', 'x'.repeat(300), [], {}, true, { $ne: 1 }, '../../etc', '\u0000'];
    for (let i = 0; i < 40; i++) {
      const choice = random();
      let reply: Reply;
      let what: string;
      if (choice < 0.35) {
        const method = pick(methods.slice(1));
        const body = Object.fromEntries(['name', 'template', 'tag', 'newName', 'cpus', 'force', 'source', 'enabled'].filter(() => random() < 0.5).map((k) => [k, pick(values)]));
        what = `${method} with ${JSON.stringify(body)}`;
        reply = await post(port, `/api/${method}`, auth, JSON.stringify(body));
      } else if (choice < 0.5) {
        what = 'a body that is not JSON';
        reply = await post(port, `/api/${pick(methods)}`, auth, pick(['{', '{"name":', 'nul', '[1,]', "{'a':1}", '\u0000']));
      } else if (choice < 0.6) {
        what = 'a body of invalid UTF-8';
        reply = await post(port, `/api/${pick(methods.slice(1))}`, auth, Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]));
      } else if (choice < 0.75) {
        const method = pick(['nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'openConsole', 'onEvent', '%00', '..%2f..', 'a'.repeat(200)]);
        what = `an unknown method ${method}`;
        reply = await post(port, `/api/${method}`, auth, '{}');
        assert.equal(reply.status, 404, what);
      } else if (choice < 0.85) {
        const verb = pick(['GET', 'PUT', 'DELETE', 'PATCH']);
        what = `${verb} on an API method`;
        reply = await post(port, `/api/${pick(methods)}`, auth, undefined, verb);
        assert.equal(reply.status, 405, what);
      } else {
        what = 'a body over the limit';
        reply = await post(port, `/api/${pick(methods)}`, auth, `{"name":"${'x'.repeat(bodyLimit)}"}`);
        assert.equal(reply.status, 413, what);
      }
      assert.ok(reply.status >= 400 && reply.status < 500, `${what}: ${reply.status} ${reply.body}`);
      const body = JSON.parse(reply.body) as { ok: boolean; error: { message: string } };
      assert.equal(body.ok, false, what);
      assert.match(body.error.message, /^[^\n]{4,300}$/, `${what}: one line saying what was wrong`);
      await stillServing(what);
    }
  });

  it('takes an API body of exactly the limit', async () => {
    const base = '{"name":"ghost"}';
    const reply = await post(port, '/api/start', auth, base + ' '.repeat(bodyLimit - base.length));
    assert.equal(reply.status, 404, reply.body); // parsed, and answered about the instance
    await stillServing('a body at the limit');
  });

  it('is still the same process, which logged no crash', () => {
    assert.equal(serve.child.exitCode, null);
    assert.doesNotMatch(serve.stderr(), /Uncaught|Error: |at .*\.ts:\d+/);
  });
});
