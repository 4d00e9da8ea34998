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

/**
 * The series of samples [start, end) of `array` for `columns` pixel columns: every sample when
 * there are at most 4 per column, else M4 points per column from the summaries (exact min and
 * max; min and max share the column's middle time). An empty column is one null point (a gap).
 */
export async function buildSeries(array: ChannelArray, start: number, end: number, columns: number, options: LoadOptions = {}): Promise<LoadedSeries> {
  const count = Math.max(1, Math.min(MAX_COLUMNS, Math.floor(Number.isFinite(columns) ? columns : 1)));
  if (end - start <= count * RAW_PER_COLUMN) {
    const { values, times } = await array.read(start, end);
    const y = new Array<number | null>(values.length);
    for (let index = 0; index < values.length; index++) {
      const value = values[index]!;
      y[index] = value === value ? value : null;
    }
    return { x: times, y, samples: end - start, source: 'raw', range: [start, end] };
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
  let points = 0;
  for (const summary of summaries) points += summary.count === 0 ? 1 : 4;
  const x = new Float64Array(points);
  const y = new Array<number | null>(points);
  let at = 0;
  for (let column = 0; column < count; column++) {
    const summary = summaries[column]!;
    const a = times[2 * column]!;
    const b = times[2 * column + 1]!;
    if (summary.count === 0) {
      x[at] = a;
      y[at++] = null;
      continue;
    }
    const middle = (a + b) / 2;
    x[at] = a;
    y[at++] = summary.first;
    x[at] = middle;
    y[at++] = summary.min;
    x[at] = middle;
    y[at++] = summary.max;
    x[at] = b;
    y[at++] = summary.last;
  }
  return { x, y, samples: end - start, source: 'summary', range: [start, end] };
}
