/**
 * PostgreSQL backend, chosen by DATABASE_URL (for production, and for several server processes
 * sharing one database). Same schema and behaviour as SQLite (sql/schema.ts).
 */
import pg from 'pg';
import type { Store } from './store';
import { PostgresDriver } from './sql/postgres-driver';
import { SqlStorage } from './sql/sql-storage';
import { Accounts } from '../auth/accounts';
import { IngestLog } from './sql/ingest-log';
import { migrate } from './sql/schema';

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
  static async open(connectionString: string, options: { schema?: string; max?: number } = {}): Promise<PostgresStore> {
    const schema = options.schema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error('schema must be a lowercase SQL identifier');
    const pool = new pg.Pool({ connectionString, max: options.max ?? 10, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
    const driver = new PostgresDriver(pool);
    try {
      if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      return new PostgresStore(driver, await migrate(driver));
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
  }

  async schemaVersion(): Promise<number> {
    return this.#version;
  }

  async ping(): Promise<void> {
    await this.#driver.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.#driver.close();
  }
}
