// One WebSocket per page: the engine's events pushed as they happen, and any number of
// console streams (src-main/engine-api/console-mux.ts). Every incoming frame is parsed with the API's zod schema;
// a malformed one closes the socket (1008), since only our own page talks here. A frame the
// WebSocket layer refuses (over maxPayload, invalid UTF-8, a protocol error) closes this
// socket too, and only this one: ws reports it as an 'error' on the socket, which must be
// listened to, or Node ends the whole server over it.
import type { WebSocket } from 'ws';
import type { CorralApi, ServerMessage } from '../api/contract.ts';
import { clientMessageSchema } from '../api/schemas.ts';
import { openConsoleMux } from '../engine-api/console-mux.ts';
import { openStatsMux } from '../engine-api/stats-mux.ts';

export function serveSocket(api: CorralApi, socket: WebSocket): void {
  const send = (message: ServerMessage): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const stopEvents = api.onEvent((event) => send({ type: 'event', event }));
  const consoles = openConsoleMux(api, send);
  const stats = openStatsMux(api, send);

  socket.on('message', (raw, isBinary) => {
    const parsed = isBinary ? undefined : parseMessage(String(raw));
    if (!parsed) return socket.close(1008, 'malformed message');
    if (parsed.type === 'stats-watch') stats.receive(parsed);
    else consoles.receive(parsed);
  });
  // ws is already closing this socket with the code that fits (1009, 1007, 1002) when it says so.
  socket.on('error', () => undefined);
  socket.on('close', () => {
    stopEvents();
    consoles.close();
    stats.close();
  });
}

function parseMessage(text: string): ReturnType<typeof clientMessageSchema.parse> | undefined {
  try {
    const parsed = clientMessageSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
