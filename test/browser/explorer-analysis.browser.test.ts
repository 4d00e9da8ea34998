// The explorer's analyses of a visible range in real Chromium: channel arrays in a real IndexedDB,
// raw passes on a real worker pool (and the page's default engine: WebGPU on Chromium's software
// adapter where there is one), against direct computations over the same samples.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ChannelArray, CHUNK_SIZE } from '../../src/arrays';
import { CpuEngine, WorkerPoolEngine } from '../../src/compute';
import { findPeaks, spectrogram } from '../../src/core';
import { createStorage, type Storage } from '../../src/storage';
import {
  analysisEngine,
  analyzeHistogram,
  analyzeSpectrogram,
  analyzeSpectrum,
  analyzeStats,
  analyzeXY,
  AnalysisError,
  disposeAnalysisEngine,
  type AnalysisTarget,
} from '../../src/controllers/explorer/analysis';

const workers = new WorkerPoolEngine(2);
let storage: Storage;
const T0 = 1_700_000_000_000;
/** 1 Hz channel of 17 chunks and a bit: two batches of raw reads. */
const LONG = 17 * CHUNK_SIZE + 4321;
let long: Float32Array;

function target(array: string): AnalysisTarget {
  return { storage, array, title: array, unit: 'u' };
}

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648 - 0.5;
  };
}

/** 1 kHz bursts of 10 s every 10 min (like the demo's CMS vibration): 120 Hz and 333 Hz, each burst starting at a new phase. */
const BURSTS = 12;
const BURST = 10_000;
function bursts(): { values: Float32Array; times: Float64Array } {
  const next = random(3);
  const values = new Float32Array(BURSTS * BURST);
  const times = new Float64Array(BURSTS * BURST);
  for (let burst = 0; burst < BURSTS; burst++) {
    const phase = 2 * Math.PI * (next() + 0.5);
    for (let index = 0; index < BURST; index++) {
      const t = index / 1000;
      values[burst * BURST + index] = Math.sin(2 * Math.PI * 120 * t + phase) + 0.3 * Math.sin(2 * Math.PI * 333 * t + 2 * phase) + 0.05 * next();
      times[burst * BURST + index] = T0 + burst * 600_000 + index;
    }
  }
  return { values, times };
}

beforeAll(async () => {
  storage = createStorage({ type: 'indexeddb', database: `explorer-analysis-${Date.now().toString(36)}` });
  const next = random(11);
  long = Float32Array.from({ length: LONG }, (_, index) => (index % 997 === 0 ? Number.NaN : 20 + 5 * Math.sin(index / 3000) + next()));
  const wind = await ChannelArray.create(storage, 'array/wind', { timing: 'regular' });
  await wind.append(long, { t0: T0, dt: 1000 });
  // Power, on its own clock (300 ms later), explicit times: 2 × wind + 1.
  const power = await ChannelArray.create(storage, 'array/power', { timing: 'explicit' });
  await power.append(
    long.map((value) => 2 * value + 1),
    Float64Array.from({ length: LONG }, (_, index) => T0 + 300 + index * 1000),
  );
  // Like a pinned copy whose old samples stayed on the server: chunk 1 is at summary level only.
  const pinned = await ChannelArray.create(storage, 'array/pinned', { timing: 'regular' });
  await pinned.append(long.subarray(0, 3 * CHUNK_SIZE), { t0: T0, dt: 1000 });
  await storage.removeAttachment('array/pinned', 'values/1');
  const vibration = await ChannelArray.create(storage, 'array/vibration', { timing: 'explicit' });
  const { values, times } = bursts();
  await vibration.append(values, times);
}, 120_000);

afterAll(() => {
  workers.dispose();
  disposeAnalysisEngine();
});

