// The Electron display relay against a real QEMU VNC server, through the real IPC router and
// a real Engine: plain objects stand in for the page's WebContents and frames (no Electron
// here). RFB crosses the relay both ways (QEMU checks the VNC password, then sends a raw
// frame); other frames and other pages cannot touch a page's display; closing from the page,
// from the VM's side, or by the page going away ends the TCP connection main holds.
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../core/engine.ts';
import { engineApi } from '../engine-api/engine-api.ts';
import { bridgeChannels } from '../api/bridge.ts';
import type { DisplayInfo, ServerMessage } from '../api/contract.ts';
import type { DisplayServerMessage } from '../api/display-messages.ts';
import { writeGuestTemplate } from '../../e2e/support/guest.ts';
import { ByteQueue, rfbOver } from '../../e2e/support/rfb.ts';
import { tempDir } from '../../e2e/support/temp.ts';
import { isLoopbackHost, openDisplayRelays } from './display-relay.ts';
import { createIpcRouter } from './router.ts';
import type { IpcRouter, RendererContents } from './router.ts';
import { appEntryUrl } from './security.ts';

const app = { url: appEntryUrl, parent: null };
const name = 'relay1';

/** A page: its display frames per stream id, as byte queues and end/error promises. */
class FakePage implements RendererContents {
  static next = 1;
  readonly id = FakePage.next++;
  readonly frames: DisplayServerMessage[] = [];
  readonly #streams = new Map<string, { bytes: ByteQueue; opened: PromiseWithResolvers<void>; ended: PromiseWithResolvers<string> }>();
  #destroyed = false;
  readonly #onDestroyed: (() => void)[] = [];

  readonly router: IpcRouter;

  constructor(router: IpcRouter) {
    this.router = router;
  }

  send(channel: string, message: ServerMessage | DisplayServerMessage): void {
    if (channel !== bridgeChannels.display) return;
    const frame = message as DisplayServerMessage;
    this.frames.push(frame);
    const stream = this.stream(frame.id);
    if (frame.type === 'display-opened') stream.opened.resolve();
    else if (frame.type === 'display-data') stream.bytes.push(frame.data);
    else {
      const reason = frame.type === 'display-ended' ? frame.reason : `${frame.error.code}: ${frame.error.message}`;
      stream.bytes.end(reason);
      stream.opened.reject(new Error(reason));
      stream.ended.resolve(reason);
    }
  }

