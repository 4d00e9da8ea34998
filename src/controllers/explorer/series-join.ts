// Several series on one uPlot x: uPlot draws every series of a plot against one x array, while
// the series of a panel have their own times (1 Hz SCADA beside 1 kHz bursts, M4 columns that
// fall at different times). The join merges their x into one sorted x; a series without a point
// at an x gets `undefined` there, which uPlot steps over (its line goes on), while `null` (an
// empty column, a NaN sample) still breaks the line. O(points × series), points ≈ 4 × pixels.
import type { LoadedSeries } from './series-loader';

/** uPlot's aligned data: x (seconds, uPlot's time unit) and one y array per series. */
export type JoinedData = [Float64Array, ...Array<Array<number | null | undefined>>];

/**
 * The series' points on one x (epoch seconds). Equal times of different series share one x;
 * points of one series that share a time (an M4 column's min and max) keep one x each.
 */
export function joinSeries(series: ReadonlyArray<Pick<LoadedSeries, 'x' | 'y'>>): JoinedData {
  if (series.length === 1) {
    const only = series[0]!;
    const x = new Float64Array(only.x.length);
    for (let index = 0; index < x.length; index++) x[index] = only.x[index]! / 1000;
    return [x, only.y];
  }
  let total = 0;
  for (const one of series) total += one.x.length;
  const heads = new Array<number>(series.length).fill(0);
  const x = new Float64Array(total);
  const ys = series.map(() => new Array<number | null | undefined>(total));
  let at = 0;
  for (;;) {
    let next = Infinity;
    for (let s = 0; s < series.length; s++) {
      const head = heads[s]!;
      const xs = series[s]!.x;
      if (head < xs.length && xs[head]! < next) next = xs[head]!;
    }
    if (next === Infinity) break;
    x[at] = next / 1000;
    for (let s = 0; s < series.length; s++) {
      const head = heads[s]!;
      const one = series[s]!;
      if (head < one.x.length && one.x[head] === next) {
        ys[s]![at] = one.y[head];
        heads[s] = head + 1;
      } else {
        ys[s]![at] = undefined;
      }
    }
    at++;
  }
  // Shared times made the join shorter than the sum.
  if (at < total) {
    for (const y of ys) y.length = at;
    return [x.slice(0, at), ...ys];
  }
  return [x, ...ys];
}

/**
 * The value of `series` at `time` (epoch ms): the drawn point nearest in time (a raw sample, or a
 * point of its M4 column), null outside the loaded points or at a gap. O(log points).
 */
export function valueAt(series: Pick<LoadedSeries, 'x' | 'y'>, time: number): number | null {
  const xs = series.x;
  const n = xs.length;
  if (n === 0 || !(time >= xs[0]!) || !(time <= xs[n - 1]!)) return null;
  let low = 0;
  let high = n;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (xs[middle]! < time) low = middle + 1;
    else high = middle;
  }
  // xs[low] is the first point at or after `time`; its predecessor may be nearer.
  const index = low > 0 && time - xs[low - 1]! < xs[low]! - time ? low - 1 : low;
  return series.y[index] ?? null;
}
