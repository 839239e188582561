// "From file…" in the web shell: the page posts the chosen lima.yaml's bytes to
// `POST /upload/template?name=FILE` and gets back the path the engine keeps it at, which it then
// uses like a typed path (facts, create). Over the limit: 413; a file that is not a template: 400.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toDriverError } from '../../src-drivers/sdk/errors.ts';
import { readLimited, saveUploadedTemplate } from '../core/templates/uploaded.ts';
import type { Engine } from '../core/engine.ts';

export const templateUploadPath = '/upload/template';

export async function handleTemplateUpload(engine: Engine, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const reply = (status: number, body: unknown): void => {
    response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(body));
  };
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    return reply(405, { ok: false, error: { code: 'INVALID_CONFIG', message: 'uploads are POST requests', details: {} } });
  }
  try {
    const name = new URL(request.url ?? '/', 'http://upload').searchParams.get('name');
    const bytes = await readLimited(request as AsyncIterable<Buffer>);
    reply(200, { ok: true, value: { path: await saveUploadedTemplate(engine.paths.home, name, bytes, {
      vmTypes: engine.drivers.names(),
      fetchText: (url, maxBytes) => engine.downloads.fetchText(url, maxBytes),
    }) } });
  } catch (error) {
    const typed = toDriverError(error);
    if (typed.details.reason === 'too-large') request.resume(); // drain the rest, so the answer is read
    reply(typed.details.reason === 'too-large' ? 413 : typed.code === 'INVALID_CONFIG' ? 400 : 500, { ok: false, error: typed.toJSON() });
  }
}
