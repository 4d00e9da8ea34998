/**
 * The reading applier: appends each manual `reading` document (values a technician read off an
 * asset, written on a tablet, offline too) to the asset's manual-reading channels, exactly once.
 *
 * Where the truth lives: per field of an asset, a channel document `manualChannelId(asset, field)`
 * ({type: 'channel', asset, field, unit, manual: true, source: 'manual', title}) and its explicit
 * array `manualArrayId(asset, field)` marked `producer: 'manual'` (so POST /api/arrays/:id/values
 * refuses it with 409, like other computed arrays; the ids are the server's: access.ts), and the
 * table `readings_applied`, one row per reading dealt with. Applying readings is one
 * transaction holding their appends (conditional on each array's metadata as read: another
 * process's applier may append to the same array) and their rows; on a 409 the arrays are read
 * again and the readings applied to what is there now. The row, not the arrays (two readings may
 * carry the same time and value), says a reading was dealt with, so a reading is appended
 * exactly once across crashes, restarts and processes sharing one database.
 *
 * Group commit: the readings of one asset take turns in a process (they append to the same
 * arrays and would only refuse each other's writes), and those waiting while a group commits go
 * together in the next one — one transaction and one append (or rewrite) per array for a whole
 * sync's readings of an asset, instead of one per reading (a commit is an fsync: 100 readings of
 * two fields took 4 s on SQLite one by one). When a group fails for another reason than a
 * conflict, its readings are applied again one by one, so only a failing one fails.
 *
 * Time order: a reading older than its channel's last sample (two technicians offline for days,
 * syncing in any order) is merged in place: the array is rewritten from the first sample after
 * the reading's time (prepareRewrite: the chunks before stay), so the channel stays ordered by
 * time. Readings of one time keep the order they were applied in. Manual channels hold a few
 * samples a day, so such a rewrite reads and writes a short tail.
 *
 * When: right after a write that stored readings commits, before its HTTP answer (the document
 * routes call `stored`), so the pin sync that follows in the same sync pulls the new samples; and
 * by a sweep at start and every `sweepMs` and on the doc feed's `reading` events (a crash between
 * the document's commit and its append, readings written through another process). A pass reads
 * the changes feed past its checkpoint for readings without a row; the checkpoint starts at 0 in
 * each process, so the first pass also catches whatever an earlier run left.
 *
 * A reading that cannot apply (its array taken by something that is not a manual-reading array,
 * malformed because an admin wrote it so) keeps its document and changes no channel: its row says
 * `refused` with the reason, logged once when the row is written.
 */
import { ArrayError, ChannelArray } from '../../arrays';
import { MANUAL_PRODUCER, docHash, humanizeField, manualArrayId, manualChannelId, readingProblem, type Json, type ReadingDoc, type ReadingTimeBounds } from '../../core';
import type { BulkWrite, Doc } from '../../storage/backend';
import { StorageError } from '../../storage/errors';
import type { Store } from '../store/store';
import type { Query } from '../store/sql/driver';
import { SqlStorage } from '../store/sql/sql-storage';
import type { LivePublisher } from '../live/publisher';
import { DocSweeper } from '../live/doc-sweeper';
import type { SamplesData } from '../../core/live-events';
import { DEFAULT_TIME_WINDOW, boundsAt, type TimeWindow } from '../ingest/time-window';
import type { ReadingHooks } from '../http/reading-checks';

/** Where the applier says what it did (a pino logger fits). */
export interface ReadingApplierLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface ReadingApplierOptions {
  store: Store;
  /** The live bus: `samples` events for the arrays appended; its `doc` events (doc feed) wake the sweep. */
  live?: LivePublisher;
  log: ReadingApplierLog;
  /** The reading times accepted on write (the ingest window; default DEFAULT_TIME_WINDOW). */
  timeWindow?: TimeWindow;
  /** How often the sweep runs (default 5000 ms). */
  sweepMs?: number;
  /** Readings read per query (default 200). */
  batch?: number;
  /**
   * Called after a reading's appends were prepared and before their transaction (tests put a
   * concurrent append here, to prove the write is conditional and retried).
   */
  beforeWrite?: (readingId: string) => Promise<void>;
}

