/**
 * Ingest bodies → events. Accepted: a raw msgpack stream of `[time, record]` pairs (what fluentd's
 * HTTP output plugin for Wendelin sends; time in seconds, integer, float or EventTime), JSON lines
 * (`[time, record]` or `{"time": …, field: value, …}`), and CSV with a header (core/csv.ts: units
 * in headers, delimiter and time column detected). Times become epoch ms. A `TimeCheck` may refuse
 * a time: the whole body is refused (400) naming the event or line.
 */
import { addExtension, unpackMultiple } from 'msgpackr';
import { CsvError, detectDialect, parseRows, splitHeader, toEpochMs } from '../../core';
import { HttpError } from '../errors';
import { mayHaveRenamedKey, unpackMultipleExactly } from './msgpack-keys';

export interface IngestEvent {
  /** Epoch milliseconds. */
  time: number;
  record: Record<string, unknown>;
}

/** Says why an event time (epoch ms) is refused, or undefined when it is accepted. */
export type TimeCheck = (time: number) => string | undefined;

/** Events per request at most: bigger uploads come in pieces. */
export const MAX_EVENTS = 1_000_000;

// fluentd's EventTime: msgpack ext type 0, big-endian uint32 seconds + uint32 nanoseconds.
addExtension({
  type: 0,
  unpack: (buffer: Uint8Array) => {
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    if (buffer.byteLength !== 8) throw new Error('EventTime must be 8 bytes');
    return view.getUint32(0) + view.getUint32(4) / 1e9;
  },
});

function bad(detail: string): HttpError {
  return new HttpError(400, 'bad_request', detail);
}

function toMs(value: unknown, where: string): number {
  const ms = toEpochMs(value);
  if (ms === undefined) throw bad(`${where}: the time ${JSON.stringify(value)} is not a number of seconds or a date`);
  return ms;
}

function checkRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`${where}: the record must be an object`);
  return value as Record<string, unknown>;
}

function fromPair(entry: unknown, where: string, check?: TimeCheck): IngestEvent {
  const event = pair(entry, where);
  const refused = check?.(event.time);
  if (refused !== undefined) throw bad(`${where}: ${refused}`);
  return event;
}

function pair(entry: unknown, where: string): IngestEvent {
  if (Array.isArray(entry) && entry.length === 2) return { time: toMs(entry[0], where), record: checkRecord(entry[1], where) };
  if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
    const { time, timestamp, ...fields } = entry as Record<string, unknown>;
    return { time: toMs(time ?? timestamp, where), record: fields };
  }
  throw bad(`${where}: expected [time, record] or {time, …fields}`);
}

/** The record of a decoded entry ([time, record] or {time, …fields}), to look at its keys. */
const recordOf = (entry: unknown): unknown => (Array.isArray(entry) ? entry[1] : entry);

function limit(count: number): void {
  if (count > MAX_EVENTS) throw new HttpError(413, 'payload_too_large', `at most ${MAX_EVENTS} events per request`);
}

export function parseMsgpack(body: Buffer, check?: TimeCheck): IngestEvent[] {
  let entries: unknown[];
  try {
    entries = unpackMultiple(body) as unknown[];
    // A field named __proto__ came back renamed: decode again, keys as sent (see msgpack-keys.ts).
    if (entries.some((entry) => mayHaveRenamedKey(recordOf(entry)))) entries = unpackMultipleExactly(body);
  } catch (error) {
    throw bad(`the body is not a msgpack stream of [time, record] pairs: ${(error as Error).message}`);
  }
  limit(entries.length);
  return entries.map((entry, index) => fromPair(entry, `event ${index}`, check));
}

export function parseJsonLines(text: string, check?: TimeCheck): IngestEvent[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  limit(lines.length);
  return lines.map((line, index) => {
    let entry: unknown;
    try {
      entry = JSON.parse(line) as unknown;
    } catch {
      throw bad(`line ${index + 1} is not JSON`);
    }
    return fromPair(entry, `line ${index + 1}`, check);
  });
}

/** CSV with a header line (see core/csv.ts); `options` choose the delimiter or time column. */
export function parseCsv(text: string, options: { delimiter?: string; timeColumn?: string; check?: TimeCheck } = {}): IngestEvent[] {
  const { header, rest } = splitHeader(text);
  try {
    const dialect = detectDialect(`${header}\n${rest.slice(0, 4096)}`, options);
    const rows = parseRows(rest, dialect, 2, options.check);
    limit(rows.length);
    return rows;
  } catch (error) {
    if (error instanceof CsvError) throw bad(`CSV ${error.message}`);
    throw error;
  }
}
