/** Errors the HTTP layer turns into `{error, detail}` responses with their status. */
export type HttpErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'csrf'
  | 'internal'
  | 'unavailable'
  | 'out_of_space';

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

/**
 * The database failed for a reason that is neither the caller's input nor a bug: it cannot be
 * reached right now (503 `unavailable`: PostgreSQL restarting, the network, SQLite locked by
 * another process; the caller should try again) or it is out of space (507 `out_of_space`).
 * Made by the drivers from the driver's own error, kept as `cause`. The transaction that failed
 * was rolled back, except that a COMMIT whose answer was lost with the connection may have taken
 * effect: retries must be idempotent (ingest batch keys, bulk_docs `expect`), as they are.
 */
export class DatabaseError extends HttpError {
  override name = 'DatabaseError';
}

/** Seconds a client is told to wait (Retry-After) before trying again while the database is unreachable. */
export const RETRY_AFTER_SECONDS = 5;
