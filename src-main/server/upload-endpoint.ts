// The shape every upload endpoint of the web shell shares: POST only, the file's name in
// ?name=, the answer as the API's { ok, value } or { ok, error } JSON with an HTTP status
// that says what kind of failure it was.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toDriverError } from '../../src-drivers/sdk/errors.ts';
import type { DriverError } from '../../src-drivers/sdk/errors.ts';

export interface UploadEndpoint<T> {
  /** Stores the request's bytes under `name`; what it resolves to is the answer's value. */
  save(name: string | null, request: IncomingMessage): Promise<T>;
  /** The HTTP status for a refusal. */
  statusOf(error: DriverError): number;
}

export async function serveUpload<T>(endpoint: UploadEndpoint<T>, request: IncomingMessage, response: ServerResponse): Promise<void> {
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
    reply(200, { ok: true, value: await endpoint.save(name, request) });
  } catch (error) {
    const typed = toDriverError(error);
    if (typed.details.reason === 'too-large') request.resume(); // drain the rest, so the answer is read
    reply(endpoint.statusOf(typed), { ok: false, error: typed.toJSON() });
  }
}
