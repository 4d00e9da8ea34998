/**
 * The trend line a degradation estimate draws over its daily indicator: the rate (and the bounds
 * of its confidence interval) from the degradation document, anchored on the points drawn. The
 * indicator is normalised, so a rate r %/yr is a line level·(1 + r/100 · years since `from`);
 * the level is the median of the points' value over that factor (robust to the odd bad day).
 */
import type { DegradationDoc } from '../../core';

/** A year in ms (365.25 days): the rate's unit. */
const YEAR_MS = 365.25 * 86_400_000;

/** The trend and its interval at each x of the points. */
export interface DegradationTrend {
  /** The line's value where `years since from` is 0. */
  level: number;
  trend: Float64Array;
  low: Float64Array;
  high: Float64Array;
}

/**
 * The trend at `xMs` (epoch ms of each drawn point) for the rate of `doc`, anchored on `y`
 * (null or undefined: no point there); undefined when no finite point is drawn or the rate is
 * not a finite number.
 */
export function degradationTrend(doc: Pick<DegradationDoc, 'rate_pct_per_year' | 'ci_low' | 'ci_high' | 'from'>, xMs: ArrayLike<number>, y: ArrayLike<number | null | undefined>): DegradationTrend | undefined {
  const { rate_pct_per_year: rate, ci_low: low, ci_high: high, from } = doc;
  if (![rate, low, high, from].every(Number.isFinite)) return undefined;
  const factor = (time: number, pct: number) => 1 + (pct / 100) * ((time - from) / YEAR_MS);
  const ratios: number[] = [];
  for (let index = 0; index < xMs.length; index++) {
    const value = y[index];
    const scale = factor(xMs[index]!, rate);
    if (typeof value === 'number' && Number.isFinite(value) && scale > 0) ratios.push(value / scale);
  }
  if (ratios.length === 0) return undefined;
  ratios.sort((a, b) => a - b);
  const middle = ratios.length >> 1;
  const level = ratios.length % 2 === 1 ? ratios[middle]! : (ratios[middle - 1]! + ratios[middle]!) / 2;
  const line = (pct: number) => Float64Array.from({ length: xMs.length }, (_, index) => level * factor(xMs[index]!, pct));
  // The interval's bounds as drawn: the lower of the two lines below, whichever sign the rates have.
  const a = line(low);
  const b = line(high);
  return { level, trend: line(rate), low: a.map((value, index) => Math.min(value, b[index]!)), high: a.map((value, index) => Math.max(value, b[index]!)) };
}
