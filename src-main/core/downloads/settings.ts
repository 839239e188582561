// The download setting a user can change: how long a download may go without a byte before
// it fails. A stalled mirror then fails after that long, not after minutes of silent retries.
import * as z from 'zod';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';

export const idleTimeoutVariable = 'CORRAL_DOWNLOAD_IDLE_TIMEOUT';
export const defaultIdleTimeoutMs = 30_000;

const seconds = z.string().trim().regex(/^\d+(\.\d+)?$/).transform(Number).pipe(z.number().positive().max(86_400));

/** The idle timeout from CORRAL_DOWNLOAD_IDLE_TIMEOUT (seconds), or the default when unset. */
export function idleTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = env[idleTimeoutVariable];
  if (value === undefined || value === '') return defaultIdleTimeoutMs;
  const parsed = seconds.safeParse(value);
  if (!parsed.success) {
    throw new DriverError('INVALID_CONFIG', `${idleTimeoutVariable}=${JSON.stringify(value)} is not a number of seconds between 0 and 86400; set it to, say, 120, or unset it for the default ${defaultIdleTimeoutMs / 1000}`, { field: idleTimeoutVariable });
  }
  return Math.round(parsed.data * 1000);
}

/** The error of a download that stalled: which one, for how long, and how to wait longer. */
export function stalledError(url: string, idleTimeoutMs: number, attempts: number): DriverError {
  const limit = idleTimeoutMs / 1000;
  return new DriverError('TIMEOUT', `downloading ${url} stalled: no data arrived for ${limit} s${attempts > 1 ? ` (attempt ${attempts})` : ''}; what arrived is kept and the next try resumes it; to wait longer, set ${idleTimeoutVariable} to more seconds (now ${limit})`, { url, idleTimeoutMs, attempts });
}
