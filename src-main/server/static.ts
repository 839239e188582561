// Serves the built renderer (dist/renderer). The request path is split and decoded segment by
// segment *before* any normalisation, so `..`, `%2e%2e`, encoded slashes, backslashes and NUL
// are refused outright instead of being resolved; what is left is joined under the root and
// checked to stay there (symlinks included).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import { sendText } from './headers.ts';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** The file a URL path names inside `root`, or a status to refuse it with. */
export function resolveStatic(root: string, urlPath: string): { file: string } | { status: 400 | 404 } {
  if (!urlPath.startsWith('/')) return { status: 400 };
  const segments: string[] = [];
  for (const raw of urlPath.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { status: 400 };
    }
    if (segment === '..' || segment === '.' || /[/\\\0:]/.test(segment)) return { status: 400 };
    if (segment !== '') segments.push(segment);
  }
  const relative = segments.length === 0 ? 'index.html' : segments.join('/');
  const file = path.resolve(root, relative);
  if (!file.startsWith(path.resolve(root) + path.sep)) return { status: 404 };
  return { file };
}

export async function serveStatic(root: string, urlPath: string, response: ServerResponse): Promise<void> {
  const resolved = resolveStatic(root, urlPath);
  if ('status' in resolved) return sendText(response, resolved.status, resolved.status === 400 ? 'Bad path' : 'Not found');
  try {
    // realpath: a symlink inside the folder must not lead out of it.
    const [real, realRoot] = await Promise.all([fs.realpath(resolved.file), fs.realpath(root)]);
    if (!real.startsWith(realRoot + path.sep)) return sendText(response, 404, 'Not found');
    const body = await fs.readFile(real);
    response.writeHead(200, { 'Content-Type': types[path.extname(real)] ?? 'application/octet-stream' });
    response.end(body);
  } catch {
    const hint = urlPath === '/' ? ' (the renderer is not built: npm run build:renderer)' : '';
    sendText(response, 404, `Not found${hint}`);
  }
}
