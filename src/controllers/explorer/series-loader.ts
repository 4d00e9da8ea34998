// What a plot draws of one channel array for a time range: every sample when there are few,
// otherwise M4 points (first, min, max, last) per pixel column read from the array's summaries,
// so any zoom costs O(pixels) reads whatever the array's length. The one builder that both
// <fl-channel-chart> (through ChannelSeriesController) and the explorer's panels use.
import { ChannelArray } from '../../arrays';
import type { Storage } from '../../storage';

/**
 * One loaded series. `x`: epoch ms of each point (sorted); `y`: its value (null = no sample in
 * that column, or a NaN sample: a gap). `source`: 'raw' when every sample is drawn, 'summary' when
 * M4 points per column come from summaries. `samples`: how many samples the range holds;
 * `range`: their sample indices [start, end).
 */
export interface LoadedSeries {
  x: Float64Array;
  y: Array<number | null>;
  source: 'raw' | 'summary';
  samples: number;
  range: [number, number];
}

/** What an explorer panel draws: a channel (or a derived output) and where its array is. */
export interface ExplorerSeries {
  /** Unique within a panel (the channel id, or the derived output's id). */
  key: string;
  /** Channel doc id, e.g. 'channel/t01.scada/power'. */
  channel: string;
  title: string;
  unit: string;
  array: string;
  storage: Storage;
  derived?: { label: string };
}

/** Most pixel columns one series is built for (a 4K screen at device pixels); beyond it M4 gains nothing. */
export const MAX_COLUMNS = 4096;
/** A range with at most this many samples per column is drawn raw: M4 would draw as many points. */
const RAW_PER_COLUMN = 4;

/** Options of a load: `signal` stops its reads early (a newer request made it stale). */
export interface LoadOptions {
  signal?: AbortSignal;
}

/**
 * Loads the samples of `arrayId` stamped from `fromMs` to `toMs` (inclusive) for a plot of
 * `columns` pixel columns: raw when the range holds at most 4 samples per column, else M4 per
 * column. Reads O(columns) summaries and times, never the range's samples. Rejects with the
 * storage's error (404: the array, or the samples of a pinned copy older than its window, are not
 * there) or, once `options.signal` aborts, with its reason.
 */
export async function loadSeries(storage: Storage, arrayId: string, fromMs: number, toMs: number, columns: number, options: LoadOptions = {}): Promise<LoadedSeries> {
  const array = await ChannelArray.open(storage, arrayId);
  options.signal?.throwIfAborted();
  const start = await array.indexOfTime(fromMs);
  // Samples stamped up to `toMs` inclusive: indexOfTime(toMs) + 1 also took the first sample
  // after `toMs` whenever none fell exactly on it.
  const end = Math.max(start, await array.indexAfterTime(toMs));
  options.signal?.throwIfAborted();
  return buildSeries(array, start, end, columns, options);
}

/** A step in time this many times the samples' spacing is a gap: the drawn line breaks there. */
export const GAP_FACTOR = 10;

/**
 * Raw samples with a null point in each gap (a step longer than GAP_FACTOR × the median step), so
 * the line breaks there; the times and values as they are when there is none.
 */
function breakRawGaps(times: Float64Array, y: Array<number | null>): { x: Float64Array; y: Array<number | null> } {
  if (times.length < 3) return { x: times, y };
  const steps: number[] = [];
  for (let index = 1; index < times.length; index++) {
    const step = times[index]! - times[index - 1]!;
    if (step > 0) steps.push(step);
  }
  if (steps.length === 0) return { x: times, y };
  steps.sort((a, b) => a - b);
  const limit = GAP_FACTOR * steps[steps.length >> 1]!;
  let gaps = 0;
  for (let index = 1; index < times.length; index++) if (times[index]! - times[index - 1]! > limit) gaps++;
  if (gaps === 0) return { x: times, y };
  const x = new Float64Array(times.length + gaps);
  const broken = new Array<number | null>(times.length + gaps);
  let at = 0;
  for (let index = 0; index < times.length; index++) {
    if (index > 0 && times[index]! - times[index - 1]! > limit) {
      x[at] = (times[index]! + times[index - 1]!) / 2;
      broken[at++] = null;
    }
    x[at] = times[index]!;
    broken[at++] = y[index]!;
  }
  return { x, y: broken };
}

