/** Errors of the arrays layer; storage errors pass through unchanged. */
export type ArrayErrorCode = 'bad_request' | 'not_found' | 'conflict';

const statusByCode: Record<ArrayErrorCode, number> = { bad_request: 400, not_found: 404, conflict: 409 };

export class ArrayError extends Error {
  override name = 'ArrayError';
  readonly code: ArrayErrorCode;
  readonly status: number;

  constructor(code: ArrayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = statusByCode[code];
  }
}
