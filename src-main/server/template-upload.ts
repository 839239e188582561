// "From file…" in the web shell: the page posts the chosen lima.yaml's bytes to
// `POST /upload/template?name=FILE` and gets back the path the engine keeps it at, which it then
// uses like a typed path (facts, create). Over the limit: 413; a file that is not a template: 400.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readLimited, saveUploadedTemplate } from '../core/templates/uploaded.ts';
import type { Engine } from '../core/engine.ts';
import { serveUpload } from './upload-endpoint.ts';

export const templateUploadPath = '/upload/template';

export function handleTemplateUpload(engine: Engine, request: IncomingMessage, response: ServerResponse): Promise<void> {
  return serveUpload({
    save: async (name, body) => ({ path: await saveUploadedTemplate(engine.paths.home, name, await readLimited(body as AsyncIterable<Buffer>), {
      vmTypes: engine.drivers.names(),
      fetchText: (url, maxBytes) => engine.downloads.fetchText(url, maxBytes),
    }) }),
    statusOf: (error) => (error.details.reason === 'too-large' ? 413 : error.code === 'INVALID_CONFIG' ? 400 : 500),
  }, request, response);
}
