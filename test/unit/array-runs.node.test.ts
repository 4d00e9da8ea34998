/**
 * Regular arrays appended in several runs at once (what bulk writers and ingest into regular
 * arrays use): segments where the spacing or continuity changes, times read back exactly, and
 * `regularRuns` splitting forward-protocol times (a float's worth of nanoseconds off) into runs.
 */
import { describe, expect, it } from 'vitest';
import { ArrayError, ChannelArray, regularRuns } from '../../src/arrays';
import { createStorage } from '../../src/storage';

describe('regular appends of several runs', () => {
  it('one append of three runs (10 s, then 1 s, then a gap): three segments, times as given, continuing runs merged', async () => {
    const array = await ChannelArray.create(createStorage({ type: 'memory' }), 'array/runs', { timing: 'regular' });
    const values = Float32Array.from({ length: 9 }, (_, index) => index);
    await array.append(values, { runs: [{ offset: 0, t0: 0, dt: 10_000 }, { offset: 3, t0: 30_000, dt: 1000 }, { offset: 6, t0: 100_000, dt: 1000 }] });
    expect(array.meta.segments).toEqual([{ start: 0, t0: 0, dt: 10_000 }, { start: 3, t0: 30_000, dt: 1000 }, { start: 6, t0: 100_000, dt: 1000 }]);
    expect([...(await array.times(0, 9))]).toEqual([0, 10_000, 20_000, 30_000, 31_000, 32_000, 100_000, 101_000, 102_000]);
    // A later run that continues the last segment extends it.
    await array.append(Float32Array.of(9), { runs: [{ offset: 0, t0: 103_000, dt: 1000 }] });
    expect(array.meta.segments.length).toBe(3);
    expect(array.meta.last_time).toBe(103_000);
    await expect(array.append(Float32Array.of(1), { runs: [{ offset: 0, t0: 103_000, dt: 1000 }] })).rejects.toBeInstanceOf(ArrayError);
    await expect(array.append(Float32Array.of(1, 2), { runs: [{ offset: 0, t0: 200_000, dt: 1000 }, { offset: 5, t0: 300_000, dt: 1000 }] })).rejects.toThrow(/offsets must increase/);
  });

  it('regularRuns: forward-protocol times of a 2 kHz burst make one run at exactly 0.5 ms; a gap starts another; a lone sample takes the spacing given', () => {
    const base = 1_796_158_128_000;
    // A 2 kHz burst as parse.ts decodes EventTime: seconds + nanoseconds / 1e9, times 1000.
    const burst = Float64Array.from({ length: 4000 }, (_, index) => {
      const ns = index * 500_000;
      return (base / 1000 + Math.floor(ns / 1e9) + (ns % 1e9) / 1e9) * 1000;
    });
    expect(regularRuns(burst, 1000)).toEqual([{ offset: 0, t0: base, dt: 0.5 }]);
    const gapped = Float64Array.of(0, 1000, 2000, 10_000, 11_000, 50_000);
    expect(regularRuns(gapped, 1000)).toEqual([{ offset: 0, t0: 0, dt: 1000 }, { offset: 3, t0: 10_000, dt: 1000 }, { offset: 5, t0: 50_000, dt: 1000 }]);
    expect(() => regularRuns(Float64Array.of(5, 5), 1000)).toThrow(/times must increase/);
  });
});
