/**
 * Manual readings taken on the device (an inspection's value item, a technician's meter reading):
 * each one is a `reading/<uuid>` document, immutable, written to the app's storage (the main
 * replica syncs it like any record). The server appends every reading exactly once, by its id, to
 * the asset's manual-reading channel of each field. Readings never travel as array chunks: the
 * channel arrays come down through pins, pull only, so no pin sync can replace a reading.
 *
 * Until the server's array has a reading, the device shows it as pending: `pendingReadings` tells
 * the readings recorded here that the channel array on the device does not hold yet (a sample at
 * the reading's time with its value), for the channel chart and the device's alarm evaluation.
 */
import { ChannelArray } from '../../arrays';
import { readingProblem, type ReadingDoc } from '../../core';
import { StorageError, type Doc, type Storage } from '../../storage';

/** What `recordReading` takes: a reading without its type, and always who took it. */
export type NewReading = Omit<ReadingDoc, 'type' | 'by'> & { by: string };

/** A reading of one field that the device's channel array does not hold yet. */
export interface PendingReading {
  id: string;
  at: number;
  value: number;
  unit?: string;
  by?: string;
  work_order?: string;
  item?: string;
}

/** Samples read at once to tell which readings an array holds (768 KiB with their times). */
const LOOKUP_SAMPLES = 65_536;

/**
 * Records a reading in `storage` (the app's storage: it syncs) and resolves its id
 * `reading/<uuid>`. Only the contract's keys are written (copies, never the caller's objects).
 * Checked as the server checks it (core's readingProblem, without the server's time window).
 * Rejects with StorageError `bad_request` naming the problem (nothing written), or with the
 * storage's own error (out of space: `quota_exceeded`).
 */
export async function recordReading(storage: Storage, reading: NewReading): Promise<string> {
  // The server's own check (core), so a reading recorded offline is one the server takes.
  const problem = typeof reading?.by === 'string' && reading.by !== '' ? readingProblem({ ...reading, type: 'reading' }) : 'a reading needs who took it (by)';
  if (problem) throw new StorageError('bad_request', problem);
  const doc: ReadingDoc = {
    type: 'reading',
    site: reading.site,
    asset: reading.asset,
    at: reading.at,
    values: Object.assign(Object.create(null) as Record<string, number>, reading.values),
    by: reading.by,
    ...(reading.units ? { units: Object.assign(Object.create(null) as Record<string, string>, reading.units) } : {}),
    ...(reading.work_order ? { work_order: reading.work_order } : {}),
    ...(reading.item ? { item: reading.item } : {}),
  };
  const id = `reading/${crypto.randomUUID()}`;
  // JSON round trip: plain objects (the null-prototype maps above) for every storage's structured clone.
  await storage.put(id, JSON.parse(JSON.stringify(doc)) as Doc);
  return id;
}