/** Count, min, max, mean, RMS, std of the finite values, directly in float64. */
function direct(values: Float32Array) {
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let squares = 0;
  for (const value of values) {
    if (Number.isNaN(value)) continue;
    count++;
    min = Math.min(min, value);
    max = Math.max(max, value);
    sum += value;
    squares += value * value;
  }
  const mean = sum / count;
  let deviations = 0;
  for (const value of values) if (!Number.isNaN(value)) deviations += (value - mean) ** 2;
  return { count, min, max, mean, rms: Math.sqrt(squares / count), std: Math.sqrt(deviations / count) };
}

describe('analyzeStats', () => {
  it('is exact against a direct computation; summaries first, then one raw pass with progress up to the total', async () => {
    // Samples 1 234 … 1 111 110 (inclusive times).
    const from = T0 + 1234 * 1000;
    const to = T0 + 1_111_110 * 1000;
    const expected = direct(long.subarray(1234, 1_111_111));
    const progress: Array<[number, number]> = [];
    let early: Awaited<ReturnType<typeof analyzeStats>> | undefined;
    // Raw chunk reads, counted through a proxy of the storage.
    let valueReads = 0;
    let valueReadsBeforeSummaries = -1;
    const counted = new Proxy(storage, {
      get(inner, property) {
        const value = Reflect.get(inner, property) as unknown;
        if (property !== 'getAttachment' || typeof value !== 'function') return typeof value === 'function' ? value.bind(inner) : value;
        return (...args: Parameters<Storage['getAttachment']>) => {
          if (String(args[1]).startsWith('values/')) valueReads++;
          return inner.getAttachment(...args);
        };
      },
    });
    const stats = await analyzeStats({ ...target('array/wind'), storage: counted }, from, to, {
      engine: workers,
      onProgress: (done, total) => progress.push([done, total]),
      onSummaries: (partial) => {
        early = partial;
        valueReadsBeforeSummaries = valueReads;
      },
    });
    // The summary figures need raw samples only at the two ends of the range (partial blocks).
    expect(valueReadsBeforeSummaries).toBeGreaterThanOrEqual(0);
    expect(valueReadsBeforeSummaries).toBeLessThanOrEqual(2);
    // Then one raw pass: each chunk of the range read once.
    expect(valueReads - valueReadsBeforeSummaries).toBe(17);
    expect(stats.samples).toBe(1_111_111 - 1234);
    expect(stats.count).toBe(expected.count);
    expect(stats.min).toBe(expected.min);
    expect(stats.max).toBe(expected.max);
    expect(stats.peak_to_peak).toBe(expected.max - expected.min);
    expect(Math.abs(stats.mean! - expected.mean) / expected.mean).toBeLessThan(1e-12);
    expect(Math.abs(stats.rms! - expected.rms) / expected.rms).toBeLessThan(1e-12);
    expect(Math.abs(stats.std! - expected.std) / expected.std).toBeLessThan(1e-9);
    expect(stats.first_time).toBe(from);
    expect(stats.last_time).toBe(to);
    expect(stats.from).toEqual({ count: 'summaries', min: 'summaries', max: 'summaries', mean: 'summaries', peak_to_peak: 'summaries', rms: 'raw', std: 'raw' });
    // The summary figures came before the raw pass, without RMS and std.
    expect(early?.count).toBe(expected.count);
    expect(early?.rms).toBeNull();
    expect(early?.from.rms).toBe('pending');
    // Two batches (17+ chunks, 16 a batch), the last at the total.
    expect(progress.length).toBe(2);
    expect(progress.at(-1)).toEqual([stats.samples, stats.samples]);
    expect(progress[0]![0]).toBeLessThan(stats.samples);
  });

  it('an empty range has no figures', async () => {
    const stats = await analyzeStats(target('array/wind'), T0 - 10_000, T0 - 1, { engine: workers });
    expect(stats).toMatchObject({ count: 0, samples: 0, min: null, mean: null, rms: null, first_time: null });
  });

  it('cancel: aborting after the first batch rejects with AbortError and reads no further batch', async () => {
    const controller = new AbortController();
    const progress: number[] = [];
    const run = analyzeStats(target('array/wind'), T0, T0 + LONG * 1000, {
      engine: workers,
      signal: controller.signal,
      onProgress: (done) => {
        progress.push(done);
        controller.abort();
      },
    });
    const error = await run.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(progress).toEqual([16 * CHUNK_SIZE]);
    // Aborted before it starts: rejects at once.
    await expect(analyzeSpectrum(target('array/wind'), T0, T0 + 1e9, { size: 1024 }, { engine: workers, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('raw samples not on this device (a pinned copy)', () => {
  it('stats keep the summary figures and say RMS and std are unavailable; raw analyses reject with raw_unavailable', async () => {
    const stats = await analyzeStats(target('array/pinned'), T0, T0 + 3 * CHUNK_SIZE * 1000, { engine: workers });
    const expected = direct(long.subarray(0, 3 * CHUNK_SIZE));
    expect(stats.count).toBe(expected.count);
    expect(stats.max).toBe(expected.max);
    expect(stats.rms).toBeNull();
    expect(stats.from.rms).toBe('unavailable');
    expect(stats.from.std).toBe('unavailable');
    const error = await analyzeSpectrum(target('array/pinned'), T0, T0 + 3 * CHUNK_SIZE * 1000, { size: 1024 }, { engine: workers }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(AnalysisError);
    expect(error).toMatchObject({ code: 'raw_unavailable', status: 404 });
    await expect(analyzeHistogram(target('array/pinned'), T0, T0 + 3 * CHUNK_SIZE * 1000, 10, { engine: workers })).rejects.toMatchObject({ code: 'raw_unavailable' });
    // The part whose samples are here still analyses.
    expect((await analyzeHistogram(target('array/pinned'), T0, T0 + (CHUNK_SIZE - 1) * 1000, 10, { engine: workers })).counts.reduce((a, b) => a + b, 0)).toBe(direct(long.subarray(0, CHUNK_SIZE)).count);
  });
});

describe('analyzeHistogram', () => {
  it('on the page engine counts every sample of the range, as the CPU reference does', async () => {
    const engine = await analysisEngine();
    console.log(`page analysis engine: ${engine.name}`);
    const from = T0 + 5000 * 1000;
    const to = T0 + 800_000 * 1000;
    const histogram = await analyzeHistogram(target('array/wind'), from, to, 40);
    const values = long.subarray(5000, 800_001);
    const { count, min, max } = direct(values);
    expect(histogram.counts).toHaveLength(40);
    expect(histogram.edges).toHaveLength(41);
    expect(histogram.edges[0]).toBe(min);
    expect(histogram.edges[40]).toBe(max);
    expect(histogram.counts.reduce((sum, n) => sum + n, 0)).toBe(count);
    const reference = (await new CpuEngine().run('histogram', { min, max, bins: 40 }, values)) as { counts: number[] };
    expect(histogram.counts).toEqual(reference.counts);
  });
});

describe('the page engine', () => {
  it('is made once and kept; disposeAnalysisEngine releases it with its workers, and the next analysis makes a new one', async () => {
    const first = await analysisEngine();
    expect(await analysisEngine()).toBe(first);
    const disposed = vi.spyOn(WorkerPoolEngine.prototype, 'dispose');
    try {
      disposeAnalysisEngine();
      // WebGPU over a worker pool (or the pool alone): the pool's workers are terminated either way.
      await expect.poll(() => disposed.mock.calls.length).toBe(1);
    } finally {
      disposed.mockRestore();
    }
    const second = await analysisEngine();
    expect(second).not.toBe(first);
    const histogram = await analyzeHistogram(target('array/wind'), T0, T0 + 9999 * 1000, 8);
    expect(histogram.counts.reduce((sum, n) => sum + n, 0)).toBe(direct(long.subarray(0, 10_000)).count);
  });
});

describe('analyzeSpectrum', () => {
  it('finds the tones of 1 kHz bursts with gaps; segments never straddle a gap', async () => {
    const progress: Array<[number, number]> = [];
    const result = await analyzeSpectrum(target('array/vibration'), T0, T0 + BURSTS * 600_000, { size: 1024 }, { engine: workers, onProgress: (done, total) => progress.push([done, total]) });
    expect(result.sampleRate).toBe(1000);
    // 9 whole segments of 1 024 in each 10 000-sample burst; treated as continuous it would be 117.
    expect(result.segments).toBe(BURSTS * 9);
    expect(result.sampled).toBe(false);
    expect(result.frequencies).toHaveLength(513);
    const [first, second] = result.peaks;
    const bin = 1000 / 1024;
    expect(Math.abs(first!.frequency - 120)).toBeLessThan(0.2 * bin);
    expect(Math.abs(second!.frequency - 333)).toBeLessThan(0.2 * bin);
    expect(first!.magnitude).toBeCloseTo(1, 1);
    expect(second!.magnitude).toBeCloseTo(0.3, 1);
    expect(progress.at(-1)).toEqual([BURSTS * BURST, BURSTS * BURST]);
  });

  it('over more than maxSamples reads evenly spread chunks only, and says so', async () => {
    const result = await analyzeSpectrum(target('array/wind'), T0, T0 + LONG * 1000, { size: 256, maxSamples: 4 * CHUNK_SIZE }, { engine: workers });
    expect(result.sampled).toBe(true);
    // Chunks 0, 6, 11 and 17 of 18 (the last one holds 4 321 samples).
    expect(result.samples).toBe(3 * CHUNK_SIZE + 4321);
    expect(result.sampleRate).toBe(1);
    expect(result.segments).toBe(3 * (CHUNK_SIZE / 256) + Math.floor(4321 / 256));
  });
});

describe('analyzeSpectrogram', () => {
  it('equals the core reference over the same samples, reading only its columns', async () => {
    const from = T0;
    const to = T0 + BURSTS * 600_000;
    const result = await analyzeSpectrogram(target('array/vibration'), from, to, { size: 512, columns: 60 }, { engine: workers });
    const { values, times } = bursts();
    const reference = spectrogram(values, times, from, to, { size: 512, columns: 60 });
    expect(result.times).toEqual(reference.times);
    expect(result.bins).toBe(257);
    expect(result.magnitudes.length).toBe(reference.magnitudes.length);
    for (let index = 0; index < result.magnitudes.length; index++) expect(Math.abs(result.magnitudes[index]! - reference.magnitudes[index]!)).toBeLessThan(1e-6);
    // Every column shows the 120 Hz tone.
    for (let column = 0; column < result.times.length; column++) {
      const row = result.magnitudes.subarray(column * result.bins, (column + 1) * result.bins);
      expect(Math.abs(findPeaks(result.frequencies, row, { count: 1 })[0]!.frequency - 120)).toBeLessThan(1);
    }
  });
});

describe('analyzeXY', () => {
  it('power curve from bucket means of two channels on different clocks', async () => {
    const result = await analyzeXY(target('array/wind'), target('array/power'), T0, T0 + (LONG - 1) * 1000, { points: 200 }, { engine: workers });
    expect(result.source).toBe('summaries');
    expect(result.x).toHaveLength(200);
    for (let index = 0; index < result.x.length; index++) expect(Math.abs(result.y[index]! - (2 * result.x[index]! + 1))).toBeLessThan(0.05);
    expect(result.t.every((time, index) => index === 0 || time > result.t[index - 1]!)).toBe(true);
  });

  it('over a short range pairs raw samples by nearest time', async () => {
    const result = await analyzeXY(target('array/wind'), target('array/power'), T0 + 10_000, T0 + 59_500, { points: 1000 }, { engine: workers });
    expect(result.source).toBe('raw');
    const expected = [...long.subarray(10, 60)].filter((value) => !Number.isNaN(value));
    expect([...result.x]).toEqual(expected);
    for (let index = 0; index < result.x.length; index++) expect(result.y[index]).toBeCloseTo(2 * result.x[index]! + 1, 4);
  });
});
