/**
 * The reading applier: appends each manual `reading` document (values a technician read off an
 * asset, written on a tablet, offline too) to the asset's manual-reading channels, exactly once.
 *
 * Where the truth lives: per field of an asset, a channel document `manualChannelId(asset, field)`
 * ({type: 'channel', asset, field, unit, manual: true, source: 'manual', title}) and its explicit
 * array `manualArrayId(asset, field)` marked `producer: 'manual'` (so POST /api/arrays/:id/values
 * refuses it with 409, like other computed arrays; the ids are the server's: access.ts), and the
 * table `readings_applied`, one row per reading dealt with. Applying a reading is one
 * transaction holding its appends (conditional on each array's metadata as read: another
 * process's applier may append to the same array) and that row; on a 409 the arrays are read
 * again and the reading applied to what is there now. The row, not the arrays (two readings may
 * carry the same time and value), says a reading was dealt with, so a reading is appended
 * exactly once across crashes, restarts and processes sharing one database.
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
import type { LivePublisher, LiveSubscription } from '../live/publisher';
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

/** One reading's writes, prepared from the arrays as read, and what to do once they commit. */
interface Prepared {
  writes: BulkWrite[];
  commits: Array<() => void>;
  events: SamplesData[];
  /** Why the reading is not applied (nothing is written but its row). */
  refused?: string;
}

/** Appends manual readings to their channels, once each; start() runs the sweep, stop() waits for it. */
export class ReadingApplier implements ReadingHooks {
  readonly #store: Store;
  readonly #live: LivePublisher | undefined;
  readonly #log: ReadingApplierLog;
  readonly #window: TimeWindow;
  readonly #sweepMs: number;
  readonly #batch: number;
  readonly #beforeWrite: ((readingId: string) => Promise<void>) | undefined;
  /** Every reading with seq ≤ this was dealt with (or found dealt with) by this process. */
  #checkpoint = 0;
  #subscription: LiveSubscription | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The pass running, and whether another was asked for meanwhile (passes never overlap). */
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  /**
   * The last apply of each asset in this process: applies of one asset take turns here (they
   * append to the same arrays and would only refuse each other's conditional writes); other
   * processes are caught by the condition. An entry leaves when its turn ends with no one after it.
   */
  readonly #turns = new Map<string, Promise<unknown>>();
  /** Readings applied or refused by this process, and writes redone after another writer (tests and logs read it). */
  readonly counts = { applied: 0, refused: 0, conflicts: 0 };

  constructor(options: ReadingApplierOptions) {
    this.#store = options.store;
    this.#live = options.live;
    this.#log = options.log;
    this.#window = options.timeWindow ?? DEFAULT_TIME_WINDOW;
    this.#sweepMs = options.sweepMs ?? 5000;
    this.#batch = options.batch ?? 200;
    this.#beforeWrite = options.beforeWrite;
  }

