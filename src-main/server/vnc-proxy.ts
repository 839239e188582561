// The embedded display's WebSocket: `/vnc/NAME` on the web shell, relayed to the QEMU VNC
// WebSocket listener the driver reports (127.0.0.1 only). The browser never talks to QEMU's
// port itself; server.ts checks Host, token and Origin before this runs, exactly as for /ws.
// The VNC password still guards the VNC session itself (the page gets it from display()).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { RawData, WebSocketServer } from 'ws';
import type { CorralApi } from '../api/contract.ts';
import { nameRequestSchema } from '../api/schemas.ts';

export const vncPathPrefix = '/vnc/';

/** The instance name a `/vnc/NAME` path names, or undefined when it is not one. */
export function vncTarget(rawPath: string): string | undefined {
  if (!rawPath.startsWith(vncPathPrefix)) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath.slice(vncPathPrefix.length));
  } catch {
    return undefined;
  }
  const parsed = nameRequestSchema.safeParse({ name: decoded });
  return parsed.success && !decoded.includes('/') ? parsed.data.name : undefined;
}

type Refuse = (status: number, text: string) => void;

/** Opens the upstream first, so a stopped VM or a missing display is a plain HTTP refusal. */
export async function proxyVnc(
  api: CorralApi, sockets: WebSocketServer, name: string,
  request: IncomingMessage, socket: Duplex, head: Buffer, refuse: Refuse,
): Promise<void> {
  const display = await api.display({ name }).catch(() => null);
  if (display?.websocketPort === undefined) return refuse(409, 'Conflict');
  const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const upstream = new WebSocket(`ws://127.0.0.1:${display.websocketPort}/`, offered.includes('binary') ? ['binary'] : [], {
    perMessageDeflate: false,
  });
  // QEMU speaks first (the RFB version) as soon as its side opens, before the browser's
  // upgrade completes: hold those frames until the relay is in place, or the session stalls.
  const early: { data: RawData; isBinary: boolean }[] = [];
  const hold = (data: RawData, isBinary: boolean): void => { early.push({ data, isBinary }); };
  upstream.on('message', hold);
  const opened = await new Promise<boolean>((resolve) => {
    upstream.once('open', () => resolve(true));
    upstream.once('error', () => resolve(false));
  });
  if (!opened || socket.destroyed) {
    upstream.terminate();
    return refuse(502, 'Bad Gateway');
  }
  sockets.handleUpgrade(request, socket, head, (client) => {
    upstream.off('message', hold);
    relay(client, upstream, early);
  });
}

function relay(client: WebSocket, upstream: WebSocket, early: { data: RawData; isBinary: boolean }[]): void {
  const forward = (to: WebSocket) => (data: RawData, isBinary: boolean): void => {
    if (to.readyState === WebSocket.OPEN) to.send(data, { binary: isBinary });
  };
  for (const { data, isBinary } of early) forward(client)(data, isBinary);
  client.on('message', forward(upstream));
  upstream.on('message', forward(client));
  const closeBoth = (): void => {
    if (client.readyState === WebSocket.OPEN) client.close(1000, 'display closed');
    if (upstream.readyState === WebSocket.OPEN) upstream.close(1000);
    if (client.readyState === WebSocket.CONNECTING) client.terminate();
    if (upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
  };
  client.on('close', closeBoth);
  upstream.on('close', closeBoth);
  client.on('error', closeBoth);
  upstream.on('error', closeBoth);
}
