// One renderer page's live link to the engine over Electron IPC: calls, pushed events,
// console streams (the web shell's console-mux.ts, so both shells share its limits and
// pacing), and embedded displays (display-relay.ts). The Electron counterpart of the web
// shell's src-main/server/socket.ts, with the same messages and schemas, but over a `send`
// function instead of a WebSocket, so it is tested in Node without Electron.
//
// Why multiplexed IPC and not a MessagePort per console: every byte the page sends then
// arrives through ipcMain, where the sender check and the zod parse run on each message.
// A port handed to the page would bypass both after its creation, and reaching the page
// needs a window.postMessage hop that the page must authenticate itself. Serial consoles are
// a few kB/s: one IPC hop per chunk costs nothing that matters.
import { toDriverError } from '../../src-drivers/sdk/errors.ts';
import type { CorralApi, ServerMessage } from '../api/contract.ts';
import { callMethods, invokeRequestSchema } from '../api/bridge.ts';
import type { InvokeReply } from '../api/bridge.ts';
import { displayClientMessageSchema } from '../api/display-messages.ts';
import type { DisplayServerMessage } from '../api/display-messages.ts';
import { clientMessageSchema } from '../api/schemas.ts';
import { handlers } from '../server/calls.ts';
import { openConsoleMux } from '../server/console-mux.ts';
import { openDisplayRelays } from './display-relay.ts';

/**
 * Answers one `corral:invoke` (except `connect`, which the caller handles per page). The
 * method name and the payload are both parsed; errors come back as the engine's typed error.
 */
export async function dispatchCall(api: CorralApi, raw: unknown): Promise<InvokeReply> {
  const request = invokeRequestSchema.safeParse(raw);
  if (!request.success) {
    return { ok: false, error: { code: 'INVALID_CONFIG', message: `bad request: ${request.error.issues[0]?.message ?? 'invalid'}`, details: {} } };
  }
  const method = request.data.method;
  const handler = (callMethods as readonly string[]).includes(method) ? handlers[method] : undefined;
  if (!handler) return { ok: false, error: { code: 'INVALID_CONFIG', message: `"${method}" is not an API call`, details: {} } };
  try {
    const value = await handler(api, request.data.payload ?? {});
    return { ok: true, value: value ?? null };
  } catch (error) {
    return { ok: false, error: toDriverError(error).toJSON() };
  }
}

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
  const displays = openDisplayRelays(api, (message) => {
    if (!closed) sendDisplay(message);
  });

  return {
    receive(raw) {
      const parsed = clientMessageSchema.safeParse(raw);
      if (!parsed.success || closed) return false;
      consoles.receive(parsed.data);
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
    },
  };
}
