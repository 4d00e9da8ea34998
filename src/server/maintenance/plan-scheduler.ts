/**
 * The server's preventive plan scheduler: for every enabled plan × matching asset (plan-targets.ts)
 * it generates the next work order(s) ahead of time, exactly once.
 *
 * When: at start, every `pollMs` (MAINTENANCE_POLL_MS), and soon after a plan, asset or channel
 * document changes (doc events of the live bus). What: core's nextOccurrence decides the next
 * occurrence's due date and whether its work order should exist now; plan-work-order.ts makes the
 * document. Usage plans read the usage channel's array incrementally (at most `batchSamples` per
 * plan × asset and transaction) and fold it with the usage kernel (operating_hours, energy_mwh);
 * occurrences are looked at only once the array is read to its end, so catching up on a long
 * history generates the latest reached mark once instead of one work order per mark passed.
 *
 * This module decides where a plan × asset's progress lives: one row in `maintenance_plan_runs`
 * (plan-runs.ts). Generated work orders are written in the SAME transaction as the row, guarded
 * twice: the row's update applies only at the version read, and each work order is a put with
 * `expect: null` under its deterministic id (`work_order/plan/<plan suffix>/<asset slug>/<n>`).
 * A restart or a second process therefore never makes a second one: it loses the race, rolls
 * back, reads the winner's row and goes on from there. A work order once generated is never
 * touched again by the scheduler (a plan changed later only shapes occurrences not generated yet).
 *
 * Dates are UTC days (the work order's `due` is a day).
 */
import { ArrayError, ChannelArray } from '../../arrays';
import { dateOfTime, kernelByName, nextOccurrence, type Kernel, type UsageSoFar, type UsageState } from '../../core';
import { StorageError, type BulkWrite, type Doc } from '../../storage/backend';
import type { LivePublisher, LiveSubscription } from '../live/publisher';
import type { Query } from '../store/sql/driver';
import { SqlStorage } from '../store/sql/sql-storage';
import type { Store } from '../store/store';
import { PlanRunRaced, PlanRuns, planRunId, type PlanRun, type PlanRunState, type UsageProgress } from './plan-runs';
import { planTargets, planWorkOrderId, planWorkOrderPrefix, type PlanProblem, type PlanTarget, type StoredDocument } from './plan-targets';
import { planWorkOrder } from './plan-work-order';

const DAY_MS = 86_400_000;
/** Checkpoints kept for the usage rate: about a week of days. */
const CHECKPOINTS = 8;
/** Work orders one plan × asset generates in one pass at most (a 365-day lead at 1 day is 366). */
const MAX_PER_PASS = 400;

export interface PlanSchedulerOptions {
  /** How often plans are looked at without a document event (default 60 000 ms). */
  pollMs?: number;
  /** Usage samples read per plan × asset and transaction (default 262 144: about 3 MB in memory). */
  batchSamples?: number;
  /** Where document changes are heard (plans, assets, channels). */
  live?: LivePublisher;
  /** The clock (tests move it); default Date.now. */
  now?: () => number;
  log?: { warn(object: unknown, message: string): void };
  /** Test hook: awaited inside nothing, just before a plan run's transaction opens. */
  beforeCommit?: (runId: string) => Promise<void>;
}

/** What one pass did. */
export interface PlanPass {
  /** Plan × asset pairs looked at. */
  targets: number;
  /** Ids of the work orders this pass generated. */
  generated: string[];
  /** Usage samples read. */
  read: number;
  /** Whether some usage channel has samples left (the next pass follows at once). */
  more: boolean;
  /** Plans or plan × assets that generate nothing, with the reason. */
  problems: PlanProblem[];
}

/** Whether `error` says another writer got in first (the run's row, a work order that exists). */
function movedOn(error: unknown): boolean {
  if (error instanceof PlanRunRaced) return true;
  if (error instanceof StorageError) return error.status === 409;
  // 23505: a row another process inserted first; 40P01: a lock cycle broken.
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === '40P01';
}

/** Index of the first of `times[from…to)` at or after `time` (`to` when none). */
function lowerBound(times: Float64Array, time: number, from: number, to: number): number {
  let low = from;
  let high = to;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle]! < time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The recent usage rate per day from the checkpoints (null: under an hour of data to tell). */
