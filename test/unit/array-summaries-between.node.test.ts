// Channel arrays: exact summaries between arbitrary sample-number edges (the explorer's XY time
// buckets) and many time lookups at once, against brute force over the samples.
import { describe, expect, it, vi } from 'vitest';
import { ChannelArray, CHUNK_SIZE, SUMMARY_BASE, SUMMARY_FACTOR, summarizeValues } from '../../src/arrays';
import { createStorage } from '../../src/storage';

function signal(length: number): Float32Array {
  return Float32Array.from({ length }, (_, index) => (index % 613 === 0 ? Number.NaN : Math.sin(index / 77) * 10 + (index % 13)));
}

async function filled(length: number, timing: 'explicit' | 'regular') {
  const storage = createStorage({ type: 'memory' });
  const array = await ChannelArray.create(storage, 'a', { timing });
  const values = signal(length);
  // Explicit times with gaps: 1 ms steps, and a 5 s pause every 50 000 samples.
  const times = Float64Array.from({ length }, (_, index) => 1_000_000 + index + Math.floor(index / 50_000) * 5000);
  await array.append(values, timing === 'explicit' ? times : { t0: 1_000_000, dt: 1 });
  return { storage, array, values, times: timing === 'explicit' ? times : Float64Array.from({ length }, (_, index) => 1_000_000 + index) };
}

describe('summariesBetween', () => {
  it('is exact over uneven buckets, narrow (raw pass) and wide (summary levels)', async () => {
    const { array, values } = await filled(3 * CHUNK_SIZE + 1234, 'explicit');
    const length = values.length;
    const narrow = [5, 5, 300, 1000, 70_000, 70_001, 70_500];
    const wide = [17, 40_000, 40_000, 131_000, length];
    for (const edges of [narrow, wide]) {
      const got = await array.summariesBetween(edges);
      expect(got).toHaveLength(edges.length - 1);
      got.forEach((summary, bucket) => {
        const expected = summarizeValues(values, edges[bucket], edges[bucket + 1]);
        expect(summary.count, `bucket ${bucket}`).toBe(expected.count);
        if (expected.count > 0) {
          expect(summary.min).toBe(expected.min);
          expect(summary.max).toBe(expected.max);
          expect(summary.first).toBe(expected.first);
          expect(summary.last).toBe(expected.last);
          expect(summary.sum).toBeCloseTo(expected.sum, 6);
        }
      });
    }
  });

  it('with align moves inner edges of wide buckets to summary block boundaries: exact over those, nothing lost', async () => {
    const { array, values, storage } = await filled(4 * CHUNK_SIZE, 'regular');
    const edges = [3, 20_001, 45_555, 70_000, 100_003, 4 * CHUNK_SIZE - 7];
    const reads = vi.spyOn(storage, 'getAttachment');
    const got = await array.summariesBetween(edges, { align: true });
    // Raw values are read only at the two ends of the range.
    expect(reads.mock.calls.filter(([, name]) => String(name).startsWith('values/')).length).toBeLessThanOrEqual(2);
    // Median bucket ~25 000 samples: the grid is the largest block ≤ a quarter of it (4 096).
    const grid = SUMMARY_BASE * SUMMARY_FACTOR;
    const moved = edges.map((edge, index) => (index === 0 || index === edges.length - 1 ? edge : Math.round(edge / grid) * grid));
    got.forEach((summary, bucket) => {
      const expected = summarizeValues(values, moved[bucket], moved[bucket + 1]);
      expect(summary.count).toBe(expected.count);
      expect(summary.min).toBe(expected.min);
      expect(summary.max).toBe(expected.max);
    });
    expect(got.reduce((sum, summary) => sum + summary.count, 0)).toBe(summarizeValues(values, 3, edges.at(-1)).count);
  });

  it('refuses edges that go back or are not sample numbers', async () => {
    const { array } = await filled(1000, 'regular');
    await expect(array.summariesBetween([5, 4])).rejects.toThrow(/edge 1/);
    await expect(array.summariesBetween([0.5, 4])).rejects.toThrow(/edge 0/);
    await expect(array.summariesBetween([1])).rejects.toThrow(/2 to 100001/);
  });
});

describe('indicesOfTimes', () => {
  for (const timing of ['explicit', 'regular'] as const) {
    it(`agrees with indexOfTime (${timing}) and reads each chunk's times once for sorted times`, async () => {
      const { array, times, storage } = await filled(3 * CHUNK_SIZE + 10, timing);
      const targets = Array.from({ length: 500 }, (_, index) => times[0]! - 10 + ((times.at(-1)! - times[0]! + 20) * index) / 499);
      const reads = vi.spyOn(storage, 'getAttachment');
      const got = await array.indicesOfTimes(targets);
      const timeReads = reads.mock.calls.filter(([, name]) => String(name).startsWith('times/')).length;
      expect(timeReads).toBeLessThanOrEqual(timing === 'explicit' ? 4 : 0);
      reads.mockRestore();
      for (const [index, target] of targets.entries()) expect(got[index], `time ${target}`).toBe(await array.indexOfTime(target));
    });
  }
});
