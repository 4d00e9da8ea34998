/**
 * Long-term degradation rates with confidence intervals (issue 17), the method of NREL's RdTools:
 * a normalised performance indicator aggregated per day, then the year-on-year method — every
 * usable day against the usable day one year later, the rate the median of those slopes (%/yr of
 * the first year's performance) — which seasons cancel out of (each pair is the same season) and
 * soiling and outages hardly move (the median ignores the pairs they spoil).
 *
 * - PV (`pvDegradation`): the temperature-corrected performance ratio, power over
 *   irradiance × (1 + γ·(T_module − 25 °C)), per hour; hours are filtered (irradiance outside
 *   200–1200 W/m², module temperature outside −50–110 °C, clipping near the top of the power,
 *   outages — no power while the sun shines — and normalised outliers), aggregated per solar day
 *   weighted by insolation; days with too few usable hours are left out.
 * - Wind (`windDegradation`): the power-curve residual, actual over expected energy per day, the
 *   expected power from a power curve binned at 0.5 m/s (method of bins) over the first year, on
 *   the partial-load part of the curve (above rated power a loss of efficiency does not show).
 *
 * The confidence interval is a seeded circular block bootstrap of the year-on-year slopes (blocks
 * of 30 consecutive slopes, so the weeks-long correlation of soiling and weather is kept in each
 * resample): the percentile interval of the resamples' medians, widened to contain the rate itself.
 *
 * Input is hourly or finer; every series is first reduced to hourly means (HourlyMeans), so memory
 * grows with the hours spanned, not the samples. Pure, isomorphic, deterministic for a seed.
 */
import { HourlyMeans, TooManyHoursError } from './hourly-means';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const DAYS_PER_YEAR = 365.25;

/** Why a rate could not be computed. */
export type DegradationErrorCode = 'too_little_data' | 'bad_input' | 'bad_options';

/** Not enough usable data (less than two years of usable days, too few pairs), or input/options that cannot be read. */
export class DegradationError extends Error {
  readonly code: DegradationErrorCode;
  constructor(code: DegradationErrorCode, message: string) {
    super(message);
    this.name = 'DegradationError';
    this.code = code;
  }
}

/** A PV plant's (or inverter's) samples: power (any unit), plane-of-array irradiance (W/m²), module temperature (°C). */
export interface PvSeries {
  times: ArrayLike<number>;
  power: ArrayLike<number>;
  irradiance: ArrayLike<number>;
  temperature: ArrayLike<number>;
}

/** A wind turbine's samples: power (any unit) and hub wind speed (m/s). */
export interface WindSeries {
  times: ArrayLike<number>;
  power: ArrayLike<number>;
  windSpeed: ArrayLike<number>;
}

/** Options of the year-on-year trend and its interval (both analyses). */
export interface TrendOptions {
  /** Level of the confidence interval (default 0.95). */
  confidence?: number;
  /** Seed of the bootstrap (default 1): the same input and seed give the same interval. */
  seed?: number;
  /** Bootstrap resamples (default 1000). */
  resamples?: number;
  /** Length of a bootstrap block in slopes (≈ days; default 30). */
  blockLength?: number;
  /** Usable samples (hours) a day needs to count (default 4). */
  minHoursPerDay?: number;
  /**
   * Half-width in days of the clean envelope (0: none): each day's indicator is replaced by the
   * upper quantile (`envelopeQuantile`, default 0.9) of the usable days within ± this many days, so
   * the trend follows the clean plant between rains rather than its soiling (PV default 15, wind 0).
   */
  envelopeDays?: number;
  envelopeQuantile?: number;
}

/** Options of `pvDegradation`. */
export interface PvDegradationOptions extends TrendOptions {
  /** Power temperature coefficient γ per °C (default −0.005, as in RdTools' examples; crystalline silicon is −0.003 … −0.005). */
  gamma?: number;
  /** Irradiance range of usable hours, W/m² (default 200 and 1200). */
  minIrradiance?: number;
  maxIrradiance?: number;
}

/** Options of `windDegradation`. */
export interface WindDegradationOptions extends TrendOptions {
  /** Width of a power-curve bin, m/s (default 0.5). */
  binWidth?: number;
}

