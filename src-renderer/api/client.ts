// CorralApi in the page. In the web shell calls are `POST /api/METHOD` (the HttpOnly cookie
// carries the token) and events and consoles come over the WebSocket; in Electron both go
// through the preload bridge (electron.ts), with the same messages. The engine validates
// everything the page sends; the page trusts the engine's answers to match the contract.
import type {
  ApiError, ApiEvent, BundleReview, BundleSource, ConsoleStream, CorralApi, CreateResult, DisplayInfo, DriverInfo, Instance, Snapshot, StartResult, TemplateInfo,
} from '../../src-main/api/contract.ts';
import { fromBase64, toBase64 } from './bytes.ts';
import { PacedInput } from './paced-input.ts';
import type { CallFn, EngineChannel } from './channel.ts';
import { ApiCallError } from './errors.ts';

type CallResponse = { ok: true; value: unknown } | { ok: false; error: ApiError };

export async function httpCall<T>(method: string, body: object = {}): Promise<T> {
  const response = await fetch(`/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (response.status === 401) throw new ApiCallError({ code: 'INVALID_STATE', message: 'Not authorised: open the address that `corral serve` printed.', details: {} });
  const reply = (await response.json()) as CallResponse;
  if (!reply.ok) throw new ApiCallError(reply.error);
  return reply.value as T;
}

/** Uploads a dropped bundle file to the web shell; the id names it in review and install calls. */
export async function uploadBundle(file: File): Promise<BundleSource> {
  const response = await fetch(`/upload/driver-bundle?name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file, credentials: 'same-origin' });
  const reply = (await response.json()) as CallResponse;
  if (!reply.ok) throw new ApiCallError(reply.error);
  return reply.value as BundleSource;
}

let nextStream = 0;

export function webApi(socket: EngineChannel, call: CallFn = httpCall): CorralApi {
  return {
    listInstances: () => call<Instance[]>('listInstances'),
    listDrivers: () => call<DriverInfo[]>('listDrivers'),
    listTemplates: () => call<TemplateInfo[]>('listTemplates'),
    readLogs: (name) => call<{ name: string; text: string }[]>('readLogs', { name }),
    create: (request) => call<CreateResult>('create', request),
    start: (name) => call<StartResult>('start', { name }),
    stop: (name, options) => call<null>('stop', { name, force: options?.force ?? false }).then(() => undefined),
    pause: (name) => call<null>('pause', { name }).then(() => undefined),
    resume: (name) => call<null>('resume', { name }).then(() => undefined),
    cancelDownloads: (name) => call<null>('cancelDownloads', { name }).then(() => undefined),
    delete: (name, options) => call<null>('delete', { name, force: options?.force ?? false }).then(() => undefined),
    listSnapshots: (name) => call<Snapshot[]>('listSnapshots', { name }),
    createSnapshot: (name, tag) => call<null>('createSnapshot', { name, tag }).then(() => undefined),
    applySnapshot: (name, tag) => call<null>('applySnapshot', { name, tag }).then(() => undefined),
    deleteSnapshot: (name, tag) => call<null>('deleteSnapshot', { name, tag }).then(() => undefined),
    restart: (name, options) => call<StartResult>('restart', { name, force: options?.force ?? false }),
    clone: (name, newName) => call<Instance>('clone', { name, newName }),
    rename: (name, newName) => call<Instance>('rename', { name, newName }),
    edit: (name, changes) => call<Instance>('edit', { name, ...changes }),
    display: (name) => call<DisplayInfo | null>('display', { name }),
    reviewDriverBundle: (source) => call<BundleReview>('reviewDriverBundle', { source }),
    installDriverBundle: (source, options) => call<DriverInfo>('installDriverBundle', { source, force: options?.force ?? false }),
    removeDriver: (name, options) => call<null>('removeDriver', { name, force: options?.force ?? false }).then(() => undefined),
    setDriverEnabled: (name, enabled, options) => call<null>('setDriverEnabled', { name, enabled, force: options?.force ?? false }).then(() => undefined),
    onEvent(listener: (event: ApiEvent) => void) {
      return socket.on((message) => {
        if (message.type === 'event') listener(message.event);
      });
    },
    openConsole(name) {
      return openStream(socket, name);
    },
  };
}

/** One console stream multiplexed on the socket by a fresh id; resolves once the engine attached it. */
function openStream(socket: EngineChannel, name: string): Promise<ConsoleStream> {
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
    socket.send({ type: 'console-open', id, name });
  });
}
