/**
 * Evaluates alarm rules on the server as data arrives, exactly once.
 *
 * Where things live: the rules, channels and assets are documents (rule-bindings.ts binds them);
 * each rule × channel's progress — samples read per input array, the rule's state — is a row of
 * `alarm_evaluations` (evaluation-store.ts); alarms are documents `alarm/…`. Every step reads new
 * samples from the stored positions, folds them into the state (core `stepRule`), turns the
 * transitions into alarm documents (core `applyTransition`) and writes the alarm documents and the
 * row in ONE transaction, the row guarded by its version: a crash before the commit leaves the
 * old row (the step is redone from the same positions, giving the same transitions: evaluation is
 * deterministic), a second process that evaluated the same samples loses the version check and
 * writes nothing. Alarm writes also carry `expect` (the hash of the alarm as read), so an action
 * applied to the alarm meanwhile (an acknowledgement) makes the step run again on the fresh alarm
 * instead of overwriting it.
 *
 * When it runs: woken by the `samples` events of this process's writers (and `doc` events of
 * rules, channels and assets), and every `pollMs` for what the bus does not tell — appends of
 * other processes, rule changes made elsewhere (a look at the documents' sequence numbers), and
 * the wall clock: `tickRule` for stale data, off delays, escalation and auto-clear of bindings
 * that have read all their data.
 *
 * Where it starts: a binding with no row (a new rule, or a new channel a template rule matches)
 * reads the whole existing history, so backfilled faults raise alarms at the time they happened;
 * a binding whose rule changed (another hash) starts over from the arrays' current ends with a
 * fresh state (its open alarms stay as they are); a rule deleted or disabled stops (its row and
 * its alarms stay).
 *
 * Bounded work: a step reads at most `batch` samples per input; a pass gives each binding with a
 * backlog one step in turn (round-robin, starting one further each pass) until `passSamples` are
 * read, so one rule's months of history never hold up the live ones for more than a pass. A step
 * that changes no alarm does not commit on its own: the rows of all such steps of a pass are
 * written in one transaction at its end (a live fleet of a hundred bindings costs one commit a
 * pass, not a hundred), which keeps exactly-once: nothing else depends on those rows, and a step
 * redone from the older row gives the same (no) transitions.
 */
import { ArrayError, ChannelArray } from '../../arrays';
import { alarmIdFor, applyTransition, currentAlarmId, docHash, initRuleState, stepRule, tickRule, type Alarm, type Json, type RuleBinding, type RuleState, type RuleTransition } from '../../core';
import { StorageError, type BulkWrite, type Doc } from '../../storage/backend';
import type { Store } from '../store/store';
import type { Row } from '../store/sql/driver';
import { SqlStorage } from '../store/sql/sql-storage';
import type { LivePublisher, LiveSubscription } from '../live/publisher';
import { EvaluationRaced, EvaluationStore, evaluationId, type Evaluation } from './evaluation-store';
import { loadBindings, type BoundRule } from './rule-bindings';

export interface AlarmEvaluatorOptions {
  /** The bus whose `samples` and `doc` events wake the evaluator (absent: it only polls). */
  live?: LivePublisher;
  /** How often it looks for what no event told (ALARMS_POLL_MS; default 1000). */
  pollMs?: number;
  /** The wall clock of ticks (stale, off delay, escalation, auto-clear); tests move their own. */
  now?: () => number;
  /** Samples read per input per step (default 16 384: a quarter chunk, ~200 KB with times). */
  batch?: number;
  /** Samples read per pass over all bindings (default 131 072). */
  passSamples?: number;
  /** Where failures go (a step that fails is tried again at the next pass). */
  log?: { warn(object: unknown, message: string): void };
  /** Called before each step's transaction (tests hold two evaluators there to make them race). */
  beforeCommit?: (rule: string, channel: string) => Promise<void>;
}

/** Counters since the start (status route, tests). */
export interface EvaluatorCounters {
  passes: number;
  /** Steps committed (rows written). */
  commits: number;
  /** Steps another evaluator committed first (rolled back, row read again). */
  raced: number;
  /** Steps redone because an alarm changed between its read and the write. */
  alarmConflicts: number;
  transitions: number;
  samples: number;
  failures: number;
}

