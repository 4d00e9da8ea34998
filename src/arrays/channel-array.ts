/**
 * Chunked, append-only channel arrays on any Storage. This module decides where channel data
 * lives: one document per array (its metadata) with attachments
 *   values/<n>            Float32 samples of chunk n (CHUNK_SIZE samples, the last one partial)
 *   times/<n>             Float64 epoch-ms times of chunk n (explicit timing only)
 *   summary/<level>/<n>   packed block summaries (see summary.ts) of a summary level
 *   block_times/<n>       explicit timing, chunk n's raw samples dropped: the first and last time
 *                         of each level-0 block (Float64 pairs)
 * The metadata document is written last: it holds the length, so a crash in the middle of an
 * append leaves the array at its old length (bytes past the length are ignored and overwritten by
 * the next append).
 *
 * Any number of writers (server processes, tabs, instances): every write of the metadata is
 * conditional on the version the write was prepared from (`expect`: its docHash). On storages with
 * `bulk` (the server's) the check and all the writes of an append are one transaction, so an
 * append prepared from metadata another writer has since moved on writes nothing; it is refused
 * (409), and `append` prepares it again from fresh metadata. Storages without `bulk` (memory,
 * IndexedDB) write one by one: there appends to one array also take turns (Web Locks across tabs
 * where the platform has them, else within this JavaScript realm), and the conditional metadata
 * write catches any writer that does not. (Within one realm, writes to an array take turns on
 * every storage: writers of one process need not refuse each other.)
 *
 * Chunk size: 65 536 samples = 256 KiB of values. Large enough that the per-chunk records and the
 * chunk index cost well under 0.1 % of the data and a 100 M-sample channel is ~1 500 chunks; small
 * enough that reading one chunk (which range reads do at most twice) takes well under a
 * millisecond and a tablet never holds more than a few in memory.
 *
 * Retention (`dropRawBefore`): the raw samples of whole chunks older than a time may be dropped
 * while every summary level stays, so old zooms still draw. `raw_from` in the metadata is the first
 * sample whose raw values are stored (a multiple of the chunk size; the last chunk is always kept).
 * Below it, values cannot be read (410 `gone`); summaries are exact down to level-0 blocks and a
 * part of a block stands for its whole block; times are exact for regular timing and interpolated
 * within each level-0 block (block_times) for explicit timing.
 */
import { docHash } from '../core';
import type { BulkWrite, Doc, Storage } from '../storage/backend';
import { StorageError, writeAll } from '../storage/backend';
import { ArrayError } from './errors';
import { SUMMARY_FIELDS, combine, emptySummary, readBlock, summarizeValues, writeBlock, type Summary } from './summary';

export const CHUNK_SIZE = 65_536;
/** Samples per block of summary level 0; each level up groups SUMMARY_FACTOR blocks. */
export const SUMMARY_BASE = 256;
export const SUMMARY_FACTOR = 16;
/** Blocks per stored summary piece. */
const SUMMARY_PIECE = 8192;
/** Chunks a range read asks the storage for at once (8 × 256 KiB in flight at most). */
const READ_AHEAD = 8;

/** A stretch of regularly sampled data: sample `start + i` was taken at `t0 + i·dt`. */
export interface TimeSegment {
  start: number;
  t0: number;
  dt: number;
}

export interface ArrayMeta {
  kind: 'fl-channel-array';
  version: 1;
  chunk_size: number;
  length: number;
  timing: 'explicit' | 'regular';
  /** Regular timing: segments in increasing `start`. */
  segments: TimeSegment[];
  /** Explicit timing: time of the first sample of each chunk (the index for time searches). */
  chunk_first_time: number[];
  /** Time of the last sample, for checking that appends never go back in time. */
  last_time: number | null;
  unit?: string;
  /** The site the channel belongs to (access rules on the server follow it). */
  site?: string;
  /** The transformation that created this array as its output: the only one that may write it. */
  producer?: string;
  /** Samples before this one had their raw values dropped by retention (absent: none). */
  raw_from?: number;
}

/** What one `dropRawBefore` call dropped. */
export interface DropReport {
  /** Chunks whose raw samples were dropped. */
  chunks: number;
  samples: number;
  /** Bytes of values and times removed (block times written back not counted). */
  bytes: number;
}

/**
 * One regular run of an append of several: samples `offset`… (up to the next run's offset) of the
 * appended values were taken at `t0 + i·dt`. Bulk writers (a backfill with gaps and rate changes,
 * bursts of a condition-monitoring system) append many runs in one go instead of one append each.
 */
export interface AppendRun {
  offset: number;
  t0: number;
  dt: number;
}

export type AppendTimes = Float64Array | { t0: number; dt: number } | { runs: readonly AppendRun[] };

/**
 * Splits sample times (never decreasing) into regular runs for a regular array: consecutive
 * samples stay in one run while they stay on its first spacing (within a microsecond, the
 * precision times travel with). A lone sample takes `dt` (the spacing expected of the
 * channel, e.g. the array's last segment's). Times that repeat cannot be regular: refused (400).
 */
export function regularRuns(times: Float64Array, dt: number): AppendRun[] {
  const runs: AppendRun[] = [];
  for (let index = 0; index < times.length; ) {
    // To the microsecond: times of the forward protocol come as seconds plus nanoseconds through
    // a float, a few tenths of a microsecond off; a spacing taken from them as they are would
    // drift away from the samples over a run of thousands.
    const t0 = Math.round(times[index]! * 1000) / 1000;
    let end = index + 1;
    let step = dt;
    if (end < times.length) {
      step = Math.round((times[end]! - times[index]!) * 1000) / 1000;
      if (!(step > 0)) throw new ArrayError('bad_request', `times must increase in a regular array (time ${end} is ${times[end]}, after ${times[index]})`);
      while (end < times.length && Math.abs(times[end]! - (t0 + (end - index) * step)) <= 1e-3) end++;
    }
    runs.push({ offset: index, t0, dt: step });
    index = end;
  }
  return runs;
}

export interface ReadResult {
  values: Float32Array;
  times: Float64Array;
}

const valuesName = (chunk: number): string => `values/${chunk}`;
const timesName = (chunk: number): string => `times/${chunk}`;
const summaryName = (level: number, piece: number): string => `summary/${level}/${piece}`;
const blockTimesName = (chunk: number): string => `block_times/${chunk}`;
/** Chunks one `dropRawBefore` transaction drops at most (explicit timing reads each chunk's times: 512 KiB). */
const DROP_CHUNKS = 32;

/** Block size (samples) of a summary level. */
export const levelBlock = (level: number): number => SUMMARY_BASE * SUMMARY_FACTOR ** level;

function isNotFound(error: unknown): boolean {
  return error instanceof StorageError && error.status === 404;
}