/** What became of one reading. */
export type ReadingOutcome = 'applied' | 'refused' | 'done_before';

/** Conditional writes tried per reading before it is left to the next pass. */
const MAX_TRIES = 8;

/**
 * Whether `error` says another writer got in first: an array's or channel's metadata changed since
 * it was read (the conditional write, 409), or PostgreSQL refused a row another process wrote first.
 */
function movedOnMeanwhile(error: unknown): boolean {
  if (error instanceof StorageError) return error.code === 'conflict';
  if (error instanceof ArrayError) return error.status === 409;
  // 23505: a unique key another process took first (the row); 40P01: a lock cycle broken.
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '23505';
}

/** A reading's own value of `key` in a by-field record (never Object.prototype's). */
function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** One reading waiting in its asset's line. */
interface Pending {
  id: string;
  reading: ReadingDoc;
  resolve: (outcome: ReadingOutcome) => void;
  reject: (error: unknown) => void;
}

/** The readings of one asset not yet taken, and whether they are being applied. */
interface AssetLine {
  waiting: Pending[];
  draining: boolean;
}

/** Readings applied in one transaction at most (bounds what a group holds in memory and how long it holds the writers). */
const MAX_GROUP = 500;

/** Ids per IN (…) list (statement parameters stay well under every driver's limit). */
const IDS_PER_STATEMENT = 500;

/** A group's writes, prepared from the arrays as read, and what to do once they commit. */
interface Prepared {
  writes: BulkWrite[];
  commits: Array<() => void>;
  events: SamplesData[];
  /** Readings not applied, and why (only their row is written). */
  refused: Map<string, string>;
}

/** A group whose reading another process dealt with between the read and the write: prepared again. */
class DealtWithMeanwhile extends Error {}

/** Appends manual readings to their channels, once each; start() runs the sweep, stop() waits for it. */
export class ReadingApplier implements ReadingHooks {
  readonly #store: Store;
  readonly #live: LivePublisher | undefined;
  readonly #log: ReadingApplierLog;
  readonly #window: TimeWindow;
  readonly #batch: number;
  readonly #beforeWrite: ((readingId: string) => Promise<void>) | undefined;
  /** Wakes the passes (start, the live bus, every sweepMs); passes never overlap. */
  readonly #sweeper: DocSweeper;
  /** Every reading with seq ≤ this was dealt with (or found dealt with) by this process. */
  #checkpoint = 0;
  /** Readings waiting per asset (see the module comment: group commit); a line leaves when drained. */
  readonly #lines = new Map<string, AssetLine>();
  /** Readings applied or refused by this process, writes redone after another writer, groups committed (tests and logs read it). */
  readonly counts = { applied: 0, refused: 0, conflicts: 0, groups: 0 };

  constructor(options: ReadingApplierOptions) {
    this.#store = options.store;
    this.#live = options.live;
    this.#log = options.log;
    this.#window = options.timeWindow ?? DEFAULT_TIME_WINDOW;
    this.#sweeper = new DocSweeper({ type: 'reading', live: options.live, sweepMs: options.sweepMs ?? 5000, log: options.log, label: 'readings', pass: () => this.#passOnce() });
    this.#batch = options.batch ?? 200;
    this.#beforeWrite = options.beforeWrite;
  }