/** One input of a binding in the status. */
export interface InputStatus {
  array: string;
  position: number;
  length: number;
  /** Samples not yet evaluated. */
  lag: number;
}

/** One binding in the status. */
export interface BindingStatus {
  rule: string;
  channel: string;
  asset: string;
  site: string;
  inputs: InputStatus[];
  version: number;
  /** Whether every input has been read to its end. */
  caught_up: boolean;
  updated_at?: string;
  error?: string;
}

/** What GET /api/alarms/status shows. */
export interface AlarmEvaluatorStatus {
  running: boolean;
  poll_ms: number;
  rules: number;
  problems: Array<{ rule: string; problem: string }>;
  bindings: BindingStatus[];
  /** Rows of rule × channel pairs no enabled rule binds any more (deleted or disabled rules). */
  stopped: Array<{ rule: string; channel: string; version: number }>;
  counters: EvaluatorCounters;
  last_pass_at: number | null;
}

/** A binding as the evaluator runs it: its stored progress as last read or written. */
interface Entry {
  key: string;
  binding: RuleBinding;
  hash: string;
  evaluation: Evaluation;
  /** `evaluation` moved on (positions, state) past the stored row: written at the end of the pass. */
  unsaved?: true;
  error?: string;
}

/** An input's new samples of one step. */
interface InputRead {
  times: Float64Array;
  values: Float32Array;
}

/** How many of `times` (increasing) are before `time`. */
function countBefore(times: Float64Array, time: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle]! < time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** First index whose time is > `time` (times ascending). */
function countUpTo(times: Float64Array, time: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle]! <= time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The id ranges of the documents bindings are made of (a change there re-binds). */
const BINDING_RANGES: ReadonlyArray<[string, string]> = [
  ['alarm_rule/', 'alarm_rule0'],
  ['channel/', 'channel0'],
  ['asset/', 'asset0'],
];
const isBindingDoc = (id: string): boolean => BINDING_RANGES.some(([from, to]) => id >= from && id < to);

/** Ids per statement when reading array lengths. */
const IDS_PER_STATEMENT = 500;

/** The alarm documents of a rule × channel are `alarm/<rule>/<channel>/<n>`; this is the part before n. */
export function alarmPrefix(binding: RuleBinding): string {
  return alarmIdFor(binding, 0).slice(0, -1);
}

export class AlarmEvaluator {
  readonly #store: Store;
  readonly #evaluations: EvaluationStore;
  readonly #live: LivePublisher | undefined;
  readonly #pollMs: number;
  readonly #now: () => number;
  readonly #batch: number;
  readonly #passSamples: number;
  readonly #log: { warn(object: unknown, message: string): void };
  readonly #beforeCommit: ((rule: string, channel: string) => Promise<void>) | undefined;
  readonly counters: EvaluatorCounters = { passes: 0, commits: 0, raced: 0, alarmConflicts: 0, transitions: 0, samples: 0, failures: 0 };

  /** Bindings by evaluation id, in a stable order (round-robin walks it). */
  #entries: Entry[] = [];
  /** Input array → whether some binding reads it (samples events of other arrays are ignored). */
  #inputs = new Set<string>();
  #problems = new Map<string, string>();
  #rules = 0;
  /** Rebind before the next pass. */
  #dirty = true;
  /** The documents' sequence number up to which binding changes were looked for. */
  #seenSeq = 0;
  /** Where the next pass's round starts. */
  #cursor = 0;
  readonly #arrays = new Map<string, ChannelArray>();
  #lengths = new Map<string, number>();
  #subscription: LiveSubscription | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  /** An event asked for a pass while one ran. */
  #again = false;
  /** Arrays whose appends this process's writers told since the last pass: their bindings go first. */
  #told = new Set<string>();
  #started = false;
  #stopped = false;
  #lastPassAt: number | null = null;

