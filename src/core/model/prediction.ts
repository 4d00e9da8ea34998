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
