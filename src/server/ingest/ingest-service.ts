/**
 * Stores ingested batches exactly once. A batch is identified by its key (chunk id or
 * Idempotency-Key); an event by (source, event time): an event whose time the source already
 * stored is a resend and is skipped, so a client that resends a timed-out event inside a new batch
 * does not double it. For each new batch, atomically: the raw bytes go to the source's stream, the
 * record and the new event times are written, and every numeric field is appended to its channel
 * array (created with a channel document on first sight). Non-numeric fields stay in the stream.
 * Arrays are ordered by time: a new event older than its array's last sample (a batch retried
 * after later ones were stored) is kept in the raw stream and counted, but not appended until
 * `rebuild` merges it (each batch records how its raw bytes decode, and its late events).
 *
 * Integrity of what is stored: a batch key names one content — sent again with other bytes it is
 * refused (409), never answered as a duplicate while the new data is dropped. Event times outside
 * the accepted window (time-window.ts) are refused with the whole batch (400), or, for a producer
 * that would resend a refused batch forever (the forward protocol), skipped and counted. Events of
 * a batch that share a time are merged into one instant (instants.ts); an instant stored by an
 * earlier batch is not written again (a resend: counted, its events skipped whole).
 *
 * Group commit: batches of one source are stored in the order they were handed in (per process),
 * and those that wait while a transaction commits are stored together in the next one — one
 * commit (one fsync) and one append per array for the whole group. The outcome is the one
 * storing them one after the other would give: each batch keeps its ingestion record and its
 * result, an event time repeated across batches of a group counts once, and late events are
 * judged against what earlier batches of the group appended. When a group's transaction fails,
 * its batches are stored again one by one, so only a bad batch fails.
 */
import { ArrayError, ChannelArray, regularRuns } from '../../arrays';
import { StorageError, idProblem, type BulkWrite } from '../../storage/backend';
import type { Store } from '../store/store';
import type { Query, SqlDriver } from '../store/sql/driver';
import { SqlStorage } from '../store/sql/sql-storage';
import { IngestLog, checksumOf, type BatchInfo } from '../store/sql/ingest-log';
import { HttpError } from '../errors';
import { fieldInfoOf, unitOf, type Source } from './sources';
import type { IngestEvent, TimeCheck } from './parse';
import { decodeBatch } from './decode';
import { mergeInstants } from './instants';
import type { LivePublisher } from '../live/publisher';
import { DEFAULT_TIME_WINDOW, boundsAt, describeTime, inBounds, outsideReason, type TimeBounds, type TimeWindow } from './time-window';

export interface IngestResult {
  status: 'stored' | 'duplicate';
  /** Events of this batch that were new (not resends). */
  events: number;
  /** New events older than their arrays' last samples: in the raw stream only. */
  late: number;
  /** Events (instants) at a time the source had stored before: resends, skipped. */
  resent: number;
  /** Values dropped because the same field had another value at the same instant of the batch. */
  droppedSameTime: number;
  /** Events skipped for a time outside the accepted window (only with `skipUnstorable`). */
  outOfWindow: number;
  /** Numeric values skipped because their field name cannot name a channel (only with `skipUnstorable`). */
  unnamable: number;
}

/** A batch key sent again with other content (409): nothing of it is stored. */
export class KeyReusedError extends HttpError {
  override name = 'KeyReusedError';
  constructor(detail: string) {
    super(409, 'conflict', detail);
  }
}

/** What `ingest` does with what it cannot store: a time outside the window, a field that cannot name a channel. */
export interface IngestOptions {
  /**
   * false (default): the batch fails with 400 naming the event or field; true: the rest is stored
   * and these are counted (for producers that would resend a refused batch forever).
   */
  skipUnstorable?: boolean;
}

export interface RebuildResult {
  /** Events found late and merged into the arrays. */
  merged: number;
  /** Samples from `from` on that were written again (all fields). */
  rewritten: number;
  /** The time (epoch ms) from which the arrays were rewritten; null when nothing was late. */
  from: number | null;
}

