/**
 * Where the plan scheduler keeps its progress: table `maintenance_plan_runs` (migration 19), one
 * row per preventive plan × asset with what it generated so far (occurrence count, last due date
 * or usage mark), for usage plans the samples read of the usage channel's array (`positions`) and
 * the usage kernel's state, and a `version`. The row is written in the same transaction as the
 * work orders it generated, and only if its version is still the one the pass started from: a
 * process that raced another over the same plan writes nothing (its transaction rolls back) and
 * reads the winner's row again. With the work orders' deterministic ids written with `expect:
 * null`, that makes each occurrence generated once, across restarts, crashes and processes.
 */
import { decodeState, encodeState, type PlanProgress, type UsageState } from '../../core';
import type { Query, Row, SqlDriver } from '../store/sql/driver';

/** Usage read so far from one channel, in the plan's measure. */
export interface UsageProgress {
  /** What the usage is of: measure, channel, threshold or unit, gap (another key: counted again from the first sample). */
  key: string;
  /** The array read (its id; `positions` says how far). */
  array: string;
  /** The usage kernel's state after the samples read. */
  state: UsageState;
  /** Time of the last sample read (null: none yet): a rewritten history is found by it. */
  last_time: number | null;
  /** Checkpoints [data time, total], about one a day, the last 8: the recent rate comes from them. */
  checkpoints: Array<[number, number]>;
}

/** What the `state` column holds. */
export interface PlanRunState extends PlanProgress {
  usage?: UsageProgress;
}

/** One plan × asset's stored progress. */
export interface PlanRun {
  id: string;
  plan: string;
  asset: string;
  positions: Record<string, number>;
  state: PlanRunState;
  /** Advanced by every write; 0: not stored yet. */
  version: number;
  updatedAt?: string;
}

/** A write lost to another scheduler: the row's version moved on since it was read. */
export class PlanRunRaced extends Error {
  override name = 'PlanRunRaced';
}

/** The row id of a plan × asset (both ids may hold any character: JSON keeps them apart). */
export function planRunId(plan: string, asset: string): string {
  return JSON.stringify([plan, asset]);
}

function fromRow(row: Row): PlanRun {
  const positions = Object.assign(Object.create(null) as Record<string, number>, JSON.parse(String(row.positions)) as Record<string, number>);
  return { id: String(row.id), plan: String(row.plan), asset: String(row.asset), positions, state: decodeState<PlanRunState>(JSON.parse(String(row.state))), version: Number(row.version), updatedAt: String(row.updated_at) };
}

/** Reads and writes plan run rows. */
export class PlanRuns {
  readonly #driver: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
  }

  /** The stored row of `id`, or undefined. */
  async load(id: string): Promise<PlanRun | undefined> {
    const [row] = await this.#driver.transaction((query) => query('SELECT id, plan, asset, positions, state, version, updated_at FROM maintenance_plan_runs WHERE id = ?', [id]));
    return row ? fromRow(row) : undefined;
  }

  /** Every stored row (tests, status). */
  async all(): Promise<PlanRun[]> {
    const rows = await this.#driver.transaction((query) => query('SELECT id, plan, asset, positions, state, version, updated_at FROM maintenance_plan_runs ORDER BY id'));
    return rows.map(fromRow);
  }

  /**
   * Inside the caller's transaction: writes `next` if the stored version is still `next.version`
   * (0: no row yet), as version + 1; throws PlanRunRaced otherwise. Run it before the work order
   * writes: on PostgreSQL the row lock it takes makes a racing process wait here, then lose.
   */
  static async write(query: Query, next: PlanRun, now: number): Promise<number> {
    const positions = JSON.stringify(next.positions);
    const state = JSON.stringify(encodeState(next.state));
    const at = new Date(now).toISOString();
    const rows =
      next.version === 0
        ? await query('INSERT INTO maintenance_plan_runs (id, plan, asset, positions, state, version, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (id) DO NOTHING RETURNING version', [next.id, next.plan, next.asset, positions, state, at])
        : await query('UPDATE maintenance_plan_runs SET positions = ?, state = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? RETURNING version', [positions, state, at, next.id, next.version]);
    if (rows.length === 0) throw new PlanRunRaced(`the plan run ${next.id} was written by another scheduler meanwhile`);
    return Number(rows[0]!.version);
  }
}
