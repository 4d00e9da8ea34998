/**
 * Raw data streams and ingestion records: what a data source sent, kept verbatim and append-only
 * (for replay and audit, and to rebuild arrays), and one record per accepted batch keyed by its
 * chunk id / idempotency key. `accept` does both in one transaction, together with the caller's
 * own writes, so a batch is stored exactly once: a batch sent again finds its record and changes
 * nothing.
 */
import { createHash } from 'node:crypto';
import type { Query, SqlDriver } from './driver';

export interface BatchInfo {
  source: string;
  /** The batch's chunk id or idempotency key (unique per source). */
  key: string;
  count: number;
  firstTime: number | null;
  lastTime: number | null;
  /** How to decode the raw bytes again (see ingest/decode.ts); undefined: unknown. */
  format?: string;
  /** New events older than their arrays' last samples, kept out of the arrays until a rebuild. */
  late?: number;
  /** The earliest of those (epoch ms). */
  lateFirst?: number | null;
  /**
   * When the batch arrived (epoch ms; default: when it is stored): the moment its events' times
   * were checked against the accepted window, which a rebuild applies again.
   */
  receivedAt?: number;
}

export interface IngestionRecord extends BatchInfo {
  streamOffset: number;
  streamLength: number;
  /** SHA-256 (hex) of the batch's bytes (`checksumOf`): a key sent again with other bytes is another batch. */
  checksum: string;
  receivedAt: number;
}

/** The checksum recorded with a batch's bytes. */
export function checksumOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export type Acceptance = { status: 'stored'; record: IngestionRecord } | { status: 'duplicate'; record: IngestionRecord };

function toRecord(row: Record<string, unknown>): IngestionRecord {
  return {
    source: String(row.source),
    key: String(row.key),
    count: Number(row.count),
    firstTime: row.first_time === null ? null : Number(row.first_time),
    lastTime: row.last_time === null ? null : Number(row.last_time),
    ...(row.format === null || row.format === undefined ? {} : { format: String(row.format) }),
    late: Number(row.late ?? 0),
    lateFirst: row.late_first === null || row.late_first === undefined ? null : Number(row.late_first),
    streamOffset: Number(row.stream_offset),
    streamLength: Number(row.stream_length),
    checksum: String(row.checksum),
    receivedAt: Number(row.created_at),
  };
}

