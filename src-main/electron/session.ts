// One renderer page's live link to the engine over Electron IPC: pushed events, console
// streams (engine-api/console-mux.ts, shared with the web shell, so both have its limits and
// pacing), and embedded displays (display-relay.ts). The Electron counterpart of the web
// shell's src-main/server/socket.ts, with the same messages and schemas, but over a `send`
// function instead of a WebSocket, so it is tested in Node without Electron.
//
// Why multiplexed IPC and not a MessagePort per console: every byte the page sends then
// arrives through ipcMain, where the sender check and the zod parse run on each message.
// A port handed to the page would bypass both after its creation, and reaching the page
// needs a window.postMessage hop that the page must authenticate itself. Serial consoles are
// a few kB/s: one IPC hop per chunk costs nothing that matters.
import type { CorralApi, ServerMessage } from '../api/contract.ts';
import { displayClientMessageSchema } from '../api/display-messages.ts';
import type { DisplayServerMessage } from '../api/display-messages.ts';
import { clientMessageSchema } from '../api/schemas.ts';
import { openConsoleMux } from '../engine-api/console-mux.ts';
import { openStatsMux } from '../engine-api/stats-mux.ts';
import { openDisplayRelays } from './display-relay.ts';

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
  let closed = false;
  const post = (message: ServerMessage): void => {
    if (!closed) send(message);
  };
  const stopEvents = api.onEvent((event) => post({ type: 'event', event }));
  const consoles = openConsoleMux(api, post);
  const stats = openStatsMux(api, post);
  const displays = openDisplayRelays(api, (message) => {
    if (!closed) sendDisplay(message);
  });

  return {
    receive(raw) {
      const parsed = clientMessageSchema.safeParse(raw);
      if (!parsed.success || closed) return false;
      if (parsed.data.type === 'stats-watch') stats.receive(parsed.data);
      else consoles.receive(parsed.data);
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
      consoles.close();
      stats.close();
    },
  };
}
