/**
 * Translation of the drivers' native errors, at the driver boundary, into the one typed error of
 * a database that is out of reach or out of space (DatabaseError, the native error as `cause`),
 * and into a 400 for a value PostgreSQL cannot store. Everything else passes through unchanged:
 * a constraint or syntax error is a bug and stays a 500.
 */
import { DatabaseError, HttpError } from '../../errors';

/** Socket errors of a connection that could not be made or was lost. */
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs of a server that is going away or not accepting connections yet:
 * admin_shutdown (a fast or immediate stop), crash_shutdown (another backend crashed),
 * cannot_connect_now (starting up or shutting down), idle_session_timeout, too_many_connections.
 * The whole class 08 (connection exception) is matched separately.
 */
const unavailableStates = new Set(['57P01', '57P02', '57P03', '57P05', '53300']);

/**
 * What `pg` says when a connection ends or cannot be made in time (plain Errors with no code):
 * "Connection terminated (unexpectedly | due to connection timeout)", the pool's "timeout exceeded
 * when trying to connect", and a client whose connection already failed.
 */
const unavailableMessages = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Connection ended unexpectedly)/;

/**
 * SQLSTATEs of a value PostgreSQL cannot store, where SQLite would have: NUL or invalid UTF-8 in
 * text (22021, 22P05), an index entry over ~2700 bytes (54000). Ids, tags and sites are checked
 * before they get here (storage/common/validate.ts); this keeps any other input that slips
 * through a 400 instead of a 500.
 */
const refusedValueStates = new Set(['22021', '22P05', '54000']);

const UNREACHABLE = 'the database is unreachable; try again';
const BUSY = 'the database is busy (locked by another process); try again';
const FULL = 'the server is out of storage space; nothing was written (free disk space on the server, then try again)';

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `error` (or, for a connection tried on several addresses, each of its errors) is a socket failure. */
function isSocketFailure(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined && socketCodes.has(code)) return true;
  const errors = (error as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && errors.length > 0 && errors.every((each) => socketCodes.has(codeOf(each) ?? ''));
}

/** A PostgreSQL (`pg`) error as a DatabaseError when the database is out of reach or full; else `error` itself. */
export function translatePostgresError(error: unknown): unknown {
  if (error instanceof DatabaseError || !(error instanceof Error)) return error;
  const code = codeOf(error);
  if (code === '53100' || code === 'ENOSPC') return new DatabaseError(507, 'out_of_space', FULL, { cause: error });
  if ((code !== undefined && (unavailableStates.has(code) || /^08[0-9A-Z]{3}$/.test(code))) || isSocketFailure(error) || unavailableMessages.test(error.message)) {
    return new DatabaseError(503, 'unavailable', UNREACHABLE, { cause: error });
  }
  if (code !== undefined && refusedValueStates.has(code)) return new HttpError(400, 'bad_request', `the database cannot store this value: ${error.message}`, { cause: error });
  return error;
}

/** A better-sqlite3 error as a DatabaseError when the disk is full or another process holds the lock; else `error` itself. */
export function translateSqliteError(error: unknown): unknown {
  if (error instanceof DatabaseError || !(error instanceof Error)) return error;
  const code = codeOf(error);
  // SQLite reports a write that hit ENOSPC as SQLITE_FULL, like a database at max_page_count.
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return new DatabaseError(507, 'out_of_space', FULL, { cause: error });
  // busy_timeout has already waited: another process (a second server on the same file) holds the write lock.
  if (code === 'SQLITE_BUSY' || code?.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') return new DatabaseError(503, 'unavailable', BUSY, { cause: error });
  return error;
}

/** Whether `error` means the connection it came from is unusable (it must not go back to a pool). */
export function isConnectionLost(error: unknown): boolean {
  return error instanceof DatabaseError && error.status === 503;
}