/** Hours left out, by reason (daylight hours only for PV; hours with finite inputs for wind). */
export interface DegradationExclusions {
  /** PV: irradiance outside the range; wind: outside the partial-load part of the curve or in an empty bin. */
  range: number;
  temperature: number;
  clipping: number;
  /** No power while the sun shines (PV) or the wind blows (wind): normalised indicator under 0.05. */
  outage: number;
  /** Normalised indicator above 2. */
  outlier: number;
  /** Usable hours in days with fewer than `minHoursPerDay` of them. */
  short_day: number;
}

/** A degradation estimate. */
export interface DegradationResult {
  /** Median of the year-on-year slopes, %/yr of the performance at the start (negative: losing). */
  rate_pct_per_year: number;
  /** The bootstrap confidence interval's bounds (%/yr); ci_low ≤ rate ≤ ci_high. */
  ci_low: number;
  ci_high: number;
  confidence: number;
  /** Usable days, and year-on-year pairs among them. */
  days_used: number;
  pairs: number;
  /** Times of the first and last usable day (epoch ms, the day's middle). */
  from: number;
  to: number;
  /** The normalised indicator per usable day (1 = the first year's median), at each day's middle. */
  daily: { times: Float64Array; values: Float32Array };
  /** How the hours were used. */
  details: {
    indicator: 'performance_ratio' | 'power_curve_residual';
    hours: number;
    hours_used: number;
    excluded: DegradationExclusions;
    /** PV: the median hourly temperature-corrected ratio (power per kW/m²); wind: the curve's top bin mean power. */
    reference: number;
  };
}

interface ResolvedTrendOptions {
  confidence: number;
  seed: number;
  resamples: number;
  blockLength: number;
  minHoursPerDay: number;
  envelopeDays: number;
  envelopeQuantile: number;
}

/** Defaults of the trend options. */
export const defaultTrendOptions: Readonly<ResolvedTrendOptions> = Object.freeze({
  confidence: 0.95,
  seed: 1,
  resamples: 1000,
  blockLength: 30,
  minHoursPerDay: 4,
  envelopeDays: 0,
  envelopeQuantile: 0.9,
});

/** Defaults of the PV options. */
export const defaultPvOptions = Object.freeze({ gamma: -0.005, minIrradiance: 200, maxIrradiance: 1200 });

/** Default power-curve bin width (m/s, IEC 61400-12-1's method of bins). */
export const DEFAULT_BIN_WIDTH = 0.5;

// Normalised indicator bounds: under OUTAGE the plant was not producing; over OUTLIER a sensor is wrong.
const OUTAGE = 0.05;
const OUTLIER = 2;
// Clipping: within 1 % of the top power (99th percentile of usable hours' power), or where the
// expected power at 110 % of the typical ratio would be — a filter on irradiance and temperature
// alone, so it removes the same conditions in every year whatever the degradation.
const CLIP_QUANTILE = 0.99;
const CLIP_MARGIN = 0.99;
const CLIP_HEADROOM = 1.1;
// Year-on-year pairs: a day one year (365 days) later, or up to a week more when that day is missing.
const LAG_DAYS = 365;
const LAG_TOLERANCE_DAYS = 7;
// Less than two years between the first and the last usable day cannot give a rate (RdTools: 730 d).
const MIN_SPAN_DAYS = 730;
const MIN_PAIRS = 30;
// Wind: a bin needs this many first-year hours; the partial-load part is 5–85 % of the top bin.
const MIN_BIN_HOURS = 5;
const PARTIAL_LOW = 0.05;
const PARTIAL_HIGH = 0.85;

