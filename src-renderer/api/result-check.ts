// Checks each call's result against the method table's result schema where it arrives (in the
// page), so an engine or shell that answers out of contract fails as one clear error instead
// of a broken view. Loaded on demand by client.ts: zod and the schemas are their own chunk.
import { z } from 'zod';
import { apiMethods, isCallMethod } from '../../src-main/api/methods.ts';
import { ApiCallError } from './errors.ts';

// zod compiles validators with `new Function` unless told not to; the page's CSP forbids eval.
z.config({ jitless: true });

export function checkResult(method: string, value: unknown): unknown {
  if (!isCallMethod(method)) throw new ApiCallError({ code: 'NOT_FOUND', message: `no API method "${method}"`, details: { method } });
  const parsed = apiMethods[method].result.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new ApiCallError({
    code: 'INTERNAL',
    message: `Corral answered ${method} with something this page does not understand (${issue?.message ?? 'invalid'}${where}); reload the page, or update the app if it persists.`,
    details: { method },
  });
}
