// The handler behind `corral-app://app/...`: serves the built renderer (dist/renderer) with the
// security headers, and nothing outside it. Plain fetch-API Request/Response and node:fs, no
// run-time `electron` import, so it is tested in Node; main.ts hands it to protocol.handle.
// Path checks, content types and the base security headers are the web shell's too
// (src-main/app-files/: `..`, encoded slashes and NUL refused, symlinks kept inside).
import fs from 'node:fs/promises';
import { contentType } from '../app-files/mime.ts';
import { realFileUnder, resolveStatic } from '../app-files/resolve.ts';
import { appHost, appScheme, securityHeaders } from './security.ts';

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
    const real = await realFileUnder(root, resolved.file);
    if (real === undefined) return refuse(404, 'Not found');
    const body = request.method === 'HEAD' ? null : new Uint8Array(await fs.readFile(real));
    return new Response(body, {
      status: 200,
      headers: { ...securityHeaders, 'Content-Type': contentType(real) },
    });
  } catch {
    return refuse(404, url.pathname === '/' || url.pathname === '/index.html' ? 'Not found (the renderer is not built: npm run build:renderer)' : 'Not found');
  }
}