/** The readings of `asset` on the device (every field), oldest first. */
export async function readingsOf(storage: Storage, asset: string): Promise<Array<{ id: string; doc: ReadingDoc }>> {
  const { rows } = await storage.allDocs({ query: `type:reading AND asset:${JSON.stringify(asset)}`, include_docs: true });
  const readings: Array<{ id: string; doc: ReadingDoc }> = [];
  for (const row of rows) {
    const doc = row.doc as unknown as ReadingDoc | undefined;
    // Stored data is read leniently: a reading without a usable time or values is skipped.
    if (!doc || doc.type !== 'reading' || doc.asset !== asset || typeof doc.at !== 'number' || !Number.isFinite(doc.at) || typeof doc.values !== 'object' || doc.values === null) continue;
    readings.push({ id: row.id, doc });
  }
  return readings.sort((a, b) => a.doc.at - b.doc.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The manual-reading channel of `asset` × `field` on the device (found by those keys, never by id scheme). */
export async function manualChannelOf(storage: Storage, asset: string, field: string): Promise<{ id: string; array: string; unit?: string } | undefined> {
  const { rows } = await storage.allDocs({ query: `type:channel AND asset:${JSON.stringify(asset)}`, include_docs: true });
  for (const row of rows) {
    const doc = row.doc as { field?: unknown; manual?: unknown; array?: unknown; unit?: unknown } | undefined;
    if (doc?.manual === true && doc.field === field && typeof doc.array === 'string') return { id: row.id, array: doc.array, ...(typeof doc.unit === 'string' ? { unit: doc.unit } : {}) };
  }
  return undefined;
}

/**
 * Which of `candidates` (time, value) `array` holds: a sample at exactly that time with that value
 * (as float32, how arrays store values). Reads each sample range once when it is small; samples
 * whose chunks are not on this device (older than a pin's window) count as held: the server's
 * array reaches past them, and the device cannot tell.
 */
async function heldBy(array: ChannelArray, candidates: ReadonlyArray<{ at: number; value: number }>): Promise<boolean[]> {
  const lastTime = array.meta.last_time;
  const held = candidates.map(() => false);
  const older = candidates.map((candidate, index) => ({ ...candidate, index })).filter((candidate) => lastTime !== null && candidate.at <= lastTime);
  if (older.length === 0) return held;
  const matches = (times: Float64Array, values: Float32Array, at: number, value: number): boolean => {
    const wanted = Math.fround(value);
    for (let index = 0; index < times.length; index++) if (times[index] === at && values[index] === wanted) return true;
    return false;
  };
  try {
    const from = await array.indexOfTime(Math.min(...older.map((candidate) => candidate.at)));
    if (array.length - from <= LOOKUP_SAMPLES) {
      // One read of every sample from the oldest candidate on (manual channels are small).
      const { times, values } = await array.read(from, array.length);
      const byTime = new Map<number, number[]>();
      for (let index = 0; index < times.length; index++) {
        const list = byTime.get(times[index]!);
        if (list) list.push(values[index]!);
        else byTime.set(times[index]!, [values[index]!]);
      }
      for (const candidate of older) held[candidate.index] = (byTime.get(candidate.at) ?? []).includes(Math.fround(candidate.value));
      return held;
    }
  } catch (error) {
    if (!(error instanceof StorageError && error.status === 404)) throw error;
  }
  // A long array (or one partly on the server): each candidate's own samples, one lookup each.
  for (const candidate of older) {
    try {
      const start = await array.indexOfTime(candidate.at);
      const end = await array.indexAfterTime(candidate.at);
      const { times, values } = await array.read(start, end);
      held[candidate.index] = matches(times, values, candidate.at, candidate.value);
    } catch (error) {
      if (!(error instanceof StorageError && error.status === 404)) throw error;
      held[candidate.index] = true;
    }
  }
  return held;
}

export interface PendingReadingsOptions {
  asset: string;
  field: string;
  /** Only readings taken after this time (epoch ms). */
  after?: number;
  /**
   * The channel array to compare with; default: the asset × field manual channel's array in
   * `storage`. null: none (every reading is pending). Give the array a chart reads from the
   * server when the device has none.
   */
  array?: ChannelArray | null;
  /** The asset's readings as `readingsOf` gave them (read once for several fields). */
  readings?: ReadonlyArray<{ id: string; doc: ReadingDoc }>;
}

/**
 * The readings of `field` on `asset` recorded on this device (documents in `storage`) that the
 * channel array does not hold yet, oldest first. With no manual channel or no array on the
 * device, every reading is pending. Rejects when the storage cannot be read.
 */
export async function pendingReadings(storage: Storage, options: PendingReadingsOptions): Promise<PendingReading[]> {
  const { asset, field, after } = options;
  const readings = (options.readings ?? (await readingsOf(storage, asset))).filter(({ doc }) => {
    const value = (doc.values as Record<string, unknown>)[field];
    return Object.hasOwn(doc.values, field) && typeof value === 'number' && Number.isFinite(value) && (after === undefined || doc.at > after);
  });
  if (readings.length === 0) return [];
  let array = options.array;
  if (array === undefined) {
    const channel = await manualChannelOf(storage, asset, field);
    array = channel ? await ChannelArray.open(storage, channel.array).catch(() => null) : null;
  }
  const held = array ? await heldBy(array, readings.map(({ doc }) => ({ at: doc.at, value: doc.values[field]! }))) : readings.map(() => false);
  const pending: PendingReading[] = [];
  readings.forEach(({ id, doc }, index) => {
    if (held[index]) return;
    const unit = doc.units?.[field];
    pending.push({
      id,
      at: doc.at,
      value: doc.values[field]!,
      ...(typeof doc.by === 'string' ? { by: doc.by } : {}),
      ...(typeof unit === 'string' ? { unit } : {}),
      ...(doc.work_order ? { work_order: doc.work_order } : {}),
      ...(doc.item ? { item: doc.item } : {}),
    });
  });
  return pending;
}

/**
 * The pending readings of the manual-reading channel whose array is `array` (none when it is not
 * one): readings recorded on the device (`device`) that `array` — the device's pinned copy, or the
 * server's when a chart reads it from there — does not hold yet.
 */
export async function pendingReadingsOfArray(device: Storage, array: ChannelArray): Promise<PendingReading[]> {
  const { rows } = await device.allDocs({ query: `type:channel AND array:${JSON.stringify(array.id)}`, include_docs: true });
  for (const row of rows) {
    const doc = row.doc as { manual?: unknown; asset?: unknown; field?: unknown; array?: unknown } | undefined;
    if (doc?.manual === true && doc.array === array.id && typeof doc.asset === 'string' && typeof doc.field === 'string') return pendingReadings(device, { asset: doc.asset, field: doc.field, array });
  }
  return [];
}