/** One `ingest` call waiting for its group's commit. */
interface PendingBatch {
  key: string;
  events: IngestEvent[];
  raw: Uint8Array;
  format: string | undefined;
  /** When `ingest` was called: the moment the window was checked. */
  receivedAt: number;
  droppedSameTime: number;
  outOfWindow: number;
  skipUnstorable: boolean;
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
}

/** Work that must run alone on a source's line (no batch stored meanwhile): a rebuild. */
interface PendingTask {
  task: () => Promise<unknown>;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

/** The batches (and tasks) of one source not yet taken, and whether they are being stored. */
interface SourceLine {
  source: Source;
  waiting: Array<PendingBatch | PendingTask>;
  draining: boolean;
}

const isTask = (item: PendingBatch | PendingTask): item is PendingTask => 'task' in item;

/**
 * Bounds of one group: its transaction holds the connection (transactions of a process run one
 * at a time), and what it writes is held in memory until it commits. Measured with one-event
 * batches (fluentd's Message mode): a group of 1 000 commits in ~40 ms on SQLite and ~0.7 s on
 * PostgreSQL (a few round trips per batch); groups of 4 000 were no faster per event.
 */
const MAX_GROUP_BATCHES = 1000;
/** How long a lone batch waits for others right after a commit of its source (see #drain). */
const GATHER_MS = 3;
const MAX_GROUP_EVENTS = 100_000;

/** A field name as part of an array id (a name that passes `channelProblem`: encodeURIComponent throws at a lone surrogate). */
const fieldId = (field: string): string => encodeURIComponent(field);

/** The largest float32: a bigger value would be stored as ±Infinity (and summaries of it are null). */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Whether a field's value is a sample for its channel array: a number a Float32 holds (finite,
 * within ±FLOAT32_MAX). Anything else (text, booleans, 1e39, Infinity) stays in the raw stream only.
 */
const isSample = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= FLOAT32_MAX;

/**
 * Why a field cannot have a channel (undefined: it can): its name must be valid text without NUL
 * (it is the channel's title), and the ids it makes must pass the id rules (length).
 */
function channelProblem(source: Source, field: string): string | undefined {
  const problem = idProblem(field) ?? idProblem(`channel/${source.id}/${fieldId(field)}`);
  return problem === undefined ? undefined : `the field ${JSON.stringify(field.slice(0, 100))} cannot name a channel: its name (in the channel id) ${problem}`;
}

/**
 * A driver whose transactions are the caller's open one, so IngestLog's own operations (each one
 * transaction) can run together inside a group's transaction.
 */
function joined(driver: SqlDriver, query: Query): SqlDriver {
  return {
    dialect: driver.dialect,
    transaction: <T>(work: (query: Query) => Promise<T>): Promise<T> => work(query),
    close: () => Promise.resolve(),
  };
}

/** The refusal of a batch key sent again with other content. */
function reused(key: string): KeyReusedError {
  const named = key.replace(/^(key|chunk|upload):/, '');
  return new KeyReusedError(`the batch key ${JSON.stringify(named)} was used before for a batch with other content: a key names one batch, so this one was not stored; send new data under a new key (Idempotency-Key, chunk id)`);
}

/** A batch another writer stored between a group's checks and its commit: the group is redone one by one. */
class StoredMeanwhile extends Error {}

/**
 * Times a group (or a rebuild) is prepared again after another writer — another server process,
 * an HTTP append — moved one of its arrays on. Each refusal means another write got through, so
 * the writers as a whole progress; the bound only ends a writer that loses every race.
 */
const WRITE_ATTEMPTS = 20;

/**
 * Whether `error` says another writer got in first: an array's metadata changed since it was read
 * (the conditional metadata write, 409), or PostgreSQL refused a write another process made first.
 */
function movedOnMeanwhile(error: unknown): boolean {
  if (error instanceof StorageError) return error.code === 'conflict';
  // 23505: a unique key another process took first (a stream position, a batch key); 40P01: a lock cycle broken.
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '23505';
}

