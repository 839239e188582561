// Serves the built renderer (dist/renderer): the path checks and content types are the ones the
// Electron shell uses too (src-main/app-files/).
import fs from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { contentType } from '../app-files/mime.ts';
import { realFileUnder, resolveStatic } from '../app-files/resolve.ts';
import { sendText } from './headers.ts';

export async function serveStatic(root: string, urlPath: string, response: ServerResponse): Promise<void> {
  const resolved = resolveStatic(root, urlPath);
  if ('status' in resolved) return sendText(response, resolved.status, resolved.status === 400 ? 'Bad path' : 'Not found');
  try {
    const real = await realFileUnder(root, resolved.file);
    if (real === undefined) return sendText(response, 404, 'Not found');
    const body = await fs.readFile(real);
    response.writeHead(200, { 'Content-Type': contentType(real) });
    response.end(body);
  } catch {
    const hint = urlPath === '/' ? ' (the renderer is not built: npm run build:renderer)' : '';
    sendText(response, 404, `Not found${hint}`);
  }
}
