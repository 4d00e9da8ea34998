/**
 * Manual readings (`reading/<uuid>`): values a technician reads off an asset by hand (an oil
 * level, a temperature taken with a probe), taken on the tablet, offline too, and synced like any
 * document. A reading is immutable once stored: the server appends it, exactly once, to the
 * asset's manual-reading channels (one per field: a channel document with `manual: true` and an
 * array of producer `manual`), so readings plot and raise alarms like sensor samples.
 *
 * Field names follow the rules ingestion has for the fields of a source (they name a channel and
 * its array, percent-encoded in the ids), bounded so the channel's title stays short.
 */
import { firstProblem, isObject, textProblem } from './checks';

/** What every manual-reading array is marked with (ChannelArray `producer`): only the server's reading applier writes it. */
export const MANUAL_PRODUCER = 'manual';

/** At most this many values in one reading (a checklist's worth, not a data logger's). */
export const MAX_READING_FIELDS = 64;

/** Longest field name of a reading (its humanised form is the channel's title). */
export const MAX_READING_FIELD_LENGTH = 200;

/** Longest unit of a reading's field (as for a source's field). */
const MAX_UNIT_LENGTH = 100;

/** Longest id an id-keyed storage takes (UTF-8 bytes; the ids made here are ASCII). */
const MAX_ID_LENGTH = 1024;

/** The largest float32: channel arrays hold float32 samples, a bigger value would be stored as ±Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** The largest |epoch ms| a Date holds (ECMAScript: ±100 000 000 days). */
const DATE_LIMIT_MS = 8.64e15;

/** A manual reading as stored: one document of `type: 'reading'`. */
export interface ReadingDoc {
  type: 'reading';
  site: string;
  /** The asset read (`asset/…`): its manual-reading channels get the values. */
  asset: string;
  /** When it was read (epoch ms, the data time: the samples are stamped with it). */
  at: number;
  /** The values by field name (each a float32-representable finite number). */
  values: Record<string, number>;
  /** Units by field name (the channel's unit, from the first reading of the field that has one). */
  units?: Record<string, string>;
  /** Who read it (a user name). */
  by?: string;
  /** The work order it was read for (`work_order/…`). */
  work_order?: string;
  /** The checklist item of that work order it answers. */
  item?: string;
}

/** JSON Schema of a reading (other keys allowed; readingProblem checks the rest: field names, float32, ids). */
export const readingSchema = {
  type: 'object',
  required: ['type', 'site', 'asset', 'at', 'values'],
  properties: {
    type: { const: 'reading' },
    site: { type: 'string', minLength: 1, maxLength: 1000 },
    asset: { type: 'string', minLength: 1, maxLength: 1000 },
    at: { type: 'number', minimum: -DATE_LIMIT_MS, maximum: DATE_LIMIT_MS },
    values: { type: 'object', minProperties: 1, maxProperties: MAX_READING_FIELDS, additionalProperties: { type: 'number' } },
    units: { type: 'object', additionalProperties: { type: 'string', maxLength: MAX_UNIT_LENGTH } },
    by: { type: 'string', minLength: 1, maxLength: 1000 },
    work_order: { type: 'string', pattern: '^work_order/.+', maxLength: 1000 },
    item: { type: 'string', minLength: 1, maxLength: 1000 },
  },
} as const;

/** A field name as part of an id (percent-encoded: a '/' in a field never reads as a separator). */
const encoded = (part: string): string => encodeURIComponent(part);

/**
 * The id of the manual-reading channel document of `asset`'s `field`. Both parts are
 * percent-encoded, so the id has exactly four '/'-separated parts and a derived `…/anomaly` id
 * never collides with it. Find manual channels by their keys (asset, field, manual), not by id.
 */
export function manualChannelId(asset: string, field: string): string {
  return `channel/manual/${encoded(asset)}/${encoded(field)}`;
}

/** The id of the manual-reading array of `asset`'s `field` (see manualChannelId). */
export function manualArrayId(asset: string, field: string): string {
  return `array/manual/${encoded(asset)}/${encoded(field)}`;
}

/** A field name as a title: "gearbox_oil_level" → "Gearbox oil level", "mainBearingTemp" → "Main bearing temp". */
export function humanizeField(field: string): string {
  const words = field
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_\-.\s]+/g, ' ')
    .trim()
    .toLowerCase();
  if (words === '') return field;
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Whether `text` holds a UTF-16 surrogate without its pair (it cannot be written as UTF-8, nor percent-encoded). */
function hasLoneSurrogate(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      index++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return true;
  }
  return false;
}

/**
 * Why `field` cannot name a manual-reading channel of `asset` (undefined: it can): the rules of a
 * source's fields (text without NUL, valid Unicode, ids within the storage's limit), not blank,
 * at most MAX_READING_FIELD_LENGTH characters.
 */