/**
 * The series of samples [start, end) of `array` for `columns` pixel columns: every sample when
 * there are at most 4 per column, else M4 points per column from the summaries (exact min and
 * max; min and max share the column's middle time). An empty column is one null point, and so is a
 * gap in time between two points (GAP_FACTOR): the line breaks there.
 */
export async function buildSeries(array: ChannelArray, start: number, end: number, columns: number, options: LoadOptions = {}): Promise<LoadedSeries> {
  const count = Math.max(1, Math.min(MAX_COLUMNS, Math.floor(Number.isFinite(columns) ? columns : 1)));
  // Raw samples dropped by retention (before `rawFrom`) are drawn from their summaries at any zoom.
  if (end - start <= count * RAW_PER_COLUMN && start >= array.rawFrom) {
    const { values, times } = await array.read(start, end);
    const y = new Array<number | null>(values.length);
    for (let index = 0; index < values.length; index++) {
      const value = values[index]!;
      y[index] = value === value ? value : null;
    }
    return { ...breakRawGaps(times, y), samples: end - start, source: 'raw', range: [start, end] };
  }
  const summaries = await array.summaries(start, end, count, { align: true });
  options.signal?.throwIfAborted();
  const edges = array.bucketEdges(start, end, count, { align: true });
  // Time of each column's first and last sample, read in one pass.
  const indices = new Array<number>(2 * count);
  for (let column = 0; column < count; column++) {
    indices[2 * column] = edges[column]!;
    indices[2 * column + 1] = Math.max(edges[column]!, edges[column + 1]! - 1);
  }
  const times = await array.timesAt(indices);
  options.signal?.throwIfAborted();
  // Gaps in time (bursts of a condition-monitoring system, an outage) break the line instead of
  // joining the samples across them: a null point between two columns with a gap between them, and
  // in a column with a gap inside (its samples far sparser than the typical column's), its first,
  // min and max at its start, a null, then its last at its end. "Far": GAP_FACTOR × the median
  // spacing of the columns' samples.
  const spacings: number[] = [];
  const spacingOf = new Float64Array(count);
  for (let column = 0; column < count; column++) {
    const samples = edges[column + 1]! - edges[column]!;
    spacingOf[column] = samples > 1 ? (times[2 * column + 1]! - times[2 * column]!) / (samples - 1) : 0;
    if (spacingOf[column]! > 0) spacings.push(spacingOf[column]!);
  }
  spacings.sort((a, b) => a - b);
  const limit = spacings.length > 0 ? GAP_FACTOR * spacings[spacings.length >> 1]! : Infinity;
  const gapBefore = (column: number): boolean => column > 0 && times[2 * column]! - times[2 * column - 1]! > limit;
  const gapInside = (column: number): boolean => spacingOf[column]! > limit;
  let points = 0;
  for (let column = 0; column < count; column++) points += (summaries[column]!.count === 0 ? 1 : gapInside(column) ? 5 : 4) + (gapBefore(column) ? 1 : 0);
  const x = new Float64Array(points);
  const y = new Array<number | null>(points);
  let at = 0;
  for (let column = 0; column < count; column++) {
    const summary = summaries[column]!;
    const a = times[2 * column]!;
    const b = times[2 * column + 1]!;
    if (gapBefore(column)) {
      x[at] = (times[2 * column - 1]! + a) / 2;
      y[at++] = null;
    }
    if (summary.count === 0) {
      x[at] = a;
      y[at++] = null;
      continue;
    }
    const inside = gapInside(column);
    const middle = (a + b) / 2;
    x[at] = a;
    y[at++] = summary.first;
    x[at] = inside ? a : middle;
    y[at++] = summary.min;
    x[at] = inside ? a : middle;
    y[at++] = summary.max;
    if (inside) {
      x[at] = middle;
      y[at++] = null;
    }
    x[at] = b;
    y[at++] = summary.last;
  }
  return { x, y, samples: end - start, source: 'summary', range: [start, end] };
}
