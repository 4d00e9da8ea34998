/**
 * Block summaries: for a block of samples, min, max, sum, count (non-NaN samples), first and last
 * non-NaN value. Two consecutive summaries combine exactly (no mean of means), so a range at any
 * zoom is summarized from a few stored blocks per level.
 */
export interface Summary {
  min: number;
  max: number;
  sum: number;
  count: number;
  first: number;
  last: number;
}

/** Values per stored block summary, in this order. */
export const SUMMARY_FIELDS = 6;

export const emptySummary = (): Summary => ({ min: Number.NaN, max: Number.NaN, sum: 0, count: 0, first: Number.NaN, last: Number.NaN });

/** Summary of values[from, to). */
export function summarizeValues(values: Float32Array, from = 0, to = values.length): Summary {
  // First and last non-NaN value from the two ends (usually the very first and last sample), then
  // one tight loop: NaN fails every comparison and is skipped by `value === value`.
  let first = from;
  while (first < to && values[first] !== values[first]) first++;
  if (first === to) return emptySummary();
  let last = to - 1;
  while (values[last] !== values[last]) last--;
  // Four running sums break the dependency chain of one (about twice as fast); NaN is counted
  // apart so that count needs no increment per sample.
  let min = Infinity;
  let max = -Infinity;
  let sum0 = 0;
  let sum1 = 0;
  let sum2 = 0;
  let sum3 = 0;
  let nans = 0;
  let index = first;
  for (; index + 3 <= last; index += 4) {
    const a = values[index]!;
    const b = values[index + 1]!;
    const c = values[index + 2]!;
    const d = values[index + 3]!;
    if (a === a) {
      sum0 += a;
      if (a < min) min = a;
      if (a > max) max = a;
    } else nans++;
    if (b === b) {
      sum1 += b;
      if (b < min) min = b;
      if (b > max) max = b;
    } else nans++;
    if (c === c) {
      sum2 += c;
      if (c < min) min = c;
      if (c > max) max = c;
    } else nans++;
    if (d === d) {
      sum3 += d;
      if (d < min) min = d;
      if (d > max) max = d;
    } else nans++;
  }
  for (; index <= last; index++) {
    const value = values[index]!;
    if (value === value) {
      sum0 += value;
      if (value < min) min = value;
      if (value > max) max = value;
    } else nans++;
  }
  const sum = sum0 + sum1 + (sum2 + sum3);
  const count = last - first + 1 - nans;
  return { min, max, sum, count, first: values[first]!, last: values[last]! };
}

/** Summary of a followed by b. */
export function combine(a: Summary, b: Summary): Summary {
  if (a.count === 0) return b;
  if (b.count === 0) return a;
  return { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), sum: a.sum + b.sum, count: a.count + b.count, first: a.first, last: b.last };
}

/** Reads block `index` from a packed Float64Array of summaries. */
export function readBlock(packed: Float64Array, index: number): Summary {
  const at = index * SUMMARY_FIELDS;
  return { min: packed[at]!, max: packed[at + 1]!, sum: packed[at + 2]!, count: packed[at + 3]!, first: packed[at + 4]!, last: packed[at + 5]! };
}

/** Writes a summary into slot `index` of a packed Float64Array. */
export function writeBlock(packed: Float64Array, index: number, summary: Summary): void {
  const at = index * SUMMARY_FIELDS;
  packed[at] = summary.min;
  packed[at + 1] = summary.max;
  packed[at + 2] = summary.sum;
  packed[at + 3] = summary.count;
  packed[at + 4] = summary.first;
  packed[at + 5] = summary.last;
}
