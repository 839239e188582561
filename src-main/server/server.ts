// `corral serve`: the web shell. One node:http server on 127.0.0.1 for the built renderer and
// the API calls, and WebSockets on the same port: /ws for pushed events and consoles, /vnc/NAME for a display.
// Every request needs the per-run token (see auth.ts); the WebSocket also needs our own
// Origin, and every request a Host naming this server (no DNS rebinding).
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../core/engine.ts';
import { engineApi } from '../engine-api/engine-api.ts';
import type { CorralApi } from '../api/contract.ts';
import { cookieName, hostAllowed, newToken, ownOrigins, requestToken, sameToken } from './auth.ts';
import type { pendingUploadLimits } from '../core/drivers/bundles/uploads.ts';
import { bundleUploadPath, handleBundleUpload, uploadsOnly } from './bundle-upload.ts';
import { handleTemplateUpload, templateUploadPath } from './template-upload.ts';
import { handleCall } from './calls.ts';
import { sendText, setSecurityHeaders } from './headers.ts';
import { serveStatic } from './static.ts';
import type { Upgrades } from './upgrades.ts';

export const defaultStaticDir = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));

export interface ServerOptions {
  engine: Engine;
  /** 0 picks a free port. */
  port?: number;
  /** The built renderer; defaults to dist/renderer in the repository. */
  staticDir?: string;
  /** A fixed token (tests); a random one per run otherwise. */
  token?: string;
  /** How many uploaded bundles, and bytes of them, may wait for a decision (tests lower them). */
  uploadLimits?: typeof pendingUploadLimits;
}

export interface RunningServer {
  /** The ready-to-open address, token included. */
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? newToken();
  const staticDir = options.staticDir ?? defaultStaticDir;
  const api: CorralApi = uploadsOnly(engineApi(options.engine));
  options.engine.watch(); // the CLI and other windows change the store too: the page shows it live
  let port = 0;

  const server = http.createServer((request, response) => {
    setSecurityHeaders(response);
    handleRequest(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendText(response, 500, `Internal error: ${error instanceof Error ? error.message : String(error)}`);
      else response.destroy();
    });
  });

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!hostAllowed(request, port)) return sendText(response, 421, 'Misdirected request: unknown Host');
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    const fromQuery = url.searchParams.get('token');
    if (request.method === 'GET' && fromQuery !== null && sameToken(fromQuery, token)) {
      // Trade the URL token for a cookie and drop it from the address bar.
      url.searchParams.delete('token');
      response.writeHead(303, {
        'Set-Cookie': `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: sameOriginPath(url),
      });
      return void response.end();
    }
    if (!sameToken(requestToken(request, port), token)) {
      return sendText(response, 401, 'Unauthorized: open the address `corral serve` printed (it carries the token)');
    }
    const origin = request.headers.origin;
    if (request.method !== 'GET' && request.method !== 'HEAD' && origin !== undefined && !ownOrigins(port).includes(origin)) {
      return sendText(response, 403, 'Forbidden: cross-origin request');
    }
    const rawPath = (request.url ?? '/').split('?')[0] ?? '/';
    if (rawPath.startsWith('/api/')) return handleCall(api, rawPath.slice('/api/'.length), request, response);
    if (rawPath === bundleUploadPath) return handleBundleUpload(options.engine.paths.home, request, response, options.uploadLimits);
    if (rawPath === templateUploadPath) return handleTemplateUpload(options.engine, request, response);
    if (request.method !== 'GET' && request.method !== 'HEAD') return sendText(response, 405, 'Method not allowed');
    return serveStatic(staticDir, rawPath, response);
  }

  // ws loads with the first upgrade (upgrades.ts), after the page's first API answers.
  let upgrades: Promise<Upgrades> | undefined;
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands an upgrading socket over without its 'error' listener: a client that resets
    // it while /vnc/NAME looks up the display would otherwise end the server.
    socket.on('error', () => socket.destroy());
    upgrades ??= import('./upgrades.ts').then(({ openUpgrades }) => openUpgrades(api, port, token));
    upgrades.then((loaded) => loaded.handle(request, socket, head), (error: unknown) => {
      process.stderr.write(`corral serve: ${error instanceof Error ? error.message : String(error)}\n`);
      socket.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  // After listening, a failed accept (EMFILE) is a line in the log, not the end of the server.
  server.on('error', (error) => process.stderr.write(`corral serve: ${error.message}\n`));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  port = address.port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    async close() {
      await (await upgrades)?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Where the token-to-cookie redirect may lead: a path on this server. A path that begins with
 * two slashes (`/.//evil.example/` parses to `//evil.example/`; `/\evil` too) would be read
 * by the browser as another host, so the leading slashes collapse to one.
 */
export function sameOriginPath(url: URL): string {
  return `/${url.pathname.replace(/^[/\\]+/, '')}${url.search}`;
}
