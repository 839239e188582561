// The web shell's WebSocket upgrades: /ws (events and consoles, socket.ts) and /vnc/NAME (the
// display relay, vnc-proxy.ts). server.ts imports this module on the first upgrade, not at
// start: ws and the socket's schemas then cost nothing before the first API answer.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { CorralApi } from '../api/contract.ts';
import { hostAllowed, originAllowed, requestToken, sameToken } from './auth.ts';
import { serveSocket } from './socket.ts';
import { proxyVnc, vncTarget } from './vnc-proxy.ts';

export interface Upgrades {
  handle(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

export function openUpgrades(api: CorralApi, port: number, token: string): Upgrades {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 2 * 1024 * 1024 });
  // VNC frames are binary and may be large (a full-screen raw update); noVNC asks for 'binary'.
  const displaySockets = new WebSocketServer({
    noServer: true, maxPayload: 64 * 1024 * 1024, perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
  });
  return {
    handle(request, socket, head) {
      const refuse = (status: number, text: string): void => {
        socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      };
      if (!hostAllowed(request, port)) return refuse(421, 'Misdirected Request');
      const rawPath = (request.url ?? '').split('?')[0] ?? '';
      const vncName = vncTarget(rawPath);
      if (rawPath !== '/ws' && vncName === undefined) return refuse(404, 'Not Found');
      if (!sameToken(requestToken(request, port), token)) return refuse(401, 'Unauthorized');
      if (!originAllowed(request.headers.origin, port)) return refuse(403, 'Forbidden');
      // /vnc/NAME: the embedded display, relayed to the VM's loopback VNC WebSocket.
      if (vncName !== undefined) {
        return void proxyVnc(api, displaySockets, vncName, request, socket, head, refuse).catch(() => refuse(502, 'Bad Gateway'));
      }
      sockets.handleUpgrade(request, socket, head, (ws) => serveSocket(api, ws));
    },
    async close() {
      for (const client of [...sockets.clients, ...displaySockets.clients]) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await new Promise<void>((resolve) => displaySockets.close(() => resolve()));
    },
  };
}