function resolveTrend(options: TrendOptions, defaults: Partial<ResolvedTrendOptions> = {}): ResolvedTrendOptions {
  const resolved = { ...defaultTrendOptions, ...defaults, ...definedOf(options) };
  const { confidence, seed, resamples, blockLength, minHoursPerDay, envelopeDays, envelopeQuantile } = resolved;
  if (!(confidence > 0 && confidence < 1)) throw new DegradationError('bad_options', `confidence must be between 0 and 1 (exclusive), not ${confidence}`);
  if (!Number.isFinite(seed)) throw new DegradationError('bad_options', `seed must be a finite number, not ${seed}`);
  if (!Number.isInteger(resamples) || resamples < 10 || resamples > 100_000) throw new DegradationError('bad_options', `resamples must be a whole number from 10 to 100000, not ${resamples}`);
  if (!Number.isInteger(blockLength) || blockLength < 1 || blockLength > 3650) throw new DegradationError('bad_options', `blockLength must be a whole number from 1 to 3650, not ${blockLength}`);
  if (!Number.isInteger(minHoursPerDay) || minHoursPerDay < 1 || minHoursPerDay > 24) throw new DegradationError('bad_options', `minHoursPerDay must be a whole number from 1 to 24, not ${minHoursPerDay}`);
  if (!Number.isInteger(envelopeDays) || envelopeDays < 0 || envelopeDays > 180) throw new DegradationError('bad_options', `envelopeDays must be a whole number from 0 to 180, not ${envelopeDays}`);
  if (!(envelopeQuantile >= 0.5 && envelopeQuantile <= 1)) throw new DegradationError('bad_options', `envelopeQuantile must be from 0.5 to 1, not ${envelopeQuantile}`);
  return resolved;
}

/** The options without their undefined members (so that spreading them keeps the defaults). */
function definedOf<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function checkLengths(times: ArrayLike<number>, columns: Record<string, ArrayLike<number>>): void {
  for (const [name, column] of Object.entries(columns)) {
    if (column.length !== times.length) throw new DegradationError('bad_input', `${name} has ${column.length} values for ${times.length} times`);
  }
}

/** Hourly means of the columns (ascending hours). */
function hourlyOf(times: ArrayLike<number>, columns: ArrayLike<number>[]): { times: Float64Array; columns: Float64Array[] } {
  const means = new HourlyMeans(columns.length);
  const row = new Float64Array(columns.length);
  try {
    for (let i = 0; i < times.length; i += 1) {
      for (let column = 0; column < columns.length; column += 1) row[column] = columns[column]![i]!;
      means.push(times[i]!, row);
    }
  } catch (error) {
    if (error instanceof TooManyHoursError) throw new DegradationError('bad_input', error.message);
    throw error;
  }
  return means.result();
}

/**
 * Puts the k-th smallest of `values` at index k, smaller ones before it and larger ones after
 * (Hoare's selection, median-of-three pivots): linear time, where a typed-array sort is n·log n and
 * slow in V8.
 */
function selectInPlace(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (right > left) {
    const middle = (left + right) >>> 1;
    const a = values[left]!;
    const b = values[middle]!;
    const c = values[right]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i += 1;
      while (values[j]! > pivot) j -= 1;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i += 1;
        j -= 1;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k]!;
}

/** The q-quantile (0..1) of `values` (no NaN), linear between order statistics; reorders `values`. */
function quantileInPlace(values: Float64Array, q: number): number {
  if (values.length === 0) return Number.NaN;
  const position = q * (values.length - 1);
  const below = Math.floor(position);
  const low = selectInPlace(values, below);
  if (position === below) return low;
  // The next order statistic is the smallest of those after `below`.
  let high = Number.POSITIVE_INFINITY;
  for (let i = below + 1; i < values.length; i += 1) if (values[i]! < high) high = values[i]!;
  return low + (high - low) * (position - below);
}

/** Median of `values` (not modified). */
function median(values: ArrayLike<number>): number {
  return quantileInPlace(Float64Array.from(values), 0.5);
}

