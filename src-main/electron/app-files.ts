// The handler behind `corral-app://app/...`: serves the built renderer (dist/renderer) with the
// security headers, and nothing outside it. Plain fetch-API Request/Response and node:fs, no
// run-time `electron` import, so it is tested in Node; main.ts hands it to protocol.handle.
// Path checks are the web shell's (resolveStatic: `..`, encoded slashes and NUL refused),
// plus a realpath check so a symlink cannot lead out of the folder.
import fs from 'node:fs/promises';
import path from 'node:path';
import { resolveStatic } from '../server/static.ts';
import { appHost, appScheme, securityHeaders } from './security.ts';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

function refuse(status: number, text: string): Response {
  return new Response(`${text}\n`, { status, headers: { ...securityHeaders, 'Content-Type': 'text/plain; charset=utf-8' } });
}

export async function serveAppRequest(root: string, request: Request): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'Method not allowed');
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return refuse(400, 'Bad URL');
  }
  if (url.protocol !== `${appScheme}:` || url.host !== appHost) return refuse(404, 'Not found');
  const resolved = resolveStatic(root, url.pathname);
  if ('status' in resolved) return refuse(resolved.status, resolved.status === 400 ? 'Bad path' : 'Not found');
  try {
    const [real, realRoot] = await Promise.all([fs.realpath(resolved.file), fs.realpath(root)]);
    if (!real.startsWith(realRoot + path.sep)) return refuse(404, 'Not found');
    const body = request.method === 'HEAD' ? null : new Uint8Array(await fs.readFile(real));
    return new Response(body, {
      status: 200,
      headers: { ...securityHeaders, 'Content-Type': types[path.extname(real)] ?? 'application/octet-stream' },
    });
  } catch {
    return refuse(404, url.pathname === '/' || url.pathname === '/index.html' ? 'Not found (the renderer is not built: npm run build:renderer)' : 'Not found');
  }
}
