/**
 * The job queue, in the database so that every server process (and every worker thread) shares
 * it. A worker claims the oldest runnable job with a lease; PostgreSQL's FOR UPDATE SKIP LOCKED
 * lets many claim at once without waiting on each other (SQLite has one writer anyway). A job
 * whose worker died is runnable again once its lease has expired. Completion is conditional on
 * still holding the job, and a job's effect is written in the same transaction as its completion,
 * so each job takes effect exactly once even when workers die or stall.
 */
import type { Query, SqlDriver } from '../store/sql/driver';

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface Job {
  id: number;
  kind: string;
  payload: unknown;
  group: string | null;
  attempts: number;
  worker: string;
}

export interface JobCounts {
  queued: number;
  running: number;
  done: number;
  failed: number;
}

/** Attempts before a job that keeps failing is marked failed. */
export const MAX_ATTEMPTS = 5;

export class JobQueue {
  readonly #driver: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
  }

  /** Adds jobs; returns their ids in order. */
  async enqueue(jobs: Array<{ kind: string; payload: unknown; group?: string }>): Promise<number[]> {
    return this.#driver.transaction(async (query) => {
      const ids: number[] = [];
      for (const job of jobs) {
        const [row] = await query('INSERT INTO jobs (kind, payload, grp, created_at) VALUES (?, ?, ?, ?) RETURNING id', [job.kind, JSON.stringify(job.payload), job.group ?? null, Date.now()]);
        ids.push(Number(row!.id));
      }
      return ids;
    });
  }

  /** Takes the oldest runnable job for `worker` for `leaseMs`, or undefined when there is none. */
  async claim(worker: string, leaseMs: number, now = Date.now()): Promise<Job | undefined> {
    const lock = this.#driver.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    const [row] = await this.#driver.transaction((query) =>
      query(
        `UPDATE jobs SET state = 'running', worker = ?, lease_until = ?, attempts = attempts + 1
         WHERE id = (SELECT id FROM jobs WHERE state = 'queued' OR (state = 'running' AND lease_until < ?) ORDER BY id LIMIT 1${lock})
         RETURNING id, kind, payload, grp, attempts, worker`,
        [worker, now + leaseMs, now],
      ),
    );
    if (!row) return undefined;
    return { id: Number(row.id), kind: String(row.kind), payload: JSON.parse(String(row.payload)) as unknown, group: (row.grp as string | null) ?? null, attempts: Number(row.attempts), worker };
  }

  /** Extends the lease of a job still held by `worker` (false: it was lost). */
  async renew(job: Job, leaseMs: number, now = Date.now()): Promise<boolean> {
    const rows = await this.#driver.transaction((query) =>
      query("UPDATE jobs SET lease_until = ? WHERE id = ? AND worker = ? AND state = 'running' RETURNING id", [now + leaseMs, job.id, job.worker]),
    );
    return rows.length === 1;
  }

  /**
   * Marks the job done with its result and runs `effect` in the same transaction — only if
   * `worker` still holds it. Returns false (and writes nothing) when the job was lost meanwhile.
   */
  async complete(job: Job, result: unknown, effect?: (query: Query) => Promise<void>): Promise<boolean> {
    return this.#driver.transaction(async (query) => {
      const rows = await query("UPDATE jobs SET state = 'done', result = ?, finished_at = ? WHERE id = ? AND worker = ? AND state = 'running' RETURNING id", [
        JSON.stringify(result ?? null),
        Date.now(),
        job.id,
        job.worker,
      ]);
      if (rows.length !== 1) return false;
      await effect?.(query);
      return true;
    });
  }

  /** Gives a failed attempt back to the queue, or marks the job failed after MAX_ATTEMPTS. */
  async fail(job: Job, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    await this.#driver.transaction((query) =>
      query("UPDATE jobs SET state = CASE WHEN attempts >= ? THEN 'failed' ELSE 'queued' END, error = ?, lease_until = 0 WHERE id = ? AND worker = ? AND state = 'running'", [
        MAX_ATTEMPTS,
        message,
        job.id,
        job.worker,
      ]),
    );
  }

  async counts(group?: string): Promise<JobCounts> {
    const rows = await this.#driver.transaction((query) =>
      group === undefined ? query('SELECT state, COUNT(*) AS count FROM jobs GROUP BY state') : query('SELECT state, COUNT(*) AS count FROM jobs WHERE grp = ? GROUP BY state', [group]),
    );
    const counts: JobCounts = { queued: 0, running: 0, done: 0, failed: 0 };
    for (const row of rows) counts[row.state as JobState] = Number(row.count);
    return counts;
  }

  /** Results of a group's jobs in job order (undefined while some are unfinished). */
  async groupResults(group: string): Promise<unknown[] | undefined> {
    const rows = await this.#driver.transaction((query) => query('SELECT state, result FROM jobs WHERE grp = ? ORDER BY id', [group]));
    if (rows.some((row) => row.state !== 'done')) return undefined;
    return rows.map((row) => JSON.parse(String(row.result)) as unknown);
  }
}