/** mulberry32: a small, fast, seedable generator of uniform numbers in [0, 1). */
function random(seed: number): () => number {
  let state = Math.floor(seed * 2654435761) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Year-on-year slopes of a daily indicator, and the median with its interval. */
export interface YearOnYear {
  rate: number;
  low: number;
  high: number;
  /** The slopes in %/yr, in the order of their later day. */
  slopes: Float64Array;
}

/**
 * The year-on-year rate of a daily indicator: `days` are whole day numbers (ascending, distinct),
 * `values` the indicator already normalised (1 = the first year). Each day is paired with the
 * usable day 365 days before it (or up to a week earlier when that one is missing); the slope is
 * 100 × (later − earlier) / years between them. Throws DegradationError when the days span less
 * than two years or give fewer than 30 pairs.
 */
export function yearOnYear(days: ArrayLike<number>, values: ArrayLike<number>, options: TrendOptions = {}): YearOnYear {
  const { confidence, seed, resamples, blockLength } = resolveTrend(options);
  const count = days.length;
  const span = count === 0 ? 0 : days[count - 1]! - days[0]!;
  if (span < MIN_SPAN_DAYS) {
    throw new DegradationError('too_little_data', `at least two years of usable days are needed: found ${count} usable day${count === 1 ? '' : 's'} over ${Math.max(0, span)} days`);
  }
  const slopes: number[] = [];
  let earlier = 0;
  for (let later = 0; later < count; later += 1) {
    const target = days[later]! - LAG_DAYS;
    while (earlier + 1 < later && days[earlier + 1]! <= target) earlier += 1;
    const lag = days[later]! - days[earlier]!;
    if (days[earlier]! > target || lag > LAG_DAYS + LAG_TOLERANCE_DAYS) continue;
    const slope = (100 * (values[later]! - values[earlier]!)) / (lag / DAYS_PER_YEAR);
    if (Number.isFinite(slope)) slopes.push(slope);
  }
  if (slopes.length < MIN_PAIRS) {
    throw new DegradationError('too_little_data', `at least ${MIN_PAIRS} pairs of usable days one year apart are needed: found ${slopes.length} among ${count} usable days`);
  }
  const all = Float64Array.from(slopes);
  const rate = median(all);
  // Circular block bootstrap of the slopes in time order.
  const n = all.length;
  const block = Math.max(1, Math.min(blockLength, Math.floor(n / 3)));
  const next = random(seed);
  const sample = new Float64Array(n);
  const medians = new Float64Array(resamples);
  for (let r = 0; r < resamples; r += 1) {
    for (let filled = 0; filled < n; ) {
      const start = Math.floor(next() * n);
      for (let k = 0; k < block && filled < n; k += 1, filled += 1) sample[filled] = all[(start + k) % n]!;
    }
    medians[r] = quantileInPlace(sample, 0.5);
  }
  const low = quantileInPlace(medians, (1 - confidence) / 2);
  const high = quantileInPlace(medians, (1 + confidence) / 2);
  return { rate, low: Math.min(low, rate), high: Math.max(high, rate), slopes: all };
}

/** Daily sums being built: per day number, the indicator's numerator, denominator and hours. */
class DailySums {
  readonly days: number[] = [];
  readonly numerators: number[] = [];
  readonly denominators: number[] = [];
  readonly hours: number[] = [];

  /** Adds an hour to its day (hours arrive in ascending time, so days do too). */
  add(day: number, numerator: number, denominator: number): void {
    const last = this.days.length - 1;
    if (last >= 0 && this.days[last] === day) {
      this.numerators[last]! += numerator;
      this.denominators[last]! += denominator;
      this.hours[last]! += 1;
    } else {
      this.days.push(day);
      this.numerators.push(numerator);
      this.denominators.push(denominator);
      this.hours.push(1);
    }
  }
}

/** From daily sums to the result: short days out, recentred on the first year's median, year-on-year. */
function finish(sums: DailySums, dayOffsetMs: number, trend: ResolvedTrendOptions, details: DegradationResult['details']): DegradationResult {
  const days: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < sums.days.length; i += 1) {
    const value = sums.numerators[i]! / sums.denominators[i]!;
    if (sums.hours[i]! < trend.minHoursPerDay || !Number.isFinite(value)) {
      details.excluded.short_day += sums.hours[i]!;
      continue;
    }
    days.push(sums.days[i]!);
    values.push(value);
  }
  details.hours_used = details.hours - Object.values(details.excluded).reduce((total, count) => total + count, 0);
  if (days.length === 0) throw new DegradationError('too_little_data', `no usable day: ${describeExclusions(details)}`);
  const firstYear = values.filter((_, i) => days[i]! < days[0]! + DAYS_PER_YEAR - 1);
  const center = median(firstYear);
  if (!(center > 0) || !Number.isFinite(center)) throw new DegradationError('too_little_data', 'the first year has no positive performance to compare with');
  const normalised = values.map((value) => value / center);
  const indicator = trend.envelopeDays > 0 ? envelope(days, normalised, trend.envelopeDays, trend.envelopeQuantile) : normalised;
  let result: YearOnYear;
  try {
    result = yearOnYear(days, indicator, trend);
  } catch (error) {
    if (error instanceof DegradationError) throw new DegradationError(error.code, `${error.message} (${describeExclusions(details)})`);
    throw error;
  }
  const times = Float64Array.from(days, (day) => day * DAY_MS - dayOffsetMs + DAY_MS / 2);
  return {
    rate_pct_per_year: fromStart(result.rate),
    ci_low: fromStart(result.low),
    ci_high: fromStart(result.high),
    confidence: trend.confidence,
    days_used: days.length,
    pairs: result.slopes.length,
    from: times[0]!,
    to: times[times.length - 1]!,
    daily: { times, values: Float32Array.from(normalised) },
    details,
  };
}

