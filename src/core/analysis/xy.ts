/**
 * XY of two channels over time (the power curve: power against wind speed): both channels
 * averaged over the same time buckets, or, over a short range, their raw samples paired by
 * nearest time. The two channels are sampled independently (their own clocks, rates and gaps),
 * so samples are never paired by index.
 */

export interface XYPoints {
  x: Float32Array;
  y: Float32Array;
  /** Time (epoch ms) of each point: its bucket's middle, or the x sample's time. */
  t: Float64Array;
}

/** `buckets` + 1 time edges cutting [from, to] into equal parts (ms). */
export function timeEdges(from: number, to: number, buckets: number): number[] {
  return Array.from({ length: buckets + 1 }, (_, edge) => (edge === buckets ? to : from + ((to - from) * edge) / buckets));
}

/** Mean of each bucket from its exact sum and count (NaN for a bucket without samples). */
export function bucketMeans(summaries: ReadonlyArray<{ sum: number; count: number }>): Float64Array {
  return Float64Array.from(summaries, (summary) => (summary.count > 0 ? summary.sum / summary.count : Number.NaN));
}

/**
 * Points of the buckets where both channels have a mean: (x mean, y mean) at the bucket's middle
 * time (`edges` as `timeEdges` gives them; one more than the means).
 */
export function pairBuckets(xMeans: ArrayLike<number>, yMeans: ArrayLike<number>, edges: ArrayLike<number>): XYPoints {
  const kept: number[] = [];
  const buckets = Math.min(xMeans.length, yMeans.length, edges.length - 1);
  for (let bucket = 0; bucket < buckets; bucket++) if (Number.isFinite(xMeans[bucket]!) && Number.isFinite(yMeans[bucket]!)) kept.push(bucket);
  return {
    x: Float32Array.from(kept, (bucket) => xMeans[bucket]!),
    y: Float32Array.from(kept, (bucket) => yMeans[bucket]!),
    t: Float64Array.from(kept, (bucket) => (edges[bucket]! + edges[bucket + 1]!) / 2),
  };
}

/**
 * Each x sample paired with the y sample nearest in time, when that one is at most `tolerance` ms
 * away (a y channel with a gap pairs nothing there). Times are sorted; one merge-like pass.
 */
export function joinNearest(xTimes: ArrayLike<number>, xValues: ArrayLike<number>, yTimes: ArrayLike<number>, yValues: ArrayLike<number>, tolerance: number): XYPoints {
  const x: number[] = [];
  const y: number[] = [];
  const t: number[] = [];
  let cursor = 0;
  for (let index = 0; index < xTimes.length; index++) {
    const time = xTimes[index]!;
    const value = xValues[index]!;
    if (!Number.isFinite(value)) continue;
    // Advance while the next y sample is at least as near (times sorted: the nearest is found
    // by moving forward only).
    while (cursor + 1 < yTimes.length && Math.abs(yTimes[cursor + 1]! - time) <= Math.abs(yTimes[cursor]! - time)) cursor++;
    if (cursor >= yTimes.length || Math.abs(yTimes[cursor]! - time) > tolerance) continue;
    const other = yValues[cursor]!;
    if (!Number.isFinite(other)) continue;
    x.push(value);
    y.push(other);
    t.push(time);
  }
  return { x: Float32Array.from(x), y: Float32Array.from(y), t: Float64Array.from(t) };
}
