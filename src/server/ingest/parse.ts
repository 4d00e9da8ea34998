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

/** `[time, record]` pairs (or `{time, …}` maps) in a msgpack stream; 413 past MAX_EVENTS. */
export function parseMsgpack(body: Buffer, check?: TimeCheck): IngestEvent[] {
  const events: IngestEvent[] = [];
  let renamed = false;
  try {
    // Counted and converted as they are decoded: 64 MiB of 3-byte pairs (20 million) stops at the
    // limit instead of being decoded whole first.
    unpackMultiple(body, (entry: unknown) => {
      if (mayHaveRenamedKey(recordOf(entry))) {
        renamed = true;
        return false;
      }
      limit(events.length + 1);
      events.push(fromPair(entry, `event ${events.length}`, check));
      return true;
    });
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw bad(`the body is not a msgpack stream of [time, record] pairs: ${(error as Error).message}`);
  }
  if (!renamed) return events;
  // A field named __proto__ came back renamed: decode again, keys as sent (see msgpack-keys.ts),
  // counted as they come like the first pass.
  const exact: IngestEvent[] = [];
  try {
    unpackMultipleExactly(body, (entry) => {
      limit(exact.length + 1);
      exact.push(fromPair(entry, `event ${exact.length}`, check));
      return true;
    });
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw bad(`the body is not a msgpack stream of [time, record] pairs: ${(error as Error).message}`);
  }
  return exact;
}

/** One event per non-blank line (line numbers in errors count the events); 413 past MAX_EVENTS. */
export function parseJsonLines(text: string, check?: TimeCheck): IngestEvent[] {
  const events: IngestEvent[] = [];
  // Line by line, counted as they come: no array of every line of a 64 MiB body first.
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.trim() === '') continue;
    limit(events.length + 1);
    let entry: unknown;
    try {
      entry = JSON.parse(line) as unknown;
    } catch {
      throw bad(`line ${events.length + 1} is not JSON`);
    }
    events.push(fromPair(entry, `line ${events.length + 1}`, check));
  }
  return events;
}

/**
 * Rows of CSV data (after the header) in `text`, counted without parsing them, up to `max + 1`:
 * a line break ends a row unless it is inside quotes (quotes inside a quoted cell are doubled, so
 * parity tells), and blank rows do not count (parseRows skips them). \r\n, \n and \r all end a
 * row, as papaparse may take any of them as the file's line break: at worst an over-count.
 */
export function countCsvRows(text: string, max: number): number {
  let rows = 0;
  let quoted = false;
  let filled = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x22) {
      quoted = !quoted;
      filled = true;
    } else if ((code === 0x0a || code === 0x0d) && !quoted) {
      if (code === 0x0d && text.charCodeAt(index + 1) === 0x0a) index++;
      if (filled && ++rows > max) return rows;
      filled = false;
    } else if (code !== 0x20 && code !== 0x09) filled = true;
  }
  return filled ? rows + 1 : rows;
}

/** CSV with a header line (see core/csv.ts); `options` choose the delimiter or time column. */
export function parseCsv(text: string, options: { delimiter?: string; timeColumn?: string; check?: TimeCheck } = {}): IngestEvent[] {
  const { header, rest } = splitHeader(text);
  try {
    const dialect = detectDialect(`${header}\n${rest.slice(0, 4096)}`, options);
    // Counted before papaparse splits them all: 64 MiB of 4-byte rows would be 16 million arrays.
    limit(countCsvRows(rest, MAX_EVENTS));
    return parseRows(rest, dialect, 2, options.check);
  } catch (error) {
    if (error instanceof CsvError) throw bad(`CSV ${error.message}`);
    throw error;
  }
}