/**
 * A rate relative to the first year's median (what the slopes measure: the median sits half a year
 * in) as a rate relative to the performance at the start, the usual meaning of a linear rate:
 * v(t) = (1 + r·t) / (1 + r/2) has slope s = r / (1 + r/2), so r = s / (1 − s/2) (in %: s / (1 − s/200)).
 * Increasing in s, so the interval's bounds stay in order.
 */
function fromStart(slope: number): number {
  const rate = slope / (1 - slope / 200);
  return Number.isFinite(rate) && slope < 200 ? rate : slope;
}

/** The upper `quantile` of `values` over the days within ± `halfWidth` of each day (days ascending). */
function envelope(days: number[], values: number[], halfWidth: number, quantile: number): number[] {
  const result = new Array<number>(values.length);
  let first = 0;
  let last = 0;
  const window = new Float64Array(2 * halfWidth + 1);
  for (let i = 0; i < days.length; i += 1) {
    while (days[first]! < days[i]! - halfWidth) first += 1;
    while (last + 1 < days.length && days[last + 1]! <= days[i]! + halfWidth) last += 1;
    const slice = window.subarray(0, last - first + 1);
    for (let k = first; k <= last; k += 1) slice[k - first] = values[k]!;
    result[i] = quantileInPlace(slice, quantile);
  }
  return result;
}

