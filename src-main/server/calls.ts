// HTTP calls: `POST /api/METHOD` with a JSON body, answered with {ok, value} or {ok, error}.
// Every body is parsed with the API's zod schemas; every failure becomes the engine's typed
// error (code, message, details) with an HTTP status that matches it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DriverError, toDriverError } from '../../src-drivers/sdk/errors.ts';
import type { ErrorCode } from '../../src-drivers/sdk/errors.ts';
import type { CorralApi } from '../api/contract.ts';
import { createRequestSchema, deleteRequestSchema, nameRequestSchema, stopRequestSchema } from '../api/schemas.ts';
import { editRequestSchema, renameRequestSchema, snapshotRequestSchema } from '../api/schemas.ts';
import { bundleRequestSchema, enableDriverRequestSchema, installBundleRequestSchema, removeDriverRequestSchema } from '../api/schemas.ts';
import type { z } from 'zod';

const maxBody = 64 * 1024;

type Handler = (api: CorralApi, body: unknown) => Promise<unknown>;

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    throw new DriverError('INVALID_CONFIG', `bad request${field ? ` (field "${field}")` : ''}: ${issue?.message ?? 'invalid'}`, { field });
  }
  return result.data;
}

/** The methods of CorralApi that are plain calls (events and consoles go over the WebSocket). */
export const handlers: Record<string, Handler> = {
  listInstances: (api) => api.listInstances(),
  listDrivers: (api) => api.listDrivers(),
  listTemplates: (api) => api.listTemplates(),
  readLogs: (api, body) => api.readLogs(parse(nameRequestSchema, body).name),
  create: (api, body) => api.create(parse(createRequestSchema, body)),
  start: (api, body) => api.start(parse(nameRequestSchema, body).name),
  stop: (api, body) => {
    const { name, force } = parse(stopRequestSchema, body);
    return api.stop(name, { force });
  },
  pause: (api, body) => api.pause(parse(nameRequestSchema, body).name),
  resume: (api, body) => api.resume(parse(nameRequestSchema, body).name),
  cancelDownloads: (api, body) => api.cancelDownloads(parse(nameRequestSchema, body).name),
  delete: (api, body) => {
    const { name, force } = parse(deleteRequestSchema, body);
    return api.delete(name, { force });
  },
  listSnapshots: (api, body) => api.listSnapshots(parse(nameRequestSchema, body).name),
  createSnapshot: (api, body) => {
    const { name, tag } = parse(snapshotRequestSchema, body);
    return api.createSnapshot(name, tag);
  },
  applySnapshot: (api, body) => {
    const { name, tag } = parse(snapshotRequestSchema, body);
    return api.applySnapshot(name, tag);
  },
  deleteSnapshot: (api, body) => {
    const { name, tag } = parse(snapshotRequestSchema, body);
    return api.deleteSnapshot(name, tag);
  },
  restart: (api, body) => {
    const { name, force } = parse(stopRequestSchema, body);
    return api.restart(name, { force });
  },
  clone: (api, body) => {
    const { name, newName } = parse(renameRequestSchema, body);
    return api.clone(name, newName);
  },
  rename: (api, body) => {
    const { name, newName } = parse(renameRequestSchema, body);
    return api.rename(name, newName);
  },
  edit: (api, body) => {
    const { name, ...changes } = parse(editRequestSchema, body);
    return api.edit(name, changes);
  },
  display: (api, body) => api.display(parse(nameRequestSchema, body).name),
  reviewDriverBundle: (api, body) => api.reviewDriverBundle(parse(bundleRequestSchema, body).source),
  installDriverBundle: (api, body) => {
    const { source, force } = parse(installBundleRequestSchema, body);
    return api.installDriverBundle(source, { force });
  },
  removeDriver: (api, body) => {
    const { name, force } = parse(removeDriverRequestSchema, body);
    return api.removeDriver(name, { force });
  },
  setDriverEnabled: (api, body) => {
    const { name, enabled, force } = parse(enableDriverRequestSchema, body);
    return api.setDriverEnabled(name, enabled, { force });
  },
};

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
  const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
  if (!handler) return send(response, 404, { ok: false, error: { code: 'NOT_FOUND', message: `no API method "${method}"`, details: {} } });
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    return send(response, 405, { ok: false, error: { code: 'INVALID_CONFIG', message: 'API calls are POST requests', details: {} } });
  }
  try {
    const value = await handler(api, await readJson(request));
    send(response, 200, { ok: true, value: value ?? null });
  } catch (error) {
    const typed = toDriverError(error);
    const status = typed.details.reason === 'too-large' ? 413 : statusOf[typed.code] ?? 500;
    // The user sees the message in the page; a server-side failure is worth a line in the log too.
    if (status >= 500) process.stderr.write(`corral serve: ${method} failed: ${typed.code}: ${typed.message}\n`);
    send(response, status, { ok: false, error: typed.toJSON() });
  }
}