function isConflict(error: unknown): boolean {
  return error instanceof StorageError && error.status === 409;
}

/**
 * Times an append (or truncation) is prepared again after another writer moved the array on. Each
 * refusal means some other write got through, so writers as a whole always progress; the bound
 * only stops one writer that loses every race (it then gets the 409).
 */
const WRITE_ATTEMPTS = 20;

/** The Web Locks API where the platform has it (browsers; the server never needs it). */
type LockRequest = <T>(name: string, work: () => Promise<T>) => Promise<T>;
function webLocks(): LockRequest | undefined {
  const locks = (globalThis as { navigator?: { locks?: { request: LockRequest } } }).navigator?.locks;
  return locks ? (name, work) => locks.request(name, work) : undefined;
}

/** Writes to arrays waiting for their turn in this realm: storage → array id → last write. */
const turns = new WeakMap<Storage, Map<string, Promise<unknown>>>();

/**
 * Runs `work` when no other write of this array runs here: on storages without `bulk`, across tabs
 * with Web Locks where there are (their writes are not atomic: see the module comment); else within
 * this realm, which on `bulk` storages only saves writers of one process (the server's concurrent
 * requests) from refusing each other's appends — other processes are caught by the condition.
 */
function inTurn<T>(storage: Storage, id: string, work: () => Promise<T>): Promise<T> {
  const locks = storage.bulk && storage.hasCapacity('bulk') ? undefined : webLocks();
  if (locks) return locks(`fieldline:array:${id}`, work);
  let byId = turns.get(storage);
  if (!byId) turns.set(storage, (byId = new Map()));
  const result = (byId.get(id) ?? Promise.resolve()).then(work, work);
  const settled = result.catch(() => undefined);
  byId.set(id, settled);
  void settled.then(() => {
    if (byId.get(id) === settled) byId.delete(id);
  });
  return result;
}