export function readingFieldProblem(asset: string, field: string): string | undefined {
  const named = `the field ${JSON.stringify(field.slice(0, 100))}`;
  if (hasLoneSurrogate(asset)) return 'asset is not valid Unicode (a lone surrogate)';
  if (field.trim() === '') return 'a field name must not be empty';
  if (field.length > MAX_READING_FIELD_LENGTH) return `${named} cannot name a channel: at most ${MAX_READING_FIELD_LENGTH} characters (it has ${field.length})`;
  if (field.includes('\u0000')) return `${named} cannot name a channel: it must not contain NUL (\\u0000)`;
  if (hasLoneSurrogate(field)) return `${named} cannot name a channel: it is not valid Unicode (a lone surrogate)`;
  if (manualArrayId(asset, field).length > MAX_ID_LENGTH) return `${named} cannot name a channel: its channel id would be longer than ${MAX_ID_LENGTH} bytes`;
  return undefined;
}

/** The bounds of accepted reading times (epoch ms, inclusive): the server gives the ingest window now. */
export interface ReadingTimeBounds {
  min: number;
  max: number;
}

/** A time as an ISO date when a Date holds it (for messages). */
function describe(time: number): string {
  return Number.isFinite(time) && Math.abs(time) <= DATE_LIMIT_MS ? new Date(time).toISOString() : String(time);
}

/** Why `value` is not a reading's values: 1…MAX_READING_FIELDS fields, each a finite float32 under a field name that can name a channel. */
function valuesProblem(asset: string, value: unknown): string | undefined {
  if (!isObject(value)) return 'values must be an object of field name → number';
  const fields = Object.keys(value);
  if (fields.length === 0) return 'values must have at least one field';
  if (fields.length > MAX_READING_FIELDS) return `values may have at most ${MAX_READING_FIELDS} fields (it has ${fields.length})`;
  for (const field of fields) {
    const problem = readingFieldProblem(asset, field);
    if (problem) return `values: ${problem}`;
    const sample = value[field];
    const name = `values[${JSON.stringify(field.slice(0, 100))}]`;
    if (typeof sample !== 'number' || !Number.isFinite(sample)) return `${name} must be a finite number`;
    if (Math.abs(sample) > FLOAT32_MAX) return `${name} (${sample}) is beyond what a channel holds (±${FLOAT32_MAX}, a float32)`;
  }
  return undefined;
}

/** Why `units` is not units by field of `values` (absent is fine). */
function unitsProblem(units: unknown, values: Record<string, unknown>): string | undefined {
  if (units === undefined) return undefined;
  if (!isObject(units)) return 'units must be an object of field name → unit';
  for (const [field, unit] of Object.entries(units)) {
    const name = `units[${JSON.stringify(field.slice(0, 100))}]`;
    if (!Object.hasOwn(values, field)) return `${name} names no field of values`;
    if (typeof unit !== 'string' || unit.length > MAX_UNIT_LENGTH) return `${name} must be a string of at most ${MAX_UNIT_LENGTH} characters`;
  }
  return undefined;
}

/** Why `value` is not an epoch-ms time inside `bounds` (any time a Date holds when absent). */
function atProblem(value: unknown, bounds: ReadingTimeBounds | undefined): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'at must be a finite number (epoch ms)';
  if (Math.abs(value) > DATE_LIMIT_MS) return `at (${value}) is not a time a date holds (epoch ms)`;
  if (bounds && value > bounds.max) return `at ${describe(value)} is after ${describe(bounds.max)}, the latest accepted now (INGEST_MAX_FUTURE_MS after the server's clock)`;
  if (bounds && value < bounds.min) return `at ${describe(value)} is before ${describe(bounds.min)}, the earliest accepted (INGEST_MIN_TIME)`;
  return undefined;
}

/**
 * Why `doc` is not a reading (undefined: it is). `bounds`: the accepted times (the server passes
 * the ingest time window as it is now); without it any time a Date holds passes.
 */
export function readingProblem(doc: unknown, bounds?: ReadingTimeBounds): string | undefined {
  if (!isObject(doc)) return 'a reading must be an object';
  if (doc.type !== 'reading') return 'a reading has type "reading"';
  const assetWrong = textProblem('asset', doc.asset, 1000) ?? (hasLoneSurrogate(doc.asset as string) ? 'asset is not valid Unicode (a lone surrogate)' : undefined);
  return firstProblem(
    textProblem('site', doc.site, 1000),
    assetWrong,
    atProblem(doc.at, bounds),
    assetWrong ? undefined : valuesProblem(doc.asset as string, doc.values),
    isObject(doc.values) ? unitsProblem(doc.units, doc.values) : undefined,
    doc.by === undefined ? undefined : textProblem('by', doc.by, 1000),
    doc.work_order === undefined ? undefined : typeof doc.work_order === 'string' && doc.work_order.startsWith('work_order/') && doc.work_order.length > 'work_order/'.length && doc.work_order.length <= 1000 ? undefined : 'work_order must be the id of a work order ("work_order/…")',
    doc.item === undefined ? undefined : textProblem('item', doc.item, 1000),
  );
}
