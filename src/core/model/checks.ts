/**
 * The small checks every document type of the model shares. Each returns a message naming the
 * field (undefined: fine), so a 400 says what to fix; none throws.
 */

/** Longest title, label, make/model/serial or free-text type accepted (bounds what a list shows). */
export const MAX_TEXT = 500;
/** Longest description or notes. */
export const MAX_LONG_TEXT = 100_000;

/** A plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why `value` is not a non-empty string of at most `max` characters (undefined: it is). */
export function textProblem(name: string, value: unknown, max = MAX_TEXT): string | undefined {
  if (typeof value !== 'string') return `${name} must be a string`;
  if (value.trim() === '') return `${name} must not be empty`;
  if (value.length > max) return `${name} must have at most ${max} characters (it has ${value.length})`;
  return undefined;
}

/** textProblem for an optional field: absent is fine. */
export function optionalTextProblem(name: string, value: unknown, max = MAX_TEXT): string | undefined {
  return value === undefined ? undefined : textProblem(name, value, max);
}

/** Why `value` is not a finite number (in [min, max] when given). */
export function numberProblem(name: string, value: unknown, min = -Infinity, max = Infinity): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${name} must be a finite number`;
  if (value < min || value > max) return `${name} must be between ${min} and ${max} (got ${value})`;
  return undefined;
}

/** The longest retention a site or channel may set (100 years), in days. */
export const MAX_RETENTION_DAYS = 36_500;

/** Why `value` is not a retention in whole days (1 to MAX_RETENTION_DAYS). */
export function retentionProblem(name: string, value: unknown): string | undefined {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_RETENTION_DAYS ? undefined : `${name} must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}`;
}

/** Why `value` is not `true` (the `simulated` flag is either true or absent). */
export function flagProblem(name: string, value: unknown): string | undefined {
  return value === undefined || value === true ? undefined : `${name} must be true or absent`;
}

/** Why `value` is not a calendar date `YYYY-MM-DD` that exists (2026-02-30 does not). */
export function dateProblem(name: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${name} must be a date YYYY-MM-DD`;
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) return `${name} ${JSON.stringify(value)} is not a calendar date`;
  return undefined;
}

/**
 * Why `value` is not an ISO 8601 time with a date, hours, minutes and a zone
 * (`2026-12-02T08:15:00.000Z`, what `Date#toISOString` writes; offsets like `+02:00` accepted).
 */
export function isoTimeProblem(name: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 40 || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return `${name} must be an ISO time (2026-12-02T08:15:00.000Z)`;
  if (dateProblem(name, value.slice(0, 10)) || !Number.isFinite(Date.parse(value))) return `${name} ${JSON.stringify(value)} is not a valid time`;
  return undefined;
}

/** Why `value` is not an integer in [min, max]. */
export function integerProblem(name: string, value: unknown, min: number, max: number): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value)) return `${name} must be an integer`;
  return numberProblem(name, value, min, max);
}

/**
 * Why `value` is not a location {label?, lat?, lon?} (lat in [-90, 90], lon in [-180, 180]);
 * `labelRequired` for sites, whose location is named.
 */
export function locationProblem(name: string, value: unknown, labelRequired: boolean): string | undefined {
  if (!isObject(value)) return `${name} must be an object {label, lat?, lon?}`;
  const label = labelRequired ? textProblem(`${name}.label`, value.label) : optionalTextProblem(`${name}.label`, value.label);
  if (label) return label;
  if (value.lat !== undefined) {
    const lat = numberProblem(`${name}.lat`, value.lat, -90, 90);
    if (lat) return lat;
  }
  if (value.lon !== undefined) {
    const lon = numberProblem(`${name}.lon`, value.lon, -180, 180);
    if (lon) return lon;
  }
  return undefined;
}

/** The first problem of a list of checks, in order (undefined: none). */
export function firstProblem(...problems: Array<string | undefined>): string | undefined {
  return problems.find((problem) => problem !== undefined);
}

/** JSON Schema of a location (sites require the label, assets do not). */
export const locationSchema = {
  type: 'object',
  properties: {
    label: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
    lat: { type: 'number', minimum: -90, maximum: 90 },
    lon: { type: 'number', minimum: -180, maximum: 180 },
  },
} as const;

/** Turns a title into the slug of an id ("Turbine T01" → "turbine-t01"); empty for a title with no letter or digit. */
export function slugify(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}
