/**
 * PostgreSQL through a `pg` pool; each transaction holds one client from BEGIN to COMMIT.
 * Transactions of one process run one after the other, in the order they were asked for (the
 * Storage contract: calls take effect in call order); several server processes scale out.
 *
 * Outages: a database restart or a lost network must not take the process down, and it must
 * recover by itself. `pg` emits 'error' on a client whose connection breaks (an idle one in the
 * pool, or one a transaction holds); an EventEmitter 'error' nobody listens to is thrown, so both
 * get listeners here. A broken client is destroyed, not given back, and the pool opens fresh ones
 * on demand, so the first transaction after PostgreSQL is back simply works. Meanwhile every call
 * fails fast with a DatabaseError 503 (database-errors.ts).
 */
import type pg from 'pg';
import { SerialQueue, type Query, type Row, type SqlDriver } from './driver';
import { isConnectionLost, translatePostgresError } from './database-errors';

/** `?` placeholders → `$1, $2, …` (our statements never contain a literal question mark). */
function numbered(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

/** Told of connection errors the driver rode out (an idle client lost, a broken transaction's client). */
export type ConnectionErrorListener = (error: Error) => void;

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly pool: pg.Pool;
  readonly #queue = new SerialQueue();
  readonly #onConnectionError: ConnectionErrorListener;

  constructor(pool: pg.Pool, onConnectionError: ConnectionErrorListener = () => undefined) {
    this.pool = pool;
    this.#onConnectionError = onConnectionError;
    // An idle client whose connection broke (PostgreSQL stopped, restarted, or killed the
    // backend): the pool has already dropped it; without this listener the process would exit.
    pool.on('error', (error) => this.#onConnectionError(error));
  }

  transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    return this.#queue.run(() => this.#run(work));
  }

  /** One statement outside any transaction and outside the queue (a health probe must not wait behind writes). */
  async ping(): Promise<void> {
    try {
      await this.pool.query('SELECT 1');
    } catch (error) {
      throw translatePostgresError(error);
    }
  }

  async #run<T>(work: (query: Query) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translatePostgresError(error);
    }
    // The pool stops listening for errors on a client it hands out: a connection lost while we
    // hold it (between two statements as well as during one) would otherwise be thrown.
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost ??= error;
      this.#onConnectionError(error);
    };
    client.on('error', onError);
    const query: Query = async (sql, params = []) => {
      try {
        return (await client.query(numbered(sql), params as unknown[])).rows as Row[];
      } catch (error) {
        throw translatePostgresError(error);
      }
    };
    try {
      await query('BEGIN');
      const result = await work(query);
      await query('COMMIT');
      return result;
    } catch (error) {
      if (!lost && !isConnectionLost(error)) await client.query('ROLLBACK').catch((rollbackError: Error) => (lost = rollbackError));
      else lost ??= error as Error;
      throw translatePostgresError(error);
    } finally {
      client.off('error', onError);
      // A client that lost its connection (or may be mid-transaction) is destroyed, not reused.
      client.release(lost);
    }
  }

  async close(): Promise<void> {
    await this.#queue.idle();
    await this.pool.end();
  }
}
