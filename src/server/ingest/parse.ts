/**
 * Ingest bodies → events. Accepted: a raw msgpack stream of `[time, record]` pairs (what fluentd's
 * HTTP output plugin for Wendelin sends; time in seconds, integer, float or EventTime), JSON lines
 * (`[time, record]` or `{"time": …, field: value, …}`), and CSV with a header (time column `time`,
 * `timestamp` or `date`, else the first; `,` `;` or tab detected). Times become epoch ms.
 */
import { addExtension, unpackMultiple } from 'msgpackr';
import { HttpError } from '../errors';

export interface IngestEvent {
  /** Epoch milliseconds. */
  time: number;
  record: Record<string, unknown>;
}

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

/** Seconds (fluentd) → ms; ISO strings and dates parse; ms-looking numbers (> 1e11) stay. */
function toMs(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value > 1e11 ? value : value * 1000;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    if (Number.isFinite(number)) return number > 1e11 ? number : number * 1000;
    const parsed = Date.parse(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  throw bad(`${where}: the time ${JSON.stringify(value)} is not a number of seconds or a date`);
}

function checkRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`${where}: the record must be an object`);
  return value as Record<string, unknown>;
}

function fromPair(entry: unknown, where: string): IngestEvent {
  if (Array.isArray(entry) && entry.length === 2) return { time: toMs(entry[0], where), record: checkRecord(entry[1], where) };
  if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
    const { time, timestamp, ...fields } = entry as Record<string, unknown>;
    return { time: toMs(time ?? timestamp, where), record: fields };
  }
  throw bad(`${where}: expected [time, record] or {time, …fields}`);
}

function limit(count: number): void {
  if (count > MAX_EVENTS) throw new HttpError(413, 'payload_too_large', `at most ${MAX_EVENTS} events per request`);
}

export function parseMsgpack(body: Buffer): IngestEvent[] {
  let entries: unknown[];
  try {
    entries = unpackMultiple(body) as unknown[];
  } catch (error) {
    throw bad(`the body is not a msgpack stream of [time, record] pairs: ${(error as Error).message}`);
  }
  limit(entries.length);
  return entries.map((entry, index) => fromPair(entry, `event ${index}`));
}

export function parseJsonLines(text: string): IngestEvent[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  limit(lines.length);
  return lines.map((line, index) => {
    let entry: unknown;
    try {
      entry = JSON.parse(line) as unknown;
    } catch {
      throw bad(`line ${index + 1} is not JSON`);
    }
    return fromPair(entry, `line ${index + 1}`);
  });
}

export function parseCsv(text: string): IngestEvent[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === 0) throw bad('the CSV body is empty');
  limit(lines.length - 1);
  const header = lines[0]!;
  const delimiter = [',', ';', '\t'].map((candidate) => [candidate, header.split(candidate).length] as const).sort((a, b) => b[1] - a[1])[0]![0];
  const names = header.split(delimiter).map((name) => name.trim().replace(/^"|"$/g, ''));
  const timeColumn = Math.max(0, names.findIndex((name) => /^(time|timestamp|date)$/i.test(name)));
  return lines.slice(1).map((line, index) => {
    const cells = line.split(delimiter);
    if (cells.length !== names.length) throw bad(`CSV line ${index + 2} has ${cells.length} cells, the header ${names.length}`);
    const record: Record<string, unknown> = {};
    cells.forEach((cell, column) => {
      if (column === timeColumn) return;
      const text = cell.trim();
      const number = Number(text);
      record[names[column]!] = text === '' ? null : Number.isFinite(number) ? number : text;
    });
    return { time: toMs(cells[timeColumn]!.trim(), `CSV line ${index + 2}`), record };
  });
}
