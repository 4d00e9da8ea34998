/**
 * Means of channel arrays over the steps of a time grid, from the arrays' block summaries (out of
 * core: a step of hours over 1 Hz data reads a few stored summary blocks, not its samples), a
 * batch of steps at a time. The training set and the prediction runner both read their inputs
 * through this, so a model sees in training the same numbers it gets when predicting.
 */
import type { ChannelArray } from '../../arrays';

/** Most steps one call reads (summariesBetween takes up to 100 001 edges). */
export const MAX_STEPS_PER_READ = 20_000;

/** The time of an array's first sample (undefined: it has none). */
export function firstTime(array: ChannelArray): number | undefined {
  const meta = array.meta;
  if (meta.length === 0) return undefined;
  return meta.timing === 'regular' ? meta.segments[0]?.t0 : meta.chunk_first_time[0];
}

/**
 * Per array (undefined: an input with no channel), the mean of its samples stamped in each step
 * [edges[k], edges[k + 1]) (NaN where it has none): edges.length − 1 steps, at most
 * MAX_STEPS_PER_READ. `edges` are times (epoch ms), increasing.
 */
export async function stepMeans(arrays: ReadonlyArray<ChannelArray | undefined>, edges: readonly number[]): Promise<Float32Array[]> {
  const steps = edges.length - 1;
  if (steps < 1 || steps > MAX_STEPS_PER_READ) throw new RangeError(`steps per read must be 1 to ${MAX_STEPS_PER_READ}`);
  const result: Float32Array[] = [];
  for (const array of arrays) {
    const means = new Float32Array(steps).fill(Number.NaN);
    result.push(means);
    if (!array || array.length === 0) continue;
    // Sample numbers of the edges (first sample at or after each), then exact summaries between them.
    const indices = await array.indicesOfTimes(edges);
    if (indices[0] === indices[steps]) continue;
    const summaries = await array.summariesBetween(indices, { align: false });
    for (let step = 0; step < steps; step++) {
      const summary = summaries[step]!;
      if (summary.count > 0) means[step] = summary.sum / summary.count;
    }
  }
  return result;
}
