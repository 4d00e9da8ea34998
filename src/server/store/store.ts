/**
 * The interface every server storage backend implements (SQLite, PostgreSQL). Routes talk to
 * this, never to a driver.
 */
import type { BackendName } from '../../core';
import type { SqlStorage } from './sql/sql-storage';
import type { SqlDriver } from './sql/driver';
import type { Accounts } from '../auth/accounts';
import type { IngestLog } from './sql/ingest-log';

export interface Store {
  readonly backend: BackendName;
  /** Documents and attachments (and, through ChannelArray, channel arrays), as the browser has them. */
  readonly documents: SqlStorage;
  /** Users and sessions. */
  readonly accounts: Accounts;
  /** Raw data streams and ingestion records (exactly-once batches). */
  readonly ingestions: IngestLog;
  /** The database connection (the job queue keeps its tables there). */
  readonly driver: SqlDriver;
  /** Schema version after migrations ran. */
  schemaVersion(): Promise<number>;
  /** Cheap liveness probe of the database connection. */
  ping(): Promise<void>;
  /** Flushes and closes the database; further calls fail. */
  close(): Promise<void>;
}
