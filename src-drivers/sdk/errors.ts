// Typed errors that cross the driver boundary intact. Comlink on its own keeps only an
// error's message; rpc.ts registers a transfer handler that carries `code` and `details` too,
// so the engine catches the same DriverError the driver threw.

/** Every code a driver or the engine may raise. Add codes here, never ad hoc strings. */
export const errorCodes = [
  'INVALID_CONFIG', // the instance config cannot be run by this driver (details.field names it)
  'INVALID_NAME', // an instance name breaks the naming rule
  'NOT_FOUND', // no such instance, driver, snapshot or file
  'ALREADY_EXISTS', // an instance of that name exists already
  'INVALID_STATE', // the operation does not fit the instance's current status
  'BUSY', // another operation holds the instance's lock
  'UNSUPPORTED', // the driver lacks the capability
  'UNAVAILABLE', // the driver cannot run on this host (details.reason says why)
  'MISSING_BINARY', // a required executable is not installed
  'PROTOCOL_MISMATCH', // the driver speaks another protocol version
  'DRIVER_CRASHED', // the driver process died during a call
  'TIMEOUT', // an operation did not finish in time
  'PROVISION_FAILED', // a guest's provision script failed (details.script, details.exitStatus)
  'DIGEST_MISMATCH', // a file's digest differs from the config
  'VM_FAILED', // the hypervisor reported an error
  'INVALID_BUNDLE', // a driver bundle failed validation (details.reason names the check)
  'PERMISSION_DENIED', // the driver's sandbox refused an access its manifest does not grant
  'INTERNAL', // a bug: anything not anticipated
] as const;

export type ErrorCode = (typeof errorCodes)[number];
export type ErrorDetails = Record<string, string | number | boolean | null>;

export class DriverError extends Error {
  override readonly name = 'DriverError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }

  toJSON(): SerializedError {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  details: ErrorDetails;
}

/** Turns anything thrown into a DriverError; unknown errors become INTERNAL with their message. */
export function toDriverError(error: unknown): DriverError {
  if (error instanceof DriverError) return error;
  if (isSerializedError(error)) return new DriverError(error.code, error.message, error.details);
  const denied = sandboxDenial(error);
  if (denied) return denied;
  const message = error instanceof Error ? error.message : String(error);
  return new DriverError('INTERNAL', message);
}

export function isSerializedError(value: unknown): value is SerializedError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.message === 'string' && typeof v.code === 'string' && (errorCodes as readonly string[]).includes(v.code)
    && typeof v.details === 'object' && v.details !== null;
}

/**
 * A refusal by the sandbox, said as one: Node's permission model throws ERR_ACCESS_DENIED
 * (with `permission` and `resource`), and under bubblewrap an undeclared executable simply
 * does not exist, so spawning it fails with ENOENT. CORRAL_SANDBOX is set by the engine's
 * sandboxed back end, so a plain ENOENT elsewhere is left alone.
 */
function sandboxDenial(error: unknown): DriverError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; permission?: unknown; resource?: unknown; syscall?: unknown; path?: unknown; message?: unknown };
  if (e.code === 'ERR_ACCESS_DENIED') {
    const what = [e.permission, e.resource].filter((x) => typeof x === 'string' && x !== '').join(' ');
    return new DriverError('PERMISSION_DENIED', `the driver's sandbox denied ${what || 'an access'}: its manifest does not grant it`, {
      permission: typeof e.permission === 'string' ? e.permission : null,
      resource: typeof e.resource === 'string' ? e.resource : null,
    });
  }
  // This module also reaches the browser (as the API's error type): no bare `process` there.
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
  const sandboxed = env?.CORRAL_SANDBOX === '1';
  if (sandboxed && e.code === 'ENOENT' && typeof e.syscall === 'string' && e.syscall.startsWith('spawn')) {
    const file = typeof e.path === 'string' ? e.path : 'an executable';
    return new DriverError('PERMISSION_DENIED', `the driver's sandbox denied running ${file}: its manifest does not declare it`, { permission: 'exec', resource: file });
  }
  return undefined;
}
