// The engine's typed error as the page sees it: same code, message and details.
import type { ApiError, ErrorCode } from '../../src-main/api/contract.ts';

export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  readonly code: ErrorCode;
  readonly details: ApiError['details'];

  constructor(error: ApiError) {
    super(error.message);
    this.code = error.code;
    this.details = error.details;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
