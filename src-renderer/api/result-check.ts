// Checks what the engine answers against the API's schemas where it arrives (in the page): the
// envelope of every HTTP answer, each call's result (the method table's result schema) and
// the bundle upload's id. An engine or shell that answers out of contract fails as one clear
// error instead of a broken view. Loaded on demand by client.ts: zod and the schemas are
// their own chunk, and `zod` here is zod-chain.ts on zod/mini (vite.config.ts).
import * as z from 'zod';
import type { ApiError, BundleSource } from '../../src-main/api/contract.ts';
import { apiMethods, isCallMethod } from '../../src-main/api/methods.ts';
import { bundleSourceSchema, callResponseSchema } from '../../src-main/api/schemas.ts';
import { templateUploadSchema } from '../../src-main/api/frame-schemas.ts';
import { ApiCallError } from './errors.ts';

// zod compiles validators with `new Function` unless told not to; the page's CSP forbids eval.
z.config({ jitless: true });

function checked<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new ApiCallError({
    code: 'INTERNAL',
    message: `Corral answered ${what} with something this page does not understand (${issue?.message ?? 'invalid'}${where}); reload the page, or update the app if it persists.`,
    details: {},
  });
}

/** An HTTP answer's envelope: {ok, value} or {ok: false, error}. */
export function checkReply(what: string, reply: unknown): { ok: true; value: unknown } | { ok: false; error: ApiError } {
  return checked(callResponseSchema, reply, what);
}

export function checkResult(method: string, value: unknown): unknown {
  if (!isCallMethod(method)) throw new ApiCallError({ code: 'NOT_FOUND', message: `no API method "${method}"`, details: { method } });
  return checked(apiMethods[method].result, value, method);
}

export function checkUpload(value: unknown): BundleSource {
  return checked(bundleSourceSchema, value, 'the upload');
}

export function checkTemplateUpload(value: unknown): string {
  return checked(templateUploadSchema, value, 'the template upload').path;
}
