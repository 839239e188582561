// Driver calls as the checks make them: through the DriverHost, exactly as the engine calls,
// with every refusal remembered (for the typed-errors check) and turned into a message that
// names the method, the code and what the kit expected instead.
import { toDriverError } from '../../../../src-drivers/sdk/errors.ts';
import type { DriverError, ErrorCode } from '../../../../src-drivers/sdk/errors.ts';
import type { Driver } from '../../../../src-drivers/sdk/protocol.ts';
import type { DriverHost } from '../host.ts';
import { CheckFailure } from './runner.ts';

export interface SeenRefusal {
  /** The call as the report names it, e.g. "validate() of an s390x spec". */
  call: string;
  code: ErrorCode;
  message: string;
  /** Raised by the engine side (process died, malformed result), not thrown by the driver. */
  byEngine: boolean;
}

type Result<K extends keyof Driver> = Awaited<ReturnType<Driver[K]>>;

/** What an INTERNAL from a driver almost always means, said so its author can fix it. */
export const plainErrorHint = 'INTERNAL is what the engine gets when a driver throws a plain Error or a string: '
  + 'throw new DriverError(CODE, message, details) from src-drivers/sdk/errors.ts instead';

export class DriverCalls {
  readonly seen: SeenRefusal[] = [];
  readonly #host: DriverHost;

  constructor(host: DriverHost) {
    this.#host = host;
  }

  /** Calls `method`; a refusal fails the check with the method, the code and the driver's message. */
  async call<K extends keyof Driver>(method: K, label: string, ...args: Parameters<Driver[K]>): Promise<Result<K>> {
    try {
      return await this.#host.call(method, ...args);
    } catch (error) {
      const typed = this.#remember(label, error);
      throw new CheckFailure(`${label} failed: ${describe(typed)}`);
    }
  }

  /**
   * Calls `method` expecting a refusal with `code`. Returns the error; fails the check when the
   * call succeeds (`why` says why it must not) or is refused with another code.
   */
  async refuse<K extends keyof Driver>(code: ErrorCode, why: string, method: K, label: string, ...args: Parameters<Driver[K]>): Promise<DriverError> {
    let result: unknown;
    try {
      result = await this.#host.call(method, ...args);
    } catch (error) {
      const typed = this.#remember(label, error);
      if (typed.code === code) return typed;
      if (isEngineError(typed)) throw new CheckFailure(`${label} failed: ${describe(typed)}; expected a refusal with ${code}`);
      const hint = typed.code === 'INTERNAL' ? `; ${plainErrorHint}` : '';
      throw new CheckFailure(`${label} was refused with ${typed.code} ("${typed.message}"), expected ${code}: ${why}${hint}`);
    }
    const shown = result === undefined ? '' : ` (returned ${JSON.stringify(result)})`;
    throw new CheckFailure(`${label} succeeded${shown}; expected a refusal with ${code}: ${why}`);
  }

  /** Notes a refusal seen outside call()/refuse() (a console opened through ConsoleSession, say). */
  remember(label: string, error: unknown): DriverError {
    return this.#remember(label, error);
  }

  #remember(label: string, error: unknown): DriverError {
    const typed = toDriverError(error);
    this.seen.push({ call: label, code: typed.code, message: typed.message, byEngine: isEngineError(typed) });
    return typed;
  }
}

/** Errors the engine side raises about a driver, rather than ones the driver threw. */
export function isEngineError(error: DriverError): boolean {
  if (error.code === 'DRIVER_CRASHED') return true;
  if (error.code === 'TIMEOUT' && /did not answer/.test(error.message)) return true;
  return error.code === 'INTERNAL' && /returned a malformed/.test(error.message);
}

export function describe(error: DriverError): string {
  if (error.code === 'INTERNAL' && !isEngineError(error)) return `INTERNAL: ${error.message} (${plainErrorHint})`;
  return `${error.code}: ${error.message}`;
}
