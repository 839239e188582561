// Why a download failed, in the words a user reads in the app: what happened and what to do,
// without errno names or stack-ish text. The reason is a fixed set so front ends can choose
// icons or advice by it; the text is one line.
import { DriverError } from '../../../src-drivers/sdk/errors.ts';

export const failureReasons = ['host-not-found', 'connection-refused', 'not-found', 'http-error', 'digest-mismatch', 'disk-full', 'timeout', 'network', 'other'] as const;
export type FailureReason = (typeof failureReasons)[number];

export interface DownloadFailure {
  reason: FailureReason;
  text: string;
}

/** The system error code an error carries, itself or as its cause, or as a DriverError's details.cause. */
function systemCode(error: unknown): string | undefined {
  if (error instanceof DriverError) {
    const cause = error.details.cause ?? error.details.reason;
    return typeof cause === 'string' ? cause : undefined;
  }
  for (let e: unknown = error, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function describeFailure(url: string, error: unknown): DownloadFailure {
  const host = hostOf(url);
  const code = systemCode(error);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return { reason: 'host-not-found', text: `Host not found: no computer named ${hostOf(url).replace(/:\d+$/, '')} could be found. Check the address and your network.` };
  }
  if (code === 'ECONNREFUSED') return { reason: 'connection-refused', text: `Connection refused: nothing at ${host} accepts downloads. The server may be down; try again later.` };
  if (code === 'ENOSPC' || code === 'EDQUOT') return { reason: 'disk-full', text: 'Disk full: there is no room left for this file. Free some space or prune the cache, then retry.' };
  if (error instanceof DriverError) {
    const status = error.details.status;
    if (error.code === 'DIGEST_MISMATCH') {
      return { reason: 'digest-mismatch', text: 'Wrong file: what arrived does not match the checksum in the template. The file on the server changed, or the template is out of date.' };
    }
    if (error.code === 'NOT_FOUND' && typeof status === 'number') return { reason: 'not-found', text: `Not found (HTTP ${status}): ${host} has no such file. The template's address may be out of date.` };
    if (error.code === 'TIMEOUT') return { reason: 'timeout', text: `Stalled: no data came from ${host} for a while. What arrived is kept; Retry resumes it.` };
    if (typeof status === 'number') return { reason: 'http-error', text: `The server ${host} answered with an error (HTTP ${status}). Try again later.` };
  }
  if (code && /^(ECONN|ENET|EHOST|EPIPE|ETIMEDOUT|UND_ERR)/.test(code)) {
    return { reason: 'network', text: `The connection to ${host} failed (${code}). Check your network and retry.` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { reason: 'other', text: `${message.charAt(0).toUpperCase()}${message.slice(1)}` };
}
