/**
 * The interface every server storage backend implements (SQLite now, PostgreSQL later).
 * Routes talk to this, never to a driver.
 */
import type { BackendName } from '../../core';

export interface Store {
  readonly backend: BackendName;
  /** Schema version after migrations ran. */
  schemaVersion(): Promise<number>;
  /** Cheap liveness probe of the database connection. */
  ping(): Promise<void>;
  /** Flushes and closes the database; further calls fail. */
  close(): Promise<void>;
}
