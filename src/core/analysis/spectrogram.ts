/**
 * Spectrogram (waterfall): short-time spectra of single segments spread over a time range, one
 * column each, for bursts whose content changes over time (a run-up, a bearing fault growing).
 * A column is the `spectrum` kernel over one segment, so it equals a Welch spectrum of that
 * segment alone (same window, same scaling). Columns start where a whole segment of one steady
 * run begins at or after their target time (never straddling a gap, see sampling.ts), so over
 * bursts every column lies inside a burst.
 */
import { runKernel } from '../kernels/kernel';
import { spectrum, type SpectrumParams } from '../kernels/spectrum';
import { firstFullSegment, medianSpacing } from './sampling';

/** A column's segment is looked for within this many segment lengths after its target time. */
export const SPECTROGRAM_SEARCH = 2;

export interface SpectrogramOptions {
  size: number;
  columns: number;
  window?: SpectrumParams['window'];
}

export interface Spectrogram {
  /** Time (epoch ms) of each column: the time of its segment's middle sample. */
  times: number[];
  /** Sample number (position in the input) of each column's first sample. */
  starts: number[];
  frequencies: number[];
  /** columns × bins magnitudes, row-major by time (column c's bin k at c · bins + k). */
  magnitudes: Float32Array;
  bins: number;
  sampleRate: number;
}

/** The target time of each of `columns` columns over [from, to]: the middles of equal parts. */
export function spectrogramTargets(from: number, to: number, columns: number): number[] {
  return Array.from({ length: columns }, (_, column) => from + ((column + 0.5) * (to - from)) / columns);
}

/** Magnitudes of one segment of exactly `params.size` samples (the spectrum kernel over it alone). */
export function spectrumColumn(values: Float32Array, params: SpectrumParams): Float32Array {
  return Float32Array.from(runKernel(spectrum, params, [{ values, offset: 0 }]).magnitudes);
}

/** First index whose value is ≥ target in sorted `values`. */
export function lowerBound(values: ArrayLike<number>, target: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The spectrogram of samples in memory (`values` at `times`, ms) over [from, to]: at most
 * `columns` columns (targets whose segment is the previous column's, or that find none, are
 * dropped). The reference that the out-of-core analysis (controllers/explorer/analysis.ts) follows
 * step for step.
 */
export function spectrogram(values: Float32Array, times: ArrayLike<number>, from: number, to: number, options: SpectrogramOptions): Spectrogram {
  const params = spectrum.params({ size: options.size, window: options.window ?? 'hann', sampleRate: 1 });
  const period = medianSpacing(times);
  const sampleRate = period > 0 ? 1000 / period : 1;
  const bins = params.size / 2 + 1;
  const starts: number[] = [];
  const columnTimes: number[] = [];
  const columns: Float32Array[] = [];
  for (const target of spectrogramTargets(from, to, options.columns)) {
    const at = lowerBound(times, target);
    const start = firstFullSegment(times, at, params.size, period, at + SPECTROGRAM_SEARCH * params.size);
    if (start < 0 || start === starts.at(-1) || times[start + params.size - 1]! > to) continue;
    starts.push(start);
    columnTimes.push(times[start + params.size / 2]!);
    columns.push(spectrumColumn(values.subarray(start, start + params.size), params));
  }
  const magnitudes = new Float32Array(columns.length * bins);
  columns.forEach((column, index) => magnitudes.set(column, index * bins));
  return {
    times: columnTimes,
    starts,
    frequencies: Array.from({ length: bins }, (_, k) => (k * sampleRate) / params.size),
    magnitudes,
    bins,
    sampleRate,
  };
}