function rateOf(usage: UsageProgress, total: number): number | null {
  const oldest = usage.checkpoints[0];
  if (!oldest || usage.last_time === null || usage.last_time - oldest[0] < 3_600_000) return null;
  return (total - oldest[1]) / ((usage.last_time - oldest[0]) / DAY_MS);
}

export class PlanScheduler {
  readonly #store: Store;
  readonly #runs: PlanRuns;
  readonly #pollMs: number;
  readonly #batch: number;
  readonly #live: LivePublisher | undefined;
  readonly #now: () => number;
  readonly #log: PlanSchedulerOptions['log'];
  readonly #beforeCommit: PlanSchedulerOptions['beforeCommit'];
  /** Problems already logged (said once each, not at every pass). */
  readonly #said = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #wanted = false;
  #stopped = true;
  #subscription: LiveSubscription | undefined;
  /** Counters for tests and status: transactions committed, races lost. */
  readonly counters = { commits: 0, raced: 0 };

  constructor(store: Store, options: PlanSchedulerOptions = {}) {
    this.#store = store;
    this.#runs = new PlanRuns(store.driver);
    this.#pollMs = options.pollMs ?? 60_000;
    this.#batch = Math.max(1, Math.floor(options.batchSamples ?? 262_144));
    this.#live = options.live;
    this.#now = options.now ?? Date.now;
    this.#log = options.log;
    this.#beforeCommit = options.beforeCommit;
  }

