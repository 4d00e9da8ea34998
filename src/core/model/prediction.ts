/**
 * Predictions (`prediction/<slug>/<asset path>`): the latest remaining-useful-life estimate of one
 * part by one model, written only by the server's prediction runner, a record of the part's site.
 * Each estimate is also appended to three derived channels of the part (`channel/prediction/<slug>/
 * <asset path>/rul|rul_low|rul_high`, unit 'd', arrays `array/prediction/…` of producer 'prediction'),
 * so the history of the estimate plots and syncs like any channel. The asset path is the asset id
 * without 'asset/' (asset ids are slugs, so the ids need no encoding). Derived channels are never
 * scored for anomalies.
 */
import type { ChannelDoc } from './channel';
import { firstProblem, isObject, numberProblem, optionalTextProblem, textProblem } from './checks';

/** What every remaining-life array is marked with (ChannelArray `producer`): only the server's runner writes it. */
export const PREDICTION_PRODUCER = 'prediction';

/** Where predictions live among the documents. */
export const PREDICTION_PREFIX = 'prediction/';

/** The three derived remaining-life series: the estimate and its interval's bounds. */
export type RulSeries = 'rul' | 'low' | 'high';

/** The field (last id part) of each remaining-life series. */
export const rulFields: Readonly<Record<RulSeries, string>> = { rul: 'rul', low: 'rul_low', high: 'rul_high' };

/** One input's part in an estimate. */
export interface PredictionEvidence {
  /** The input's channel id. */
  channel: string;
  title: string;
  trend: 'rising' | 'falling' | 'steady';
  /** Its share of the estimate (0..1). */
  share: number;
}

/** A prediction as stored: `prediction/<slug>/<asset path>`, type 'prediction' (server only). */
export interface PredictionDoc {
  type: 'prediction';
  site: string;
  /** The part predicted (`asset/…`). */
  asset: string;
  /** The spec's id (`prediction_model/<slug>`). */
  model: string;
  /** The version that predicted. */
  version: number;
  /** The data time predicted at (epoch ms). */
  at: number;
  rul_days: number;
  low_days: number;
  high_days: number;
  /** The failure estimate and its interval (epoch ms: at + days). */
  failure_at: number;
  failure_low: number;
  failure_high: number;
  /** The interval's nominal level (0.9). */
  level: number;
  /** In words: "RUL 23 days (17–31): main bearing temperature rising". */
  summary: string;
  evidence: PredictionEvidence[];
  /** The derived channels' ids. */
  channels: { rul: string; low: string; high: string };
  /** The work order proposed for it (`work_order/prediction/…`). */
  work_order?: string;
  /** The spec's lead time (days) when predicted: technicians' devices never hold the site-less spec. */
  lead_days?: number;
}

/** The derived channel's own fields (`derived.from` names the prediction document). */
export interface DerivedRul {
  kind: 'rul';
  from: string;
}

/** A derived remaining-life channel document. */
export interface RulChannelDoc extends ChannelDoc {
  derived: DerivedRul;
}

/** The ids of one part's derived remaining-life channels and arrays. */
export interface RulChannelIds {
  channels: Record<RulSeries, string>;
  arrays: Record<RulSeries, string>;
}

/** The asset id without 'asset/' ('asset/north/t03/main-bearing' → 'north/t03/main-bearing'). */
export function assetPath(asset: string): string {
  return asset.startsWith('asset/') ? asset.slice('asset/'.length) : asset;
}

/** The id of `asset`'s prediction by the spec with slug `slug`. */
export function predictionId(slug: string, asset: string): string {
  return `${PREDICTION_PREFIX}${slug}/${assetPath(asset)}`;
}

/** The source part of the derived remaining-life ids of `asset` by `slug` ('prediction/<slug>/<asset path>'). */
export function rulSource(slug: string, asset: string): string {
  return `prediction/${slug}/${assetPath(asset)}`;
}

/** The derived channel and array ids of `asset`'s remaining life by the spec with slug `slug`. */
export function rulChannelIds(slug: string, asset: string): RulChannelIds {
  const source = rulSource(slug, asset);
  return {
    channels: { rul: `channel/${source}/${rulFields.rul}`, low: `channel/${source}/${rulFields.low}`, high: `channel/${source}/${rulFields.high}` },
    arrays: { rul: `array/${source}/${rulFields.rul}`, low: `array/${source}/${rulFields.low}`, high: `array/${source}/${rulFields.high}` },
  };
}

/** Titles of the three series, after the part's title. */
const rulTitles: Readonly<Record<RulSeries, string>> = {
  rul: 'remaining useful life',
  low: 'remaining useful life, low',
  high: 'remaining useful life, high',
};

/**
 * The channel document of one of `part`'s derived remaining-life series by the spec with slug
 * `slug`; `stepMs` (the spec's grid) gives the expected rate.
 */