  /** The reading times accepted now (the ingest window). */
  bounds(): ReadingTimeBounds {
    return boundsAt(this.#window, Date.now());
  }

  /**
   * Appends readings a write just stored (oldest first: a device's batch then mostly appends).
   * Never rejects: a reading that fails here is applied by the sweep.
   */
  async stored(readings: ReadonlyArray<{ id: string; doc: Doc }>): Promise<void> {
    const ordered = [...readings].sort((a, b) => Number(a.doc.at) - Number(b.doc.at));
    for (const { id, doc } of ordered) {
      if (this.#stopped) return;
      try {
        await this.apply(id, doc as unknown as ReadingDoc);
      } catch (error) {
        this.#log.warn({ err: error, reading: id }, 'readings: could not append on write; the sweep tries again');
      }
    }
  }

  /** Starts: a first sweep now (in the background), then on each reading written and every sweepMs. */
  start(): void {
    this.#subscription = this.#live?.subscribe(undefined, () => this.#onEvents());
    this.#timer = setInterval(() => void this.sweep(), this.#sweepMs);
    void this.sweep();
  }

  /** Stops waking and waits for a pass in progress (so the database can close after it). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#subscription?.close();
    while (this.#running) await this.#running;
  }

  /** Reads the bus; a reading written (by any process: the doc feed) asks for a pass. */
  #onEvents(): void {
    const subscription = this.#subscription;
    if (!subscription) return;
    let wanted = false;
    for (let read = subscription.next(); read; read = subscription.next()) {
      // A reset means events were missed: a pass finds whatever they said.
      if ('reset' in read || (read.message.event === 'doc' && read.message.data.type === 'reading' && !read.message.data.deleted)) wanted = true;
    }
    if (wanted) void this.sweep();
  }

  /**
   * One pass over the readings not yet dealt with (joins a running one and runs once more after
   * it). Never rejects: a failure is logged and the next pass tries again from the same checkpoint.
   */
  sweep(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const run = async (): Promise<void> => {
      do {
        this.#again = false;
        try {
          while (!this.#stopped && (await this.#passOnce())) {
            // a full batch came: read on
          }
        } catch (error) {
          if (!this.#stopped) this.#log.warn({ err: error }, 'readings: a pass failed; the next one tries again');
        }
      } while (this.#again && !this.#stopped);
    };
    this.#running = run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
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
    let allDealtWith = true;
    for (const row of rows) {
      if (this.#stopped) return false;
      try {
        await this.apply(String(row.id), JSON.parse(String(row.doc)) as ReadingDoc);
      } catch (error) {
        allDealtWith = false;
        this.#log.warn({ err: error, reading: String(row.id) }, 'readings: could not append; tried again at the next pass');
      }
    }
    const full = rows.length === this.#batch;
    // Past everything read, unless something must be read again (a failure keeps the checkpoint).
    if (allDealtWith) this.#checkpoint = full ? Number(rows.at(-1)!.seq) : Math.max(since, end);
    return full && allDealtWith;
  }

  /**
   * Appends one reading to its channels, unless it was dealt with before (by this or another
   * process). Rejects only on a database failure, or when other writers kept winning (the reading
   * stays for the next pass).
   */
  apply(readingId: string, reading: ReadingDoc): Promise<ReadingOutcome> {
    const asset = String(reading.asset);
    const run = () => this.#applyNow(readingId, reading);
    const result = (this.#turns.get(asset) ?? Promise.resolve()).then(run, run);
    const settled = result.catch(() => undefined);
    this.#turns.set(asset, settled);
    void settled.then(() => {
      if (this.#turns.get(asset) === settled) this.#turns.delete(asset);
    });
    return result;
  }

  async #applyNow(readingId: string, reading: ReadingDoc): Promise<ReadingOutcome> {
    const driver = this.#store.driver;
    for (let attempt = 1; ; attempt++) {
      if (await driver.transaction((query) => ReadingApplier.#dealtWith(query, readingId))) return 'done_before';
      // The time window was the write's to judge: a reading stored long ago is no less a reading now.
      const problem = readingProblem(reading);
      const prepared: Prepared = problem === undefined ? await this.#prepare(reading) : { writes: [], commits: [], events: [], refused: `it is not a well-formed reading: ${problem}` };
      await this.#beforeWrite?.(readingId);
      try {
        const writes = await SqlStorage.prepareWrites(prepared.writes);
        const written = await driver.transaction(async (query) => {
          // Other writers wait from here to the commit: what is checked below holds when it commits.
          await SqlStorage.holdWriters(query);
          if (await ReadingApplier.#dealtWith(query, readingId)) return false; // another process did, since the read
          // Conditional on each array's metadata as read: 409 when another writer appended since.
          await SqlStorage.applyWrites(query, writes);
          await query('INSERT INTO readings_applied (id, asset, outcome, reason, applied_at) VALUES (?, ?, ?, ?, ?)', [readingId, String(reading.asset), prepared.refused === undefined ? 'applied' : 'refused', prepared.refused ?? null, new Date().toISOString()]);
          return true;
        });
        if (!written) return 'done_before';
      } catch (error) {
        if (movedOnMeanwhile(error) && attempt < MAX_TRIES) {
          this.counts.conflicts++;
          // Losing again and again against a busy writer: give it a moment (randomised, so two
          // processes that collide do not collide again in step).
          if (attempt > 2) await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
          continue; // prepared again from the arrays as they are now
        }
        throw error;
      }
      prepared.commits.forEach((commit) => commit());
      if (prepared.refused !== undefined) {
        this.counts.refused++;
        this.#log.info({ reading: readingId, asset: reading.asset, reason: prepared.refused }, `reading ${readingId} not appended to its channels: ${prepared.refused}`);
        return 'refused';
      }
      this.counts.applied++;
      for (const data of prepared.events) this.#live?.publish({ event: 'samples', data });
      return 'applied';
    }
  }

  /** The writes of one reading: per field, the channel and array when new, and the sample in time order. */
  async #prepare(reading: ReadingDoc): Promise<Prepared> {
    const storage = this.#store.documents;
    const prepared: Prepared = { writes: [], commits: [], events: [] };
    const { asset, site, at } = reading;
    // Sorted: two processes applying readings of one asset touch its arrays in the same order.
    for (const field of Object.keys(reading.values).sort()) {
      const value = reading.values[field]!;
      const unit = own(reading.units, field);
      const arrayId = manualArrayId(asset, field);
      const channelId = manualChannelId(asset, field);
      let array = await ChannelArray.open(storage, arrayId).catch((error: unknown) => {
        if (error instanceof ArrayError && error.status === 404) return undefined;
        throw error;
      });
      if (array && (array.meta.producer !== MANUAL_PRODUCER || array.meta.timing !== 'explicit')) {
        return { writes: [], commits: [], events: [], refused: `${arrayId} holds an array that is not a manual-reading channel's (field ${JSON.stringify(field)})` };
      }
      if (!array) {
        // Created in the same transaction as the append: its creation is conditional on there being none.
        const created = ChannelArray.prepareCreate(storage, arrayId, { timing: 'explicit', producer: MANUAL_PRODUCER, site, ...(unit ? { unit } : {}) });
        prepared.writes.push(...created.writes);
        array = created.commit();
      }
      const channel = await storage.stored(channelId);
      const channelDoc = channel?.doc;
      if (!channelDoc) {
        prepared.writes.push({ type: 'put', id: channelId, expect: null, doc: { type: 'channel', site, asset, source: 'manual', array: arrayId, field, title: humanizeField(field), unit: unit ?? '', manual: true } });
      } else if (channelDoc.type !== 'channel' || channelDoc.manual !== true) {
        return { writes: [], commits: [], events: [], refused: `${channelId} holds a document that is not a manual-reading channel (field ${JSON.stringify(field)})` };
      } else if (unit && !channelDoc.unit) {
        // The unit of the first reading that has one (a channel made by a reading without units has none).
        prepared.writes.push({ type: 'put', id: channelId, expect: docHash(channelDoc as Json), doc: { ...channelDoc, unit } });
      }
      // In time order: after every sample at or before `at` (readings of one time keep their order).
      const index = array.meta.last_time === null || at >= array.meta.last_time ? array.length : await array.indexAfterTime(at);
      let write: { writes: BulkWrite[]; commit: () => void };
      let last = { time: at, value: Math.fround(value) };
      if (index === array.length) write = await array.prepareAppend(Float32Array.of(value), Float64Array.of(at));
      else {
        const tail = await array.read(index, array.length);
        const values = new Float32Array(tail.values.length + 1);
        const times = new Float64Array(tail.times.length + 1);
        values[0] = value;
        times[0] = at;
        values.set(tail.values, 1);
        times.set(tail.times, 1);
        write = await array.prepareRewrite(index, values, times);
        last = { time: times.at(-1)!, value: values.at(-1)! };
      }
      prepared.writes.push(...write.writes);
      prepared.commits.push(write.commit);
      prepared.events.push({ array: arrayId, channel: channelId, site, length: array.length + 1, last });
    }
    return prepared;
  }

  static async #dealtWith(query: Query, readingId: string): Promise<boolean> {
    return (await query('SELECT id FROM readings_applied WHERE id = ?', [readingId])).length > 0;
  }
}