/** "8760 hours, 4000 used; left out: 120 outage, …" for error messages and logs. */
export function describeExclusions(details: DegradationResult['details']): string {
  const parts = Object.entries(details.excluded)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${count} ${reason.replace('_', ' ')}`);
  return `${details.hours} hours, ${details.hours_used} used${parts.length > 0 ? `; left out: ${parts.join(', ')}` : ''}`;
}

function emptyExclusions(): DegradationExclusions {
  return { range: 0, temperature: 0, clipping: 0, outage: 0, outlier: 0, short_day: 0 };
}

/**
 * The hour (0..24) of the irradiance-weighted mean time of day (a circular mean), rounded: a plant's
 * solar noon in UTC, so that its days can be cut at solar midnight wherever it is.
 */
function solarNoonHour(times: Float64Array, irradiance: Float64Array): number {
  let x = 0;
  let y = 0;
  for (let i = 0; i < times.length; i += 1) {
    const g = irradiance[i]!;
    if (!(g > 0) || !Number.isFinite(g)) continue;
    const angle = (2 * Math.PI * (((times[i]! % DAY_MS) + DAY_MS) % DAY_MS)) / DAY_MS;
    x += g * Math.cos(angle);
    y += g * Math.sin(angle);
  }
  if (x === 0 && y === 0) return 12;
  // Hour means are labelled with the hour's start: the middle is half an hour later.
  return Math.round((((Math.atan2(y, x) / (2 * Math.PI)) * 24 + 24.5) % 24) * 1) % 24;
}

/**
 * The degradation rate of a PV plant from its power, plane-of-array irradiance and module
 * temperature (hourly or finer): the temperature-corrected performance ratio, filtered, per day
 * (insolation-weighted), year-on-year with a bootstrap interval. Throws DegradationError when
 * there is not enough usable data (less than two years of usable days) or the input cannot be read.
 */
export function pvDegradation(series: PvSeries, options: PvDegradationOptions = {}): DegradationResult {
  const trend = resolveTrend(options, { envelopeDays: 15 });
  const { gamma, minIrradiance, maxIrradiance } = { ...defaultPvOptions, ...definedOf(options) };
  if (!(Math.abs(gamma) <= 0.05)) throw new DegradationError('bad_options', `gamma must be a coefficient per °C between −0.05 and 0.05, not ${gamma}`);
  if (!(minIrradiance >= 0 && maxIrradiance > minIrradiance)) throw new DegradationError('bad_options', `the irradiance range ${minIrradiance}–${maxIrradiance} W/m² is empty`);
  checkLengths(series.times, { power: series.power, irradiance: series.irradiance, temperature: series.temperature });
  const hourly = hourlyOf(series.times, [series.power, series.irradiance, series.temperature]);
  const [power, irradiance, temperature] = hourly.columns as [Float64Array, Float64Array, Float64Array];
  const excluded = emptyExclusions();
  const details: DegradationResult['details'] = { indicator: 'performance_ratio', hours: 0, hours_used: 0, excluded, reference: Number.NaN };

  // First pass: daylight hours in range, their corrected ratio.
  const candidates: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < hourly.times.length; i += 1) {
    const p = power[i]!;
    const g = irradiance[i]!;
    const t = temperature[i]!;
    if (!Number.isFinite(p) || !Number.isFinite(g) || !(g > 0) || !Number.isFinite(t)) continue;
    details.hours += 1;
    if (g < minIrradiance || g > maxIrradiance) {
      excluded.range += 1;
      continue;
    }
    const correction = 1 + gamma * (t - 25);
    if (t < -50 || t > 110 || !(correction > 0.2)) {
      excluded.temperature += 1;
      continue;
    }
    const ratio = p / ((g / 1000) * correction);
    if (!Number.isFinite(ratio)) {
      excluded.outlier += 1;
      continue;
    }
    candidates.push(i);
    ratios.push(ratio);
  }
  const producing = Float64Array.from(ratios.filter((ratio) => ratio > 0));
  const reference = quantileInPlace(producing, 0.5);
  details.reference = reference;
  if (!(reference > 0) || !Number.isFinite(reference)) {
    throw new DegradationError('too_little_data', `no hour with power while the sun shines (${describeExclusions({ ...details, hours_used: 0 })})`);
  }
  const top = quantileInPlace(Float64Array.from(candidates, (i) => power[i]!).filter((p) => p > 0), CLIP_QUANTILE);
  const clipLevel = CLIP_MARGIN * top;
  const offset = (12 - solarNoonHour(hourly.times, irradiance)) * HOUR_MS;
  const sums = new DailySums();
  candidates.forEach((i, k) => {
    const normalised = ratios[k]! / reference;
    if (normalised < OUTAGE) excluded.outage += 1;
    else if (normalised > OUTLIER) excluded.outlier += 1;
    else if (power[i]! >= clipLevel || CLIP_HEADROOM * reference * (irradiance[i]! / 1000) * (1 + gamma * (temperature[i]! - 25)) >= clipLevel) excluded.clipping += 1;
    else {
      // Insolation-weighted: Σ(P / correction) / Σ(G / 1000) = Σ(ratio · G) / Σ G.
      const g = irradiance[i]! / 1000;
      sums.add(Math.floor((hourly.times[i]! + offset) / DAY_MS), ratios[k]! * g, g);
    }
  });
  return finish(sums, offset, trend, details);
}

/**
 * The degradation rate of a wind turbine from its power and wind speed (hourly or finer): the
 * power-curve residual — actual over expected energy per day, the expected power from the first
 * year's binned power curve, on the partial-load part of the curve — year-on-year with a bootstrap
 * interval. Throws DegradationError when there is not enough usable data or the input cannot be read.
 */
export function windDegradation(series: WindSeries, options: WindDegradationOptions = {}): DegradationResult {
  const trend = resolveTrend(options);
  const binWidth = options.binWidth ?? DEFAULT_BIN_WIDTH;
  if (!(binWidth >= 0.05 && binWidth <= 5)) throw new DegradationError('bad_options', `binWidth must be from 0.05 to 5 m/s, not ${binWidth}`);
  checkLengths(series.times, { power: series.power, windSpeed: series.windSpeed });
  const hourly = hourlyOf(series.times, [series.power, series.windSpeed]);
  const [power, speed] = hourly.columns as [Float64Array, Float64Array];
  const excluded = emptyExclusions();
  const details: DegradationResult['details'] = { indicator: 'power_curve_residual', hours: 0, hours_used: 0, excluded, reference: Number.NaN };

  const usable: number[] = [];
  for (let i = 0; i < hourly.times.length; i += 1) {
    const v = speed[i]!;
    if (!Number.isFinite(power[i]!) || !Number.isFinite(v) || v < 0 || v > 50) continue;
    usable.push(i);
  }
  details.hours = usable.length;
  if (usable.length === 0) throw new DegradationError('too_little_data', 'no hour with both power and wind speed');
  const yearEnd = hourly.times[usable[0]!]! + DAYS_PER_YEAR * DAY_MS;
  const binOf = (v: number): number => Math.floor(v / binWidth);
  // The first year's hours per bin; each bin's median power, to leave outages out of the curve.
  const byBin = new Map<number, number[]>();
  for (const i of usable) {
    if (hourly.times[i]! >= yearEnd) break;
    const bin = binOf(speed[i]!);
    const hours = byBin.get(bin);
    if (hours) hours.push(i);
    else byBin.set(bin, [i]);
  }
  const medians = new Map<number, number>();
  for (const [bin, hours] of byBin) medians.set(bin, median(hours.map((i) => power[i]!)));
  const top = Math.max(0, ...medians.values());
  // Method of bins: mean speed and mean power of the first year's hours near their bin's median.
  const curve: Array<{ speed: number; power: number }> = [];
  for (const [bin, hours] of byBin) {
    const middle = medians.get(bin)!;
    const near = hours.filter((i) => Math.abs(power[i]! - middle) <= 0.5 * Math.max(Math.abs(middle), 0.05 * top));
    if (near.length < MIN_BIN_HOURS) continue;
    curve.push({ speed: near.reduce((total, i) => total + speed[i]!, 0) / near.length, power: near.reduce((total, i) => total + power[i]!, 0) / near.length });
  }
  curve.sort((a, b) => a.speed - b.speed);
  const rated = Math.max(0, ...curve.map((point) => point.power));
  details.reference = rated;
  if (!(rated > 0)) throw new DegradationError('too_little_data', `the first year gives no power curve (${usable.length} hours with power and wind speed)`);
  const expectedAt = (v: number): number => {
    if (curve.length === 0 || v < curve[0]!.speed || v > curve[curve.length - 1]!.speed) return Number.NaN;
    let hi = 1;
    while (hi < curve.length - 1 && curve[hi]!.speed < v) hi += 1;
    const a = curve[Math.max(0, hi - 1)]!;
    const b = curve[Math.min(hi, curve.length - 1)]!;
    return b.speed === a.speed ? a.power : a.power + ((b.power - a.power) * (v - a.speed)) / (b.speed - a.speed);
  };
  const sums = new DailySums();
  for (const i of usable) {
    const expected = expectedAt(speed[i]!);
    if (!(expected >= PARTIAL_LOW * rated && expected <= PARTIAL_HIGH * rated)) {
      excluded.range += 1;
      continue;
    }
    const normalised = power[i]! / expected;
    if (normalised < OUTAGE) excluded.outage += 1;
    else if (normalised > OUTLIER) excluded.outlier += 1;
    else sums.add(Math.floor(hourly.times[i]! / DAY_MS), power[i]!, expected);
  }
  return finish(sums, 0, trend, details);
}