export class IngestService {
  readonly #store: Store;
  readonly #lines = new Map<string, SourceLine>();
  readonly #arrays = new Map<string, ChannelArray>();
  /**
   * Channel documents of arrays created for a group that did not commit: written with the next
   * group that appends to the array (the array itself exists from its creation on).
   */
  readonly #unannounced = new Map<string, BulkWrite>();

  readonly #window: TimeWindow;
  /** Where committed appends are told (GET /api/events), when the server has a live bus. */
  readonly #live: LivePublisher | undefined;

  constructor(store: Store, options: { timeWindow?: TimeWindow; live?: LivePublisher } = {}) {
    this.#store = store;
    this.#window = options.timeWindow ?? DEFAULT_TIME_WINDOW;
    this.#live = options.live;
  }

  /** Tells the live bus an array's new end (after the commit: the array's metadata is the committed one). */
  #announce(source: Source, field: string, array: ChannelArray, time: number, value: number): void {
    this.#live?.publish({
      event: 'samples',
      // The value as stored (a float32), so what a chart shows from the event equals what it reads.
      data: { array: array.id, channel: `channel/${source.id}/${fieldId(field)}`, site: source.site ?? null, length: array.length, last: { time, value: Math.fround(value) } },
    });
  }

  /** The event times accepted now (parsers check with `timeCheck` to name the line at fault). */
  bounds(now = Date.now()): TimeBounds {
    return boundsAt(this.#window, now);
  }

  /** A parser's check against the times accepted now (see parse.ts). */
  timeCheck(): TimeCheck {
    const bounds = this.bounds();
    return (time) => outsideReason(time, bounds);
  }

  /**
   * Stores a batch of a source once; resolves when it is committed (or known as a duplicate).
   * `format` says how `raw` decodes again (ingest/decode.ts), for a rebuild. Rejects with 400
   * when an event time is outside the accepted window or a numeric field's name cannot name a
   * channel (unless `options.skipUnstorable`),
   * and with KeyReusedError (409) when `key` was stored with other bytes.
   */
  ingest(source: Source, key: string, events: IngestEvent[], raw: Uint8Array, format?: string, options: IngestOptions = {}): Promise<IngestResult> {
    const receivedAt = Date.now();
    const bounds = this.bounds(receivedAt);
    let accepted = events;
    let outOfWindow = 0;
    const outside = events.findIndex((event) => !inBounds(event.time, bounds));
    if (outside !== -1) {
      if (!options.skipUnstorable) return Promise.reject(new HttpError(400, 'bad_request', `event ${outside}: ${outsideReason(events[outside]!.time, bounds)}; nothing of the batch was stored`));
      accepted = events.filter((event) => inBounds(event.time, bounds));
      outOfWindow = events.length - accepted.length;
    }
    const instants = mergeInstants(accepted);
    return new Promise((resolve, reject) =>
      this.#enqueue(source, { key, events: instants.events, raw, format, receivedAt, droppedSameTime: instants.dropped, outOfWindow, skipUnstorable: options.skipUnstorable ?? false, resolve, reject }),
    );
  }

  #enqueue(source: Source, item: PendingBatch | PendingTask): void {
    let line = this.#lines.get(source.id);
    if (!line) this.#lines.set(source.id, (line = { source, waiting: [], draining: false }));
    line.waiting.push(item);
    if (!line.draining) {
      line.draining = true;
      void this.#drain(line);
    }
  }

  /**
   * Merges a source's late events into its arrays: decodes again, from the raw stream, every
   * batch with events at or after the earliest late one, and rewrites each field's array from
   * there with all of them in time order (each event time once, as first accepted), in one
   * transaction that also marks the late events merged. Runs alone on the source's line. Memory
   * grows with the events from that time on.
   */
  rebuild(source: Source): Promise<RebuildResult> {
    return new Promise((resolve, reject) => this.#enqueue(source, { task: () => this.#fresh(source, () => this.#rebuild(source)), resolve: (result: unknown) => resolve(result as RebuildResult), reject }));
  }

  async #rebuild(source: Source): Promise<RebuildResult> {
    const log = this.#store.ingestions;
    const pending = await log.pendingLate(source.id);
    if (pending.first === null) return { merged: 0, rewritten: 0, from: null };
    // Not before the retention horizon: the stream there is compacted away (late events before it are dropped with it).
    const from = Math.max(pending.first, await this.#store.driver.transaction((query) => IngestLog.horizonOf(query, source.id)));
    const seen = new Set<number>();
    const series = new Map<string, Array<[number, number]>>();
    for (const record of await log.recordsFrom(source.id, from)) {
      if (record.format === undefined) throw new HttpError(409, 'conflict', `batch ${record.key} was stored before batch formats were recorded: its events cannot be decoded again`);
      const raw = await log.read(source.id, record.streamOffset, record.streamOffset + record.streamLength);
      // The events `ingest` took: inside the window as it was when the batch arrived, instants merged.
      const bounds = this.bounds(record.receivedAt);
      for (const event of mergeInstants(decodeBatch(record.format, raw).filter((event) => inBounds(event.time, bounds))).events) {
        if (event.time < from || seen.has(event.time)) continue;
        seen.add(event.time);
        for (const [field, value] of Object.entries(event.record)) {
          if (!isSample(value)) continue;
          let samples = series.get(field);
          if (!samples) {
            // Never stored: skipped when its batch came in (the forward protocol), or it was refused whole.
            if (channelProblem(source, field) !== undefined) continue;
            series.set(field, (samples = []));
          }
          samples.push([event.time, value]);
        }
      }
    }
    const writes: BulkWrite[] = [];
    const commits: Array<() => void> = [];
    let rewritten = 0;
    for (const [field, samples] of series) {
      samples.sort((a, b) => a[0] - b[0]);
      const array = await this.#array(source, field);
      // Fresh metadata: a retention pass may have dropped raw chunks since (a rebuild is rare: one read).
      await array.refresh();
      // Regular arrays hold history written in bulk (the simulated fleet's backfill) that the raw
      // stream never had: rewriting them from the stream would silently lose it.
      if (array.meta.timing === 'regular') throw new HttpError(409, 'conflict', `the array ${array.id} holds history written in bulk, which the raw stream does not hold: a rebuild from the stream would lose it, so it is refused (its late events stay in the raw stream)`);
      const channel = this.#unannounced.get(array.id);
      if (channel) writes.push(channel);
      // Samples whose raw values the channel's retention dropped are not written again.
      let index = await array.indexOfTime(from);
      let kept = samples;
      if (index < array.rawFrom) {
        index = array.rawFrom;
        const cut = (await array.times(index, index + 1))[0] ?? Infinity;
        kept = samples.filter(([time]) => time >= cut);
      }
      const prepared = await array.prepareRewrite(
        index,
        Float32Array.from(kept, ([, value]) => value),
        Float64Array.from(kept, ([time]) => time),
      );
      writes.push(...prepared.writes);
      commits.push(prepared.commit);
      rewritten += kept.length;
    }
    const prepared = await SqlStorage.prepareWrites(writes);
    await this.#store.driver.transaction(async (query) => {
      await SqlStorage.holdWriters(query);
      await SqlStorage.applyWrites(query, prepared);
      await IngestLog.clearLate(query, source.id);
    });
    commits.forEach((commit) => commit());
    for (const [field, samples] of series) {
      this.#unannounced.delete(`array/${source.id}/${fieldId(field)}`);
      const last = samples.at(-1);
      if (last) this.#announce(source, field, await this.#array(source, field), last[0], last[1]);
    }
    return { merged: pending.count, rewritten, from };
  }

  /** Stores the source's waiting batches, group after group, until none is left. */
  async #drain(line: SourceLine): Promise<void> {
    // Batches handed in during this turn of the event loop (the frames of one read) join the first group.
    await new Promise((resolve) => setImmediate(resolve));
    while (line.waiting.length > 0) {
      const first = line.waiting[0]!;
      if (isTask(first)) {
        line.waiting.shift();
        await first.task().then(first.resolve, first.reject);
        continue;
      }
      let count = 0;
      let events = 0;
      for (let item = line.waiting[0]; item && !isTask(item) && count < MAX_GROUP_BATCHES && (count === 0 || events + item.events.length <= MAX_GROUP_EVENTS); item = line.waiting[count]) {
        events += item.events.length;
        count++;
      }
      await this.#commit(line.source, line.waiting.splice(0, count) as PendingBatch[]);
      // Under steady load (a group just committed and a lone batch waits: its client got acks and
      // sends more), let the next group gather for a moment, as PostgreSQL's commit_delay does:
      // each commit rewrites the arrays' last pieces, whatever the number of batches in it.
      if (line.waiting.length === 1 && !isTask(line.waiting[0]!)) await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
    }
    line.draining = false;
    this.#lines.delete(line.source.id);
  }

  /** Stores a group and settles each of its batches; never throws. */
  async #commit(source: Source, group: PendingBatch[]): Promise<void> {
    try {
      const results = await this.#storeGroup(source, group);
      group.forEach((batch, index) => batch.resolve(results[index]!));
      return;
    } catch (error) {
      if (group.length === 1 && !(error instanceof StoredMeanwhile)) return group[0]!.reject(error);
    }
    // One bad batch must not take the others down: each alone, in order (a batch stored meanwhile
    // by another process is then found and answered as a duplicate).
    for (const batch of group) {
      try {
        batch.resolve((await this.#storeGroup(source, [batch]))[0]!);
      } catch (error) {
        batch.reject(error);
      }
    }
  }

  /**
   * Runs `store` (a group's or a rebuild's preparation and commit); when another writer moved one
   * of the source's arrays on meanwhile, forgets the source's cached arrays (their metadata is
   * stale) and runs it again, from what is stored now: duplicate and resend checks, and which
   * events are late, are judged against the fresh arrays.
   */
  async #fresh<T>(source: Source, store: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await store();
      } catch (error) {
        if (!movedOnMeanwhile(error) || attempt >= WRITE_ATTEMPTS) throw error;
        const prefix = `array/${source.id}/`;
        for (const id of [...this.#arrays.keys()]) if (id.startsWith(prefix)) this.#arrays.delete(id);
        // Losing again and again against a busy writer: give it a moment (randomised, so two
        // processes that collide do not collide again in step).
        if (attempt > 2) await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  }

  async #array(source: Source, field: string): Promise<ChannelArray> {
    const id = `array/${source.id}/${fieldId(field)}`;
    let array = this.#arrays.get(id);
    if (!array) {
      array = await ChannelArray.open(this.#store.documents, id).catch(async (error: unknown) => {
        if (!(error instanceof ArrayError && error.status === 404)) throw error;
        // The source's channel metadata for the field (title, rate, normal range, anomaly) goes on the channel document.
        const info = fieldInfoOf(source, field);
        const unit = info?.unit ?? unitOf(source, field);
        const created = await this.#create(this.#store.documents, id, { timing: 'explicit', ...(unit ? { unit } : {}), ...(source.site ? { site: source.site } : {}) });
        // Created by another server process just now: it announces the channel.
        if (!created) return ChannelArray.open(this.#store.documents, id);
        this.#unannounced.set(id, {
          type: 'put',
          id: `channel/${source.id}/${fieldId(field)}`,
          doc: {
            type: 'channel',
            title: info?.title ?? field,
            unit: unit ?? '',
            source: source.id,
            array: id,
            field,
            ...(info?.rate === undefined ? {} : { rate: info.rate }),
            ...(info?.normal === undefined ? {} : { normal: { ...info.normal } }),
            ...(info?.anomaly === undefined ? {} : { anomaly: info.anomaly }),
            ...(info?.retention_days === undefined ? {} : { retention_days: info.retention_days }),
            ...(source.site ? { site: source.site } : {}),
            ...(source.asset ? { asset: source.asset } : {}),
          },
        });
        return created;
      });
      this.#arrays.set(id, array);
    }
    return array;
  }

  /** Creates an array; undefined when another writer (another server process) created it first. */
  async #create(storage: SqlStorage, id: string, options: Parameters<typeof ChannelArray.create>[2]): Promise<ChannelArray | undefined> {
    try {
      return await ChannelArray.create(storage, id, options);
    } catch (error) {
      if (error instanceof ArrayError && error.status === 409) return undefined;
      throw error;
    }
  }

  /**
   * Stores the batches of a group in one transaction, as storing them one after the other would
   * (again from fresh arrays when another writer moved one on meanwhile); throws (storing none of
   * them) when any of them fails.
   */
  #storeGroup(source: Source, group: readonly PendingBatch[]): Promise<IngestResult[]> {
    return this.#fresh(source, () => this.#storeGroupOnce(source, group));
  }

  async #storeGroupOnce(source: Source, group: readonly PendingBatch[]): Promise<IngestResult[]> {
    const driver = this.#store.driver;
    // What is stored already: batch keys and event times, read in one transaction.
    // (Once for the whole group: the keys in one statement, the times of the new batches in one range.)
    const checked = await driver.transaction(async (query) => {
      const log = new IngestLog(joined(driver, query));
      const records = await log.findAll(
        source.id,
        group.map((batch) => batch.key),
      );
      const fresh: number[] = [];
      for (const batch of group) {
        const record = records.get(batch.key);
        // A key names one content: the same key with other bytes is no resend (its data would be lost).
        if (record && record.checksum !== checksumOf(batch.raw)) throw reused(batch.key);
        if (!record) for (const event of batch.events) fresh.push(event.time);
      }
      const known = await log.knownTimes(source.id, fresh);
      return { horizon: await IngestLog.horizonOf(query, source.id), batches: group.map((batch) => ({ duplicate: records.has(batch.key), known: records.has(batch.key) ? new Set<number>() : known })) };
    });
    const horizon = checked.horizon;

    const results: IngestResult[] = [];
    const accepted: Array<{ batch: PendingBatch; info: BatchInfo }> = [];
    const keys = new Map<string, Uint8Array>(); // key → bytes, of this group's earlier batches
    const taken = new Set<number>(); // event times stored by this group's earlier batches (or earlier in the same batch)
    const times: number[] = [];
    const appends = new Map<string, { array: ChannelArray; times: number[]; values: number[] }>();
    const unnamed = new Map<string, string>(); // fields that cannot name a channel → why
    for (const [index, batch] of group.entries()) {
      const earlier = keys.get(batch.key);
      if (earlier && !Buffer.from(earlier.buffer, earlier.byteOffset, earlier.byteLength).equals(batch.raw)) throw reused(batch.key);
      if (checked.batches[index]!.duplicate || earlier) {
        results.push({ status: 'duplicate', events: 0, late: 0, resent: 0, droppedSameTime: 0, outOfWindow: 0, unnamable: 0 });
        continue;
      }
      keys.set(batch.key, batch.raw);
      const known = checked.batches[index]!.known;
      // Before the source's retention horizon its records and event times were compacted away:
      // a resend there could not be told from new data, so those times are refused.
      const events = batch.events.filter((event) => event.time >= horizon);
      const beyond = batch.events.length - events.length;
      if (beyond > 0 && !batch.skipUnstorable) {
        const event = batch.events.find((candidate) => candidate.time < horizon)!;
        throw new HttpError(400, 'bad_request', `the time ${describeTime(event.time)} is before ${describeTime(horizon)}, where this source's retention dropped its raw data; nothing of the batch was stored`);
      }
      const fresh = events.filter((event) => !known.has(event.time) && !taken.has(event.time) && taken.add(event.time)).sort((a, b) => a.time - b.time);
      const late = new Set<number>();
      let unnamable = 0;
      for (const event of fresh) {
        times.push(event.time);
        for (const [field, value] of Object.entries(event.record)) {
          if (!isSample(value)) continue;
          let append = appends.get(field);
          if (!append) {
            const problem = unnamed.get(field) ?? channelProblem(source, field);
            if (problem !== undefined) {
              unnamed.set(field, problem);
              if (!batch.skipUnstorable) throw new HttpError(400, 'bad_request', `${problem}; nothing of the batch was stored`);
              unnamable++;
              continue;
            }
            appends.set(field, (append = { array: await this.#array(source, field), times: [], values: [] }));
          }
          // Ordered by time: what the array or an earlier batch of this group holds bounds the next sample.
          if (event.time <= (append.times.at(-1) ?? append.array.meta.last_time ?? -Infinity)) {
            late.add(event.time);
            continue;
          }
          append.times.push(event.time);
          append.values.push(value);
        }
      }
      results.push({ status: 'stored', events: fresh.length, late: late.size, resent: events.length - fresh.length, droppedSameTime: batch.droppedSameTime, outOfWindow: batch.outOfWindow + beyond, unnamable });
      let lateFirst: number | null = null;
      for (const time of late) if (lateFirst === null || time < lateFirst) lateFirst = time;
      accepted.push({
        batch,
        info: {
          source: source.id,
          key: batch.key,
          count: fresh.length,
          firstTime: fresh[0]?.time ?? null,
          lastTime: fresh.at(-1)?.time ?? null,
          ...(batch.format === undefined ? {} : { format: batch.format }),
          late: late.size,
          lateFirst,
          receivedAt: batch.receivedAt,
        },
      });
    }
    if (accepted.length === 0) return results;

    // Every array's chunks and summaries first, then every document (channels, metadata): one run
    // of each, which the store writes in a few statements whatever the number of arrays.
    const writes: BulkWrite[] = [];
    const puts: BulkWrite[] = [];
    const commits: Array<() => void> = [];
    const announced: string[] = [];
    for (const { array, times: arrayTimes, values } of appends.values()) {
      const channel = this.#unannounced.get(array.id);
      if (channel) {
        puts.push(channel);
        announced.push(array.id);
      }
      // A regular array (written in bulk first: the simulated fleet's history) takes the times as
      // regular runs, each spaced like the array's last segment when it is a lone sample.
      const timesOf = Float64Array.from(arrayTimes);
      const prepared = await array.prepareAppend(Float32Array.from(values), array.meta.timing === 'regular' ? { runs: regularRuns(timesOf, array.meta.segments.at(-1)?.dt ?? 1000) } : timesOf);
      for (const write of prepared.writes) (write.type === 'put' ? puts : writes).push(write);
      commits.push(prepared.commit);
    }
    const preparedWrites = await SqlStorage.prepareWrites([...writes, ...puts]);
    await driver.transaction(async (query) => {
      // Other server processes wait from here until this commits: the stream's end, the records
      // and the arrays' metadata read below stay what this transaction saw.
      await SqlStorage.holdWriters(query);
      // Compacted meanwhile past some of these times (another process's retention pass): again from the start.
      const now = await IngestLog.horizonOf(query, source.id);
      if (now > horizon && times.some((time) => time < now)) throw new StorageError('conflict', `the retention horizon of ${source.id} moved past events of the group meanwhile`);
      // Checked above; a key found now means another process stored it since.
      if (!(await IngestLog.acceptAll(query, source.id, accepted.map(({ batch, info }) => ({ info, bytes: batch.raw }))))) throw new StoredMeanwhile(`a batch of the group was stored meanwhile`);
      await IngestLog.rememberTimes(query, source.id, times);
      await SqlStorage.applyWrites(query, preparedWrites);
    });
    commits.forEach((commit) => commit());
    for (const id of announced) this.#unannounced.delete(id);
    for (const [field, { array, times: arrayTimes, values }] of appends) {
      if (values.length > 0) this.#announce(source, field, array, arrayTimes.at(-1)!, values.at(-1)!);
    }
    return results;
  }
}
