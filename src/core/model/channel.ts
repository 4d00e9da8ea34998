/**
 * Channels (`channel/<source id>/<field>`): one measured quantity of an asset, with its array of
 * samples. Ingestion writes the document on a source's first data, from the source's metadata of
 * the field (`ChannelMeta`).
 */
import { MAX_RETENTION_DAYS, MAX_TEXT, firstProblem, isObject, numberProblem, optionalTextProblem, retentionProblem, textProblem } from './checks';

/** The normal range of a channel's values (either bound may be absent). */
export interface NormalRange {
  min?: number;
  max?: number;
}

/** What a source says about one of its fields; it becomes the channel document's metadata. */
export interface ChannelMeta {
  title?: string;
  unit?: string;
  /** Expected samples per second. */
  rate?: number;
  normal?: NormalRange;
  /** Score the channel for anomalies: the server keeps a derived channel `<channel>/anomaly` (alarms.md §3). */
  anomaly?: boolean;
  /** Days its raw samples are kept (summaries stay): overrides the site's `retention_days`. */
  retention_days?: number;
}

/** A channel as stored. */
export interface ChannelDoc extends ChannelMeta {
  type: 'channel';
  site: string;
  asset: string;
  source: string;
  array: string;
  title: string;
  /** The field name as the source sends it. */
  field: string;
  simulated?: true;
  /** A manual-reading channel: its samples are readings taken by hand (reading.ts), appended by the server. */
  manual?: true;
}

const normalSchema = { type: 'object', additionalProperties: false, properties: { min: { type: 'number' }, max: { type: 'number' } } } as const;

/** JSON Schema of a field's channel metadata (the values of a source's `fields`). */
export const channelMetaSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    title: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
    unit: { type: 'string', maxLength: 100 },
    rate: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000 },
    normal: normalSchema,
    anomaly: { type: 'boolean' },
    retention_days: { type: 'integer', minimum: 1, maximum: MAX_RETENTION_DAYS },
  },
} as const;

/** JSON Schema of a channel document (other keys allowed). */
export const channelSchema = {
  type: 'object',
  required: ['type', 'site', 'asset', 'source', 'array', 'title', 'field'],
  properties: {
    ...channelMetaSchema.properties,
    type: { const: 'channel' },
    site: { type: 'string', minLength: 1 },
    asset: { type: 'string', minLength: 1 },
    source: { type: 'string', minLength: 1 },
    array: { type: 'string', minLength: 1 },
    field: { type: 'string', minLength: 1 },
    simulated: { const: true },
    manual: { const: true },
  },
} as const;

/** Why `normal` is not a range {min?, max?} with min ≤ max. */
function normalProblem(name: string, normal: unknown): string | undefined {
  if (!isObject(normal)) return `${name} must be an object {min?, max?}`;
  for (const key of Object.keys(normal)) if (key !== 'min' && key !== 'max') return `${name} has only min and max (not ${JSON.stringify(key)})`;
  const problem = firstProblem(
    normal.min === undefined ? undefined : numberProblem(`${name}.min`, normal.min),
    normal.max === undefined ? undefined : numberProblem(`${name}.max`, normal.max),
  );
  if (problem) return problem;
  if (typeof normal.min === 'number' && typeof normal.max === 'number' && normal.min > normal.max) return `${name}.min (${normal.min}) is above ${name}.max (${normal.max})`;
  return undefined;
}

/** The keys of a field's channel metadata. */
const META_KEYS: readonly string[] = ['title', 'unit', 'rate', 'normal', 'anomaly', 'retention_days'];

/** Why `meta` is not a field's channel metadata (undefined: it is); `name` prefixes the message. */
export function channelMetaProblem(meta: unknown, name = 'metadata'): string | undefined {
  if (!isObject(meta)) return `${name} must be an object {title?, unit?, rate?, normal?, anomaly?, retention_days?}`;
  for (const key of Object.keys(meta)) if (!META_KEYS.includes(key)) return `${name} has no key ${JSON.stringify(key)} (${META_KEYS.join(', ')})`;
  return firstProblem(
    optionalTextProblem(`${name}.title`, meta.title),
    meta.unit === undefined || (typeof meta.unit === 'string' && meta.unit.length <= 100) ? undefined : `${name}.unit must be a string of at most 100 characters`,
    meta.rate === undefined ? undefined : numberProblem(`${name}.rate`, meta.rate, Number.MIN_VALUE, 1_000_000),
    meta.normal === undefined ? undefined : normalProblem(`${name}.normal`, meta.normal),
    meta.anomaly === undefined || typeof meta.anomaly === 'boolean' ? undefined : `${name}.anomaly must be true or false`,
    meta.retention_days === undefined ? undefined : retentionProblem(`${name}.retention_days`, meta.retention_days),
  );
}

/** Why `doc` is not a channel document (undefined: it is). */
export function channelProblem(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'a channel must be an object';
  if (doc.type !== 'channel') return 'a channel has type "channel"';
  const { site, asset, source, array, field, simulated, manual } = doc;
  // Only the metadata keys: a channel document carries more (type, site, …) than a source's field.
  const known = Object.fromEntries(Object.entries(doc).filter(([key]) => META_KEYS.includes(key)));
  return firstProblem(
    textProblem('site', site, 1000),
    textProblem('asset', asset, 1000),
    textProblem('source', source, 1000),
    textProblem('array', array, 1000),
    textProblem('field', field, 1000),
    textProblem('title', doc.title),
    channelMetaProblem(known, 'channel'),
    simulated === undefined || simulated === true ? undefined : 'simulated must be true or absent',
    manual === undefined || manual === true ? undefined : 'manual must be true or absent',
  );
}

/** Whether `value` lies outside the channel's normal range (false when it has none). */
export function outsideNormal(normal: NormalRange | undefined, value: number): boolean {
  if (!normal) return false;
  return (normal.min !== undefined && value < normal.min) || (normal.max !== undefined && value > normal.max);
}
