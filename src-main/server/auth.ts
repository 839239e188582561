// Who may talk to `corral serve`: whoever holds the per-run token, from a page the server
// itself served. The token arrives once in the URL the server prints (?token=...), is moved
// into an HttpOnly, SameSite=Strict cookie by a redirect (so it leaves the address bar and
// history), and from then on rides on every same-origin request and the WebSocket upgrade.
// Scripts and tests may send `Authorization: Bearer TOKEN` instead.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Cookies ignore ports, so two servers on one host each need their own cookie name. */
export function cookieName(port: number): string {
  return `corral_token_${port}`;
}

export function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** The token a request carries: bearer header first, then the cookie. */
export function requestToken(request: IncomingMessage, port: number): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
  return cookie(request, cookieName(port));
}

/** The origins this server answers as: loopback by IP or by name, on its own port. */
export function ownOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/** A Host header naming anything else is a DNS-rebinding attempt (a foreign name resolving to 127.0.0.1). */
export function hostAllowed(request: IncomingMessage, port: number): boolean {
  const host = request.headers.host;
  return host !== undefined && ownOrigins(port).includes(`http://${host}`);
}

/** Browsers always send Origin on a WebSocket upgrade; anything but our own page is refused. */
export function originAllowed(origin: string | undefined, port: number): boolean {
  return origin !== undefined && ownOrigins(port).includes(origin);
}
