// HTTP calls: `POST /api/METHOD` with a JSON body, answered with {ok, value} or {ok, error}.
// The methods and their body schemas are the API's table (src-main/api/methods.ts, run by
// dispatch.ts); every failure becomes the engine's typed error (code, message, details) with an
// HTTP status that matches it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DriverError, toDriverError } from '../../src-drivers/sdk/errors.ts';
import type { ErrorCode } from '../../src-drivers/sdk/errors.ts';
import type { CorralApi } from '../api/contract.ts';
import { dispatchCall } from '../api/dispatch.ts';
import { isCallMethod } from '../api/methods.ts';

const maxBody = 64 * 1024;

const statusOf: Partial<Record<ErrorCode, number>> = {
  INVALID_CONFIG: 400, INVALID_NAME: 400, NOT_FOUND: 404, ALREADY_EXISTS: 409, INVALID_STATE: 409, BUSY: 409,
  UNSUPPORTED: 422, UNAVAILABLE: 422, MISSING_BINARY: 422, DIGEST_MISMATCH: 422, TIMEOUT: 504,
  INVALID_BUNDLE: 422, PERMISSION_DENIED: 403,
};

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBody) throw new DriverError('INVALID_CONFIG', `request body over ${maxBody} bytes; API calls take small JSON bodies`, { reason: 'too-large' });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DriverError('INVALID_CONFIG', 'request body is not JSON');
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

export async function handleCall(api: CorralApi, method: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (!isCallMethod(method)) return send(response, 404, { ok: false, error: { code: 'NOT_FOUND', message: `no API method "${method}"`, details: {} } });
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    return send(response, 405, { ok: false, error: { code: 'INVALID_CONFIG', message: 'API calls are POST requests', details: {} } });
  }
  try {
    send(response, 200, { ok: true, value: await dispatchCall(api, method, await readJson(request)) });
  } catch (error) {
    const typed = toDriverError(error);
    const status = typed.details.reason === 'too-large' ? 413 : statusOf[typed.code] ?? 500;
    // The user sees the message in the page; a server-side failure is worth a line in the log too.
    if (status >= 500) process.stderr.write(`corral serve: ${method} failed: ${typed.code}: ${typed.message}\n`);
    send(response, status, { ok: false, error: typed.toJSON() });
  }
}