function bytesOf(array: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** A partly filled last chunk an instance wrote: its samples, and their times when explicit. */
interface Tail {
  chunk: number;
  values: Float32Array;
  times: Float64Array | undefined;
  /** The metadata hash it belongs to (after the append that wrote it). */
  hash: string;
}

/**
 * The tails kept by all instances, least recently written first, within TAIL_BUDGET bytes: an
 * ingestion appending 1 000 samples at a time to thousands of arrays would otherwise keep 768 KiB
 * per array. An evicted tail is read back from storage on the next append, as before.
 */
const TAIL_BUDGET = 64 * 1024 * 1024;
const tails = new Map<ChannelArray, number>();
let tailBytes = 0;

function forgetTail(array: ChannelArray): void {
  const bytes = tails.get(array);
  if (bytes === undefined) return;
  tails.delete(array);
  tailBytes -= bytes;
}

export class ChannelArray {
  readonly storage: Storage;
  readonly id: string;
  #meta: ArrayMeta;
  /** docHash of `#meta` as stored: what the next metadata write expects to replace. */
  #hash: string;
  /**
   * The summary pieces this instance wrote last, so the next append need not read them back
   * (arrays have one writer at a time). Replaced only after an append commits.
   */
  #pieces = new Map<string, Float64Array>();
  /**
   * The last chunk this instance wrote while it is partly filled, so the next append extends it
   * without reading it back (an append of 1 000 samples read up to 768 KiB otherwise).
   */
  #tail: Tail | undefined;

  private constructor(storage: Storage, id: string, meta: ArrayMeta) {
    this.storage = storage;
    this.id = id;
    this.#meta = meta;
    this.#hash = docHash(meta as unknown as Doc);
  }

  /** Creates an empty array (409 when one exists under this id, also when another writer creates it meanwhile). */
  static async create(storage: Storage, id: string, options: { timing: 'explicit' | 'regular'; unit?: string; site?: string; producer?: string }): Promise<ChannelArray> {
    const prepared = ChannelArray.prepareCreate(storage, id, options);
    try {
      await writeAll(storage, prepared.writes);
    } catch (error) {
      if (isConflict(error)) throw new ArrayError('conflict', `an array ${JSON.stringify(id)} already exists`, { cause: error });
      throw error;
    }
    return prepared.commit();
  }

  /**
   * The write that creates an empty array (conditional on there being none: 409 otherwise), without
   * writing it, so that a caller creating many (the simulated fleet) writes them in one transaction;
   * `commit()` once written gives the array.
   */
  static prepareCreate(storage: Storage, id: string, options: { timing: 'explicit' | 'regular'; unit?: string; site?: string; producer?: string }): { writes: BulkWrite[]; commit: () => ChannelArray } {
    if (options.timing !== 'explicit' && options.timing !== 'regular') throw new ArrayError('bad_request', 'timing must be "explicit" or "regular"');
    const meta: ArrayMeta = {
      kind: 'fl-channel-array',
      version: 1,
      chunk_size: CHUNK_SIZE,
      length: 0,
      timing: options.timing,
      segments: [],
      chunk_first_time: [],
      last_time: null,
      ...(options.unit ? { unit: options.unit } : {}),
      ...(options.site ? { site: options.site } : {}),
      ...(options.producer ? { producer: options.producer } : {}),
    };
    return { writes: [{ type: 'put', id, doc: meta as unknown as Doc, expect: null }], commit: () => new ChannelArray(storage, id, meta) };
  }

  /** Opens an existing array (404 when there is none). */
  static async open(storage: Storage, id: string): Promise<ChannelArray> {
    let doc: Record<string, unknown>;
    try {
      doc = await storage.get(id);
    } catch (error) {
      if (isNotFound(error)) throw new ArrayError('not_found', `no array ${JSON.stringify(id)}`, { cause: error });
      throw error;
    }
    if (doc.kind !== 'fl-channel-array' || doc.version !== 1) throw new ArrayError('bad_request', `${JSON.stringify(id)} is not a channel array`);
    return new ChannelArray(storage, id, doc as unknown as ArrayMeta);
  }

  get length(): number {
    return this.#meta.length;
  }

  get meta(): Readonly<ArrayMeta> {
    return this.#meta;
  }

  /** The first sample whose raw values are stored: those before were dropped by retention (0: none). */
  get rawFrom(): number {
    return this.#meta.raw_from ?? 0;
  }

  /** 410 for a read of raw samples [start, end) that reaches before `rawFrom`. */
  #checkRaw(start: number, end: number): void {
    if (end > start && start < this.rawFrom) {
      throw new ArrayError('gone', `the raw samples of ${this.id} before sample ${this.rawFrom} were dropped by retention (asked from ${start}); their summaries remain`);
    }
  }

  /** Re-reads the metadata (another tab or process may have appended). */
  async refresh(): Promise<void> {
    const fresh = await ChannelArray.open(this.storage, this.id);
    this.#meta = fresh.#meta;
    this.#hash = fresh.#hash;
    this.#pieces.clear();
    this.#setTail(undefined);
  }

  /** Keeps `tail` (undefined: none), within the tails' byte budget. */
  #setTail(tail: Tail | undefined): void {
    forgetTail(this);
    this.#tail = tail;
    if (!tail) return;
    const bytes = tail.values.byteLength + (tail.times?.byteLength ?? 0);
    tails.set(this, bytes);
    tailBytes += bytes;
    for (const [array] of tails) {
      if (tailBytes <= TAIL_BUDGET) break;
      forgetTail(array);
      array.#tail = undefined;
    }
  }

  /** The kept tail when it is chunk `chunk` with `kept` samples of the metadata as stored now. */
  #tailFor(chunk: number, kept: number): Tail | undefined {
    const tail = this.#tail;
    return tail && tail.hash === this.#hash && tail.chunk === chunk && tail.values.length === kept ? tail : undefined;
  }

  /**
   * Appends samples atomically, after whatever other writers appended. `times` is a Float64Array
   * of epoch ms (explicit timing, never decreasing, from the array's last time on) or `{t0, dt}`
   * (regular timing). Rejects with 400 when the times go back before the array's last sample (also
   * when another writer's append just moved it past them), 409 when other writers kept winning.
   */
  async append(values: Float32Array, times: AppendTimes): Promise<void> {
    await this.#writeFresh(async () => {
      const prepared = await this.prepareAppend(values, times);
      // Storages with `bulk` (the server's) write the whole append in one transaction.
      await writeAll(this.storage, prepared.writes);
      prepared.commit();
    });
  }

  /**
   * Runs a write prepared from `#meta` in this array's turn; when the storage refuses it because
   * another writer moved the array on (409), re-reads the metadata and runs it again.
   */
  async #writeFresh(write: () => Promise<void>): Promise<void> {
    await inTurn(this.storage, this.id, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await write();
        } catch (error) {
          if (!isConflict(error) || attempt >= WRITE_ATTEMPTS) throw error;
          // Losing again and again to a busy writer: wait a moment (randomised, so that two
          // writers that collided do not collide again in step).
          if (attempt > 2) await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
          await this.refresh();
        }
      }
    });
  }

  /**
   * The writes an append consists of, without writing them, so a caller can make them part of a
   * larger transaction (ingestion stores the raw batch and the samples together). Call `commit()`
   * once they are written. The metadata write expects the metadata this array last read or wrote:
   * when another writer got in first, the writes are refused with 409 (on `bulk` storages, none of
   * them takes effect); `refresh()`, then prepare again. The writes may refer to `values` itself:
   * leave it unchanged until they are written.
   */
  async prepareAppend(values: Float32Array, times: AppendTimes): Promise<{ writes: BulkWrite[]; commit: () => void }> {
    if (!(values instanceof Float32Array)) throw new ArrayError('bad_request', 'values must be a Float32Array');
    if (values.length === 0) return { writes: [], commit: () => undefined };
    return this.#prepareFrom(structuredClone(this.#meta), values, times, false);
  }

  /**
   * The writes that replace samples [index, length) with `values` (at `times`) in one go: what
   * merging samples that arrived late needs (the array stays ordered by time). Chunks and summary
   * blocks before `index` are kept; the commit point is the metadata, as for an append.
   */
  async prepareRewrite(index: number, values: Float32Array, times: AppendTimes): Promise<{ writes: BulkWrite[]; commit: () => void }> {
    if (!(values instanceof Float32Array)) throw new ArrayError('bad_request', 'values must be a Float32Array');
    if (!Number.isInteger(index) || index < 0 || index > this.#meta.length) throw new ArrayError('bad_request', `index must be an integer in [0, ${this.#meta.length}]`);
    this.#checkRaw(index, index + 1);
    const meta = structuredClone(this.#meta);
    meta.length = index;
    meta.chunk_first_time = meta.chunk_first_time.slice(0, Math.ceil(index / CHUNK_SIZE));
    meta.segments = meta.segments.filter((segment) => segment.start < index);
    meta.last_time = index === 0 ? null : (await this.times(index - 1, index))[0]!;
    return this.#prepareFrom(meta, values, times, true);
  }

  async #prepareFrom(meta: ArrayMeta, values: Float32Array, times: AppendTimes, rewrite: boolean): Promise<{ writes: BulkWrite[]; commit: () => void }> {
    const start = meta.length;
    let explicit: Float64Array | undefined;
    if (meta.timing === 'explicit') {
      if (!(times instanceof Float64Array) || times.length !== values.length) {
        throw new ArrayError('bad_request', 'this array has explicit timing: times must be a Float64Array as long as values');
      }
      let previous = meta.last_time ?? -Infinity;
      for (let index = 0; index < times.length; index++) {
        const time = times[index]!;
        if (!Number.isFinite(time)) throw new ArrayError('bad_request', `time ${index} is not a finite number`);
        if (time < previous) throw new ArrayError('bad_request', `times must never decrease (time ${index} is ${time}, before ${previous})`);
        previous = time;
      }
      explicit = times;
      meta.last_time = previous;
    } else {
      const runs = times instanceof Float64Array ? undefined : 'runs' in times ? times.runs : [{ offset: 0, t0: times.t0, dt: times.dt }];
      if (!runs || runs.length === 0 || runs.some((run) => !Number.isFinite(run?.t0) || !(run.dt > 0) || !Number.isInteger(run.offset))) {
        throw new ArrayError('bad_request', 'this array has regular timing: times must be {t0, dt} with dt > 0 (or {runs: [{offset, t0, dt}, …]})');
      }
      if (runs[0]!.offset !== 0) throw new ArrayError('bad_request', 'the first run must start at offset 0');
      for (const [index, run] of runs.entries()) {
        const next = runs[index + 1]?.offset ?? values.length;
        if (next <= run.offset || next > values.length) throw new ArrayError('bad_request', `run ${index}: offsets must increase within the values`);
        if (meta.last_time !== null && run.t0 <= meta.last_time) throw new ArrayError('bad_request', `t0 ${run.t0} is not after the last sample (${meta.last_time})`);
        const at = start + run.offset;
        const last = meta.segments.at(-1);
        const continues = last !== undefined && last.dt === run.dt && Math.abs(last.t0 + (at - last.start) * last.dt - run.t0) < 1e-9 * Math.max(1, Math.abs(run.t0));
        if (!continues) meta.segments.push({ start: at, t0: run.t0, dt: run.dt });
        meta.last_time = run.t0 + (next - run.offset - 1) * run.dt;
      }
    }

    const end = start + values.length;
    // Every write of this append; the metadata comes last (the commit point, see the module comment).
    const writes: BulkWrite[] = [];
    // Whole new chunks are written straight from `values` (storages copy what they keep), except
    // from shared memory, which Blobs and some storages refuse.
    const shared = typeof SharedArrayBuffer !== 'undefined' && values.buffer instanceof SharedArrayBuffer;
    const firstChunk = Math.floor(start / CHUNK_SIZE);
    const lastChunk = Math.floor((end - 1) / CHUNK_SIZE);
    let tail: Omit<Tail, 'hash'> | undefined;
    for (let chunk = firstChunk; chunk <= lastChunk; chunk++) {
      const chunkStart = chunk * CHUNK_SIZE;
      const from = Math.max(start, chunkStart);
      const to = Math.min(end, chunkStart + CHUNK_SIZE);
      const kept = from - chunkStart; // samples already in this chunk
      const known = kept > 0 && !rewrite ? this.#tailFor(chunk, kept) : undefined;
      let chunkValues: Float32Array;
      if (kept === 0 && !shared) chunkValues = values.subarray(from - start, to - start);
      else {
        chunkValues = new Float32Array(to - chunkStart);
        if (kept > 0) chunkValues.set(known?.values ?? (await this.values(chunkStart, from)));
        chunkValues.set(values.subarray(from - start, to - start), kept);
      }
      // The samples kept are what is stored (the metadata's `expect` below guarantees it): a storage may leave those bytes be.
      const unchanged = kept > 0 ? { unchanged_prefix: kept * 4 } : {};
      writes.push({ type: 'putAttachment', id: this.id, name: valuesName(chunk), data: bytesOf(chunkValues), contentType: 'application/octet-stream', ...unchanged });
      let chunkTimes: Float64Array | undefined;
      if (explicit) {
        chunkTimes = new Float64Array(to - chunkStart);
        if (kept > 0) chunkTimes.set(known?.times ?? (await this.#explicitTimes(chunkStart, from)));
        chunkTimes.set(explicit.subarray(from - start, to - start), kept);
        writes.push({ type: 'putAttachment', id: this.id, name: timesName(chunk), data: bytesOf(chunkTimes), contentType: 'application/octet-stream', ...(kept > 0 ? { unchanged_prefix: kept * 8 } : {}) });
        meta.chunk_first_time[chunk] = chunkTimes[0]!;
      }
      // A partly filled last chunk is kept for the next append (a copy: `values` is the caller's).
      if (chunk === lastChunk && to - chunkStart < CHUNK_SIZE) tail = { chunk, values: chunkValues.slice(), times: chunkTimes };
    }
    const pieces = new Map<string, Float64Array>();
    await this.#updateSummaries(start, end, values, writes, pieces);
    meta.length = end;
    // The commit point: until this document is written, readers (and a restart) see the old length.
    // Conditional on the metadata this preparation started from (see the module comment).
    writes.push({ type: 'put', id: this.id, doc: meta as unknown as Doc, expect: this.#hash });
    const hash = docHash(meta as unknown as Doc);
    return {
      writes,
      commit: () => {
        this.#meta = meta;
        this.#hash = hash;
        // A rewrite leaves cached summary pieces past its start stale.
        if (rewrite) this.#pieces.clear();
        for (const [key, packed] of pieces) this.#pieces.set(key, packed);
        this.#setTail(tail ? { ...tail, hash } : undefined);
      },
    };
  }

  /**
   * Values and times of samples [start, end), reading only the chunks (and bytes) that hold them.
   * Before `rawFrom` a 410, or with `droppedAsNaN` NaN values at their (block-interpolated) times.
   */
  async read(start: number, end: number, options: { droppedAsNaN?: boolean } = {}): Promise<ReadResult> {
    [start, end] = this.#clamp(start, end);
    const times = await this.times(start, end);
    // Incremental runners starting over an array whose old raw samples retention dropped: those read as NaN (no sample).
    const kept = options.droppedAsNaN ? Math.min(end, Math.max(start, this.rawFrom)) : start;
    if (kept === start) return { values: await this.values(start, end), times };
    const values = new Float32Array(end - start).fill(Number.NaN);
    values.set(await this.values(kept, end), kept - start);
    return { values, times };
  }

  /**
   * Values of samples [start, end) without their times (what summaries of raw samples need: a
   * regular array's times cost a loop per sample, an explicit one's a read per chunk). Up to
   * READ_AHEAD chunks are read at once, so a range of many chunks waits for one storage round
   * trip per READ_AHEAD chunks, not per chunk.
   */
  async values(start: number, end: number): Promise<Float32Array> {
    [start, end] = this.#clamp(start, end);
    this.#checkRaw(start, end);
    // Within the tail this instance wrote last (summaries of a partly filled block read it).
    const tail = this.#tail;
    if (tail && tail.hash === this.#hash && start >= tail.chunk * CHUNK_SIZE && end <= tail.chunk * CHUNK_SIZE + tail.values.length) {
      return tail.values.slice(start - tail.chunk * CHUNK_SIZE, end - tail.chunk * CHUNK_SIZE);
    }
    const values = new Float32Array(end - start);
    const spans = [...this.#spans(start, end)];
    for (let first = 0; first < spans.length; first += READ_AHEAD) {
      await Promise.all(
        spans.slice(first, first + READ_AHEAD).map(async ({ chunk, from, to }) => {
          const chunkStart = chunk * CHUNK_SIZE;
          const bytes = await this.storage.getAttachment(this.id, valuesName(chunk), { format: 'array_buffer', start: (from - chunkStart) * 4, end: (to - chunkStart) * 4 });
          values.set(new Float32Array(bytes), from - start);
        }),
      );
    }
    return values;
  }

  /** Times (epoch ms) of samples [start, end). */
  async times(start: number, end: number): Promise<Float64Array> {
    [start, end] = this.#clamp(start, end);
    if (this.#meta.timing === 'explicit') return this.#explicitTimes(start, end);
    const times = new Float64Array(end - start);
    const segments = this.#meta.segments;
    let segment = this.#segmentAt(start);
    for (let index = start; index < end; index++) {
      while (segment + 1 < segments.length && segments[segment + 1]!.start <= index) segment++;
      const { start: first, t0, dt } = segments[segment]!;
      times[index - start] = t0 + (index - first) * dt;
    }
    return times;
  }

  async #explicitTimes(start: number, end: number): Promise<Float64Array> {
    const times = new Float64Array(end - start);
    for (const { chunk, from, to } of this.#spans(start, end)) {
      const chunkStart = chunk * CHUNK_SIZE;
      if (chunkStart < this.rawFrom) {
        times.set(await this.#droppedTimes(chunk, from, to), from - start);
        continue;
      }
      const bytes = await this.storage.getAttachment(this.id, timesName(chunk), { format: 'array_buffer', start: (from - chunkStart) * 8, end: (to - chunkStart) * 8 });
      times.set(new Float64Array(bytes), from - start);
    }
    return times;
  }

  /**
   * Times of samples [from, to) of chunk `chunk`, whose raw samples were dropped: interpolated
   * between the first and last time of each level-0 block (never decreasing, exact at block ends).
   */
  async #droppedTimes(chunk: number, from: number, to: number): Promise<Float64Array> {
    const pairs = new Float64Array(await this.storage.getAttachment(this.id, blockTimesName(chunk), { format: 'array_buffer' }));
    const chunkStart = chunk * CHUNK_SIZE;
    const times = new Float64Array(to - from);
    for (let index = from; index < to; index++) {
      const block = Math.floor((index - chunkStart) / SUMMARY_BASE);
      const first = pairs[2 * block]!;
      const last = pairs[2 * block + 1]!;
      times[index - from] = first + ((last - first) * (index - chunkStart - block * SUMMARY_BASE)) / (SUMMARY_BASE - 1);
    }
    return times;
  }

  /**
   * Retention: drops the raw samples (values, and times for explicit timing) of whole chunks whose
   * last sample is before `time`, oldest first, keeping every summary level and, for explicit
   * timing, each level-0 block's first and last time. The last chunk is never dropped (appends
   * extend it). Up to DROP_CHUNKS chunks per transaction, conditional on the metadata like an
   * append (another writer meanwhile: prepared again). Resolves with what was dropped.
   */
  async dropRawBefore(time: number): Promise<DropReport> {
    if (typeof time !== 'number' || Number.isNaN(time)) throw new ArrayError('bad_request', 'time must be a number (epoch ms)');
    const report: DropReport = { chunks: 0, samples: 0, bytes: 0 };
    for (;;) {
      let dropped = 0;
      await this.#writeFresh(async () => {
        dropped = 0;
        const meta = structuredClone(this.#meta);
        const from = Math.floor((meta.raw_from ?? 0) / CHUNK_SIZE);
        const lastChunk = Math.floor((meta.length - 1) / CHUNK_SIZE);
        let to = from;
        while (to < lastChunk && to - from < DROP_CHUNKS && (await this.#chunkLastTime(to)) < time) to++;
        if (to === from) return;
        const writes: BulkWrite[] = [];
        for (let chunk = from; chunk < to; chunk++) {
          if (meta.timing === 'explicit') {
            const chunkTimes = await this.#explicitTimes(chunk * CHUNK_SIZE, (chunk + 1) * CHUNK_SIZE);
            const pairs = new Float64Array((2 * CHUNK_SIZE) / SUMMARY_BASE);
            for (let block = 0; block < CHUNK_SIZE / SUMMARY_BASE; block++) {
              pairs[2 * block] = chunkTimes[block * SUMMARY_BASE]!;
              pairs[2 * block + 1] = chunkTimes[(block + 1) * SUMMARY_BASE - 1]!;
            }
            writes.push({ type: 'putAttachment', id: this.id, name: blockTimesName(chunk), data: bytesOf(pairs), contentType: 'application/octet-stream' });
            writes.push({ type: 'removeAttachment', id: this.id, name: timesName(chunk) });
          }
          writes.push({ type: 'removeAttachment', id: this.id, name: valuesName(chunk) });
        }
        meta.raw_from = to * CHUNK_SIZE;
        writes.push({ type: 'put', id: this.id, doc: meta as unknown as Doc, expect: this.#hash });
        await writeAll(this.storage, writes);
        this.#meta = meta;
        this.#hash = docHash(meta as unknown as Doc);
        this.#setTail(undefined);
        dropped = to - from;
      });
      if (dropped === 0) return report;
      report.chunks += dropped;
      report.samples += dropped * CHUNK_SIZE;
      report.bytes += dropped * CHUNK_SIZE * (this.#meta.timing === 'explicit' ? 12 : 4);
    }
  }

  /** Time of the last sample of full chunk `chunk` (its raw samples stored: explicit timing reads 8 bytes). */
  async #chunkLastTime(chunk: number): Promise<number> {
    const last = (chunk + 1) * CHUNK_SIZE - 1;
    return (await this.times(last, last + 1))[0]!;
  }

  /** Consecutive chunks of [start, end) for out-of-core work: only one is in memory at a time. */
  async *chunks(start = 0, end = this.length): AsyncGenerator<{ offset: number; values: Float32Array }> {
    [start, end] = this.#clamp(start, end);
    this.#checkRaw(start, end);
    for (const { chunk, from, to } of this.#spans(start, end)) {
      const chunkStart = chunk * CHUNK_SIZE;
      const bytes = await this.storage.getAttachment(this.id, valuesName(chunk), { format: 'array_buffer', start: (from - chunkStart) * 4, end: (to - chunkStart) * 4 });
      yield { offset: from, values: new Float32Array(bytes) };
    }
  }

  /** Index of the first sample at or after `time` (`length` when none is): O(log N), at most one chunk read. */
  async indexOfTime(time: number): Promise<number> {
    const meta = this.#meta;
    if (meta.length === 0) return 0;
    if (meta.timing === 'regular') return this.#regularIndex(time, false);
    const firstTimes = meta.chunk_first_time.slice(0, Math.ceil(meta.length / CHUNK_SIZE));
    const chunk = Math.max(0, lowerBound(firstTimes, time) - 1);
    const chunkStart = chunk * CHUNK_SIZE;
    const times = await this.#explicitTimes(chunkStart, Math.min(meta.length, chunkStart + CHUNK_SIZE));
    return chunkStart + lowerBound(times, time);
  }

  /**
   * Index of the first sample after `time` (`length` when none is), so [indexOfTime(a),
   * indexAfterTime(b)) are the samples stamped a to b inclusive: O(log N), one chunk read, however
   * many samples share a time (a run of equal times may span chunks: the chunk index finds its end).
   */
  async indexAfterTime(time: number): Promise<number> {
    const meta = this.#meta;
    if (meta.length === 0) return 0;
    if (meta.timing === 'regular') return this.#regularIndex(time, true);
    // The last chunk starting at or before `time` holds the first later sample, or ends just before it.
    const firstTimes = meta.chunk_first_time.slice(0, Math.ceil(meta.length / CHUNK_SIZE));
    const chunk = upperBound(firstTimes, time) - 1;
    if (chunk < 0) return 0;
    const chunkStart = chunk * CHUNK_SIZE;
    const times = await this.#explicitTimes(chunkStart, Math.min(meta.length, chunkStart + CHUNK_SIZE));
    return chunkStart + upperBound(times, time);
  }

  /**
   * Regular timing: the first sample whose time is ≥ `time` (> `time` when `after`), no reads. The
   * quotient only estimates the offset in its segment (rounding: for 1000.3 in a segment from 1000
   * by 0.1 it is 2.9999999999995, while sample 3 is stamped 1000.3): the estimate is settled against
   * the times exactly as `times` computes them, so the answer agrees with what a reader sees.
   */
  #regularIndex(time: number, after: boolean): number {
    const segments = this.#meta.segments;
    // The last segment starting at or before `time`; segments start at increasing times.
    const position = upperBound(segments.map((s) => s.t0), time) - 1;
    if (position < 0) return 0;
    const segment = segments[position]!;
    const count = (segments[position + 1]?.start ?? this.#meta.length) - segment.start;
    const reached = (offset: number): boolean => {
      const sampleTime = segment.t0 + offset * segment.dt;
      return after ? sampleTime > time : sampleTime >= time;
    };
    const quotient = (time - segment.t0) / segment.dt;
    let offset = Math.min(count, Math.max(0, after ? Math.floor(quotient) + 1 : Math.ceil(quotient)));
    while (offset > 0 && reached(offset - 1)) offset--;
    while (offset < count && !reached(offset)) offset++;
    return segment.start + offset;
  }

  /** Shortens the array to `length` samples (of the array as it is now, other writers' appends included). */
  async truncate(length: number): Promise<void> {
    if (!Number.isInteger(length) || length < 0) throw new ArrayError('bad_request', 'length must be a non-negative integer');
    let first = true;
    await this.#writeFresh(async () => {
      // Read afresh: a length this instance last saw may be another writer's past (a rare call: one read).
      if (first) await this.refresh();
      first = false;
      if (length >= this.#meta.length) return;
      if (length < this.rawFrom) throw new ArrayError('gone', `${this.id} cannot be cut to ${length} samples: its raw samples before ${this.rawFrom} were dropped by retention`);
      const meta = structuredClone(this.#meta);
      const oldChunks = Math.ceil(meta.length / CHUNK_SIZE);
      this.#pieces.clear();
      meta.length = length;
      meta.chunk_first_time = meta.chunk_first_time.slice(0, Math.ceil(length / CHUNK_SIZE));
      meta.segments = meta.segments.filter((segment) => segment.start < length);
      meta.last_time = length === 0 ? null : (await this.times(length - 1, length))[0]!;
      // Chunks wholly past the end are garbage: dropped with the commit (on `bulk` storages in the
      // same transaction, so never after another writer appended there; elsewhere in this turn).
      const writes: BulkWrite[] = [{ type: 'put', id: this.id, doc: meta as unknown as Doc, expect: this.#hash }];
      for (let chunk = Math.ceil(length / CHUNK_SIZE); chunk < oldChunks; chunk++) {
        writes.push({ type: 'removeAttachment', id: this.id, name: valuesName(chunk) });
        if (meta.timing === 'explicit') writes.push({ type: 'removeAttachment', id: this.id, name: timesName(chunk) });
      }
      await writeAll(this.storage, writes);
      this.#meta = meta;
      this.#hash = docHash(meta as unknown as Doc);
      this.#setTail(undefined);
    });
  }

  /** Removes the array and all its data. */
  async delete(): Promise<void> {
    await this.storage.remove(this.id);
  }

  /**
   * Exact summaries of `buckets` equal parts of [start, end) (one per pixel column), read from the
   * summary levels: O(buckets · levels · factor) stored blocks, whatever the length of the range.
   * With `align`, bucket edges inside the range are moved to the nearest boundary of a summary
   * block at most a quarter of a bucket wide: each bucket is still summarized exactly, but no raw
   * samples need reading except at the two ends of the range (what a chart wants).
   */
  async summaries(start: number, end: number, buckets: number, options: { align?: boolean } = {}): Promise<Summary[]> {
    [start, end] = this.#clamp(start, end);
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > 100_000) throw new ArrayError('bad_request', 'buckets must be an integer from 1 to 100000');
    const edges = this.bucketEdges(start, end, buckets, options);
    if (end - start < buckets * 4 * SUMMARY_BASE && start >= this.rawFrom) {
      // Buckets narrower than a few level-0 blocks: one read of the raw samples is cheaper.
      const values = await this.values(start, end);
      return edges.slice(0, -1).map((edge, bucket) => summarizeValues(values, edge - start, edges[bucket + 1]! - start));
    }
    const reader = new SummaryReader(this);
    const result: Summary[] = [];
    for (let bucket = 0; bucket < buckets; bucket++) result.push(await reader.range(edges[bucket]!, edges[bucket + 1]!));
    return result;
  }

  /** The sample numbers where `summaries` cuts [start, end) into buckets (buckets + 1 edges). */
  bucketEdges(start: number, end: number, buckets: number, options: { align?: boolean } = {}): number[] {
    const width = (end - start) / buckets;
    let grid = 1;
    if (options.align) for (let level = 0; levelBlock(level) * 4 <= width; level++) grid = levelBlock(level);
    return Array.from({ length: buckets + 1 }, (_, bucket) => {
      if (bucket === 0) return start;
      if (bucket === buckets) return end;
      const exact = start + Math.floor(((end - start) * bucket) / buckets);
      return Math.min(end, Math.max(start, Math.round(exact / grid) * grid));
    });
  }

  /**
   * Exact summaries of [edges[k], edges[k + 1]) for sample numbers `edges` (never decreasing, 2 to
   * 100 001 of them): buckets of any widths, e.g. the time buckets of a channel with gaps. Narrow
   * buckets (under 4 level-0 blocks on average) are summarized from one sequential pass over the
   * raw chunks; wider ones from the summary levels through one reader (each stored piece read
   * once), and with `align` their inner edges move to the nearest boundary of a summary block at
   * most a quarter of the median bucket wide (as `summaries` does), so no raw samples are read but
   * at the two ends.
   */
  async summariesBetween(edges: readonly number[], options: { align?: boolean } = {}): Promise<Summary[]> {
    if (!Array.isArray(edges) || edges.length < 2 || edges.length > 100_001) throw new ArrayError('bad_request', 'edges must be 2 to 100001 sample numbers');
    for (const [index, edge] of edges.entries()) {
      if (!Number.isInteger(edge) || edge < 0 || (index > 0 && edge < edges[index - 1]!)) throw new ArrayError('bad_request', `edge ${index} is not an integer ≥ 0 and ≥ the edge before it`);
    }
    const length = this.#meta.length;
    let cut = edges.map((edge) => Math.min(edge, length));
    const first = cut[0]!;
    const last = cut.at(-1)!;
    const buckets = cut.length - 1;
    if (last - first < buckets * 4 * SUMMARY_BASE && first >= this.rawFrom) {
      // One pass over the raw chunks: each bucket's parts in consecutive chunks combine exactly.
      const result = Array.from({ length: buckets }, emptySummary);
      let bucket = 0;
      for await (const { offset, values } of this.chunks(first, last)) {
        const chunkEnd = offset + values.length;
        while (bucket < buckets && cut[bucket + 1]! <= offset) bucket++;
        for (let at = bucket; at < buckets && cut[at]! < chunkEnd; at++) {
          const from = Math.max(cut[at]!, offset) - offset;
          const to = Math.min(cut[at + 1]!, chunkEnd) - offset;
          if (to > from) result[at] = combine(result[at]!, summarizeValues(values, from, to));
        }
      }
      return result;
    }
    if (options.align) {
      const widths = cut.slice(1).map((edge, index) => edge - cut[index]!).sort((a, b) => a - b);
      const width = widths[widths.length >> 1]!;
      let grid = 1;
      for (let level = 0; levelBlock(level) * 4 <= width; level++) grid = levelBlock(level);
      // Rounding keeps the edges in order (a monotonic map of ordered edges).
      cut = cut.map((edge, index) => (index === 0 || index === buckets ? edge : Math.min(last, Math.max(first, Math.round(edge / grid) * grid))));
    }
    const reader = new SummaryReader(this);
    const result: Summary[] = [];
    for (let bucket = 0; bucket < buckets; bucket++) result.push(await reader.range(cut[bucket]!, cut[bucket + 1]!));
    return result;
  }

  /**
   * The index of the first sample at or after each of `times` (as `indexOfTime`), reading each
   * chunk's times once when `times` are sorted (the chunk read last is kept for the next).
   */
  async indicesOfTimes(times: readonly number[]): Promise<number[]> {
    const meta = this.#meta;
    if (meta.length === 0) return times.map(() => 0);
    if (meta.timing === 'regular') return times.map((time) => this.#regularIndex(time, false));
    const firstTimes = meta.chunk_first_time.slice(0, Math.ceil(meta.length / CHUNK_SIZE));
    let cached: { chunk: number; times: Float64Array } | undefined;
    const result: number[] = [];
    for (const time of times) {
      const chunk = Math.max(0, lowerBound(firstTimes, time) - 1);
      const chunkStart = chunk * CHUNK_SIZE;
      if (cached?.chunk !== chunk) cached = { chunk, times: await this.#explicitTimes(chunkStart, Math.min(meta.length, chunkStart + CHUNK_SIZE)) };
      result.push(chunkStart + lowerBound(cached.times, time));
    }
    return result;
  }

  /** Times of the given sample numbers, reading each chunk's times at most once. */
  async timesAt(indices: readonly number[]): Promise<Float64Array> {
    const result = new Float64Array(indices.length);
    if (this.#meta.timing === 'regular') {
      for (const [position, index] of indices.entries()) result[position] = (await this.times(index, index + 1))[0] ?? Number.NaN;
      return result;
    }
    const byChunk = new Map<number, number[]>();
    indices.forEach((index, position) => {
      const chunk = Math.floor(index / CHUNK_SIZE);
      byChunk.set(chunk, [...(byChunk.get(chunk) ?? []), position]);
    });
    for (const [chunk, positions] of byChunk) {
      const low = Math.min(...positions.map((position) => indices[position]!));
      const high = Math.max(...positions.map((position) => indices[position]!));
      let times: Float64Array;
      try {
        times = await this.#explicitTimes(...this.#clamp(low, high + 1));
      } catch (error) {
        if (!(error instanceof StorageError && error.status === 404)) throw error;
        // A pinned copy keeps old chunks at summary level only (the sync leaves their samples on
        // the server): estimate from the chunk index, which is all a chart's column edges need.
        for (const position of positions) result[position] = this.#estimatedTime(chunk, indices[position]!);
        continue;
      }
      for (const position of positions) result[position] = times[indices[position]! - low] ?? Number.NaN;
    }
    return result;
  }

  /** Time of sample `index` in chunk `chunk`, interpolated between chunk start times (explicit timing). */
  #estimatedTime(chunk: number, index: number): number {
    const starts = this.#meta.chunk_first_time;
    const from = starts[chunk];
    if (from === undefined) return Number.NaN;
    const chunkStart = chunk * this.#meta.chunk_size;
    const chunkEnd = Math.min(this.#meta.length, chunkStart + this.#meta.chunk_size);
    const to = starts[chunk + 1] ?? this.#meta.last_time ?? from;
    const span = Math.max(1, chunkEnd - chunkStart - (starts[chunk + 1] === undefined ? 1 : 0));
    return from + ((index - chunkStart) / span) * (to - from);
  }

  /** Metadata bytes per data byte: the metadata document and one attachment record per stored piece. */
  async overheadRatio(): Promise<number> {
    const attachments = await this.storage.allAttachments(this.id);
    let data = 0;
    let records = 0;
    for (const [name, info] of Object.entries(attachments)) {
      if (name.startsWith('values/') || name.startsWith('times/')) data += info.length;
      // What a storage keeps per attachment besides the bytes: its name, length and type.
      if (!name.startsWith('summary/')) records += JSON.stringify({ name, ...info }).length;
    }
    return data === 0 ? 0 : (JSON.stringify(this.#meta).length + records) / data;
  }

  #clamp(start: number, end: number): [number, number] {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start) {
      throw new ArrayError('bad_request', `bad range [${start}, ${end}): integers with 0 ≤ start ≤ end`);
    }
    return [Math.min(start, this.#meta.length), Math.min(end, this.#meta.length)];
  }

  *#spans(start: number, end: number): Generator<{ chunk: number; from: number; to: number }> {
    if (end <= start) return;
    for (let chunk = Math.floor(start / CHUNK_SIZE); chunk * CHUNK_SIZE < end; chunk++) {
      yield { chunk, from: Math.max(start, chunk * CHUNK_SIZE), to: Math.min(end, (chunk + 1) * CHUNK_SIZE) };
    }
  }

  #segmentAt(index: number): number {
    return Math.max(0, upperBound(this.#meta.segments.map((segment) => segment.start), index) - 1);
  }

  /** Recomputes every summary block touched by samples [start, end) (`values` are those samples). */
  async #updateSummaries(start: number, end: number, values: Float32Array, writes: BulkWrite[], pieces: Map<string, Float64Array>): Promise<void> {
    // Level 0 from raw values, starting at the block that holds `start`.
    let firstBlock = Math.floor(start / SUMMARY_BASE);
    const head = firstBlock * SUMMARY_BASE;
    let raw = values;
    if (start > head) {
      raw = new Float32Array(end - head);
      raw.set(await this.values(head, start));
      raw.set(values, start - head);
    }
    let blocks: Summary[] = [];
    for (let from = 0; from < raw.length; from += SUMMARY_BASE) blocks.push(summarizeValues(raw, from, Math.min(raw.length, from + SUMMARY_BASE)));
    for (let level = 0; ; level++) {
      await this.#writeBlocks(level, firstBlock, blocks, writes, pieces);
      if (blocks.length === 1 && firstBlock === 0) break; // one block covers everything: top level
      // Level + 1 from this level's blocks, starting at the parent of the first changed one.
      const parent = Math.floor(firstBlock / SUMMARY_FACTOR);
      const siblings = firstBlock - parent * SUMMARY_FACTOR;
      const before = siblings > 0 ? await this.#readBlocks(level, parent * SUMMARY_FACTOR, firstBlock, pieces) : [];
      const all = [...before, ...blocks];
      const next: Summary[] = [];
      for (let from = 0; from < all.length; from += SUMMARY_FACTOR) next.push(all.slice(from, from + SUMMARY_FACTOR).reduce(combine, emptySummary()));
      blocks = next;
      firstBlock = parent;
    }
  }

  /** Stored summary blocks [from, to) of a level, from this append's or the cached pieces when possible. */
  async #readBlocks(level: number, from: number, to: number, pieces: Map<string, Float64Array>): Promise<Summary[]> {
    const piece = Math.floor(from / SUMMARY_PIECE);
    const cached = pieces.get(`${level}/${piece}`) ?? this.#pieces.get(`${level}/${piece}`);
    if (cached && Math.floor((to - 1) / SUMMARY_PIECE) === piece && cached.length >= (to - piece * SUMMARY_PIECE) * SUMMARY_FIELDS) {
      return Array.from({ length: to - from }, (_, index) => readBlock(cached, from - piece * SUMMARY_PIECE + index));
    }
    return readBlocks(this, level, from, to);
  }

  async #writeBlocks(level: number, firstBlock: number, blocks: Summary[], writes: BulkWrite[], pieces: Map<string, Float64Array>): Promise<void> {
    const lastBlock = firstBlock + blocks.length - 1;
    for (let piece = Math.floor(firstBlock / SUMMARY_PIECE); piece <= Math.floor(lastBlock / SUMMARY_PIECE); piece++) {
      const pieceStart = piece * SUMMARY_PIECE;
      const upTo = Math.min(lastBlock, pieceStart + SUMMARY_PIECE - 1);
      let packed: Float64Array;
      try {
        const existing = this.#pieces.get(`${level}/${piece}`) ?? new Float64Array(await this.storage.getAttachment(this.id, summaryName(level, piece), { format: 'array_buffer' }));
        packed = new Float64Array(Math.max(existing.length, (upTo - pieceStart + 1) * SUMMARY_FIELDS));
        packed.set(existing.subarray(0, Math.min(existing.length, packed.length)));
      } catch (error) {
        if (!isNotFound(error)) throw error;
        packed = new Float64Array((upTo - pieceStart + 1) * SUMMARY_FIELDS);
      }
      // Blocks past the new end are stale leftovers of a truncation: cut them off.
      packed = packed.slice(0, (upTo - pieceStart + 1) * SUMMARY_FIELDS);
      for (let block = Math.max(firstBlock, pieceStart); block <= upTo; block++) writeBlock(packed, block - pieceStart, blocks[block - firstBlock]!);
      writes.push({ type: 'putAttachment', id: this.id, name: summaryName(level, piece), data: bytesOf(packed), contentType: 'application/octet-stream' });
      pieces.set(`${level}/${piece}`, packed);
    }
  }
}

/** Reads stored summary blocks [from, to) of a level. */
async function readBlocks(array: ChannelArray, level: number, from: number, to: number): Promise<Summary[]> {
  const result: Summary[] = [];
  for (let piece = Math.floor(from / SUMMARY_PIECE); piece * SUMMARY_PIECE < to; piece++) {
    const pieceStart = piece * SUMMARY_PIECE;
    const first = Math.max(from, pieceStart) - pieceStart;
    const last = Math.min(to, pieceStart + SUMMARY_PIECE) - pieceStart;
    const bytes = await array.storage.getAttachment(array.id, summaryName(level, piece), { format: 'array_buffer', start: first * SUMMARY_FIELDS * 8, end: last * SUMMARY_FIELDS * 8 });
    const packed = new Float64Array(bytes);
    for (let index = 0; index < last - first; index++) result.push(readBlock(packed, index));
  }
  return result;
}

/** Exact summaries of arbitrary ranges from the stored levels, caching the pieces it reads. */
class SummaryReader {
  readonly #array: ChannelArray;
  readonly #pieces = new Map<string, Promise<Float64Array>>();

  constructor(array: ChannelArray) {
    this.#array = array;
  }

  #piece(level: number, piece: number): Promise<Float64Array> {
    const key = `${level}/${piece}`;
    let cached = this.#pieces.get(key);
    if (!cached) {
      cached = this.#array.storage.getAttachment(this.#array.id, summaryName(level, piece), { format: 'array_buffer' }).then((bytes) => new Float64Array(bytes));
      this.#pieces.set(key, cached);
    }
    return cached;
  }

  async #blocks(level: number, from: number, to: number): Promise<Summary> {
    let total = emptySummary();
    for (let block = from; block < to; block++) {
      const piece = await this.#piece(level, Math.floor(block / SUMMARY_PIECE));
      total = combine(total, readBlock(piece, block % SUMMARY_PIECE));
    }
    return total;
  }

  /** Summary of samples [from, to): whole blocks of the highest level that fits, edges recursively. */
  async range(from: number, to: number): Promise<Summary> {
    if (to <= from) return emptySummary();
    // Only blocks wholly inside the array's length are complete (see the module comment).
    const length = this.#array.length;
    for (let level = Math.floor(Math.log(Math.max(1, to - from) / SUMMARY_BASE) / Math.log(SUMMARY_FACTOR)); level >= 0; level--) {
      const size = levelBlock(level);
      const first = Math.ceil(from / size);
      const last = Math.min(Math.floor(to / size), Math.floor(length / size));
      if (first < last) {
        const left = await this.range(from, first * size);
        const middle = await this.#blocks(level, first, last);
        const right = await this.range(last * size, to);
        return combine(combine(left, middle), right);
      }
    }
    // Raw samples dropped by retention: a part of a level-0 block stands for the whole block.
    const rawFrom = this.#array.rawFrom;
    if (from < rawFrom) {
      const dropped = await this.#blocks(0, Math.floor(from / SUMMARY_BASE), Math.ceil(Math.min(to, rawFrom) / SUMMARY_BASE));
      return to > rawFrom ? combine(dropped, await this.range(rawFrom, to)) : dropped;
    }
    return summarizeValues(await this.#array.values(from, to));
  }
}

/** First index whose value is ≥ target in a sorted list. */
function lowerBound(sorted: ArrayLike<number>, target: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** First index whose value is > target in a sorted list. */
function upperBound(sorted: ArrayLike<number>, target: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! <= target) low = middle + 1;
    else high = middle;
  }
  return low;
}
