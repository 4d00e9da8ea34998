/**
 * The server's anomaly runner: scores channels as their data arrives into derived anomaly
 * channels (alarms.md §3), incrementally, exactly once, with the same kernel the browser's worker
 * runs (scoreAnomaly from core).
 *
 * This module decides where a derived channel's progress lives: one row per derived channel in
 * `anomaly_runs` — how many input samples are scored (`position`, which is the output's length),
 * the detector's state after them (JSON through encodeState: non-finite numbers survive, with the
 * time of the last scored sample) and a `version`.
 * Each batch of scores is appended to the output array in the SAME transaction that moves the row
 * on, guarded twice: the row's update applies only at the version read (a second process that
 * scored the same samples updates nothing and rolls back), and the array's metadata write only at
 * the metadata read (ChannelArray's conditional write). So a crash anywhere leaves both as they
 * were, and several processes on one PostgreSQL never append a sample twice.
 *
 * Which channels: anomaly-targets.ts, re-read at the start, when a channel, asset or rule document
 * changes (doc events of the live bus), and every `rescanMs` anyway. A channel chosen later starts
 * from its first sample; one no longer chosen keeps its derived channel and resumes where it
 * stopped if chosen again. When to look: at `samples` events of an input (appends of this
 * process) and every `pollMs` (appends of other processes). Work is done in batches of at most
 * `batchSamples` input samples per channel and transaction, one batch per channel in turn.
 *
 * An input whose history changed under the runner (shorter than what was scored, or another time
 * at the last scored sample: a rebuild merged late events) is scored again from its first sample:
 * the detector's state at the changed sample is gone, and the scores must stay what one pass over
 * the input gives.
 */
import { ArrayError, ChannelArray, regularRuns, type AppendTimes } from '../../arrays';
import { ANOMALY_PRODUCER, anomalyArrayId, anomalyChannelDoc, anomalyChannelId, decodeState, defaultAnomalyParams, encodeState, initAnomaly, scoreAnomaly, type AnomalyParams, type AnomalyState } from '../../core';
import { StorageError, type BulkWrite, type Doc } from '../../storage/backend';
import type { Store } from '../store/store';
import type { Query } from '../store/sql/driver';
import { SqlStorage } from '../store/sql/sql-storage';
import type { LivePublisher, LiveSubscription } from '../live/publisher';
import { anomalyRules, anomalyTargets, type AnomalyTarget, type StoredDocument } from './anomaly-targets';

export interface AnomalyRunnerOptions {
  /** Where appends of this process are heard and the derived appends told (GET /api/events). */
  live?: LivePublisher;
  /** How often input lengths are looked at for other processes' appends (default 1000 ms). */
  pollMs?: number;
  /** Input samples per batch (one transaction; default 65 536: under a megabyte in memory). */
  batchSamples?: number;
  /** How often the chosen channels are read again without a document event (default 30 s). */
  rescanMs?: number;
  /** The detector's parameters (default: the NAB-measured set). */
  params?: AnomalyParams;
  /** Where failures of a pass go (it runs again at the next tick). */
  onError?: (error: unknown) => void;
}

/** What a pass did. */
export interface AnomalyPass {
  /** Channels scored. */
  targets: number;
  /** Input samples scored in this pass. */
  scored: number;
  /** Whether some channel has samples left (the next pass follows at once). */
  more: boolean;
}

/** A run's row: how far it is, the detector's state and the version its next write expects. */
interface RunRow {
  position: number;
  state: RunState;
  version: number;
}

/** What the `state` column holds. */
interface RunState {
  detector: AnomalyState;
  /** Time of the last scored input sample (null: none yet): a changed history is found by it. */
  last_time: number | null;
}

/** A derived channel of one input, with the arrays this process keeps open for it. */
interface Run {
  target: AnomalyTarget;
  id: string;
  input: string;
  output: string;
  inputArray?: ChannelArray;
  outputArray?: ChannelArray;
  /** The row as this process last read or wrote it (its version guards the next write). */
  row?: RunRow;
  /** Why it cannot run (its output id holds an array someone else wrote): said once, skipped. */
  refused?: string;
}

/** Another writer moved the run on between its read and its write: read again, score again. */
class MovedOn extends Error {}

/** Whether `error` says another writer got in first (the run's row, an array's metadata, a unique key). */
function movedOn(error: unknown): boolean {
  if (error instanceof MovedOn) return true;
  if (error instanceof StorageError || error instanceof ArrayError) return error.status === 409;
  // 23505: a row another process inserted first; 40P01: a lock cycle broken.
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === '40P01';
}

const DEFAULT_BATCH = 65_536;

