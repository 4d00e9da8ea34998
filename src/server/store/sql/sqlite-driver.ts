/**
 * SQLite through better-sqlite3 (synchronous, one connection). Transactions are serialized by an
 * async queue so one may await between statements without another interleaving.
 */
import type Database from 'better-sqlite3';
import { SerialQueue, type Query, type Row, type SqlDriver } from './driver';

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
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.#query);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    };
    return this.#queue.run(run);
  }

  async close(): Promise<void> {
    await this.#queue.idle();
    if (this.db.open) this.db.close();
  }
}