export function rulChannelDoc(slug: string, part: { id: string; site: string; title: string; simulated?: true }, series: RulSeries, stepMs?: number): RulChannelDoc {
  const ids = rulChannelIds(slug, part.id);
  return {
    type: 'channel',
    site: part.site,
    asset: part.id,
    source: rulSource(slug, part.id),
    array: ids.arrays[series],
    field: rulFields[series],
    title: `${part.title} — ${rulTitles[series]}`,
    unit: 'd',
    ...(stepMs !== undefined && stepMs > 0 ? { rate: 1000 / stepMs } : {}),
    ...(part.simulated ? { simulated: true as const } : {}),
    derived: { kind: 'rul', from: predictionId(slug, part.id) },
  };
}

/** The three derived remaining-life channel documents of `part`, by channel id. */
export function rulChannelDocs(slug: string, part: { id: string; site: string; title: string; simulated?: true }, stepMs?: number): Map<string, RulChannelDoc> {
  const ids = rulChannelIds(slug, part.id);
  const docs = new Map<string, RulChannelDoc>();
  for (const series of ['rul', 'low', 'high'] as const) docs.set(ids.channels[series], rulChannelDoc(slug, part, series, stepMs));
  return docs;
}

/** At most this many evidence entries in a prediction (one per input). */
export const MAX_PREDICTION_EVIDENCE = 32;
/** Longest summary or title. */
const MAX_SUMMARY = 500;
/** Longest id. */
const MAX_NAME = 1000;
/** Longest remaining life a prediction states: a hundred years (days). */
const MAX_DAYS = 36_500;
/** The largest |epoch ms| a Date holds (ECMAScript: ±100 000 000 days). */
const DATE_LIMIT_MS = 8.64e15;

const trends: ReadonlySet<unknown> = new Set(['rising', 'falling', 'steady']);

/** Why `value` is not a list of at most MAX_PREDICTION_EVIDENCE {channel, title, trend, share}. */
function evidenceProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'evidence must be an array of {channel, title, trend, share}';
  if (value.length > MAX_PREDICTION_EVIDENCE) return `evidence may have at most ${MAX_PREDICTION_EVIDENCE} entries (it has ${value.length})`;
  for (let index = 0; index < value.length; index++) {
    const entry: unknown = value[index];
    const name = `evidence[${index}]`;
    if (!isObject(entry)) return `${name} must be an object {channel, title, trend, share}`;
    const problem = firstProblem(
      textProblem(`${name}.channel`, entry.channel, MAX_NAME),
      textProblem(`${name}.title`, entry.title, MAX_SUMMARY),
      trends.has(entry.trend) ? undefined : `${name}.trend must be "rising", "falling" or "steady"`,
      numberProblem(`${name}.share`, entry.share, 0, 1),
    );
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Why `doc` is not a prediction (undefined: it is): type 'prediction', site, asset, model ids, a
 * whole version ≥ 1, `at` and the failure times as epoch ms, low_days ≤ rul_days ≤ high_days (all
 * finite, 0..36 500), level in (0, 1), a summary (≤ 500), at most 32 evidence entries, the three
 * derived channel ids, an optional work order id and lead_days. Never throws (a device reads what syncs).
 */
export function predictionProblem(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'a prediction must be an object';
  if (doc.type !== 'prediction') return 'type must be "prediction"';
  const channels = doc.channels;
  const problem = firstProblem(
    textProblem('site', doc.site, MAX_NAME),
    textProblem('asset', doc.asset, MAX_NAME),
    textProblem('model', doc.model, MAX_NAME),
    typeof doc.version === 'number' && Number.isInteger(doc.version) && doc.version >= 1 ? undefined : 'version must be a whole number ≥ 1',
    numberProblem('at', doc.at, -DATE_LIMIT_MS, DATE_LIMIT_MS),
    numberProblem('rul_days', doc.rul_days, 0, MAX_DAYS),
    numberProblem('low_days', doc.low_days, 0, MAX_DAYS),
    numberProblem('high_days', doc.high_days, 0, MAX_DAYS),
    numberProblem('failure_at', doc.failure_at, -DATE_LIMIT_MS, DATE_LIMIT_MS),
    numberProblem('failure_low', doc.failure_low, -DATE_LIMIT_MS, DATE_LIMIT_MS),
    numberProblem('failure_high', doc.failure_high, -DATE_LIMIT_MS, DATE_LIMIT_MS),
    numberProblem('level', doc.level, 0, 1),
    textProblem('summary', doc.summary, MAX_SUMMARY),
    evidenceProblem(doc.evidence),
    isObject(channels) ? firstProblem(textProblem('channels.rul', channels.rul, MAX_NAME), textProblem('channels.low', channels.low, MAX_NAME), textProblem('channels.high', channels.high, MAX_NAME)) : 'channels must be an object {rul, low, high}',
    optionalTextProblem('work_order', doc.work_order, MAX_NAME),
    doc.lead_days === undefined ? undefined : numberProblem('lead_days', doc.lead_days, 0, MAX_DAYS),
  );
  if (problem) return problem;
  if (!((doc.low_days as number) <= (doc.rul_days as number) && (doc.rul_days as number) <= (doc.high_days as number))) return `low_days ≤ rul_days ≤ high_days must hold (${doc.low_days as number}, ${doc.rul_days as number}, ${doc.high_days as number})`;
  return undefined;
}
