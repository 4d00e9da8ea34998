// What the explorer (and the channel chart) load for a range: loadSeries over a real memory
// storage — raw samples when few, M4 per column otherwise, O(columns) reads at any length — and
// the join of several series on one x.
import { describe, expect, it } from 'vitest';
import { ChannelArray, CHUNK_SIZE } from '../../src/arrays';
import { joinSeries, valueAt } from '../../src/controllers/explorer/series-join';
import { loadSeries } from '../../src/controllers/explorer/series-loader';
import { createStorage, type Storage } from '../../src/storage';

const T0 = Date.UTC(2026, 10, 1);

/** A storage that counts the attachment bytes read through it. */
function counting(storage: Storage): { storage: Storage; bytes: () => number } {
  let bytes = 0;
  const wrapped = new Proxy(storage, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== 'function') return value;
      if (key !== 'getAttachment') return value.bind(target);
      return async (...args: unknown[]) => {
        const result = await (value as (...a: unknown[]) => Promise<ArrayBuffer>).apply(target, args);
        bytes += result.byteLength;
        return result;
      };
    },
  });
  return { storage: wrapped, bytes: () => bytes };
}

describe('loadSeries', () => {
  it('raw when the range holds at most 4 samples per column; M4 (first, min, max, last per column) beyond', async () => {
    const storage = createStorage({ type: 'memory' });
    const array = await ChannelArray.create(storage, 'array/a', { timing: 'regular' });
    await array.append(Float32Array.from({ length: 10_000 }, (_, i) => (i % 10 === 3 ? Number.NaN : i)), { t0: T0, dt: 10 });
    const raw = await loadSeries(storage, 'array/a', T0 + 1000, T0 + 1990, 25);
    expect(raw.source).toBe('raw');
    expect(raw.samples).toBe(100);
    expect(raw.range).toEqual([100, 200]);
    expect(raw.x).toBeInstanceOf(Float64Array);
    expect(Array.from(raw.x.slice(0, 3))).toEqual([T0 + 1000, T0 + 1010, T0 + 1020]);
    // A NaN sample is a gap (null), not a number.
    expect(raw.y.slice(0, 5)).toEqual([100, 101, 102, null, 104]);
    const m4 = await loadSeries(storage, 'array/a', T0, T0 + 99_990, 100);
    expect(m4.source).toBe('summary');
    expect(m4.samples).toBe(10_000);
    expect(m4.x.length).toBe(400);
    // First column: samples 0..99 (NaN every 10th): first 0, min 0, max 99, last 99; min/max at the middle time.
    expect(m4.y.slice(0, 4)).toEqual([0, 0, 99, 99]);
    expect(Array.from(m4.x.slice(0, 4))).toEqual([T0, T0 + 495, T0 + 495, T0 + 990]);
    for (let index = 1; index < m4.x.length; index++) expect(m4.x[index]!).toBeGreaterThanOrEqual(m4.x[index - 1]!);
  });

  it('breaks the line at gaps in time (bursts 10 min apart): one null point between bursts, raw and M4, none within a burst', async () => {
    const storage = createStorage({ type: 'memory' });
    const array = await ChannelArray.create(storage, 'array/bursts', { timing: 'explicit' });
    // Three bursts of 2 000 samples at 1 kHz, 10 minutes apart.
    const burst = 2_000;
    const times = Float64Array.from({ length: 3 * burst }, (_, i) => T0 + Math.floor(i / burst) * 600_000 + (i % burst));
    await array.append(Float32Array.from({ length: 3 * burst }, (_, i) => Math.sin(i / 10)), times);
    const nulls = (series: { x: Float64Array; y: Array<number | null> }): number[] => series.y.flatMap((value, index) => (value === null ? [series.x[index]!] : []));
    const m4 = await loadSeries(storage, 'array/bursts', T0, T0 + 1_300_000, 100);
    expect(m4.source).toBe('summary');
    // Before: no null at all, so the line joined the bursts across their gaps. Each gap, inside a
    // column or between two, has a null point in it, and no null falls within a burst.
    const m4Gaps = nulls(m4);
    const inBurst = (time: number): boolean => [0, 1, 2].some((n) => time >= T0 + n * 600_000 && time <= T0 + n * 600_000 + burst - 1);
    expect(m4Gaps.filter(inBurst)).toEqual([]);
    expect(m4Gaps.some((time) => time > T0 + burst - 1 && time < T0 + 600_000)).toBe(true);
    expect(m4Gaps.some((time) => time > T0 + 600_000 + burst - 1 && time < T0 + 1_200_000)).toBe(true);
    expect(m4Gaps).toHaveLength(2);
    const raw = await loadSeries(storage, 'array/bursts', T0 + 1_000, T0 + 601_500, 1_000);
    expect(raw.source).toBe('raw');
    expect(raw.samples).toBe(2_501);
    expect(nulls(raw)).toEqual([(T0 + burst - 1 + T0 + 600_000) / 2]);
    expect(raw.x.length).toBe(2_502);
    // Regular samples have no gap: no null is added.
    const regular = await ChannelArray.create(storage, 'array/steady', { timing: 'regular' });
    await regular.append(Float32Array.from({ length: 5_000 }, (_, i) => i), { t0: T0, dt: 10 });
    expect(nulls(await loadSeries(storage, 'array/steady', T0, T0 + 49_990, 100))).toEqual([]);
    expect(nulls(await loadSeries(storage, 'array/steady', T0, T0 + 9_990, 1_000))).toEqual([]);
  });

  it('reads O(columns) summary bytes, not the range: an eighth of a million samples at most', async () => {
    const storage = createStorage({ type: 'memory' });
    const array = await ChannelArray.create(storage, 'array/long', { timing: 'regular' });
    const length = 16 * CHUNK_SIZE;
    for (let from = 0; from < length; from += CHUNK_SIZE) await array.append(Float32Array.from({ length: CHUNK_SIZE }, (_, i) => Math.sin((from + i) / 1000)), { t0: T0 + from, dt: 1 });
    const { storage: counted, bytes } = counting(storage);
    const series = await loadSeries(counted, 'array/long', T0, T0 + length, 1000);
    expect(series.source).toBe('summary');
    expect(series.samples).toBe(length);
    expect(series.x.length).toBe(4000);
    // The samples are 4 MiB; the summaries a chart needs are a small part of that.
    expect(bytes()).toBeLessThan((length * 4) / 8);
  });

  it('an empty range and a range outside the data load no points; a missing array rejects with the storage error', async () => {
    const storage = createStorage({ type: 'memory' });
    const array = await ChannelArray.create(storage, 'array/e', { timing: 'explicit' });
    await array.append(Float32Array.of(1, 2, 3), Float64Array.of(T0, T0 + 10, T0 + 20));
    expect((await loadSeries(storage, 'array/e', T0 + 100, T0 + 200, 100)).samples).toBe(0);
    expect((await loadSeries(storage, 'array/e', T0 + 20, T0 + 10, 100)).samples).toBe(0);
    expect((await loadSeries(storage, 'array/e', T0, T0 + 20, 100)).y).toEqual([1, 2, 3]);
    await expect(loadSeries(storage, 'array/none', T0, T0 + 20, 100)).rejects.toMatchObject({ status: 404 });
  });

  it('an aborted load rejects with the abort reason instead of reading on', async () => {
    const storage = createStorage({ type: 'memory' });
    await ChannelArray.create(storage, 'array/x', { timing: 'regular' });
    const abort = new AbortController();
    abort.abort(new DOMException('stale', 'AbortError'));
    await expect(loadSeries(storage, 'array/x', T0, T0 + 1, 10, { signal: abort.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('joinSeries', () => {
  it('merges the series on one sorted x in seconds: undefined where a series has no point, its nulls and repeated times kept', () => {
    const a = { x: Float64Array.of(1000, 2000, 2000, 3000), y: [1, 2, 3, null] };
    const b = { x: Float64Array.of(1500, 2000, 4000), y: [10, 20, 40] };
    const [x, ya, yb] = joinSeries([a, b]);
    expect(Array.from(x)).toEqual([1, 1.5, 2, 2, 3, 4]);
    expect(ya).toEqual([1, undefined, 2, 3, null, undefined]);
    expect(yb).toEqual([undefined, 10, 20, undefined, undefined, 40]);
  });

  it('one series: its x in seconds and its y as they are; no series, no points', () => {
    const [x, y] = joinSeries([{ x: Float64Array.of(1000, 2500), y: [1, null] }]);
    expect(Array.from(x)).toEqual([1, 2.5]);
    expect(y).toEqual([1, null]);
    expect(joinSeries([]).length).toBe(1);
  });
});

describe('valueAt', () => {
  const series = { x: Float64Array.of(1000, 2000, 3000, 4000), y: [1, 2, null, 4] };
  it('the nearest point in time; null outside the points or at a gap', () => {
    expect(valueAt(series, 1000)).toBe(1);
    expect(valueAt(series, 1499)).toBe(1);
    expect(valueAt(series, 1501)).toBe(2);
    expect(valueAt(series, 3900)).toBe(4);
    expect(valueAt(series, 3000)).toBeNull();
    expect(valueAt(series, 999)).toBeNull();
    expect(valueAt(series, 4001)).toBeNull();
    expect(valueAt({ x: new Float64Array(0), y: [] }, 1)).toBeNull();
  });
});
