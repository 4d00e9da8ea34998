/** The one error type of the storage library: a `code` for programs, an HTTP-like `status`. */
export type StorageErrorCode =
  | 'bad_request'
  | 'bad_query'
  | 'not_found'
  | 'conflict'
  | 'not_supported'
  | 'quota_exceeded'
  | 'server_out_of_space'
  | 'wrong_passphrase'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable'
  | 'closed'
  | 'storage_failure';

const statusByCode: Record<StorageErrorCode, number> = {
  bad_request: 400,
  bad_query: 400,
  not_found: 404,
  conflict: 409,
  not_supported: 501,
  quota_exceeded: 507,
  // The server's disk is full (its 507): not this device's, so nothing here to free; try later.
  server_out_of_space: 507,
  wrong_passphrase: 403,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
  closed: 410,
  storage_failure: 500,
};

export class StorageError extends Error {
  override name = 'StorageError';
  readonly code: StorageErrorCode;
  readonly status: number;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = statusByCode[code];
  }
}

/** Translates a native (IndexedDB, WebCrypto, ...) error into a StorageError, keeping it as cause. */
export function translateError(error: unknown, doing: string): StorageError {
  if (error instanceof StorageError) return error;
  const name = error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException) ? (error as Error).name : '';
  if (name === 'QuotaExceededError') {
    return new StorageError(
      'quota_exceeded',
      `The device is out of storage space while ${doing}. Nothing was written; free space (unpin offline data) and try again.`,
      { cause: error },
    );
  }
  if (name === 'DataCloneError' || name === 'DataError') {
    return new StorageError('bad_request', `Cannot store this value while ${doing}: ${(error as Error).message}`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError('storage_failure', `Storage failed while ${doing}: ${message}`, { cause: error });
}
