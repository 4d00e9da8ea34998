/**
 * Where a signal was sampled continuously. Channels are not always continuous: a condition-
 * monitoring system records 1 kHz bursts of 10 s every 10 min, a SCADA feed drops out. A spectrum
 * over samples that straddle a gap treats the silence as if it were not there (a phase jump, a
 * false broadband floor), so spectra are taken only over runs sampled at one steady rate.
 */

/**
 * Consecutive samples belong to one run while their spacing stays within this factor of the
 * sampling period: one missing sample (twice the period) breaks a run, clock jitter does not.
 */
export const GAP_FACTOR = 1.5;

/** Spacings `medianSpacing` looks at at most (evenly spread): a median needs no more. */
const SPACING_SAMPLE = 8192;

/**
 * The median spacing of consecutive times (ms), over at most 8 192 spacings evenly spread: the
 * sampling period of the dominant rate, whatever the gaps. NaN with fewer than two times.
 */
export function medianSpacing(times: ArrayLike<number>): number {
  const pairs = times.length - 1;
  if (pairs < 1) return Number.NaN;
  const step = Math.max(1, pairs / SPACING_SAMPLE);
  const spacings: number[] = [];
  for (let position = 0; position < pairs; position += step) {
    const index = Math.floor(position);
    const spacing = times[index + 1]! - times[index]!;
    if (spacing > 0) spacings.push(spacing);
  }
  if (spacings.length === 0) return Number.NaN;
  spacings.sort((a, b) => a - b);
  return spacings[spacings.length >> 1]!;
}

/** Whether two consecutive samples `spacing` ms apart are one run at sampling period `period`. */
export function continues(spacing: number, period: number): boolean {
  return spacing <= period * GAP_FACTOR && spacing * GAP_FACTOR >= period;
}

/** Runs [start, end) of positions in `times` sampled steadily at `period` ms (see `continues`). */
export function continuousRuns(times: ArrayLike<number>, period: number): Array<{ start: number; end: number }> {
  const runs: Array<{ start: number; end: number }> = [];
  if (times.length === 0) return runs;
  let start = 0;
  for (let index = 1; index < times.length; index++) {
    if (!continues(times[index]! - times[index - 1]!, period)) {
      runs.push({ start, end: index });
      start = index;
    }
  }
  runs.push({ start, end: times.length });
  return runs;
}

/**
 * The first position ≥ `from` where `size` consecutive samples of one run begin (a whole
 * segment, straddling no gap) and end before `limit`, or -1 when none does.
 */
export function firstFullSegment(times: ArrayLike<number>, from: number, size: number, period: number, limit = times.length): number {
  const end = Math.min(limit, times.length);
  let start = Math.max(0, from);
  for (let index = start + 1; index < end && index - start < size; index++) {
    if (!continues(times[index]! - times[index - 1]!, period)) start = index;
  }
  return end - start >= size ? start : -1;
}
