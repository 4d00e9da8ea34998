/**
 * PostgreSQL backend, chosen by DATABASE_URL (for production, and for several server processes
 * sharing one database). Same schema and behaviour as SQLite (sql/schema.ts).
 */
import pg from 'pg';
import type { Store } from './store';
import { DatabaseError } from '../errors';
import { PostgresDriver, type ConnectionErrorListener } from './sql/postgres-driver';
import { SqlStorage } from './sql/sql-storage';
import { Accounts } from '../auth/accounts';
import { IngestLog } from './sql/ingest-log';
import { migrate } from './sql/schema';

/**
 * How long a transaction waits for a new connection before failing with 503: PostgreSQL that is
 * stopped refuses at once, but one behind a lost network would otherwise hang every request.
 */
const CONNECT_TIMEOUT_MS = 10_000;

/** At most one log line per this interval while connections keep failing (an outage is one event, not thousands). */
const LOG_EVERY_MS = 30_000;

/** The default ConnectionErrorListener: a warning on stderr, throttled, with how many were not shown. */
function throttledWarning(): ConnectionErrorListener {
  let last = -Infinity;
  let unshown = 0;
  return (error) => {
    const now = Date.now();
    if (now - last < LOG_EVERY_MS) {
      unshown++;
      return;
    }
    console.warn(`fieldline: PostgreSQL connection lost (${error.message})${unshown > 0 ? `; ${unshown} more since the last warning` : ''}; requests get 503 until it is back`);
    last = now;
    unshown = 0;
  };
}

export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  readonly documents: SqlStorage;
  readonly accounts: Accounts;
  readonly ingestions: IngestLog;
  readonly #driver: PostgresDriver;

  /** The connection, for modules that keep their own tables (jobs). */
  get driver(): PostgresDriver {
    return this.#driver;
  }
  readonly #version: number;

  private constructor(driver: PostgresDriver, version: number) {
    this.#driver = driver;
    this.#version = version;
    this.documents = new SqlStorage(driver);
    this.accounts = new Accounts(driver);
    this.ingestions = new IngestLog(driver);
  }

  /**
   * Connects and migrates. `schema` (tests) puts every table in its own PostgreSQL schema, created
   * if needed, so several stores can share one database without seeing each other.
   */
  static async open(connectionString: string, options: { schema?: string; max?: number; onConnectionError?: ConnectionErrorListener } = {}): Promise<PostgresStore> {
    const schema = options.schema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error('schema must be a lowercase SQL identifier');
    const pool = new pg.Pool({
      connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // TCP keepalives find a connection to a vanished host while it sits idle in the pool.
      keepAlive: true,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    const driver = new PostgresDriver(pool, options.onConnectionError ?? throttledWarning());
    try {
      if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      return new PostgresStore(driver, await migrate(driver));
    } catch (error) {
      await pool.end().catch(() => undefined);
      // At start the reason matters more than the advice (it is what the operator reads).
      if (error instanceof DatabaseError && error.cause instanceof Error) throw new DatabaseError(error.status, error.code, `${error.message} (${error.cause.message})`, { cause: error.cause });
      throw error;
    }
  }

  async schemaVersion(): Promise<number> {
    return this.#version;
  }

  async ping(): Promise<void> {
    await this.#driver.ping();
  }

  async close(): Promise<void> {
    await this.#driver.close();
  }
}
