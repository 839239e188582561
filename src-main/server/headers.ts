// Security headers on every response: the page's CSP and headers shared with the Electron
// shell (src-main/app-files/headers.ts), with this shell's differences: the page talks to this
// server (connect-src 'self': fetch and the WebSocket), and a browser tab also gets
// X-Frame-Options for old browsers and no caching.
import type { ServerResponse } from 'node:http';
import { contentSecurityPolicy as pageCsp, securityHeaders } from '../app-files/headers.ts';

export const contentSecurityPolicy = pageCsp({ 'connect-src': "'self'" });

const headers: Readonly<Record<string, string>> = {
  ...securityHeaders(contentSecurityPolicy),
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

export function setSecurityHeaders(response: ServerResponse): void {
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
}

export function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(`${text}\n`);
}
