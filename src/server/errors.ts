/** Errors the HTTP layer turns into `{error, detail}` responses with their status. */
export type HttpErrorCode = 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'payload_too_large' | 'unsupported_media_type' | 'internal';

export class HttpError extends Error {
  override name = 'HttpError';
  readonly code: HttpErrorCode;
  readonly status: number;

  constructor(status: number, code: HttpErrorCode, detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.status = status;
    this.code = code;
  }
}