  /** Starts generating in the background: now, every pollMs, and after plan/asset/channel changes. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#subscription = this.#live?.subscribe(undefined, () => this.#heard());
    this.#kick();
  }

  /** Stops; resolves once the pass in progress (if any) has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#subscription?.close();
    this.#subscription = undefined;
    await this.#running;
  }

  /** Wakes on documents that change what is generated (appends wait for the poll: usage moves slowly). */
  #heard(): void {
    const subscription = this.#subscription;
    if (!subscription) return;
    let wake = false;
    for (let entry = subscription.next(); entry !== undefined; entry = subscription.next()) {
      if ('reset' in entry || entry.message.event !== 'doc') continue;
      const { type } = entry.message.data;
      if (type === 'maintenance_plan' || type === 'asset' || type === 'channel') wake = true;
    }
    if (wake) this.#kick();
  }

  #kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#wanted = true;
      return;
    }
    this.#running = (async () => {
      let more = false;
      try {
        more = (await this.runOnce()).more;
      } catch (error) {
        this.#log?.warn({ err: error }, 'plan scheduler: a pass failed; it runs again at the next poll');
      }
      this.#running = undefined;
      if (this.#stopped) return;
      clearTimeout(this.#timer);
      if (more || this.#wanted) {
        this.#wanted = false;
        // The next batch after this turn of the event loop: requests and ingestion go between.
        this.#timer = setTimeout(() => this.#kick(), 0);
      } else this.#timer = setTimeout(() => this.#kick(), this.#pollMs);
    })();
  }

  /**
   * One pass: reads the plans and what they target, then for each plan × asset reads one batch of
   * usage and generates what is due. Rejects on a database failure (nothing of the failed plan ×
   * asset's step is kept).
   */
  async runOnce(): Promise<PlanPass> {
    const { targets, problems } = await this.#scan();
    const pass: PlanPass = { targets: targets.length, generated: [], read: 0, more: false, problems: [...problems] };
    for (const target of targets) {
      if (target.problem) {
        pass.problems.push({ planId: target.planId, problem: target.problem });
        continue;
      }
      const step = await this.#stepFresh(target);
      pass.generated.push(...step.generated);
      pass.read += step.read;
      if (step.more) pass.more = true;
      if (step.problem) pass.problems.push({ planId: target.planId, problem: step.problem });
    }
    for (const { planId, problem } of pass.problems) {
      const key = JSON.stringify([planId, problem]);
      if (this.#said.has(key)) continue;
      this.#said.add(key);
      this.#log?.warn({ plan: planId }, `plan scheduler: ${planId} generates nothing here: ${problem}`);
    }
    return pass;
  }

  /** Passes until every usage channel is read to its end (tests, catching up); resolves what they generated. */
  async catchUp(maxPasses = 1000): Promise<string[]> {
    const generated: string[] = [];
    for (let pass = 0; pass < maxPasses; pass++) {
      const result = await this.runOnce();
      generated.push(...result.generated);
      if (!result.more) return generated;
    }
    throw new Error(`plan scheduler: not caught up after ${maxPasses} passes`);
  }

  /** The plans, and the assets and channels of their sites, as stored now. */
  async #scan(): Promise<{ targets: PlanTarget[]; problems: PlanProblem[] }> {
    const { plans, assets, channels } = await this.#store.driver.transaction(async (query) => {
      const parse = (rows: Array<Record<string, unknown>>): StoredDocument[] => rows.map((row) => ({ id: String(row.id), doc: JSON.parse(String(row.doc)) as Record<string, unknown> }));
      const plans = parse(await query("SELECT id, doc FROM documents WHERE substr(id, 1, 17) = 'maintenance_plan/' AND deleted = ?", [false]));
      const sites = new Set<string>();
      for (const { doc } of plans) if (typeof doc.site === 'string') sites.add(doc.site);
      const assets: StoredDocument[] = [];
      const channels: StoredDocument[] = [];
      for (const site of sites) {
        for (const entry of parse(await query('SELECT id, doc FROM documents WHERE site = ? AND deleted = ? AND (substr(id, 1, 8) = ? OR substr(id, 1, 6) = ?)', [site, false, 'channel/', 'asset/']))) {
          (entry.id.startsWith('asset/') ? assets : channels).push(entry);
        }
      }
      return { plans, assets, channels };
    });
    return planTargets(plans, assets, channels);
  }

  /** One step of a plan × asset, again from what is stored when another writer got in first (a few times). */
  async #stepFresh(target: PlanTarget): Promise<{ generated: string[]; read: number; more: boolean; problem?: string }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#step(target);
      } catch (error) {
        if (!movedOn(error)) throw error;
        this.counters.raced++;
        // Another process generated or read it: nothing lost, the next pass goes on from there.
        if (attempt >= 3) return { generated: [], read: 0, more: true };
      }
    }
  }

  /** The stored run, or a fresh one that knows the work orders already there (a run row lost). */
  async #run(target: PlanTarget): Promise<PlanRun> {
    const id = planRunId(target.planId, target.assetId);
    const stored = await this.#runs.load(id);
    if (stored) return stored;
    const prefix = planWorkOrderPrefix(target.planId, target.assetId, target.plan.site);
    const rows = await this.#store.driver.transaction((query) => query('SELECT id, doc FROM documents WHERE id >= ? AND id < ? AND deleted = ?', [prefix, `${prefix.slice(0, -1)}0`, false]));
    let generated = 0;
    let lastDue: string | undefined;
    for (const row of rows) {
      const rest = String(row.id).slice(prefix.length);
      if (!/^[1-9]\d{0,14}$/.test(rest) || Number(rest) <= generated) continue;
      generated = Number(rest);
      const due = (JSON.parse(String(row.doc)) as { due?: unknown }).due;
      lastDue = typeof due === 'string' ? due : undefined;
    }
    const state: PlanRunState = { generated, ...(lastDue === undefined || target.plan.trigger.kind !== 'calendar' ? {} : { last_due: lastDue }) };
    return { id, plan: target.planId, asset: target.assetId, positions: Object.create(null) as Record<string, number>, state, version: 0 };
  }

  /** Reads one batch of usage (usage plans) and generates what is due, in one transaction. */
  async #step(target: PlanTarget): Promise<{ generated: string[]; read: number; more: boolean; problem?: string }> {
    const run = await this.#run(target);
    const state: PlanRunState = structuredClone(run.state);
    let positions: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, run.positions);
    let read = 0;
    let more = false;
    let usageSoFar: UsageSoFar | undefined;
    if (target.usage) {
      const source = target.usage;
      const kernel = kernelByName(source.kernel) as unknown as Kernel<unknown, UsageState, number>;
      const params = kernel.params(source.params);
      const key = JSON.stringify([source.kernel, source.channel, source.params]);
      if (state.usage?.key !== key || state.usage.array !== source.array) {
        // Another quantity (measure, channel, threshold, unit): counted again from the first sample;
        // a mark of another measure means nothing for this one.
        if (state.usage && !state.usage.key.startsWith(JSON.stringify([source.kernel]).slice(0, -1))) delete state.last_mark;
        state.usage = { key, array: source.array, state: kernel.init(params), last_time: null, checkpoints: [] };
        positions = Object.create(null) as Record<string, number>;
      }
      const usage = state.usage;
      let array: ChannelArray;
      try {
        array = await ChannelArray.open(this.#store.documents, source.array);
      } catch (error) {
        if (error instanceof ArrayError && error.status === 404) return { generated: [], read: 0, more: false, problem: `${source.channel} has no samples yet` };
        throw error;
      }
      let position = positions[source.array] ?? 0;
      // A history rewritten under the scheduler (shorter, or another time at the last sample read): count again.
      const changed = array.length < position || (position > 0 && (await array.times(position - 1, position))[0] !== usage.last_time);
      if (changed) {
        position = 0;
        usage.state = kernel.init(params);
        usage.last_time = null;
        usage.checkpoints = [];
      }
      const end = Math.min(array.length, position + this.#batch);
      if (end > position) {
        const { times, values } = await array.read(position, end);
        this.#fold(kernel, params, usage, times, values, position);
        read = end - position;
        position = end;
      }
      positions[source.array] = position;
      more = position < array.length;
      const total = kernel.finish(usage.state, params);
      if (!more) usageSoFar = { total, ratePerDay: rateOf(usage, total) };
    }

    const writes: BulkWrite[] = [];
    const generated: string[] = [];
    // Occurrences only once the usage is read to its end: a long history catching up yields its latest mark once.
    if (!target.usage || !more) {
      const now = this.#now();
      const today = dateOfTime(now);
      const at = new Date(now).toISOString();
      for (let count = 0; count < MAX_PER_PASS; count++) {
        const next = nextOccurrence(target.plan, state, today, usageSoFar);
        if (!next.generate || next.due === undefined) break;
        const id = planWorkOrderId(target.planId, target.assetId, target.plan.site, next.occurrence);
        writes.push({ type: 'put', id, doc: planWorkOrder(target, next.occurrence, next.due, at) as unknown as Doc, expect: null });
        generated.push(id);
        state.generated = next.occurrence;
        if (target.plan.trigger.kind === 'calendar') state.last_due = next.due;
        else state.last_mark = next.mark!;
      }
    }
    // Nothing read, nothing generated: nothing to store.
    if (read === 0 && writes.length === 0) return { generated: [], read: 0, more };
    const prepared = await SqlStorage.prepareWrites(writes);
    const next: PlanRun = { ...run, positions, state };
    await this.#beforeCommit?.(run.id);
    await this.#store.driver.transaction(async (query: Query) => {
      // The row first: on PostgreSQL its lock is where a racing scheduler waits, then loses.
      await PlanRuns.write(query, next, this.#now());
      await SqlStorage.applyWrites(query, prepared);
    });
    this.counters.commits++;
    return { generated, read, more };
  }

  /**
   * Folds a batch into the usage state, a day of data at a time, leaving a checkpoint (data time,
   * total) at each day so the recent rate spans about a week whatever the batch size.
   */
  #fold(kernel: Kernel<unknown, UsageState, number>, params: unknown, usage: UsageProgress, times: Float64Array, values: Float32Array, offset: number): void {
    const count = values.length;
    for (let from = 0; from < count; ) {
      const last = usage.checkpoints[usage.checkpoints.length - 1];
      const due = last === undefined ? -Infinity : last[0] + DAY_MS;
      const to = Math.max(from + 1, Math.min(count, lowerBound(times, due, from, count) + 1));
      usage.state = kernel.step(usage.state, { values: values.subarray(from, to), times: times.subarray(from, to), offset: offset + from }, params);
      usage.last_time = times[to - 1]!;
      if (times[to - 1]! >= due) {
        usage.checkpoints.push([times[to - 1]!, kernel.finish(usage.state, params)]);
        if (usage.checkpoints.length > CHECKPOINTS) usage.checkpoints.shift();
      }
      from = to;
    }
  }

  /** Every stored plan run (tests, status). */
  runs(): Promise<PlanRun[]> {
    return this.#runs.all();
  }
}
