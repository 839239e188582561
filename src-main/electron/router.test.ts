// The IPC router without Electron: plain objects stand in for WebFrameMain and WebContents.
// Sender checks, zod parsing, calls, events and console streams, page reloads and closes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiEvent, ConsoleStream, CorralApi, ServerMessage, TerminalRequest, TerminalSize, TerminalStream } from '../api/contract.ts';
import { bridgeChannels } from '../api/bridge.ts';
import { callMethods } from '../api/methods.ts';
import { createIpcRouter } from './router.ts';
import type { RendererContents } from './router.ts';
import { appEntryUrl } from './security.ts';

const app = { url: appEntryUrl, parent: null };
const tick = () => new Promise((resolve) => setImmediate(resolve));

class FakeContents implements RendererContents {
  static next = 1;
  readonly id = FakeContents.next++;
  readonly received: ServerMessage[] = [];
  destroyed = false;
  readonly #onDestroyed: (() => void)[] = [];
  send(channel: string, message: ServerMessage): void {
    assert.equal(channel, bridgeChannels.message);
    this.received.push(message);
  }
  isDestroyed(): boolean { return this.destroyed; }
  once(_event: 'destroyed', listener: () => void): void { this.#onDestroyed.push(listener); }
  destroy(): void {
    this.destroyed = true;
    for (const listener of this.#onDestroyed) listener();
  }
}

/** A CorralApi that records calls, emits events on demand, and hands out fake consoles and terminals. */
function fakeApi() {
  const calls: [string, unknown[]][] = [];
  const eventListeners = new Set<(event: ApiEvent) => void>();
  const consoles: { name: string; written: string[]; closed: boolean; push(text: string): void; end(reason: string): void }[] = [];
  const terminals: { request: TerminalRequest; sizes: TerminalSize[]; stream: ConsoleStream }[] = [];
  const record = (method: string) => async (...args: unknown[]) => {
    calls.push([method, args]);
    return method === 'listInstances' ? [] : undefined;
  };
  const streams = {
    onEvent(listener: (event: ApiEvent) => void) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    async openConsole(name: string): Promise<ConsoleStream> {
      if (name === 'missing') throw Object.assign(new Error('no instance "missing"'), { code: 'NOT_FOUND', details: {} });
      const data = new Set<(bytes: Uint8Array) => void>();
      const ends = new Set<(reason: string) => void>();
      const entry = {
        name, written: [] as string[], closed: false,
        push: (text: string) => { for (const l of data) l(new TextEncoder().encode(text)); },
        end: (reason: string) => { for (const l of ends) l(reason); },
      };
      consoles.push(entry);
      return {
        onData: (l) => { data.add(l); return () => data.delete(l); },
        onEnd: (l) => { ends.add(l); return () => ends.delete(l); },
        write: async (bytes) => { entry.written.push(Buffer.from(bytes).toString()); },
        close: async () => { entry.closed = true; },
      };
    },
    /** A terminal is a console stream (the same fake) that also records its sizes. */
    async openTerminal(request: TerminalRequest): Promise<TerminalStream> {
      const stream = await streams.openConsole(request.name);
      const entry = { request, sizes: [] as TerminalSize[], stream };
      terminals.push(entry);
      return { ...stream, resize: (size) => void entry.sizes.push(size) };
    },
  };
  // Every other name is a call that records itself.
  const api = new Proxy(streams, {
    get: (target, method) => (typeof method === 'string' && !Object.hasOwn(target, method) ? record(method) : target[method as keyof typeof target]),
  }) as unknown as CorralApi;
  const emit = (event: ApiEvent) => { for (const l of eventListeners) l(event); };
  return { api, calls, consoles, terminals, emit, listeners: eventListeners };
}

describe('IPC router', () => {
  it('routes every call of the method table, checked with its request schema, and no stream', async () => {
    const { api, calls } = fakeApi();
    const router = createIpcRouter(api, () => undefined);
    const contents = new FakeContents();
    for (const method of callMethods) {
      const reply = await router.invoke(app, contents, { method, payload: {} });
      // Either the call reached the engine, or the table's schema named the missing field.
      if (reply.ok) assert.equal(calls.at(-1)?.[0], method);
      else assert.match(reply.error.message, /^bad request \(field "\w+"\)/, `${method}: ${reply.error.message}`);
    }
    // The calls that take no argument.
    const argumentless = ['listInstances', 'listDrivers', 'listTemplates', 'listCatalog', 'hostInfo', 'settings', 'listCache', 'pruneCache', 'listConnections'];
    assert.deepEqual(calls.map(([method]) => method), argumentless);
    for (const method of ['openConsole', 'openTerminal']) {
      const stream = await router.invoke(app, contents, { method, payload: { name: 'vm', cols: 80, rows: 24 } });
      assert.equal(!stream.ok && stream.error.code, 'INVALID_CONFIG', `${method} is a stream, not a call`);
    }
    assert.equal(calls.length, argumentless.length);
  });

  it('refuses calls and messages from anything but the app’s top-level frame', async () => {
    const { api, calls, listeners } = fakeApi();
    const warnings: string[] = [];
    const router = createIpcRouter(api, (m) => warnings.push(m));
    const contents = new FakeContents();
    for (const frame of [null, { url: 'https://example.com/', parent: null }, { url: appEntryUrl, parent: app }]) {
      const reply = await router.invoke(frame, contents, { method: 'listInstances', payload: {} });
      assert.equal(reply.ok, false);
      assert.equal((await router.invoke(frame, contents, { method: 'connect' })).ok, false);
      router.send(frame, contents, { type: 'console-open', id: 'c1', name: 'vm' });
    }
    assert.deepEqual(calls, []);
    assert.equal(listeners.size, 0, 'no session was opened');
    assert.equal(warnings.length, 9);
  });

  it('parses method and payload, and answers with the engine’s typed error', async () => {
    const { api, calls } = fakeApi();
    const router = createIpcRouter(api, () => undefined);
    const contents = new FakeContents();
    const unknownMethod = await router.invoke(app, contents, { method: 'constructor', payload: {} });
    assert.equal(unknownMethod.ok, false);
    assert.equal(!unknownMethod.ok && unknownMethod.error.code, 'INVALID_CONFIG');
    const badPayload = await router.invoke(app, contents, { method: 'start', payload: { name: 42 } });
    assert.equal(!badPayload.ok && badPayload.error.code, 'INVALID_CONFIG');
    assert.match(!badPayload.ok ? badPayload.error.message : '', /field "name"/);
    assert.equal((await router.invoke(app, contents, 'listInstances')).ok, false);
    assert.deepEqual(calls, []);

    assert.deepEqual(await router.invoke(app, contents, { method: 'listInstances' }), { ok: true, value: [] });
    assert.deepEqual(await router.invoke(app, contents, { method: 'stop', payload: { name: 'vm', force: true } }), { ok: true, value: null });
    assert.deepEqual(calls, [['listInstances', []], ['stop', [{ name: 'vm', force: true }]]]);
  });

  it('pushes events and multiplexes consoles after connect', async () => {
    const { api, consoles, emit } = fakeApi();
    const router = createIpcRouter(api, () => undefined);
    const contents = new FakeContents();
    router.send(app, contents, { type: 'console-open', id: 'c1', name: 'vm' });
    assert.equal(consoles.length, 0, 'nothing before connect');

    assert.deepEqual(await router.invoke(app, contents, { method: 'connect' }), { ok: true, value: null });
    emit({ type: 'instances-changed' });
    router.send(app, contents, { type: 'console-open', id: 'c1', name: 'vm' });
    router.send(app, contents, { type: 'console-open', id: 'c2', name: 'missing' });
    await tick();
    consoles[0]?.push('hello');
    router.send(app, contents, { type: 'console-write', id: 'c1', data: Buffer.from('ls\n').toString('base64') });
    router.send(app, contents, { type: 'console-write', id: 'c1', data: '***not base64***' });
    router.send(app, contents, { type: 'console-open', id: 'c1', name: 'vm', extra: { nested: true } });
    await tick();
    assert.deepEqual(consoles[0]?.written, ['ls\n']);
    consoles[0]?.end('guest stopped');
    assert.deepEqual(contents.received, [
      { type: 'event', event: { type: 'instances-changed' } },
      { type: 'console-opened', id: 'c1' },
      { type: 'console-error', id: 'c2', error: { code: 'NOT_FOUND', message: 'no instance "missing"', details: {} } },
      // Output after a quiet spell leaves at once (console-coalesce.ts), before the write's answer.
      { type: 'console-data', id: 'c1', data: Buffer.from('hello').toString('base64') },
      { type: 'console-written', id: 'c1', bytes: 3 }, // the page's pacing: it may send more
      { type: 'console-ended', id: 'c1', reason: 'guest stopped' },
    ]);
  });

  it('carries terminals: opened at the page\'s size, resized, written and ended like consoles; bad sizes dropped', async () => {
    const { api, consoles, terminals } = fakeApi();
    const warnings: string[] = [];
    const router = createIpcRouter(api, (m) => warnings.push(m));
    const contents = new FakeContents();
    await router.invoke(app, contents, { method: 'connect' });
    router.send(app, contents, { type: 'terminal-open', id: 't1', name: 'vm', cols: 120, rows: 40 });
    router.send(app, contents, { type: 'terminal-open', id: 't2', name: 'missing', cols: 80, rows: 24 });
    await tick();
    assert.deepEqual(terminals.map((t) => t.request), [{ name: 'vm', cols: 120, rows: 40 }]);
    router.send(app, contents, { type: 'terminal-resize', id: 't1', cols: 60, rows: 20 });
    // Not sizes a pty takes, and not for a serial console: dropped before the engine.
    router.send(app, contents, { type: 'terminal-resize', id: 't1', cols: 0, rows: 20 });
    router.send(app, contents, { type: 'terminal-resize', id: 't1', cols: 1.5, rows: 20 });
    router.send(app, contents, { type: 'terminal-open', id: 't3', name: 'vm', cols: 100_000, rows: 1 });
    router.send(app, contents, { type: 'console-write', id: 't1', data: Buffer.from('stty size\n').toString('base64') });
    await tick();
    assert.deepEqual(terminals[0]?.sizes, [{ cols: 60, rows: 20 }]);
    assert.equal(terminals.length, 1);
    assert.deepEqual(consoles[0]?.written, ['stty size\n']);
    assert.deepEqual(warnings, Array(3).fill('corral: dropped a malformed console message'));
    consoles[0]?.push('20 60\r\n');
    await tick();
    consoles[0]?.end('the shell exited with status 0');
    assert.deepEqual(contents.received, [
      { type: 'console-opened', id: 't1' },
      { type: 'console-error', id: 't2', error: { code: 'NOT_FOUND', message: 'no instance "missing"', details: {} } },
      { type: 'console-written', id: 't1', bytes: 10 },
      { type: 'console-data', id: 't1', data: Buffer.from('20 60\r\n').toString('base64') },
      { type: 'console-ended', id: 't1', reason: 'the shell exited with status 0' },
    ]);
    router.send(app, contents, { type: 'console-close', id: 't1' });
  });

  it('closes the old page’s consoles on a reload and everything when the window goes', async () => {
    const { api, consoles, emit, listeners } = fakeApi();
    const router = createIpcRouter(api, () => undefined);
    const contents = new FakeContents();
    await router.invoke(app, contents, { method: 'connect' });
    router.send(app, contents, { type: 'console-open', id: 'c1', name: 'vm' });
    await tick();
    await router.invoke(app, contents, { method: 'connect' }); // the page reloaded
    await tick();
    assert.equal(consoles[0]?.closed, true);
    assert.equal(listeners.size, 1, 'one event subscription per page, not one per load');
    router.send(app, contents, { type: 'console-open', id: 'c1', name: 'vm' });
    await tick();
    contents.destroy();
    await tick();
    assert.equal(consoles[1]?.closed, true);
    assert.equal(listeners.size, 0);
    const before = contents.received.length;
    emit({ type: 'instances-changed' });
    assert.equal(contents.received.length, before, 'nothing is sent to a destroyed page');
  });
});
