// The explorer's analysis maths in core: spectrum peaks, steady runs and gaps, the spectrogram of
// a chirp and of bursts, XY buckets and nearest-time pairing.
import { describe, expect, it } from 'vitest';
import {
  bucketMeans,
  continuousRuns,
  findPeaks,
  mainLobeBins,
  firstFullSegment,
  joinNearest,
  medianSpacing,
  pairBuckets,
  parabolicPeak,
  runKernel,
  spectrogram,
  spectrum,
  timeEdges,
} from '../../src/core';

/** A deterministic pseudo-random generator in [-0.5, 0.5). */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648 - 0.5;
  };
}

function sines(length: number, rate: number, tones: Array<[frequency: number, amplitude: number]>, noiseLevel = 0.05): Float32Array {
  const random = noise(7);
  return Float32Array.from({ length }, (_, index) => tones.reduce((sum, [frequency, amplitude]) => sum + amplitude * Math.sin((2 * Math.PI * frequency * index) / rate), 0) + noiseLevel * random());
}

describe('findPeaks', () => {
  it('finds the tones of a sum of sines at their frequencies (between bins), strongest first', () => {
    const rate = 1000;
    const values = sines(65_536, rate, [[50, 1], [123.4, 0.5], [310.7, 0.25]]);
    const result = runKernel(spectrum, spectrum.params({ size: 1024, window: 'hann', sampleRate: rate }), [{ values, offset: 0 }]);
    const peaks = findPeaks(result.frequencies, result.magnitudes, { count: 3 });
    expect(peaks.map((peak) => peak.bin)).toEqual([51, 126, 318]);
    const binWidth = rate / 1024;
    expect(Math.abs(peaks[0]!.frequency - 50)).toBeLessThan(0.1 * binWidth);
    expect(Math.abs(peaks[1]!.frequency - 123.4)).toBeLessThan(0.1 * binWidth);
    expect(Math.abs(peaks[2]!.frequency - 310.7)).toBeLessThan(0.1 * binWidth);
    // Interpolation recovers the amplitude that the bin grid loses to scalloping (up to 15 % for Hann).
    expect(peaks[0]!.magnitude).toBeCloseTo(1, 1);
    expect(peaks[1]!.magnitude).toBeCloseTo(0.5, 1);
    expect(peaks[2]!.magnitude).toBeCloseTo(0.25, 1);
    // The bin values alone are further off than the interpolated ones.
    expect(Math.abs(peaks[1]!.magnitude - 0.5)).toBeLessThan(Math.abs(result.magnitudes[126]! - 0.5));
  });

  it('keeps peaks at least minSpacing bins apart and ignores the noise floor', () => {
    const magnitudes = [0, 1, 0.2, 5, 0.2, 4.9, 0.2, 0.2, 3, 0.2, 0.2, 0.2, 0.21, 0.2, 0.2];
    const frequencies = magnitudes.map((_, k) => k);
    expect(findPeaks(frequencies, magnitudes, { count: 5, minSpacing: 1 }).map((peak) => peak.bin)).toEqual([3, 5, 8, 1]);
    expect(findPeaks(frequencies, magnitudes, { count: 5, minSpacing: 3 }).map((peak) => peak.bin)).toEqual([3, 8]);
    // 0.21 is a local maximum but not above 4 × the median (0.2).
    expect(findPeaks(frequencies, magnitudes, { count: 10, minSpacing: 1 }).some((peak) => peak.bin === 12)).toBe(false);
    expect(findPeaks(frequencies, new Array(16).fill(0))).toEqual([]);
  });

  it("a signal's offset is no peak: the bins of a window's main lobe next to DC are skipped", () => {
    const rate = 1000;
    const values = sines(65_536, rate, [[50, 1]]).map((value) => value + 0.2);
    const result = runKernel(spectrum, spectrum.params({ size: 1024, window: 'hann', sampleRate: rate }), [{ values, offset: 0 }]);
    // Without: the offset's leakage into bin 1 (doubled, single-sided) is listed as a tone at 1 Hz.
    expect(findPeaks(result.frequencies, result.magnitudes, { count: 3 }).map((peak) => peak.bin)).toContain(1);
    const peaks = findPeaks(result.frequencies, result.magnitudes, { count: 3, lowestBin: mainLobeBins('hann') });
    expect(peaks.map((peak) => peak.bin)).toEqual([51]);
  });

  it('parabolic interpolation is exact for a Gaussian peak', () => {
    const gaussian = (x: number): number => 3 * Math.exp(-((x - 0.3) ** 2) / 2);
    const { offset, value } = parabolicPeak(gaussian(-1), gaussian(0), gaussian(1));
    expect(offset).toBeCloseTo(0.3, 12);
    expect(value).toBeCloseTo(3, 12);
  });
});

