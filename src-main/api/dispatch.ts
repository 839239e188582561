// One API call as both shells receive it (the web shell's `POST /api/METHOD`, the Electron
// bridge's `invoke`): the method looked up in the table, the request parsed with its schema,
// then the CorralApi method called. A bad method or request is the engine's typed error
// (INVALID_CONFIG, naming the field), so the page shows what was wrong.
import { DriverError } from '../../src-drivers/sdk/errors.ts';
import type * as z from 'zod';
import type { CorralApi } from './contract.ts';
import { apiMethods, isCallMethod } from './methods.ts';
import type { ApiCalls, CallMethod } from './methods.ts';

/** Parses untrusted input with a schema; the first problem becomes a one-line typed error. */
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    throw new DriverError('INVALID_CONFIG', `bad request${field ? ` (field "${field}")` : ''}: ${issue?.message ?? 'invalid'}`, { field });
  }
  return result.data;
}

/** A call checked against the table: a known method, and its parsed request (none for a call without one). */
export interface CheckedCall {
  method: CallMethod;
  request: unknown;
}

/** Checks METHOD and BODY (both untrusted) against the table; throws the typed error. */
export function checkCall(method: string, body: unknown): CheckedCall {
  if (!isCallMethod(method)) throw new DriverError('NOT_FOUND', `no API method "${method}"`, { method });
  const row = apiMethods[method];
  return { method, request: 'request' in row ? parseRequest(row.request, body) : undefined };
}

/** Calls METHOD with the request BODY, both unchecked; resolves to what goes on the wire (`null` for nothing). */
export async function dispatchCall(api: CorralApi, method: string, body: unknown): Promise<unknown> {
  const checked = checkCall(method, body);
  const call = api[checked.method] as (request?: unknown) => ReturnType<ApiCalls[CallMethod]>;
  const value = checked.request === undefined ? await call.call(api) : await call.call(api, checked.request);
  return value ?? null;
}