export class IngestLog {
  readonly #driver: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
  }

  /**
   * Stores a batch unless its key was seen: appends `bytes` to the source's raw stream, records
   * the batch and runs `effect` (e.g. appending to channel arrays) in the same transaction.
   */
  async accept(batch: BatchInfo, bytes: Uint8Array, effect?: (query: Query) => Promise<void>): Promise<Acceptance> {
    const checksum = checksumOf(bytes);
    return this.#driver.transaction(async (query) => {
      const [seen] = await query('SELECT * FROM ingestions WHERE source = ? AND key = ?', [batch.source, batch.key]);
      if (seen) return { status: 'duplicate', record: toRecord(seen) };
      const [end] = await query(`SELECT position AS o, LENGTH(data) AS l FROM stream_chunks WHERE source = ? ORDER BY position DESC LIMIT 1`, [batch.source]);
      const streamOffset = end ? Number(end.o) + Number(end.l) : 0;
      await query(`INSERT INTO stream_chunks (source, position, data) VALUES (?, ?, ?)`, [batch.source, streamOffset, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]);
      const receivedAt = batch.receivedAt ?? Date.now();
      const record: IngestionRecord = { ...batch, streamOffset, streamLength: bytes.byteLength, checksum, receivedAt };
      await query(
        'INSERT INTO ingestions (source, key, stream_offset, stream_length, count, first_time, last_time, checksum, created_at, format, late, late_first) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [batch.source, batch.key, streamOffset, bytes.byteLength, batch.count, batch.firstTime, batch.lastTime, checksum, receivedAt, batch.format ?? null, batch.late ?? 0, batch.lateFirst ?? null],
      );
      await effect?.(query);
      return { status: 'stored', record };
    });
  }

  /**
   * Stores several batches of one source whose keys the caller checked are new (inside the
   * caller's transaction, writers held off): their bytes appended to the raw stream one after
   * the other and their records, in four statements whatever their number. Resolves with false,
   * storing nothing, when one of the keys was stored meanwhile.
   */
  static async acceptAll(query: Query, source: string, batches: ReadonlyArray<{ info: BatchInfo; bytes: Uint8Array }>): Promise<boolean> {
    if (batches.length === 0) return true;
    const keys = batches.map(({ info }) => info.key);
    const [seen] = await query(`SELECT COUNT(*) AS count FROM ingestions WHERE source = ? AND key IN (${keys.map(() => '?').join(', ')})`, [source, ...keys]);
    if (Number(seen?.count ?? 0) > 0) return false;
    const [end] = await query(`SELECT position AS o, LENGTH(data) AS l FROM stream_chunks WHERE source = ? ORDER BY position DESC LIMIT 1`, [source]);
    let offset = end ? Number(end.o) + Number(end.l) : 0;
    const chunks: unknown[] = [];
    const records: unknown[] = [];
    for (const { info, bytes } of batches) {
      chunks.push(source, offset, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      records.push(source, info.key, offset, bytes.byteLength, info.count, info.firstTime, info.lastTime, checksumOf(bytes), info.receivedAt ?? Date.now(), info.format ?? null, info.late ?? 0, info.lateFirst ?? null);
      offset += bytes.byteLength;
    }
    await query(`INSERT INTO stream_chunks (source, position, data) VALUES ${batches.map(() => '(?, ?, ?)').join(', ')}`, chunks);
    await query(
      `INSERT INTO ingestions (source, key, stream_offset, stream_length, count, first_time, last_time, checksum, created_at, format, late, late_first) VALUES ${batches.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      records,
    );
    return true;
  }

  /** The records of the batches of `source` stored under any of `keys`, by key. */
  async findAll(source: string, keys: readonly string[]): Promise<Map<string, IngestionRecord>> {
    const found = new Map<string, IngestionRecord>();
    const unique = [...new Set(keys)];
    for (let from = 0; from < unique.length; from += 500) {
      const some = unique.slice(from, from + 500);
      const rows = await this.#driver.transaction((query) => query(`SELECT * FROM ingestions WHERE source = ? AND key IN (${some.map(() => '?').join(', ')})`, [source, ...some]));
      for (const row of rows) found.set(String(row.key), toRecord(row));
    }
    return found;
  }

  /** Bytes [from, to) of a source's raw stream (to defaults to its end). */
  async read(source: string, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
    const rows = await this.#driver.transaction((query) =>
      query(`SELECT position AS o, data FROM stream_chunks WHERE source = ? AND position < ? AND position + LENGTH(data) > ? ORDER BY position`, [source, to, from]),
    );
    const parts = rows.map((row) => {
      const start = Number(row.o);
      const data = row.data as Buffer;
      return data.subarray(Math.max(0, from - start), Math.min(data.length, to - start));
    });
    return Buffer.concat(parts);
  }

  /** The record of a batch already accepted under this key, if any (check before preparing work). */
  async find(source: string, key: string): Promise<IngestionRecord | undefined> {
    const [row] = await this.#driver.transaction((query) => query('SELECT * FROM ingestions WHERE source = ? AND key = ?', [source, key]));
    return row ? toRecord(row) : undefined;
  }

  /**
   * Which of `times` (epoch ms) a source has already stored: an event is (source, event time).
   * Reads the packed times of the commits whose range meets theirs (for a source sending in time
   * order: none), and the rows of source_events written before migration 23.
   */
  async knownTimes(source: string, times: readonly number[]): Promise<Set<number>> {
    if (times.length === 0) return new Set();
    let low = Infinity;
    let high = -Infinity;
    for (const time of times) {
      if (time < low) low = time;
      if (time > high) high = time;
    }
    const [packed, single] = await this.#driver.transaction(async (query) => [
      await query('SELECT times FROM source_event_times WHERE source = ? AND last_time >= ? AND first_time <= ?', [source, low, high]),
      await query('SELECT time FROM source_events WHERE source = ? AND time BETWEEN ? AND ?', [source, low, high]),
    ]);
    const known = new Set(single.map((row) => Number(row.time)));
    for (const row of packed) {
      const bytes = row.times as Uint8Array;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let offset = 0; offset + 8 <= bytes.byteLength; offset += 8) {
        const time = view.getFloat64(offset, true);
        if (time > high) break;
        if (time >= low) known.add(time);
      }
    }
    return known;
  }

  /** Records the event times of a commit of a source (one row, packed), inside the caller's transaction. */
  static async rememberTimes(query: Query, source: string, times: readonly number[]): Promise<void> {
    if (times.length === 0) return;
    const sorted = Float64Array.from(times).sort();
    const bytes = Buffer.alloc(sorted.length * 8);
    for (let index = 0; index < sorted.length; index++) bytes.writeDoubleLE(sorted[index]!, index * 8);
    await query('INSERT INTO source_event_times (source, first_time, last_time, times) VALUES (?, ?, ?, ?)', [source, sorted[0]!, sorted.at(-1)!, bytes]);
  }

  async lastTime(source: string): Promise<number | null> {
    const [row] = await this.#driver.transaction((query) => query('SELECT MAX(last_time) AS last FROM ingestions WHERE source = ?', [source]));
    return row?.last === null || row?.last === undefined ? null : Number(row.last);
  }

  /** Late events of a source not merged yet: how many, and the earliest (null: none). */
  async pendingLate(source: string): Promise<{ count: number; first: number | null }> {
    const [row] = await this.#driver.transaction((query) => query('SELECT COALESCE(SUM(late), 0) AS count, MIN(late_first) AS first FROM ingestions WHERE source = ? AND late_first IS NOT NULL', [source]));
    return { count: Number(row?.count ?? 0), first: row?.first === null || row?.first === undefined ? null : Number(row.first) };
  }

  /** Accepted batches of a source with events at or after `time`, in the order they were accepted. */
  async recordsFrom(source: string, time: number): Promise<IngestionRecord[]> {
    const rows = await this.#driver.transaction((query) => query('SELECT * FROM ingestions WHERE source = ? AND last_time >= ? ORDER BY stream_offset', [source, time]));
    return rows.map(toRecord);
  }

  /** Marks a source's late events as merged (inside the caller's transaction). */
  static async clearLate(query: Query, source: string): Promise<void> {
    await query('UPDATE ingestions SET late = 0, late_first = NULL WHERE source = ? AND late_first IS NOT NULL', [source]);
  }

  /**
   * The retention horizon of a source (epoch ms; -Infinity: never compacted): event times before it
   * are refused, since its records and event times there are gone (see `compact`).
   */
  static async horizonOf(query: Query, source: string): Promise<number> {
    const [row] = await query('SELECT horizon FROM stream_horizons WHERE source = ?', [source]);
    return row === undefined ? -Infinity : Number(row.horizon);
  }

  /**
   * Compacts a source's raw stream up to `horizon` (epoch ms), inside the caller's transaction
   * (writers held off): raises the source's horizon first, then removes up to `limit` batches whose
   * events are all before it (and records of batches with no new event received before it) —
   * their raw bytes, their records — and the event times before it. The stream's last batch stays,
   * so positions only grow. Resolves with what it removed; `more` when batches are left to remove.
   */
  static async compact(query: Query, source: string, horizon: number, limit = 5000): Promise<{ batches: number; bytes: number; more: boolean }> {
    if (horizon > (await IngestLog.horizonOf(query, source))) {
      await query('DELETE FROM stream_horizons WHERE source = ?', [source]);
      await query('INSERT INTO stream_horizons (source, horizon) VALUES (?, ?)', [source, horizon]);
    }
    const [end] = await query('SELECT MAX(position) AS last FROM stream_chunks WHERE source = ?', [source]);
    const last = end?.last === null || end?.last === undefined ? -1 : Number(end.last);
    const rows = await query(
      'SELECT key, stream_offset, stream_length FROM ingestions WHERE source = ? AND stream_offset < ? AND (last_time < ? OR (last_time IS NULL AND created_at < ?)) ORDER BY stream_offset LIMIT ?',
      [source, last, horizon, horizon, limit],
    );
    let bytes = 0;
    for (let from = 0; from < rows.length; from += 500) {
      const some = rows.slice(from, from + 500);
      const marks = some.map(() => '?').join(', ');
      await query(`DELETE FROM stream_chunks WHERE source = ? AND position IN (${marks})`, [source, ...some.map((row) => Number(row.stream_offset))]);
      await query(`DELETE FROM ingestions WHERE source = ? AND key IN (${marks})`, [source, ...some.map((row) => String(row.key))]);
      for (const row of some) bytes += Number(row.stream_length);
    }
    await query('DELETE FROM source_event_times WHERE source = ? AND last_time < ?', [source, horizon]);
    await query('DELETE FROM source_events WHERE source = ? AND time < ?', [source, horizon]);
    return { batches: rows.length, bytes, more: rows.length === limit };
  }

  async records(source: string): Promise<IngestionRecord[]> {
    const rows = await this.#driver.transaction((query) => query('SELECT * FROM ingestions WHERE source = ? ORDER BY stream_offset', [source]));
    return rows.map(toRecord);
  }
}