describe('steady runs', () => {
  const times = Float64Array.from([0, 1, 2, 3, 10, 11, 12, 13, 14, 14.5, 15, 16]);

  it('median spacing, runs and whole segments never straddle a gap or a rate change', () => {
    expect(medianSpacing(times)).toBe(1);
    expect(medianSpacing([5])).toBeNaN();
    expect(continuousRuns(times, 1)).toEqual([
      { start: 0, end: 4 },
      { start: 4, end: 9 },
      { start: 9, end: 10 },
      { start: 10, end: 12 },
    ]);
    expect(firstFullSegment(times, 0, 4, 1)).toBe(0);
    expect(firstFullSegment(times, 1, 4, 1)).toBe(4);
    expect(firstFullSegment(times, 0, 5, 1)).toBe(4);
    expect(firstFullSegment(times, 0, 6, 1)).toBe(-1);
    expect(firstFullSegment(times, 4, 5, 1, 8)).toBe(-1);
  });
});

describe('spectrogram', () => {
  it('follows a chirp: each column peaks at the frequency of its moment', () => {
    const rate = 1000;
    const length = 20_000;
    // Linear chirp from 50 Hz to 400 Hz over 20 s: f(t) = 50 + 17.5 t.
    const values = Float32Array.from({ length }, (_, index) => {
      const t = index / rate;
      return Math.sin(2 * Math.PI * (50 * t + (17.5 / 2) * t * t));
    });
    const times = Float64Array.from({ length }, (_, index) => 1_000_000 + index);
    const result = spectrogram(values, times, times[0]!, times[length - 1]!, { size: 256, columns: 40 });
    // The last target (19.75 s) has no whole segment after it: at most 40 columns.
    expect(result.times).toHaveLength(39);
    expect(result.bins).toBe(129);
    expect(result.sampleRate).toBe(1000);
    expect(result.magnitudes).toHaveLength(39 * 129);
    for (let column = 0; column < 39; column++) {
      const row = result.magnitudes.subarray(column * 129, (column + 1) * 129);
      const top = findPeaks(result.frequencies, row, { count: 1 })[0]!;
      const expected = 50 + (17.5 * (result.times[column]! - times[0]!)) / 1000;
      expect(Math.abs(top.frequency - expected), `column ${column}`).toBeLessThan(rate / 256);
    }
    // Columns go forward in time.
    expect(result.times.every((time, index) => index === 0 || time > result.times[index - 1]!)).toBe(true);
  });

  it('over bursts with gaps every column lies inside one burst, and empty targets are dropped', () => {
    // 3 bursts of 10 000 samples (10 s at 1 kHz), 60 s apart.
    const times: number[] = [];
    const values: number[] = [];
    for (let burst = 0; burst < 3; burst++) {
      for (let index = 0; index < 10_000; index++) {
        times.push(burst * 60_000 + index);
        values.push(Math.sin((2 * Math.PI * 100 * index) / 1000));
      }
    }
    const result = spectrogram(Float32Array.from(values), times, 0, 130_000, { size: 512, columns: 26 });
    // Targets every 5 s: 2 inside each burst, and those in the silence after burst 0 and 1 all
    // find the next burst's first segment (one column, not nine).
    expect(result.starts).toEqual([2500, 7500, 10_000, 12_500, 17_500, 20_000, 22_500, 27_500]);
    for (const start of result.starts) expect(Math.floor(start / 10_000)).toBe(Math.floor((start + 511) / 10_000));
    for (let column = 0; column < result.starts.length; column++) {
      expect(findPeaks(result.frequencies, result.magnitudes.subarray(column * result.bins, (column + 1) * result.bins), { count: 1 })[0]!.frequency).toBeCloseTo(100, 0);
    }
  });
});

describe('XY buckets', () => {
  it('time edges, bucket means and pairs leave out buckets where either channel has no sample', () => {
    expect(timeEdges(0, 100, 4)).toEqual([0, 25, 50, 75, 100]);
    const xMeans = bucketMeans([
      { sum: 10, count: 2 },
      { sum: 0, count: 0 },
      { sum: 9, count: 3 },
      { sum: 8, count: 1 },
    ]);
    expect([...xMeans]).toEqual([5, Number.NaN, 3, 8]);
    const yMeans = Float64Array.from([1, 2, Number.NaN, 4]);
    const points = pairBuckets(xMeans, yMeans, timeEdges(0, 100, 4));
    expect([...points.x]).toEqual([5, 8]);
    expect([...points.y]).toEqual([1, 4]);
    expect([...points.t]).toEqual([12.5, 87.5]);
  });

  it('raw samples pair by nearest time within the tolerance, never across a gap', () => {
    const points = joinNearest([0, 10, 20, 30, 40], [1, 2, 3, Number.NaN, 5], [1, 9, 12, 41], [10, 20, 30, 40], 3);
    expect([...points.x]).toEqual([1, 2, 5]);
    expect([...points.y]).toEqual([10, 20, 40]);
    expect([...points.t]).toEqual([0, 10, 40]);
  });
});
