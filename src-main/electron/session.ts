// One renderer page's live link to the engine over Electron IPC: calls, pushed events,
// console streams multiplexed by a page-chosen id, and embedded displays (display-relay.ts). The Electron counterpart of the web shell's
// src-main/server/socket.ts, with the same messages and schemas, but over a `send` function
// instead of a WebSocket, so it is tested in Node without Electron.
//
// Why multiplexed IPC and not a MessagePort per console: every byte the page sends then
// arrives through ipcMain, where the sender check and the zod parse run on each message.
// A port handed to the page would bypass both after its creation, and reaching the page
// needs a window.postMessage hop that the page must authenticate itself. Serial consoles are
// a few kB/s: one IPC hop per chunk costs nothing that matters.
import { toDriverError } from '../../src-drivers/sdk/errors.ts';
import type { ConsoleStream, CorralApi, ServerMessage } from '../api/contract.ts';
import { displayClientMessageSchema } from '../api/display-messages.ts';
import type { DisplayServerMessage } from '../api/display-messages.ts';
import { clientMessageSchema } from '../api/schemas.ts';
import { openDisplayRelays } from './display-relay.ts';

/** Most console streams one page may hold open: a page that leaks them is refused more. */
const maxStreams = 32;

export interface RendererSession {
  /** Handles one `corral:send` message; false when it was malformed (and dropped). */
  receive(raw: unknown): boolean;
  /** Handles one `corral:display-send` message; false when it was malformed (and dropped). */
  receiveDisplay(raw: unknown): boolean;
  /** Detaches every console and display (the VMs keep running) and stops the events. */
  close(): void;
}

export function openSession(
  api: CorralApi, send: (message: ServerMessage) => void, sendDisplay: (message: DisplayServerMessage) => void,
): RendererSession {
  const streams = new Map<string, Promise<ConsoleStream | undefined>>();
  let closed = false;
  const post = (message: ServerMessage): void => {
    if (!closed) send(message);
  };
  const stopEvents = api.onEvent((event) => post({ type: 'event', event }));
  const displays = openDisplayRelays(api, (message) => {
    if (!closed) sendDisplay(message);
  });

  const open = async (id: string, name: string): Promise<ConsoleStream | undefined> => {
    try {
      const stream = await api.openConsole(name);
      if (closed) {
        await stream.close();
        return undefined;
      }
      post({ type: 'console-opened', id });
      stream.onData((bytes) => post({ type: 'console-data', id, data: Buffer.from(bytes).toString('base64') }));
      stream.onEnd((reason) => {
        streams.delete(id);
        post({ type: 'console-ended', id, reason });
      });
      return stream;
    } catch (error) {
      streams.delete(id);
      post({ type: 'console-error', id, error: toDriverError(error).toJSON() });
      return undefined;
    }
  };

  return {
    receive(raw) {
      const parsed = clientMessageSchema.safeParse(raw);
      if (!parsed.success || closed) return false;
      const message = parsed.data;
      switch (message.type) {
        case 'console-open':
          if (streams.has(message.id)) break;
          if (streams.size >= maxStreams) {
            post({ type: 'console-error', id: message.id, error: { code: 'BUSY', message: `too many open consoles (${maxStreams})`, details: {} } });
            break;
          }
          streams.set(message.id, open(message.id, message.name));
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
      return true;
    },
    receiveDisplay(raw) {
      const parsed = displayClientMessageSchema.safeParse(raw);
      if (!parsed.success || closed) return false;
      displays.receive(parsed.data);
      return true;
    },
    close() {
      if (closed) return;
      closed = true;
      stopEvents();
      displays.close();
      for (const stream of streams.values()) void stream.then((s) => s?.close());
      streams.clear();
    },
  };
}