export class AnomalyRunner {
  readonly #store: Store;
  readonly #live: LivePublisher | undefined;
  readonly #pollMs: number;
  readonly #batch: number;
  readonly #rescanMs: number;
  readonly #params: AnomalyParams;
  readonly #onError: (error: unknown) => void;
  /** Derived channel id → run, in id order. */
  #runs = new Map<string, Run>();
  /** Input array id → derived channel id (to wake on samples events). */
  #byInput = new Map<string, string>();
  #scannedAt = -Infinity;
  #rescan = true;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #wanted = false;
  /** The next pass goes over every channel (the first one, each poll, after a document change). */
  #pollDue = true;
  /** Runs to score in the next pass besides a poll: named by a samples event, or with samples left. */
  #dirty = new Set<string>();
  #stopped = true;
  #subscription: LiveSubscription | undefined;

  constructor(store: Store, options: AnomalyRunnerOptions = {}) {
    this.#store = store;
    this.#live = options.live;
    this.#pollMs = options.pollMs ?? 1000;
    this.#batch = Math.max(1, Math.floor(options.batchSamples ?? DEFAULT_BATCH));
    this.#rescanMs = options.rescanMs ?? 30_000;
    this.#params = options.params ?? defaultAnomalyParams;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** The derived channels being kept up to date (ids), after the last scan. */
  get channels(): string[] {
    return [...this.#runs.keys()];
  }

  /** Starts scoring in the background: now, at appends of this process, and every pollMs. */
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

  /** Reads what the live bus has for this runner: appends of an input, changed documents. */
  #heard(): void {
    const subscription = this.#subscription;
    if (!subscription) return;
    let wake = false;
    for (let entry = subscription.next(); entry !== undefined; entry = subscription.next()) {
      if ('reset' in entry) continue;
      const { message } = entry;
      if (message.event === 'samples') {
        const run = this.#byInput.get(message.data.array);
        if (run !== undefined) {
          this.#dirty.add(run);
          wake = true;
        }
        continue;
      }
      const { id, type } = message.data;
      // A derived channel's own document (written here) changes nothing of what is chosen.
      if (id.endsWith('/anomaly')) continue;
      if (type === 'channel' || type === 'asset' || type === 'alarm_rule' || message.data.deleted) {
        // A new choice is scored from the next full pass on.
        this.#rescan = true;
        this.#pollDue = true;
        wake = true;
      }
    }
    if (wake) this.#kick();
  }

  /**
   * Runs a pass soon (at once when none runs; after the running one otherwise): over every channel
   * when the poll is due, else over the channels an event named or that have samples left.
   */
  #kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#wanted = true;
      return;
    }
    this.#running = (async () => {
      const all = this.#pollDue;
      this.#pollDue = false;
      const only = all ? undefined : this.#dirty;
      this.#dirty = new Set();
      try {
        await this.#pass(only);
      } catch (error) {
        this.#onError(error);
      }
      this.#running = undefined;
      if (this.#stopped) return;
      // The poll comes every pollMs whatever the events do (appends of other processes have none here).
      // One poll timer at a time: a full pass asked for early (a document changed) starts it over.
      if (all) clearTimeout(this.#timer);
      if (all) this.#timer = setTimeout(() => {
        this.#pollDue = true;
        this.#kick();
      }, this.#pollMs);
      if (this.#dirty.size > 0 || this.#wanted) {
        this.#wanted = false;
        // The next batch after this turn of the event loop: requests and ingestion go between.
        setImmediate(() => this.#kick());
      }
    })();
  }

  /**
   * One pass over every channel: reads the chosen channels again when due, then scores one batch
   * of each channel that has new samples. Rejects on a database failure (nothing of the failed
   * batch is kept).
   */
  runOnce(): Promise<AnomalyPass> {
    return this.#pass(undefined);
  }

  /** A pass over the runs named in `only` (all when undefined); runs with samples left join `#dirty`. */
  async #pass(only: ReadonlySet<string> | undefined): Promise<AnomalyPass> {
    if (this.#rescan || Date.now() - this.#scannedAt >= this.#rescanMs) await this.#scan();
    let scored = 0;
    let more = false;
    for (const run of this.#runs.values()) {
      if (run.refused !== undefined || (only && !only.has(run.id))) continue;
      const result = await this.#stepFresh(run);
      scored += result.scored;
      if (result.more) {
        more = true;
        this.#dirty.add(run.id);
      }
    }
    return { targets: this.#runs.size, scored, more };
  }

  /** Passes until every channel is scored to its end (tests, catching up); resolves the samples scored. */
  async catchUp(maxPasses = Number.POSITIVE_INFINITY): Promise<number> {
    let scored = 0;
    for (let pass = 0; pass < maxPasses; pass++) {
      const result = await this.runOnce();
      scored += result.scored;
      if (!result.more) break;
    }
    return scored;
  }

  /** Reads which channels to score (anomaly-targets.ts) and keeps the runs of those. */
  async #scan(): Promise<void> {
    this.#rescan = false;
    this.#scannedAt = Date.now();
    const { rules, channels, assets } = await this.#store.driver.transaction(async (query) => {
      const parse = (rows: Array<Record<string, unknown>>): StoredDocument[] => rows.map((row) => ({ id: String(row.id), doc: JSON.parse(String(row.doc)) as Record<string, unknown> }));
      const rules = parse(await query("SELECT id, doc FROM documents WHERE substr(id, 1, 11) = 'alarm_rule/' AND deleted = ?", [false]));
      // Flagged channels: a text match narrows the read, the parsed document decides.
      const flagged = parse(await query("SELECT id, doc FROM documents WHERE substr(id, 1, 8) = 'channel/' AND deleted = ? AND doc LIKE ?", [false, '%"anomaly":true%']));
      const channels = new Map(flagged.map((entry) => [entry.id, entry]));
      const assets: StoredDocument[] = [];
      // The channels and assets of the sites whose rules read anomaly scores (templates match them).
      const sites = new Set<string>();
      for (const { doc } of anomalyRules(rules)) if (typeof doc.site === 'string') sites.add(doc.site);
      for (const site of sites) {
        for (const entry of parse(await query('SELECT id, doc FROM documents WHERE site = ? AND deleted = ? AND (substr(id, 1, 8) = ? OR substr(id, 1, 6) = ?)', [site, false, 'channel/', 'asset/']))) {
          if (entry.id.startsWith('asset/')) assets.push(entry);
          else channels.set(entry.id, entry);
        }
      }
      return { rules, channels: [...channels.values()], assets };
    });
    const runs = new Map<string, Run>();
    const byInput = new Map<string, string>();
    for (const target of anomalyTargets(rules, channels, assets)) {
      const id = anomalyChannelId(target.channel);
      const known = this.#runs.get(id);
      const run: Run = known && known.input === target.doc.array && known.target.doc.site === target.doc.site ? { ...known, target } : { target, id, input: target.doc.array, output: anomalyArrayId(target.doc.array) };
      runs.set(id, run);
      byInput.set(run.input, id);
    }
    this.#runs = runs;
    this.#byInput = byInput;
  }

  /** One batch of a run, again from what is stored when another writer got in first (a few times). */
  async #stepFresh(run: Run): Promise<{ scored: number; more: boolean }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#step(run);
      } catch (error) {
        // Whatever this process holds of the run may be stale now.
        delete run.inputArray;
        delete run.outputArray;
        delete run.row;
        if (!movedOn(error)) throw error;
        // Another process scored it (or appended): nothing lost, the next pass goes on from there.
        if (attempt >= 3) return { scored: 0, more: true };
      }
    }
  }

  /** The run's row; created, with the output array and its channel document, when there is none. */
  async #row(run: Run): Promise<RunRow | undefined> {
    const driver = this.#store.driver;
    const read = async (query: Query): Promise<RunRow | undefined> => {
      const [row] = await query('SELECT position, state, version FROM anomaly_runs WHERE id = ?', [run.id]);
      return row ? { position: Number(row.position), state: decodeState<RunState>(JSON.parse(String(row.state))), version: Number(row.version) } : undefined;
    };
    const found = await driver.transaction(read);
    if (found) return found;
    // First sight: the output array (unless a previous row was lost: then the array is there and
    // is rewritten from the first sample) and the channel document, with the row, in one transaction.
    const existing = await ChannelArray.open(this.#store.documents, run.output).catch((error: unknown) => {
      if (error instanceof ArrayError && error.status === 404) return undefined;
      throw error;
    });
    if (existing && existing.meta.producer !== ANOMALY_PRODUCER) {
      run.refused = `${run.output} holds an array that the anomaly runner did not write: ${run.target.channel} is not scored`;
      this.#onError(new Error(run.refused));
      return undefined;
    }
    const writes: BulkWrite[] = [];
    // The scores take the input's timing: a regular input's derived array stores no times at all
    // (explicit times cost 8 bytes a sample, twice the score itself: a month of the demo's flagged
    // channels was 0.9 GB of times).
    const timing = (await ChannelArray.open(this.#store.documents, run.input)).meta.timing;
    if (!existing) writes.push(...ChannelArray.prepareCreate(this.#store.documents, run.output, { timing, producer: ANOMALY_PRODUCER, site: run.target.doc.site }).writes);
    const channelDoc = anomalyChannelDoc(run.target.channel, run.target.doc);
    if ((await this.#store.documents.stored(run.id)) === undefined) writes.push({ type: 'put', id: run.id, doc: channelDoc as unknown as Doc });
    const prepared = await SqlStorage.prepareWrites(writes);
    const state: RunState = { detector: initAnomaly(this.#params), last_time: null };
    await driver.transaction(async (query) => {
      const inserted = await query('INSERT INTO anomaly_runs (id, input, output, position, state, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id', [run.id, run.input, run.output, 0, JSON.stringify(encodeState(state)), 0, new Date().toISOString()]);
      // Another runner (process) made it since the read: its row and array stand, this rolls back.
      if (inserted.length === 0) throw new MovedOn(`${run.id} was created meanwhile`);
      await SqlStorage.applyWrites(query, prepared);
    });
    return { position: 0, state, version: 0 };
  }

  /** Scores the run's next batch (at most `batchSamples`) and stores it with the run's row. */
  async #step(run: Run): Promise<{ scored: number; more: boolean }> {
    const row = run.row ?? (await this.#row(run));
    if (!row) return { scored: 0, more: false };
    run.row = row;
    const storage = this.#store.documents;
    // The input's current end (appends of any process) and the output as stored.
    run.inputArray ??= await ChannelArray.open(storage, run.input);
    await run.inputArray.refresh();
    const input = run.inputArray;
    if (!run.outputArray) run.outputArray = await ChannelArray.open(storage, run.output);
    else if (run.outputArray.length !== row.position) await run.outputArray.refresh();
    const output = run.outputArray;

    let { position, state } = row;
    // Read from the last scored sample on, to see whether the input still has it at its time.
    const end = Math.min(input.length, position + this.#batch);
    let read = position < input.length ? await input.read(Math.max(0, position - 1), end, { droppedAsNaN: true }) : undefined;
    const changed = input.length < position || output.length < position || (position > 0 && read !== undefined && read.times[0] !== state.last_time);
    if (changed) {
      position = 0;
      state = { detector: initAnomaly(this.#params), last_time: null };
      read = input.length > 0 ? await input.read(0, Math.min(input.length, this.#batch), { droppedAsNaN: true }) : undefined;
    } else if (read !== undefined && position > 0) {
      read = { times: read.times.subarray(1), values: read.values.subarray(1) };
    }
    // Nothing new (and the output as long as what was scored: nothing to cut back).
    if ((read === undefined || read.values.length === 0) && output.length === position) return { scored: 0, more: false };
    const times = read?.times ?? new Float64Array(0);
    const values = read?.values ?? new Float32Array(0);
    const scoredState = scoreAnomaly(state.detector, times, values, this.#params);
    const next: RunState = { detector: scoredState.state, last_time: times.length > 0 ? times[times.length - 1]! : state.last_time };
    const nextPosition = position + values.length;
    // Normally an append; after a changed input (or a lost row) the output is rewritten from `position`.
    // A regular array takes no empty rewrite (an input emptied to nothing): its old scores stay
    // until the input has samples again, which rescores it from the first.
    if (values.length === 0 && output.meta.timing === 'regular') return { scored: 0, more: false };
    const outputTimes = timesFor(output, input, times);
    const prepared = output.length === position ? await output.prepareAppend(scoredState.scores, outputTimes) : await output.prepareRewrite(position, scoredState.scores, outputTimes);
    const writes = await SqlStorage.prepareWrites(prepared.writes);
    await this.#store.driver.transaction(async (query) => {
      // The row first: a second process that scored the same batch waits here (PostgreSQL) and then updates nothing.
      const moved = await query('UPDATE anomaly_runs SET position = ?, state = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? RETURNING version', [nextPosition, JSON.stringify(encodeState(next)), new Date().toISOString(), run.id, row.version]);
      if (moved.length === 0) throw new MovedOn(`${run.id} was scored meanwhile`);
      await SqlStorage.applyWrites(query, writes);
    });
    prepared.commit();
    run.row = { position: nextPosition, state: next, version: row.version + 1 };
    if (values.length > 0) {
      this.#live?.publish({
        event: 'samples',
        data: { array: run.output, channel: run.id, site: run.target.doc.site, length: output.length, last: { time: times[times.length - 1]!, value: scoredState.scores[scoredState.scores.length - 1]! } },
      });
    }
    return { scored: values.length, more: nextPosition < input.length };
  }
}


/**
 * The times of scores for `output`: the input's own times for an explicit output; for a regular
 * one (the input is regular), its runs — a lone sample takes the input's latest spacing.
 */
function timesFor(output: ChannelArray, input: ChannelArray, times: Float64Array): AppendTimes {
  if (output.meta.timing === 'explicit') return times;
  const segments = input.meta.segments;
  const dt = segments.length > 0 ? segments[segments.length - 1]!.dt : 1000;
  return { runs: regularRuns(times, dt) };
}
