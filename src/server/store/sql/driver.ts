/**
 * The small SQL surface the stores need, so one store implementation serves SQLite and
 * PostgreSQL. Statements are written with `?` placeholders (translated for PostgreSQL).
 */
export type Dialect = 'sqlite' | 'postgres';

export type Row = Record<string, unknown>;

/** Runs one statement inside the current transaction. */
export type Query = (sql: string, params?: readonly unknown[]) => Promise<Row[]>;

export interface SqlDriver {
  readonly dialect: Dialect;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (query: Query) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Runs tasks one after another, in the order they were queued (a failed task does not stop the line). */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every queued task has finished. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
