/**
 * SQLite through better-sqlite3 (synchronous, one connection). Transactions are serialized by an
 * async queue so one may await between statements without another interleaving. A full disk
 * (SQLITE_FULL) and a lock held by another process past busy_timeout (SQLITE_BUSY) leave as
 * DatabaseErrors (507, 503; database-errors.ts), the transaction rolled back.
 */
import type Database from 'better-sqlite3';
import { SerialQueue, type Query, type Row, type SqlDriver } from './driver';
import { translateSqliteError } from './database-errors';

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly db: Database.Database;
  readonly #queue = new SerialQueue();

  constructor(db: Database.Database) {
    this.db = db;
  }

  /** Prepared statements by text: preparing is a parse each time, and the same few recur. */
  readonly #statements = new Map<string, Database.Statement>();

  readonly #query: Query = async (sql, params = []) => {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (this.#statements.size < 500) this.#statements.set(sql, statement);
    }
    const values = params.map((value) => (typeof value === 'boolean' ? Number(value) : value));
    if (statement.reader) return statement.all(...values) as Row[];
    statement.run(...values);
    return [];
  };

  transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      try {
        this.db.exec('BEGIN IMMEDIATE');
      } catch (error) {
        throw translateSqliteError(error);
      }
      try {
        const result = await work(this.#query);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        // SQLite may have rolled back by itself already (it does on SQLITE_FULL in some cases).
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw translateSqliteError(error);
      }
    };
    return this.#queue.run(run);
  }

  async close(): Promise<void> {
    await this.#queue.idle();
    if (this.db.open) this.db.close();
  }
}