  /** The reading times accepted now (the ingest window). */
  bounds(): ReadingTimeBounds {
    return boundsAt(this.#window, Date.now());
  }

  /**
   * Appends readings a write just stored (together: the readings of one asset in one
   * transaction). Never rejects: a reading that fails here is applied by the sweep.
   */
  async stored(readings: ReadonlyArray<{ id: string; doc: Doc }>): Promise<void> {
    if (this.#sweeper.stopped) return;
    await Promise.all(
      readings.map(({ id, doc }) =>
        this.apply(id, doc as unknown as ReadingDoc).catch((error: unknown) => {
          this.#log.warn({ err: error, reading: id }, 'readings: could not append on write; the sweep tries again');
        }),
      ),
    );
  }

  /** Starts: a first sweep now (in the background), then on each reading written and every sweepMs. */
  start(): void {
    this.#sweeper.start();
  }

  /** Stops waking and waits for a pass in progress (so the database can close after it). */
  stop(): Promise<void> {
    return this.#sweeper.stop();
  }

  /**
   * One pass over the readings not yet dealt with (joins a running one and runs once more after
   * it, so one written during a pass is not left to the next sweep). Never rejects.
   */
  sweep(): Promise<void> {
    return this.#sweeper.sweep();
  }

  /** One batch past the checkpoint; true when a full batch came (more may wait). */
  async #passOnce(): Promise<boolean> {
    const since = this.#checkpoint;
    const driver = this.#store.driver;
    const type = driver.dialect === 'sqlite' ? "json_extract(d.doc, '$.type')" : "(d.doc::json ->> 'type')";
    const { end, rows } = await driver.transaction(async (query) => {
      // The end first: on PostgreSQL each statement sees what committed before it, so rows past
      // `end` may show up below (they are looked at again next time, and skipped by their row).
      const [counter] = await query("SELECT value FROM counters WHERE name = 'seq'");
      const end = Number(counter?.value ?? 0);
      const rows = await query(
        `SELECT d.id, d.seq, d.doc FROM documents d LEFT JOIN readings_applied r ON r.id = d.id WHERE d.seq > ? AND d.seq <= ? AND d.deleted = ? AND ${type} = 'reading' AND r.id IS NULL ORDER BY d.seq LIMIT ?`,
        [since, end, false, this.#batch],
      );
      return { end, rows };
    });
    if (this.#sweeper.stopped) return false;
    // All at once: the readings of one asset go in one group.
    const outcomes = await Promise.allSettled(rows.map((row) => this.apply(String(row.id), JSON.parse(String(row.doc)) as ReadingDoc)));
    let allDealtWith = true;
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.status === 'fulfilled') continue;
      allDealtWith = false;
      this.#log.warn({ err: outcome.reason, reading: String(rows[index]!.id) }, 'readings: could not append; tried again at the next pass');
    }
    const full = rows.length === this.#batch;
    // Past everything read, unless something must be read again (a failure keeps the checkpoint).
    if (allDealtWith) this.#checkpoint = full ? Number(rows.at(-1)!.seq) : Math.max(since, end);
    return full && allDealtWith && !this.#sweeper.stopped;
  }

  /**
   * Appends one reading to its channels, unless it was dealt with before (by this or another
   * process), together with the other readings of its asset waiting meanwhile. Rejects only on a
   * database failure, or when other writers kept winning (the reading stays for the next pass).
   */
  apply(readingId: string, reading: ReadingDoc): Promise<ReadingOutcome> {
    const asset = String(reading.asset);
    return new Promise((resolve, reject) => {
      let line = this.#lines.get(asset);
      if (!line) this.#lines.set(asset, (line = { waiting: [], draining: false }));
      line.waiting.push({ id: readingId, reading, resolve, reject });
      if (!line.draining) {
        line.draining = true;
        void this.#drain(asset, line);
      }
    });
  }

  /** Applies an asset's waiting readings, group after group, until none is left. */
  async #drain(asset: string, line: AssetLine): Promise<void> {
    // Readings handed in during this turn of the event loop (one write's, one pass's) join the first group.
    await new Promise((resolve) => setImmediate(resolve));
    while (line.waiting.length > 0) {
      const group = line.waiting.splice(0, MAX_GROUP);
      try {
        const outcomes = await this.#applyGroup(group);
        group.forEach((pending, index) => pending.resolve(outcomes[index]!));
        continue;
      } catch (error) {
        if (group.length === 1) {
          group[0]!.reject(error);
          continue;
        }
      }
      // One failing reading must not take the others down: each alone, in order.
      for (const pending of group) {
        try {
          pending.resolve((await this.#applyGroup([pending]))[0]!);
        } catch (error) {
          pending.reject(error);
        }
      }
    }
    line.draining = false;
    this.#lines.delete(asset);
  }

  /** Applies a group of one asset's readings in one transaction (again from fresh arrays after a conflict); the outcome of each. */
  async #applyGroup(group: readonly Pending[]): Promise<ReadingOutcome[]> {
    const driver = this.#store.driver;
    for (let attempt = 1; ; attempt++) {
      // The same reading twice in a group (a resend and a sweep at once) is applied once.
      const firstOf = new Map<string, number>();
      group.forEach((pending, index) => {
        if (!firstOf.has(pending.id)) firstOf.set(pending.id, index);
      });
      const done = await driver.transaction((query) => ReadingApplier.#dealtWith(query, [...firstOf.keys()]));
      const todo = [...firstOf.entries()].filter(([id]) => !done.has(id)).map(([, index]) => group[index]!);
      if (todo.length === 0) return group.map(() => 'done_before');
      const prepared = await this.#prepare(todo);
      for (const pending of todo) await this.#beforeWrite?.(pending.id);
      try {
        const writes = await SqlStorage.prepareWrites(prepared.writes);
        await driver.transaction(async (query) => {
          // Other writers wait from here to the commit: what is checked below holds when it commits.
          await SqlStorage.holdWriters(query);
          // Another process dealt with one since the read: the group is judged again without it.
          if ((await ReadingApplier.#dealtWith(query, todo.map((pending) => pending.id))).size > 0) throw new DealtWithMeanwhile();
          // Conditional on each array's metadata as read: 409 when another writer appended since.
          await SqlStorage.applyWrites(query, writes);
          const now = new Date().toISOString();
          for (const pending of todo) {
            const reason = prepared.refused.get(pending.id);
            await query('INSERT INTO readings_applied (id, asset, outcome, reason, applied_at) VALUES (?, ?, ?, ?, ?)', [pending.id, String(pending.reading.asset), reason === undefined ? 'applied' : 'refused', reason ?? null, now]);
          }
        });
      } catch (error) {
        if ((error instanceof DealtWithMeanwhile || movedOnMeanwhile(error)) && attempt < MAX_TRIES) {
          this.counts.conflicts++;
          // Losing again and again against a busy writer: give it a moment (randomised, so two
          // processes that collide do not collide again in step).
          if (attempt > 2) await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
          continue; // prepared again from the arrays as they are now
        }
        throw error;
      }
      prepared.commits.forEach((commit) => commit());
      this.counts.groups++;
      for (const [id, reason] of prepared.refused) this.#log.info({ reading: id, reason }, `reading ${id} not appended to its channels: ${reason}`);
      this.counts.refused += prepared.refused.size;
      this.counts.applied += todo.length - prepared.refused.size;
      for (const data of prepared.events) this.#live?.publish({ event: 'samples', data });
      const applied = new Set(todo.map((pending) => pending.id));
      return group.map((pending, index) => (firstOf.get(pending.id) !== index || !applied.has(pending.id) ? 'done_before' : prepared.refused.has(pending.id) ? 'refused' : 'applied'));
    }
  }

  /**
   * The writes of a group of one asset's readings: per field, the channel and array when new, and
   * the samples in time order (an append, or a rewrite from the earliest late one). A reading
   * that cannot apply (malformed, a field whose id holds something else) is refused whole.
   */
  async #prepare(group: readonly Pending[]): Promise<Prepared> {
    const storage = this.#store.documents;
    const prepared: Prepared = { writes: [], commits: [], events: [], refused: new Map() };
    // The time window was the write's to judge: a reading stored long ago is no less a reading now.
    for (const { id, reading } of group) {
      const problem = readingProblem(reading);
      if (problem !== undefined) prepared.refused.set(id, `it is not a well-formed reading: ${problem}`);
    }
    const byField = new Map<string, Pending[]>();
    for (const pending of group) {
      if (prepared.refused.has(pending.id)) continue;
      for (const field of Object.keys(pending.reading.values)) {
        let list = byField.get(field);
        if (!list) byField.set(field, (list = []));
        list.push(pending);
      }
    }
    const fields = [...byField.keys()].sort();
    const arrays = new Map<string, ChannelArray | undefined>();
    const channels = new Map<string, Doc | undefined>();
    for (const field of fields) {
      const asset = byField.get(field)![0]!.reading.asset;
      const array = await ChannelArray.open(storage, manualArrayId(asset, field)).catch((error: unknown) => {
        if (error instanceof ArrayError && error.status === 404) return undefined;
        throw error;
      });
      const channel = (await storage.stored(manualChannelId(asset, field)))?.doc;
      arrays.set(field, array);
      channels.set(field, channel);
      let wrong: string | undefined;
      if (array && (array.meta.producer !== MANUAL_PRODUCER || array.meta.timing !== 'explicit')) wrong = `${array.id} holds an array that is not a manual-reading channel's (field ${JSON.stringify(field)})`;
      else if (channel && (channel.type !== 'channel' || channel.manual !== true)) wrong = `${manualChannelId(asset, field)} holds a document that is not a manual-reading channel (field ${JSON.stringify(field)})`;
      if (wrong !== undefined) for (const pending of byField.get(field)!) prepared.refused.set(pending.id, wrong);
    }
    for (const field of fields) {
      // In the group's order, without the readings refused (by this field or another).
      const readings = byField.get(field)!.filter((pending) => !prepared.refused.has(pending.id));
      if (readings.length === 0) continue;
      const { asset, site } = readings[0]!.reading;
      const arrayId = manualArrayId(asset, field);
      const channelId = manualChannelId(asset, field);
      const unit = readings.map((pending) => own(pending.reading.units, field)).find((candidate) => candidate !== undefined && candidate !== '');
      let array = arrays.get(field);
      if (!array) {
        // Created in the same transaction as the append: its creation is conditional on there being none.
        const created = ChannelArray.prepareCreate(storage, arrayId, { timing: 'explicit', producer: MANUAL_PRODUCER, site, ...(unit ? { unit } : {}) });
        prepared.writes.push(...created.writes);
        array = created.commit();
      }
      const channel = channels.get(field);
      if (!channel) {
        prepared.writes.push({ type: 'put', id: channelId, expect: null, doc: { type: 'channel', site, asset, source: 'manual', array: arrayId, field, title: humanizeField(field), unit: unit ?? '', manual: true } });
      } else if (unit && !channel.unit) {
        // The unit of the first reading that has one (a channel made by a reading without units has none).
        prepared.writes.push({ type: 'put', id: channelId, expect: docHash(channel as Json), doc: { ...channel, unit } });
      }
      // The new samples by time; readings of one time keep the group's order (a stable sort).
      const added = readings.map((pending) => ({ time: pending.reading.at, value: pending.reading.values[field]! })).sort((a, b) => a.time - b.time);
      const lastTime = array.meta.last_time;
      let write: { writes: BulkWrite[]; commit: () => void };
      let last: { time: number; value: number };
      if (lastTime === null || added[0]!.time >= lastTime) {
        write = await array.prepareAppend(Float32Array.from(added, (sample) => sample.value), Float64Array.from(added, (sample) => sample.time));
        last = { time: added.at(-1)!.time, value: Math.fround(added.at(-1)!.value) };
      } else {
        // Late: the array again from the first sample after the earliest new one, merged in time
        // order (a stored sample before a new one of the same time: it was applied first).
        const index = await array.indexAfterTime(added[0]!.time);
        const tail = await array.read(index, array.length);
        const count = tail.times.length + added.length;
        const values = new Float32Array(count);
        const times = new Float64Array(count);
        for (let out = 0, old = 0, fresh = 0; out < count; out++) {
          const takeOld = fresh >= added.length || (old < tail.times.length && tail.times[old]! <= added[fresh]!.time);
          if (takeOld) {
            times[out] = tail.times[old]!;
            values[out] = tail.values[old++]!;
          } else {
            times[out] = added[fresh]!.time;
            values[out] = added[fresh++]!.value;
          }
        }
        write = await array.prepareRewrite(index, values, times);
        last = { time: times[count - 1]!, value: values[count - 1]! };
      }
      prepared.writes.push(...write.writes);
      prepared.commits.push(write.commit);
      prepared.events.push({ array: arrayId, channel: channelId, site, length: array.length + added.length, last });
    }
    return prepared;
  }

  /** Which of `ids` have a row (were dealt with). */
  static async #dealtWith(query: Query, ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let from = 0; from < ids.length; from += IDS_PER_STATEMENT) {
      const some = ids.slice(from, from + IDS_PER_STATEMENT);
      for (const row of await query(`SELECT id FROM readings_applied WHERE id IN (${some.map(() => '?').join(', ')})`, some)) found.add(String(row.id));
    }
    return found;
  }
}
