/**
 * PostgreSQL through a `pg` pool; each transaction holds one client from BEGIN to COMMIT.
 * Transactions of one process run one after the other, in the order they were asked for (the
 * Storage contract: calls take effect in call order); several server processes scale out.
 */
import type pg from 'pg';
import { SerialQueue, type Query, type Row, type SqlDriver } from './driver';

/** `?` placeholders → `$1, $2, …` (our statements never contain a literal question mark). */
function numbered(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly pool: pg.Pool;
  readonly #queue = new SerialQueue();

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    return this.#queue.run(() => this.#run(work));
  }

  async #run<T>(work: (query: Query) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const query: Query = async (sql, params = []) => (await client.query(numbered(sql), params as unknown[])).rows as Row[];
    try {
      await client.query('BEGIN');
      const result = await work(query);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.#queue.idle();
    await this.pool.end();
  }
}
