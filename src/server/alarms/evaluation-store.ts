/**
 * Where the alarm evaluator keeps its progress: table `alarm_evaluations` (migration 16), one row
 * per rule × channel with the samples read of each input array (`positions`), the rule's state,
 * the hash of the rule the state belongs to, and a `version`. The row is written in the same
 * transaction as the alarm documents the evaluation produced, and only if its version is still the
 * one the evaluation started from: a process that raced another over the same samples writes
 * nothing (its transaction rolls back) and reads the winner's row again. That is what makes every
 * transition count once, across restarts, SIGKILL and several server processes.
 */
import { decodeState, encodeState } from '../../core';
import type { Query, Row, SqlDriver } from '../store/sql/driver';

/** One rule × channel's stored progress. */
export interface Evaluation {
  id: string;
  rule: string;
  channel: string;
  /** Samples read so far of each input array (array id → count). */
  positions: Record<string, number>;
  /** The rule's evaluation state (opaque JSON from the core engine). */
  state: unknown;
  /** Hash of the rule the state was made for: another hash means the rule changed. */
  hash: string;
  /** Advanced by every write; 0: not stored yet. */
  version: number;
  /** When it was last written (ISO 8601; absent: not stored yet). */
  updatedAt?: string;
}

/** A write lost to another evaluator: the row's version moved on since it was read. */
export class EvaluationRaced extends Error {
  override name = 'EvaluationRaced';
}

/** The row id of a rule × channel (both ids may hold any character: JSON keeps them apart). */
export function evaluationId(rule: string, channel: string): string {
  return JSON.stringify([rule, channel]);
}

/** Ids per statement (SQLite's default limit on bound parameters is 32 766; PostgreSQL's 65 535). */
const IDS_PER_STATEMENT = 500;

const placeholders = (count: number): string => Array.from({ length: count }, () => '?').join(', ');

function fromRow(row: Row): Evaluation {
  const stored = JSON.parse(String(row.state)) as { hash?: unknown; state?: unknown };
  const positions = Object.assign(Object.create(null) as Record<string, number>, JSON.parse(String(row.positions)) as Record<string, number>);
  return { id: String(row.id), rule: String(row.rule), channel: String(row.channel), positions, state: decodeState(stored.state), hash: typeof stored.hash === 'string' ? stored.hash : '', version: Number(row.version), updatedAt: String(row.updated_at) };
}

/** Reads and writes evaluation rows. */
export class EvaluationStore {
  readonly #driver: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
  }

  /** The stored rows of these ids (missing ones are absent from the map). */
  async load(ids: readonly string[]): Promise<Map<string, Evaluation>> {
    const found = new Map<string, Evaluation>();
    for (let from = 0; from < ids.length; from += IDS_PER_STATEMENT) {
      const some = ids.slice(from, from + IDS_PER_STATEMENT);
      const rows = await this.#driver.transaction((query) => query(`SELECT id, rule, channel, positions, state, version, updated_at FROM alarm_evaluations WHERE id IN (${placeholders(some.length)})`, some));
      for (const row of rows) found.set(String(row.id), fromRow(row));
    }
    return found;
  }

  /** Every stored row (the status route; rows of rules that stopped stay). */
  async all(): Promise<Evaluation[]> {
    const rows = await this.#driver.transaction((query) => query('SELECT id, rule, channel, positions, state, version, updated_at FROM alarm_evaluations ORDER BY id'));
    return rows.map(fromRow);
  }

  /**
   * Inside the caller's transaction: writes `next` if the stored version is still `next.version`
   * (0: no row yet), as version + 1; throws EvaluationRaced otherwise. Run it before the alarm
   * writes: on PostgreSQL the row lock it takes makes a racing process wait here, then find the
   * version moved on.
   */
  static async write(query: Query, next: Evaluation, now: number): Promise<number> {
    const positions = JSON.stringify(next.positions);
    // encodeState: the state's non-finite numbers (a deadline of Infinity) survive JSON.
    const state = JSON.stringify({ hash: next.hash, state: encodeState(next.state) });
    const at = new Date(now).toISOString();
    const rows =
      next.version === 0
        ? await query('INSERT INTO alarm_evaluations (id, rule, channel, positions, state, version, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (id) DO NOTHING RETURNING version', [next.id, next.rule, next.channel, positions, state, at])
        : await query('UPDATE alarm_evaluations SET positions = ?, state = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? RETURNING version', [positions, state, at, next.id, next.version]);
    if (rows.length === 0) throw new EvaluationRaced(`the evaluation ${next.id} was written by another evaluator meanwhile`);
    return Number(rows[0]!.version);
  }
}