  isDestroyed(): boolean { return this.#destroyed; }
  once(_event: 'destroyed', listener: () => void): void { this.#onDestroyed.push(listener); }
  destroy(): void {
    this.#destroyed = true;
    for (const listener of this.#onDestroyed) listener();
  }

  stream(id: string) {
    let stream = this.#streams.get(id);
    if (!stream) {
      stream = { bytes: new ByteQueue(), opened: Promise.withResolvers(), ended: Promise.withResolvers() };
      stream.opened.promise.catch(() => undefined); // an open that fails is awaited through `ended`
      this.#streams.set(id, stream);
    }
    return stream;
  }

  async connect(): Promise<void> {
    assert.deepEqual(await this.router.invoke(app, this, { method: 'connect' }), { ok: true, value: null });
  }

  /** Opens display `id` of instance `instance` and resolves once main is connected to the VNC server. */
  async open(id: string, instance = name): Promise<{ read(length: number): Promise<Buffer>; write(bytes: Uint8Array): void }> {
    this.#streams.delete(id); // an id is free again once its display ended
    this.router.sendDisplay(app, this, { type: 'display-open', id, name: instance });
    await this.stream(id).opened.promise;
    return {
      read: (length) => this.stream(id).bytes.read(length),
      write: (bytes) => this.router.sendDisplay(app, this, { type: 'display-write', id, data: new Uint8Array(bytes) }),
    };
  }

  close(id: string): Promise<string> {
    this.router.sendDisplay(app, this, { type: 'display-close', id });
    return this.stream(id).ended.promise;
  }

  ended(id: string): Promise<string> {
    return this.stream(id).ended.promise;
  }
}

describe('isLoopbackHost', () => {
  it('lets main connect only to loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '10.0.0.1', '192.168.1.10', '::', 'example.com', '128.0.0.1', '', '127.0.0.1.example.com']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});

describe('display relay refusals (no VM needed)', () => {
  /** A relay whose engine reports `info` for every instance; resolves each stream's first answer. */
  function relayWith(info: DisplayInfo | null | Promise<never>) {
    const frames: DisplayServerMessage[] = [];
    const waiters: (() => void)[] = [];
    const relays = openDisplayRelays({ display: () => Promise.resolve(info) }, (frame) => {
      frames.push(frame);
      for (const wake of waiters.splice(0)) wake();
    });
    const answer = async (id: string): Promise<DisplayServerMessage> => {
      for (;;) {
        const frame = frames.find((f) => f.id === id);
        if (frame) return frame;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    return { relays, frames, answer };
  }
  const vnc = (host: string, port: number): DisplayInfo => ({ kind: 'vnc', host, port, password: 'secret12' });

  it('says so when the instance has no display', async () => {
    const { relays, answer } = relayWith(null);
    relays.receive({ type: 'display-open', id: 'd1', name: 'vm' });
    assert.deepEqual(await answer('d1'), { type: 'display-error', id: 'd1', error: { code: 'UNSUPPORTED', message: 'instance "vm" has no display', details: { name: 'vm' } } });
  });

  it('connects to nothing but loopback, whatever the driver reports', async () => {
    const { relays, answer } = relayWith(vnc('192.0.2.1', 5901));
    relays.receive({ type: 'display-open', id: 'd1', name: 'vm' });
    const frame = await answer('d1');
    assert.equal(frame.type === 'display-error' && frame.error.code, 'PERMISSION_DENIED');
  });

  it('reports a refused connection without the password', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    server.close();
    await once(server, 'close');
    const { relays, answer } = relayWith(vnc('127.0.0.1', port));
    relays.receive({ type: 'display-open', id: 'd1', name: 'vm' });
    const frame = await answer('d1');
    assert.equal(frame.type, 'display-error');
    assert.match(frame.type === 'display-error' ? frame.error.message : '', new RegExp(`^could not connect to the display at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    assert.ok(!JSON.stringify(frame).includes('secret12'));
  });

  it('holds at most 8 displays per page, and nothing after the page is gone', async () => {
    const { relays, frames, answer } = relayWith(new Promise<never>(() => undefined)); // the engine never answers
    for (let i = 1; i <= 9; i++) relays.receive({ type: 'display-open', id: `d${i}`, name: 'vm' });
    assert.deepEqual(await answer('d9'), { type: 'display-error', id: 'd9', error: { code: 'BUSY', message: 'too many open displays (8)', details: {} } });
    relays.close();
    relays.receive({ type: 'display-open', id: 'd10', name: 'vm' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(frames.map((f) => f.id), ['d9'], 'the eight opens still waiting on the engine answer nothing once the page is gone');
  });
});

describe('Electron display relay (real QEMU, real router)', async () => {
  const probeHome = await tempDir();
  const probe = new Engine({ home: probeHome, cache: path.join(probeHome, 'cache') });
  const qemu = (await probe.listDrivers()).find((d) => d.name === 'qemu');
  await probe.close();
  await fs.rm(probeHome, { recursive: true, force: true });
  const skip = qemu?.available.ok ? false : `the QEMU driver cannot run here${qemu && !qemu.available.ok ? `: ${qemu.available.reason}` : ''}`;

  let root: string;
  let engine: Engine;
  let router: IpcRouter;
  let display: DisplayInfo;
  const warnings: string[] = [];
  // Every TCP client socket this process opens, to see each one closed. Only the relay opens
  // any here: the engine talks to its driver over fork IPC, and the guest's files are local.
  const sockets: net.Socket[] = [];
  const peers = new Map<net.Socket, number | undefined>();
  const record = (message: unknown): void => {
    const socket = (message as { socket: net.Socket }).socket;
    sockets.push(socket);
    socket.once('connect', () => peers.set(socket, socket.remotePort));
  };
  /** Resolves once every socket opened since `mark` (sockets.length then) has closed: its handle freed. */
  const allClosed = (mark: number) => Promise.all(sockets.slice(mark).map((s) => (s.closed ? undefined : once(s, 'close'))));

  before(async () => {
    if (skip) return;
    dc.subscribe('net.client.socket', record);
    root = await tempDir();
    engine = new Engine({ home: path.join(root, 'home'), cache: path.join(root, 'cache') });
    await engine.create(name, { template: await writeGuestTemplate(root, { video: { display: 'vnc' } }) });
    await engine.start(name);
    const info = await engine.display(name);
    assert.ok(info, 'the engine reports a display');
    display = info;
    router = createIpcRouter(engineApi(engine), (message) => warnings.push(message));
  }, { timeout: 180_000 });

  after(async () => {
    if (skip) return;
    dc.unsubscribe('net.client.socket', record);
    router?.close();
    await engine?.delete(name, { force: true }).catch(() => undefined);
    await engine?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('relays RFB both ways: QEMU checks the password and sends a full raw frame', { skip, timeout: 60_000 }, async () => {
    const mark = sockets.length;
    const page = new FakePage(router);
    await page.connect();
    const stream = await page.open('d1');
    const outcome = await rfbOver(stream, display.password);
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.reason);
    assert.ok(outcome.width >= 640 && outcome.height >= 400, `${outcome.width}x${outcome.height}`);
    // A raw frame of the guest's screen is most of a megabyte, in many socket reads: every byte
    // of it crossed the relay in order, or the parse above would have gone astray.
    const bytes = page.stream('d1').bytes;
    assert.ok(bytes.total > 512 * 1024 && bytes.pushes > 1, `the frame crossed the relay (${bytes.total} bytes in ${bytes.pushes} frames)`);
    assert.ok(page.frames.every((f) => f.type !== 'display-data' || f.data.byteLength <= 1 << 16), 'one socket read per frame');

    assert.equal(await page.close('d1'), 'closed');
    await allClosed(mark);
    assert.deepEqual(sockets.slice(mark).map((s) => peers.get(s)), [display.port], 'one connection, to the VNC server, now closed');
    const last = page.frames.at(-1);
    assert.deepEqual(last, { type: 'display-ended', id: 'd1', reason: 'closed' });
    assert.deepEqual(warnings, []);
  });

  it('a wrong password is QEMU’s to refuse, through the relay', { skip, timeout: 30_000 }, async () => {
    const mark = sockets.length;
    const page = new FakePage(router);
    await page.connect();
    const outcome = await rfbOver(await page.open('d1'), 'wrong123');
    assert.equal(outcome.ok, false);
    assert.match(outcome.ok ? '' : outcome.reason, /authentication failed/i);
    await page.ended('d1'); // QEMU hangs up after a failed authentication
    await allClosed(mark);
  });

  it('refuses other frames and other pages: only the page that opened a display reaches it', { skip, timeout: 30_000 }, async () => {
    const mark = sockets.length;
    const owner = new FakePage(router);
    const other = new FakePage(router);
    const stranger = new FakePage(router); // never connected
    await owner.connect();
    await other.connect();
    const stream = await owner.open('d1');
    const garbage = { type: 'display-write', id: 'd1', data: new TextEncoder().encode('garbage that breaks RFB') } as const;
    const before = warnings.length;
    // Before a single RFB byte is read: had any of these reached QEMU, the handshake below would fail.
    router.sendDisplay({ url: appEntryUrl, parent: app }, owner, garbage); // a subframe of the app
    router.sendDisplay({ url: 'https://evil.example/', parent: null }, owner, garbage);
    router.sendDisplay(null, owner, { type: 'display-close', id: 'd1' }); // a frame that is gone
    router.sendDisplay(app, other, garbage); // another page: its own session has no d1
    router.sendDisplay(app, other, { type: 'display-close', id: 'd1' });
    router.sendDisplay(app, stranger, garbage);
    router.sendDisplay(app, owner, { type: 'display-write', id: 'd1', data: 'not bytes' });
    router.sendDisplay(app, owner, { type: 'display-open', id: 'd9', name: 42 });
    assert.deepEqual(warnings.slice(before), [
      `corral: refused a display message from ${appEntryUrl}`,
      'corral: refused a display message from https://evil.example/',
      'corral: refused a display message from a gone frame',
      'corral: dropped a display message sent before connect',
      'corral: dropped a malformed display message',
      'corral: dropped a malformed display message',
    ]);
    const outcome = await rfbOver(stream, display.password);
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.reason);
    assert.deepEqual(other.frames, [], 'the other page heard nothing of the owner’s display');
    assert.equal(await owner.close('d1'), 'closed');
    await allClosed(mark);
  });

  it('says why a display cannot be opened', { skip, timeout: 30_000 }, async () => {
    const mark = sockets.length;
    const page = new FakePage(router);
    await page.connect();
    await assert.rejects(page.open('d1', 'nope'), /^Error: NOT_FOUND: /);
    // An id whose open failed is free again.
    await page.open('d1');
    assert.equal(await page.close('d1'), 'closed');
    await allClosed(mark);
  });

  it('closing before main has connected still answers, and connects nothing', { skip, timeout: 30_000 }, async () => {
    const mark = sockets.length;
    const page = new FakePage(router);
    await page.connect();
    router.sendDisplay(app, page, { type: 'display-open', id: 'd1', name });
    router.sendDisplay(app, page, { type: 'display-close', id: 'd1' }); // while main still asks the engine
    assert.equal(await page.ended('d1'), 'closed');
    assert.deepEqual(page.frames, [{ type: 'display-ended', id: 'd1', reason: 'closed' }]);
    assert.equal(sockets.length, mark);
  });

  it('closes the connections when the page reloads or goes away, telling it nothing', { skip, timeout: 30_000 }, async () => {
    const mark = sockets.length;
    const page = new FakePage(router);
    await page.connect();
    await page.open('d1');
    await page.open('d2');
    await page.connect(); // a reload: the old page's displays end with it
    await allClosed(mark);
    await page.open('d1');
    page.destroy();
    await allClosed(mark);
    assert.equal(page.frames.filter((f) => f.type === 'display-ended' || f.type === 'display-error').length, 0);
  });

  it('ends the page’s display when the VM goes away, then refuses to open one', { skip, timeout: 60_000 }, async () => {
    const mark = sockets.length;
    const page = new FakePage(router);
    await page.connect();
    const stream = await page.open('d1');
    assert.equal((await stream.read(12)).toString('latin1'), 'RFB 003.008\n');
    await engine.stop(name, { force: true });
    assert.match(await page.ended('d1'), /^the display (server closed the connection|connection failed: )/);
    await allClosed(mark);
    await assert.rejects(page.open('d2'), /^Error: INVALID_STATE: .*not running/);
    assert.deepEqual(warnings.filter((w) => !w.includes('refused') && !w.includes('dropped')), []);
  });
});