  constructor(store: Store, options: AlarmEvaluatorOptions = {}) {
    this.#store = store;
    this.#evaluations = new EvaluationStore(store.driver);
    this.#live = options.live;
    this.#pollMs = options.pollMs ?? 1000;
    this.#now = options.now ?? Date.now;
    this.#batch = Math.max(1, options.batch ?? 16_384);
    this.#passSamples = Math.max(1, options.passSamples ?? 131_072);
    this.#log = options.log ?? { warn: () => undefined };
    this.#beforeCommit = options.beforeCommit;
    // Listening from the start: what is told before start() (or between passes run by hand) counts.
    this.#subscription = this.#live?.subscribe(undefined, () => this.#onEvents());
  }

  /** Starts evaluating (the first pass at once) and listening to the bus. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule(0);
  }

  /** Stops; resolves once a pass in progress has ended (the database may close after it). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#subscription?.close();
    await this.#running;
  }

  /** Reads what the bus told: a samples event of a bound array or a binding document's change asks for a pass now. */
  #onEvents(): void {
    const subscription = this.#subscription;
    if (!subscription) return;
    let wanted = false;
    for (let read = subscription.next(); read; read = subscription.next()) {
      if ('reset' in read) {
        // Fell out of the window: whatever it missed, the next pass finds (lengths and documents are read anyway).
        this.#dirty = true;
        wanted = true;
        continue;
      }
      const { message } = read;
      if (message.event === 'samples') {
        if (this.#inputs.has(message.data.array)) {
          this.#told.add(message.data.array);
          wanted = true;
        }
      } else if (isBindingDoc(message.data.id)) {
        this.#dirty = true;
        wanted = true;
      }
    }
    if (wanted) this.#kick();
  }

  /** A pass as soon as possible (after the one running, if any). */
  #kick(): void {
    if (this.#stopped || !this.#started) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#schedule(0);
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.runPass().then(
        (more) => {
          this.#running = undefined;
          const again = this.#again;
          this.#again = false;
          this.#schedule(more || again ? 0 : this.#pollMs);
        },
        (error: unknown) => {
          this.#running = undefined;
          this.counters.failures++;
          this.#log.warn({ err: error }, 'alarm evaluator: a pass failed, trying again');
          this.#schedule(this.#pollMs);
        },
      );
    }, delay);
  }

  /**
   * One pass: re-binds if rules, channels or assets changed, gives each binding with new samples
   * one bounded step (round-robin, up to `passSamples`), then ticks the bindings that read
   * everything. Resolves true when some binding still has samples to read (the next pass should
   * follow at once). Tests call it directly instead of waiting for the timer.
   */
  async runPass(): Promise<boolean> {
    this.counters.passes++;
    await this.#noticeBindingChanges();
    if (this.#dirty) await this.#rebind();
    this.#lengths = await this.#readLengths();
    const entries = this.#entries;
    let read = 0;
    const stepped = new Set<Entry>();
    // First the bindings of arrays just told (live data waits the least), one bounded step each.
    const told = this.#told;
    this.#told = new Set();
    for (const entry of entries) {
      if (read >= this.#passSamples || this.#stopped) break;
      if (!entry.binding.inputs.some((array) => told.has(array)) || !this.#behind(entry)) continue;
      stepped.add(entry);
      read += await this.#guarded(entry, () => this.#step(entry));
    }
    let turn = 0;
    for (; turn < entries.length && read < this.#passSamples && !this.#stopped; turn++) {
      const entry = entries[(this.#cursor + turn) % entries.length]!;
      if (stepped.has(entry) || !this.#behind(entry)) continue;
      stepped.add(entry);
      read += await this.#guarded(entry, () => this.#step(entry));
    }
    // The next pass starts where this one's budget ran out (or one further after a full round).
    if (entries.length > 0) this.#cursor = (this.#cursor + Math.max(1, turn)) % entries.length;
    // The clock acts only on bindings that have read all their data: ticking one with a backlog
    // would call a channel stale that has samples waiting.
    const now = this.#now();
    for (const entry of entries) {
      if (this.#stopped) break;
      if (stepped.has(entry) || this.#behind(entry)) continue;
      await this.#guarded(entry, () => this.#tick(entry, now));
    }
    await this.#flush();
    this.#lastPassAt = now;
    // Only progress asks for the next pass at once: a binding whose step keeps failing (or that
    // lost a race) waits for the poll instead of spinning.
    return read > 0 && entries.some((entry) => this.#behind(entry));
  }

  /**
   * Passes until every binding has read all its data (tests, and a process that only catches up).
   * Rejects when a pass makes no progress while some binding is still behind (a step that keeps
   * failing: its error is in status()), or after `maxPasses`.
   */
  async runUntilCaughtUp(maxPasses = 100_000): Promise<void> {
    for (let pass = 0; pass < maxPasses; pass++) {
      if (await this.runPass()) continue;
      const stuck = this.#entries.filter((entry) => this.#behind(entry));
      if (stuck.length === 0) return;
      // A lost race leaves the winner's row read back: the next pass goes on from there.
      if (stuck.every((entry) => entry.error === undefined)) continue;
      throw new Error(`alarm evaluator: ${stuck.length} binding(s) cannot go on: ${stuck.find((entry) => entry.error !== undefined)!.error}`);
    }
    throw new Error(`alarm evaluator: still behind after ${maxPasses} passes`);
  }

  /** Runs `work` for one binding; a failure is noted on it (and logged), never stops the pass. Resolves the samples read. */
  async #guarded(entry: Entry, work: () => Promise<number>): Promise<number> {
    try {
      const read = await work();
      delete entry.error;
      return read;
    } catch (error) {
      if (error instanceof EvaluationRaced) {
        this.counters.raced++;
        await this.#reload(entry);
        return 0;
      }
      if (error instanceof StorageError && error.code === 'conflict') {
        // An alarm changed between its read and the write (an action applied): redone next pass.
        this.counters.alarmConflicts++;
        return 0;
      }
      this.counters.failures++;
      entry.error = error instanceof Error ? error.message : String(error);
      this.#log.warn({ err: error, rule: entry.binding.ruleId, channel: entry.binding.channel }, 'alarm evaluator: evaluating a rule failed, trying again at the next pass');
      return 0;
    }
  }

  /** Another evaluator moved the row on: take what it wrote (or re-bind when it evaluated another version of the rule). */
  async #reload(entry: Entry): Promise<void> {
    delete entry.unsaved;
    const stored = (await this.#evaluations.load([entry.key])).get(entry.key);
    if (stored && stored.hash === entry.hash) entry.evaluation = stored;
    else this.#dirty = true;
  }

  #behind(entry: Entry): boolean {
    return entry.binding.inputs.some((array) => (this.#lengths.get(array) ?? 0) > (entry.evaluation.positions[array] ?? 0));
  }

  /** Marks the bindings dirty when a rule, channel or asset document changed since the last look (any process). */
  async #noticeBindingChanges(): Promise<void> {
    const since = this.#seenSeq;
    const ranges = BINDING_RANGES.map(() => '(id >= ? AND id < ?)').join(' OR ');
    const [row] = await this.#store.driver.transaction(async (query) => {
      const [max] = await query("SELECT value FROM counters WHERE name = 'seq'");
      const seq = Number(max?.value ?? 0);
      if (seq <= since) return [{ seq, changed: 0 }];
      const [found] = await query(`SELECT COUNT(*) AS changed FROM documents WHERE seq > ? AND seq <= ? AND (${ranges})`, [since, seq, ...BINDING_RANGES.flat()]);
      return [{ seq, changed: Number(found?.changed ?? 0) }];
    });
    if (row!.changed > 0) this.#dirty = true;
    this.#seenSeq = row!.seq;
  }

  /** Binds the rules again and loads (or starts) each binding's evaluation. */
  async #rebind(): Promise<void> {
    this.#dirty = false;
    const { bound, problems, rules } = await loadBindings(this.#store.driver);
    this.#problems = problems;
    this.#rules = rules;
    const byKey = new Map<string, BoundRule>();
    for (const rule of bound) byKey.set(evaluationId(rule.binding.ruleId, rule.binding.channel), rule);
    const keys = [...byKey.keys()].sort();
    const stored = await this.#evaluations.load(keys);
    const previous = new Map(this.#entries.map((entry) => [entry.key, entry]));
    const lengths = await this.#readLengths([...new Set(bound.flatMap((rule) => rule.binding.inputs))]);
    const entries: Entry[] = [];
    for (const key of keys) {
      const { binding, hash } = byKey.get(key)!;
      const row = stored.get(key);
      const kept = previous.get(key);
      if (row && row.hash === hash) {
        entries.push({ key, binding, hash, evaluation: row, ...(kept?.error === undefined ? {} : { error: kept.error }) });
        continue;
      }
      // Alarm numbers go on from the highest one stored: a fresh state must not write over earlier alarms.
      const fresh: RuleState = { ...initRuleState(binding), n: Math.max((row?.state as RuleState | undefined)?.n ?? 0, await this.#highestAlarm(binding)) };
      if (!row) {
        // New: the whole existing history.
        entries.push({ key, binding, hash, evaluation: { id: key, rule: binding.ruleId, channel: binding.channel, positions: Object.fromEntries(binding.inputs.map((array) => [array, 0])), state: fresh, hash, version: 0 } });
        continue;
      }
      // Changed: from the current ends, stored at once so that a restart does not move the start on.
      const entry: Entry = { key, binding, hash, evaluation: { ...row, positions: Object.fromEntries(binding.inputs.map((array) => [array, lengths.get(array) ?? 0])), state: fresh, hash } };
      entries.push(entry);
      await this.#guarded(entry, async () => {
        await this.#commit(entry, entry.evaluation.positions, fresh, []);
        return 0;
      });
    }
    this.#entries = entries;
    this.#inputs = new Set(entries.flatMap((entry) => entry.binding.inputs));
    for (const id of [...this.#arrays.keys()]) if (!this.#inputs.has(id)) this.#arrays.delete(id);
  }

  /** The lengths of arrays (default: every bound input), from their metadata rows; a missing array has none. */
  async #readLengths(ids: readonly string[] = [...this.#inputs]): Promise<Map<string, number>> {
    const lengths = new Map<string, number>();
    const length = this.#store.driver.dialect === 'sqlite' ? "json_extract(doc, '$.length')" : "(doc::json ->> 'length')";
    for (let from = 0; from < ids.length; from += IDS_PER_STATEMENT) {
      const some = ids.slice(from, from + IDS_PER_STATEMENT);
      const rows: Row[] = await this.#store.driver.transaction((query) => query(`SELECT id, ${length} AS length FROM documents WHERE id IN (${some.map(() => '?').join(', ')}) AND deleted = ?`, [...some, false]));
      for (const row of rows) {
        const value = Number(row.length);
        if (Number.isSafeInteger(value) && value >= 0) lengths.set(String(row.id), value);
      }
    }
    return lengths;
  }

  /** The array, its metadata at least as new as `length`. */
  async #array(id: string, length: number): Promise<ChannelArray> {
    let array = this.#arrays.get(id);
    if (!array) this.#arrays.set(id, (array = await ChannelArray.open(this.#store.documents, id)));
    else if (array.length < length) await array.refresh();
    return array;
  }

  /**
   * One step of a binding: up to `batch` new samples of each input, cut at the earliest time
   * where an input's read stopped short of its end (so inputs are folded in time order, however
   * the reads fall), into stepRule; the transitions into alarms; all committed together.
   */
  async #step(entry: Entry): Promise<number> {
    const { binding, evaluation } = entry;
    const reads: Array<InputRead | undefined> = [];
    let horizon = Infinity;
    for (const array of binding.inputs) {
      const position = evaluation.positions[array] ?? 0;
      const length = this.#lengths.get(array) ?? 0;
      if (length <= position) {
        reads.push(undefined);
        continue;
      }
      let opened: ChannelArray;
      try {
        opened = await this.#array(array, length);
      } catch (error) {
        // Deleted since the lengths were read: nothing to read now.
        if (error instanceof ArrayError && error.status === 404) {
          reads.push(undefined);
          continue;
        }
        throw error;
      }
      const end = Math.min(length, opened.length, position + this.#batch);
      const { times, values } = await opened.read(position, end, { droppedAsNaN: true });
      if (end < length && times.length > 0) horizon = Math.min(horizon, times[times.length - 1]!);
      reads.push({ times, values });
    }
    const batch: Array<{ input: number; times: Float64Array; values: Float32Array }> = [];
    const positions: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, evaluation.positions);
    let read = 0;
    // Samples before the rule's `from` are read past, never folded in.
    const from = binding.rule.from ?? -Infinity;
    for (const [input, samples] of reads.entries()) {
      if (!samples) continue;
      const count = horizon === Infinity ? samples.times.length : countUpTo(samples.times, horizon);
      if (count === 0) continue;
      const array = binding.inputs[input]!;
      const skip = samples.times[0]! >= from ? 0 : countBefore(samples.times.subarray(0, count), from);
      if (skip < count) batch.push({ input, times: samples.times.subarray(skip, count), values: samples.values.subarray(skip, count) });
      positions[array] = (evaluation.positions[array] ?? 0) + count;
      read += count;
    }
    if (read === 0) return 0;
    const { state, transitions } = batch.length > 0 ? stepRule(binding, evaluation.state as RuleState, batch) : { state: evaluation.state as RuleState, transitions: [] };
    if (transitions.length > 0) await this.#commit(entry, positions, state, transitions);
    else {
      // No alarm changes: the row is written with the others' at the end of the pass (one
      // transaction instead of one per binding). Nothing depends on it before: were the process to
      // die first, the same samples would be read again and give the same (no) transitions.
      entry.evaluation = { ...evaluation, positions, state };
      entry.unsaved = true;
    }
    this.counters.samples += read;
    return read;
  }

  /** Writes the rows of the bindings that moved on without transitions, in one transaction. */
  async #flush(): Promise<void> {
    const pending = this.#entries.filter((entry) => entry.unsaved);
    if (pending.length === 0) return;
    const now = this.#now();
    try {
      const versions = await this.#store.driver.transaction(async (query) => {
        const written: number[] = [];
        for (const entry of pending) written.push(await EvaluationStore.write(query, { ...entry.evaluation, hash: entry.hash }, now));
        return written;
      });
      const at = new Date(now).toISOString();
      pending.forEach((entry, index) => {
        entry.evaluation = { ...entry.evaluation, version: versions[index]!, updatedAt: at };
        delete entry.unsaved;
      });
      this.counters.commits += pending.length;
    } catch (error) {
      if (!(error instanceof EvaluationRaced)) {
        // A database error: kept in memory, written at the next pass.
        this.counters.failures++;
        this.#log.warn({ err: error }, 'alarm evaluator: writing evaluation positions failed, trying again at the next pass');
        return;
      }
      // Another evaluator wrote one of them: all were rolled back; each goes on from what is stored.
      this.counters.raced++;
      for (const entry of pending) await this.#reload(entry);
    }
  }

  /** The clock's turn: a binding that read everything; written only when a transition came of it. */
  async #tick(entry: Entry, now: number): Promise<number> {
    const { state, transitions } = tickRule(entry.binding, entry.evaluation.state as RuleState, now);
    // A tick without transitions is not stored: tickRule is a function of the state and the clock,
    // so it says the same at the next pass (and a thousand idle rules cost no writes).
    if (transitions.length > 0) await this.#commit(entry, entry.evaluation.positions, state, transitions);
    return 0;
  }

  /**
   * Turns transitions into alarm documents and writes them with the new positions and state in
   * one transaction (see the module comment). Throws EvaluationRaced or a 409 StorageError when
   * another writer got in first; nothing is then written and the entry keeps its old evaluation.
   */
  async #commit(entry: Entry, positions: Record<string, number>, state: RuleState, transitions: readonly RuleTransition[]): Promise<void> {
    const writes: BulkWrite[] = [];
    let next = state;
    if (transitions.length > 0) {
      // The alarms as stored now, with what each write must find (its hash; null: none yet).
      const alarms = new Map<string, { alarm: Alarm; expect: string | null; changed: boolean }>();
      let current = await this.#alarmOf(entry.binding, next);
      if (current) alarms.set(current.id, { alarm: current.alarm, expect: docHash(current.alarm as unknown as Json), changed: false });
      for (const transition of transitions) {
        // An admin deleted the alarm this clear is for: there is nothing left to clear (throwing
        // would stop this binding at every pass).
        if (transition.kind === 'clear' && !current) continue;
        const applied = applyTransition(entry.binding, next, current?.alarm, transition);
        next = applied.state;
        const known = alarms.get(applied.id);
        alarms.set(applied.id, { alarm: applied.alarm, expect: known ? known.expect : null, changed: true });
        current = { id: applied.id, alarm: applied.alarm };
      }
      for (const [id, { alarm, expect, changed }] of alarms) if (changed) writes.push({ type: 'put', id, doc: alarm as unknown as Doc, expect });
    }
    const prepared = await SqlStorage.prepareWrites(writes);
    const written: Evaluation = { ...entry.evaluation, positions, state: next, hash: entry.hash };
    await this.#beforeCommit?.(entry.binding.ruleId, entry.binding.channel);
    const version = await this.#store.driver.transaction(async (query) => {
      // The row first: on PostgreSQL its lock is where a racing evaluator waits, then loses.
      const version = await EvaluationStore.write(query, written, this.#now());
      await SqlStorage.applyWrites(query, prepared);
      return version;
    });
    entry.evaluation = { ...written, version, updatedAt: new Date(this.#now()).toISOString() };
    delete entry.unsaved;
    this.counters.commits++;
    this.counters.transitions += transitions.length;
  }

  /** The alarm the state's latest number names (`n`; 0: none yet), as stored now. */
  async #alarmOf(binding: RuleBinding, state: RuleState): Promise<{ id: string; alarm: Alarm } | undefined> {
    const id = currentAlarmId(binding, state);
    if (id === undefined) return undefined;
    const [row] = await this.#store.driver.transaction((query) => query('SELECT doc FROM documents WHERE id = ? AND deleted = ?', [id, false]));
    return row ? { id, alarm: JSON.parse(String(row.doc)) as Alarm } : undefined;
  }

  /** The highest alarm number stored for a binding (0: none). */
  async #highestAlarm(binding: RuleBinding): Promise<number> {
    const prefix = alarmPrefix(binding);
    const rows = await this.#store.driver.transaction((query) => query('SELECT id FROM documents WHERE id >= ? AND id < ?', [prefix, `${prefix.slice(0, -1)}0`]));
    let highest = 0;
    for (const row of rows) {
      const rest = String(row.id).slice(prefix.length);
      // Only `<n>`: a channel whose id extends this one (…/field/anomaly) shares the prefix.
      if (/^[1-9]\d{0,14}$/.test(rest)) highest = Math.max(highest, Number(rest));
    }
    return highest;
  }

  /** What the evaluator does now: bindings with positions against lengths, problems, counters. */
  async status(): Promise<AlarmEvaluatorStatus> {
    const lengths = await this.#readLengths();
    const rows = await this.#evaluations.all();
    const bound = new Set(this.#entries.map((entry) => entry.key));
    const updated = new Map(rows.map((row) => [row.id, row.updatedAt]));
    return {
      running: this.#started && !this.#stopped,
      poll_ms: this.#pollMs,
      rules: this.#rules,
      problems: [...this.#problems].map(([rule, problem]) => ({ rule, problem })),
      bindings: this.#entries.map((entry) => {
        const inputs = entry.binding.inputs.map((array) => {
          const position = entry.evaluation.positions[array] ?? 0;
          const length = lengths.get(array) ?? 0;
          return { array, position, length, lag: Math.max(0, length - position) };
        });
        const at = updated.get(entry.key);
        return {
          rule: entry.binding.ruleId,
          channel: entry.binding.channel,
          asset: entry.binding.asset,
          site: entry.binding.site,
          inputs,
          version: entry.evaluation.version,
          caught_up: inputs.every((input) => input.lag === 0),
          ...(at === undefined ? {} : { updated_at: at }),
          ...(entry.error === undefined ? {} : { error: entry.error }),
        };
      }),
      stopped: rows.filter((row) => !bound.has(row.id)).map((row) => ({ rule: row.rule, channel: row.channel, version: row.version })),
      counters: { ...this.counters },
      last_pass_at: this.#lastPassAt,
    };
  }
}
