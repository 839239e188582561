// One WebSocket per page: the engine's events pushed as they happen, and any number of
// console streams multiplexed by a client-chosen id. Every incoming frame is parsed with
// the API's zod schema; a malformed one closes the socket (1008), since only our own page
// talks here.
import type { WebSocket } from 'ws';
import { toDriverError } from '../../src-drivers/sdk/errors.ts';
import type { ConsoleStream, CorralApi, ServerMessage } from '../api/contract.ts';
import { clientMessageSchema } from '../api/schemas.ts';

export function serveSocket(api: CorralApi, socket: WebSocket): void {
  const streams = new Map<string, Promise<ConsoleStream | undefined>>();
  const send = (message: ServerMessage): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const stopEvents = api.onEvent((event) => send({ type: 'event', event }));

  const open = async (id: string, name: string): Promise<ConsoleStream | undefined> => {
    try {
      const stream = await api.openConsole(name);
      send({ type: 'console-opened', id });
      const output = coalesce((bytes) => send({ type: 'console-data', id, data: bytes.toString('base64') }));
      stream.onData(output.push);
      stream.onEnd((reason) => {
        output.flush();
        streams.delete(id);
        send({ type: 'console-ended', id, reason });
      });
      return stream;
    } catch (error) {
      streams.delete(id);
      send({ type: 'console-error', id, error: toDriverError(error).toJSON() });
      return undefined;
    }
  };

  socket.on('message', (raw, isBinary) => {
    let message;
    try {
      message = clientMessageSchema.parse(JSON.parse(isBinary ? '' : String(raw)));
    } catch {
      socket.close(1008, 'malformed message');
      return;
    }
    switch (message.type) {
      case 'console-open':
        if (!streams.has(message.id)) streams.set(message.id, open(message.id, message.name));
        break;
      case 'console-write': {
        const bytes = Buffer.from(message.data, 'base64');
        void streams.get(message.id)?.then((stream) => stream?.write(bytes));
        break;
      }
      case 'console-close':
        void streams.get(message.id)?.then((stream) => stream?.close());
        streams.delete(message.id);
        break;
    }
  });

  socket.on('close', () => {
    stopEvents();
    for (const stream of streams.values()) void stream.then((s) => s?.close());
    streams.clear();
  });
}

/**
 * Console bytes that arrive within one turn of the event loop leave as one message: a guest
 * printing fast produces many small chunks, and each message costs a JSON frame, base64 and
 * an xterm write in the page.
 */
function coalesce(deliver: (bytes: Buffer) => void): { push(bytes: Uint8Array): void; flush(): void } {
  let pending: Uint8Array[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const bytes = Buffer.concat(pending);
    pending = [];
    deliver(bytes);
  };
  return {
    push(bytes) {
      if (pending.length === 0) setImmediate(flush);
      pending.push(bytes);
    },
    flush,
  };
}
