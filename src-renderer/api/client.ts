// CorralApi in the page. In the web shell calls are `POST /api/METHOD` (the HttpOnly cookie
// carries the token) and events and consoles come over the WebSocket; in Electron both go
// through the preload bridge (electron.ts), with the same messages. The engine validates
// everything the page sends; the page checks the engine's answers (result-check.ts).
import type { ApiEvent, BundleSource, ClientMessage, ConsoleStream, CorralApi, TerminalStream } from '../../src-main/api/contract.ts';
import { fromBase64, toBase64 } from './bytes.ts';
import { PacedInput } from './paced-input.ts';
import type { CallFn, EngineChannel } from './channel.ts';
import { ApiCallError } from './errors.ts';
import { link } from './link.ts';
import { statsWatcher } from './stats-watch.ts';
import type * as ResultCheck from './result-check.ts';

/** The result checks load on first use: zod and the schemas stay out of the page's first bundle. */
let resultCheck: Promise<typeof ResultCheck> | undefined;

function checks(): Promise<typeof ResultCheck> {
  resultCheck ??= import('./result-check.ts').catch((error: unknown) => {
    // Fetched while the engine was away (restarting): ask again on the next call, not never.
    resultCheck = undefined;
    throw error;
  });
  return resultCheck;
}

async function checkResult(method: string, value: unknown): Promise<unknown> {
  return (await checks()).checkResult(method, value);
}

export async function httpCall(method: string, body: object = {}): Promise<unknown> {
  const response = await fetch(`/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  }).catch((error: unknown) => {
    // No answer at all: the server is gone (or restarting). The banner says so and the page reconnects.
    void link.failed();
    throw new ApiCallError({ code: 'UNAVAILABLE', message: `Corral cannot be reached (${error instanceof Error ? error.message : String(error)}); it reconnects by itself when Corral is back.`, details: { offline: true } });
  });
  if (response.status === 401) {
    link.refused();
    throw new ApiCallError({ code: 'INVALID_STATE', message: 'Not authorised: open the address that `corral serve` printed.', details: {} });
  }
  const reply = (await checks()).checkReply(method, await response.json());
  if (!reply.ok) throw new ApiCallError(reply.error);
  return reply.value;
}

/** Uploads a dropped bundle file to the web shell; the id names it in review and install calls. */
export async function uploadBundle(file: File): Promise<BundleSource> {
  const response = await fetch(`/upload/driver-bundle?name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file, credentials: 'same-origin' });
  const check = await checks();
  const reply = check.checkReply('the upload', await response.json());
  if (!reply.ok) throw new ApiCallError(reply.error);
  return check.checkUpload(reply.value);
}

/** Uploads a template file to the web shell; answers with the path the engine keeps it at. */
export async function uploadTemplate(file: File): Promise<string> {
  const response = await fetch(`/upload/template?name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file, credentials: 'same-origin' });
  const check = await checks();
  const reply = check.checkReply('the template upload', await response.json());
  if (!reply.ok) throw new ApiCallError(reply.error);
  return check.checkTemplateUpload(reply.value);
}

let nextStream = 0;

/**
 * The page's CorralApi: a proxy that turns `api.METHOD(request)` into one call with that
 * request as its body, so the method table (src-main/api/methods.ts) is the only list of
 * methods. Each result is checked against the table's result schema as it arrives.
 */
export function webApi(socket: EngineChannel, call: CallFn = httpCall): CorralApi {
  const streams: Pick<CorralApi, 'onEvent' | 'openConsole' | 'openTerminal' | 'watchStats'> = {
    watchStats: statsWatcher(socket),
    onEvent(listener: (event: ApiEvent) => void) {
      return socket.on((message) => {
        if (message.type === 'event') listener(message.event);
      });
    },
    openConsole(name) {
      return openStream(socket, (id) => ({ type: 'console-open', id, name }));
    },
    async openTerminal({ name, cols, rows }) {
      let streamId = '';
      const stream = await openStream(socket, (id) => {
        streamId = id;
        return { type: 'terminal-open', id, name, cols, rows };
      });
      const terminal: TerminalStream = {
        ...stream,
        resize: (size) => socket.send({ type: 'terminal-resize', id: streamId, ...size }),
      };
      return terminal;
    },
  };
  const calls = new Map<string, (request?: object) => Promise<unknown>>();
  return new Proxy(streams, {
    get(target, method) {
      if (Object.hasOwn(target, method)) return target[method as keyof typeof target];
      // Not a thenable, not a symbol lookup: only names can be methods.
      if (typeof method !== 'string' || method === 'then') return undefined;
      let send = calls.get(method);
      if (!send) {
        send = async (request: object = {}) => checkResult(method, await call(method, request));
        calls.set(method, send);
      }
      return send;
    },
  }) as CorralApi;
}

/**
 * One stream (a serial console, or a terminal's SSH shell) multiplexed on the socket by a fresh
 * id; `opening` is the message that asks the engine for it. Resolves once the engine attached it.
 */
function openStream(socket: EngineChannel, opening: (id: string) => ClientMessage): Promise<ConsoleStream> {
  const id = `c${++nextStream}`;
  const data = new Set<(bytes: Uint8Array) => void>();
  const ends = new Set<(reason: string, driverRestartMs?: number) => void>();
  // Bytes that arrive before anyone listens (history comes right after the open) wait here.
  let early: Uint8Array[] | undefined = [];
  let ended = false;
  const unsubscribe: (() => void)[] = [];
  const input = new PacedInput((bytes) => socket.send({ type: 'console-write', id, data: toBase64(bytes) }));
  const finish = (reason: string, driverRestartMs?: number): void => {
    if (ended) return;
    ended = true;
    input.stop();
    for (const stop of unsubscribe) stop();
    for (const listener of ends) listener(reason, driverRestartMs);
  };
  const stream: ConsoleStream = {
    onData(listener) {
      data.add(listener);
      for (const bytes of early ?? []) listener(bytes);
      early = undefined;
      return () => data.delete(listener);
    },
    onEnd(listener) {
      ends.add(listener);
      return () => ends.delete(listener);
    },
    async write(bytes) {
      if (!ended) await input.write(bytes);
    },
    async close() {
      if (!ended) socket.send({ type: 'console-close', id });
      finish('closed');
    },
  };
  return new Promise<ConsoleStream>((resolve, reject) => {
    unsubscribe.push(socket.on((message) => {
      if (!('id' in message) || message.id !== id) return;
      if (message.type === 'console-opened') resolve(stream);
      else if (message.type === 'console-data') {
        const bytes = fromBase64(message.data);
        if (early) early.push(bytes);
        else for (const listener of data) listener(bytes);
      } else if (message.type === 'console-written') input.answered(message.bytes);
      else if (message.type === 'console-ended') finish(message.reason, message.driverRestartMs);
      else {
        finish(message.error.message);
        reject(new ApiCallError(message.error));
      }
    }));
    unsubscribe.push(socket.onDrop(() => finish('the connection to Corral dropped')));
    socket.send(opening(id));
  });
}
