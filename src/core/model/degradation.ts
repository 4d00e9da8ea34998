/**
 * Long-term degradation (`degradation/<asset path>`): an asset's performance loss per year
 * (year-on-year, with a confidence interval), written only by the server's degradation runner, a
 * record of the asset's site. The daily normalised indicator it was computed from is the derived
 * channel `channel/degradation/<asset path>/indicator` (unit '', array `array/degradation/<asset
 * path>/indicator` of producer 'degradation'), never scored for anomalies.
 */
import type { ChannelDoc } from './channel';
import { firstProblem, isObject, numberProblem, textProblem } from './checks';
import { assetPath } from './prediction';

/** What every degradation indicator array is marked with (ChannelArray `producer`): only the server's runner writes it. */
export const DEGRADATION_PRODUCER = 'degradation';

/** Where degradation documents live among the documents. */
export const DEGRADATION_PREFIX = 'degradation/';

/** The indicators degradation is measured on. */
export const degradationIndicators = ['performance_ratio', 'power_curve_residual'] as const;

/** What the rate is measured on: an inverter's temperature-corrected performance ratio, or a turbine's power-curve residual. */
export type DegradationIndicator = (typeof degradationIndicators)[number];

/** A degradation estimate as stored: `degradation/<asset path>`, type 'degradation' (server only). */
export interface DegradationDoc {
  type: 'degradation';
  site: string;
  asset: string;
  indicator: DegradationIndicator;
  method: 'year_on_year';
  /** %/yr (negative: losing performance). */
  rate_pct_per_year: number;
  /** The confidence interval's bounds (%/yr). */
  ci_low: number;
  ci_high: number;
  /** The interval's level (0.95). */
  confidence: number;
  /** The first and last day used (epoch ms). */
  from: number;
  to: number;
  days_used: number;
  /** Epoch ms. */
  computed_at: number;
  /** The derived daily indicator channel's id. */
  channel: string;
  /** In words: "−0.9 %/yr (−1.1 to −0.7) over 3.0 years". */
  summary: string;
}

/** The derived channel's own fields (`derived.from` names the degradation document). */
export interface DerivedDegradation {
  kind: 'degradation';
  from: string;
}

/** A derived degradation indicator channel document. */
export interface DegradationChannelDoc extends ChannelDoc {
  derived: DerivedDegradation;
}

/** The field (last id part) of the indicator channel. */
const FIELD = 'indicator';

/** The id of `asset`'s degradation document. */
export function degradationId(asset: string): string {
  return `${DEGRADATION_PREFIX}${assetPath(asset)}`;
}

/** The source part of `asset`'s indicator ids ('degradation/<asset path>'). */
export function degradationSource(asset: string): string {
  return `degradation/${assetPath(asset)}`;
}

/** The id of `asset`'s derived daily indicator channel. */
export function degradationChannelId(asset: string): string {
  return `channel/${degradationSource(asset)}/${FIELD}`;
}

/** The id of `asset`'s derived daily indicator array. */
export function degradationArrayId(asset: string): string {
  return `array/${degradationSource(asset)}/${FIELD}`;
}

/** Titles of the indicators. */
const indicatorTitles: Readonly<Record<DegradationIndicator, string>> = {
  performance_ratio: 'performance ratio (normalised, daily)',
  power_curve_residual: 'power curve (normalised, daily)',
};

/** The channel document of `asset`'s derived daily indicator (one value a day). */
export function degradationChannelDoc(asset: { id: string; site: string; title: string; simulated?: true }, indicator: DegradationIndicator): DegradationChannelDoc {
  return {
    type: 'channel',
    site: asset.site,
    asset: asset.id,
    source: degradationSource(asset.id),
    array: degradationArrayId(asset.id),
    field: FIELD,
    title: `${asset.title} — ${indicatorTitles[indicator]}`,
    unit: '',
    rate: 1 / 86_400,
    ...(asset.simulated ? { simulated: true as const } : {}),
    derived: { kind: 'degradation', from: degradationId(asset.id) },
  };
}

/** Longest id or summary. */
const MAX_NAME = 1000;
/** The largest |epoch ms| a Date holds (ECMAScript: ±100 000 000 days). */
const DATE_LIMIT_MS = 8.64e15;
/** Largest |rate| stated (%/yr): anything beyond is no degradation but a broken asset. */
const MAX_RATE = 100;

/**
 * Why `doc` is not a degradation estimate (undefined: it is): type 'degradation', site, asset, a
 * known indicator, method 'year_on_year', ci_low ≤ rate ≤ ci_high (finite, |…| ≤ 100 %/yr),
 * confidence in (0, 1), from ≤ to and computed_at epoch ms, days_used ≥ 0, the channel id and a
 * summary. Never throws (a device reads what syncs).
 */
export function degradationProblem(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'a degradation must be an object';
  if (doc.type !== 'degradation') return 'type must be "degradation"';
  const problem = firstProblem(
    textProblem('site', doc.site, MAX_NAME),
    textProblem('asset', doc.asset, MAX_NAME),
    (degradationIndicators as readonly unknown[]).includes(doc.indicator) ? undefined : `indicator must be one of ${degradationIndicators.join(', ')}`,
    doc.method === 'year_on_year' ? undefined : 'method must be "year_on_year"',
    numberProblem('rate_pct_per_year', doc.rate_pct_per_year, -MAX_RATE, MAX_RATE),
    numberProblem('ci_low', doc.ci_low, -MAX_RATE, MAX_RATE),
    numberProblem('ci_high', doc.ci_high, -MAX_RATE, MAX_RATE),
    numberProblem('confidence', doc.confidence, 0, 1),
    numberProblem('from', doc.from, -DATE_LIMIT_MS, DATE_LIMIT_MS),
    numberProblem('to', doc.to, -DATE_LIMIT_MS, DATE_LIMIT_MS),
    numberProblem('days_used', doc.days_used, 0, 1e6),
    numberProblem('computed_at', doc.computed_at, -DATE_LIMIT_MS, DATE_LIMIT_MS),
    textProblem('channel', doc.channel, MAX_NAME),
    textProblem('summary', doc.summary, MAX_NAME),
  );
  if (problem) return problem;
  if (!((doc.ci_low as number) <= (doc.rate_pct_per_year as number) && (doc.rate_pct_per_year as number) <= (doc.ci_high as number))) return `ci_low ≤ rate_pct_per_year ≤ ci_high must hold (${doc.ci_low as number}, ${doc.rate_pct_per_year as number}, ${doc.ci_high as number})`;
  if ((doc.from as number) > (doc.to as number)) return `from must not be after to (${doc.from as number} > ${doc.to as number})`;
  return undefined;
}
