/** Errors of the arrays layer; storage errors pass through unchanged. */
/** `gone`: the raw samples asked for were dropped by retention (their summaries stay). */
export type ArrayErrorCode = 'bad_request' | 'not_found' | 'conflict' | 'gone';

const statusByCode: Record<ArrayErrorCode, number> = { bad_request: 400, not_found: 404, conflict: 409, gone: 410 };

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
