// Every kernel against a plain reference loop, and split/merge equivalence, on random data with
// NaN, ±Infinity, empty chunks and odd lengths (fast-check property tests).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockMax, crossings, decodeState, encodeState, escalatedMax, fft, histogram, kernels, m4, runKernel, spectrum, type Chunk, type Kernel } from '../../src/core';

const values = fc.float32Array({ maxLength: 300 });
const finiteValues = fc.float32Array({ maxLength: 300, noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });

/** Random cut points splitting `array` into consecutive chunks (some empty). */
const splits = (array: Float32Array) => fc.array(fc.integer({ min: 0, max: array.length }), { maxLength: 6 }).map((cuts) => [0, ...cuts.sort((a, b) => a - b), array.length]);

function chunksOf(array: Float32Array, cuts: number[]): Chunk[] {
  const chunks: Chunk[] = [];
  for (let index = 0; index + 1 < cuts.length; index++) chunks.push({ values: array.subarray(cuts[index], cuts[index + 1]), offset: cuts[index]! });
  return chunks;
}

const present = (array: Float32Array): number[] => [...array].filter((value) => !Number.isNaN(value));
/** Kernels report zero as +0 (−0 and +0 are equal); references do the same. */
const positiveZero = (value: number): number => (value === 0 ? 0 : value);

/** Folds chunks one by one, and also merges independently computed states: both must agree. */
function bothWays<P, S, R>(kernel: Kernel<P, S, R>, params: P, array: Float32Array, cuts: number[]): [R, R] {
  const chunks = chunksOf(array, cuts);
  const sequential = runKernel(kernel, params, chunks);
  const states = chunks.map((chunk) => kernel.step(kernel.init(params), chunk, params));
  const merged = states.reduce((a, b) => kernel.merge(a, b, params), kernel.init(params));
  // States must survive JSON (they are persisted between runs).
  const roundTripped = decodeState<S>(JSON.parse(JSON.stringify(encodeState(merged))));
  return [sequential, kernel.finish(roundTripped, params)];
}

describe('kernels against reference loops', () => {
  it('max, min and peak-to-peak ignore NaN and keep ±Infinity', () => {
    fc.assert(
      fc.property(values.chain((array) => fc.tuple(fc.constant(array), splits(array))), ([array, cuts]) => {
        const seen = present(array);
        const expectedMax = seen.length ? positiveZero(Math.max(...seen)) : null;
        const expectedMin = seen.length ? positiveZero(Math.min(...seen)) : null;
        for (const result of bothWays(kernels.max, {}, array, cuts)) expect(result).toBe(expectedMax);
        for (const result of bothWays(kernels.min, {}, array, cuts)) expect(result).toBe(expectedMin);
        for (const result of bothWays(kernels.peak_to_peak, {}, array, cuts)) {
          expect(result).toEqual(expectedMax === null ? null : expectedMax - expectedMin!);
        }
      }),
    );
  });

  it('max and min of long arrays (the WebAssembly SIMD path) equal a reference loop', () => {
    const long = fc.integer({ min: 2048, max: 300_000 }).chain((length) =>
      fc.tuple(fc.constant(length), fc.array(fc.tuple(fc.nat(length - 1), fc.float32Array({ minLength: 1, maxLength: 1 })), { maxLength: 20 })),
    );
    fc.assert(
      fc.property(long, fc.constantFrom(Number.NaN, 0, -3), ([length, pokes], fill) => {
        const array = new Float32Array(length).fill(fill);
        for (const [index, [value]] of pokes) array[index] = value!;
        let maxValue = -Infinity;
        let minValue = Infinity;
        let seen = 0;
        for (const value of array) {
          if (Number.isNaN(value)) continue;
          seen++;
          if (value > maxValue) maxValue = value;
          if (value < minValue) minValue = value;
        }
        expect(runKernel(kernels.max, {}, [{ values: array, offset: 0 }])).toBe(seen ? positiveZero(maxValue) : null);
        expect(runKernel(kernels.min, {}, [{ values: array, offset: 0 }])).toBe(seen ? positiveZero(minValue) : null);
      }),
      { numRuns: 60 },
    );
  });

  it('sum and mean match a float64 sum; variance and RMS a two-pass reference', () => {
    fc.assert(
      fc.property(finiteValues.chain((array) => fc.tuple(fc.constant(array), splits(array))), ([array, cuts]) => {
        const seen = [...array];
        const total = seen.reduce((a, b) => a + b, 0);
        const scale = seen.reduce((a, b) => a + Math.abs(b), 0) || 1;
        for (const result of bothWays(kernels.sum, {}, array, cuts)) {
          if (seen.length === 0) expect(result).toBeNull();
          else expect(Math.abs(result! - total) / scale).toBeLessThan(1e-9);
        }
        const average = total / seen.length;
        const populationVariance = seen.reduce((a, b) => a + (b - average) ** 2, 0) / seen.length;
        for (const result of bothWays(kernels.variance, {}, array, cuts)) {
          if (seen.length === 0) expect(result).toBeNull();
          else {
            expect(result!.count).toBe(seen.length);
            expect(Math.abs(result!.variance - populationVariance)).toBeLessThanOrEqual(1e-6 * Math.max(1, populationVariance) + 1e-9 * scale * scale);
          }
        }
        const rootMeanSquare = Math.sqrt(seen.reduce((a, b) => a + b * b, 0) / seen.length);
        for (const result of bothWays(kernels.rms, {}, array, cuts)) {
          if (seen.length === 0) expect(result).toBeNull();
          else expect(Math.abs(result! - rootMeanSquare)).toBeLessThanOrEqual(1e-9 * Math.max(1, rootMeanSquare));
        }
      }),
    );
  });

  it('sum follows IEEE for infinities and skips NaN', () => {
    expect(runKernel(kernels.sum, {}, [{ values: new Float32Array([1, Number.NaN, Infinity]), offset: 0 }])).toBe(Infinity);
    expect(runKernel(kernels.sum, {}, [{ values: new Float32Array([Infinity, -Infinity]), offset: 0 }])).toBeNaN();
    expect(runKernel(kernels.mean, {}, [{ values: new Float32Array([Number.NaN, 2, 4]), offset: 0 }])).toBe(3);
    expect(runKernel(kernels.mean, {}, [{ values: new Float32Array([Number.NaN]), offset: 0 }])).toBeNull();
  });

  it('histogram counts every non-NaN value once, with under- and overflow', () => {
    fc.assert(
      fc.property(values.chain((array) => fc.tuple(fc.constant(array), splits(array))), fc.integer({ min: 1, max: 40 }), ([array, cuts], bins) => {
        const params = histogram.params({ min: -100, max: 100.3, bins });
        const edges = Array.from({ length: bins + 1 }, (_, k) => Math.fround(-100 + (200.3 * k) / bins));
        edges[bins] = Math.fround(100.3);
        const counts = new Array<number>(bins).fill(0);
        let below = 0;
        let above = 0;
        for (const value of present(array)) {
          if (value < edges[0]!) below++;
          else if (value > edges[bins]!) above++;
          else counts[Math.min(bins - 1, edges.findLastIndex((edge) => value >= edge))]!++;
        }
        for (const result of bothWays(histogram, params, array, cuts)) expect(result).toEqual({ counts, below, above });
      }),
    );
  });

  it('threshold crossings are found inside chunks and across their boundaries', () => {
    fc.assert(
      fc.property(values.chain((array) => fc.tuple(fc.constant(array), splits(array))), fc.constantFrom('up', 'down', 'both'), ([array, cuts], direction) => {
        const params = crossings.params({ threshold: 0.5, direction });
        const positions: number[] = [];
        let previous: number | null = null;
        array.forEach((value, index) => {
          if (Number.isNaN(value)) return;
          if (previous !== null) {
            const up = previous < 0.5 && value >= 0.5;
            const down = previous >= 0.5 && value < 0.5;
            if ((direction === 'up' && up) || (direction === 'down' && down) || (direction === 'both' && (up || down))) positions.push(index);
          }
          previous = value;
        });
        for (const result of bothWays(crossings, params, array, cuts)) expect(result).toEqual({ count: positions.length, positions });
      }),
    );
  });

  it('M4 keeps first, min, max and last of every bucket', () => {
    fc.assert(
      fc.property(
        values.filter((array) => array.length > 0).chain((array) => fc.tuple(fc.constant(array), splits(array), fc.integer({ min: 1, max: 50 }))),
        ([array, cuts, buckets]) => {
          const params = m4.params({ start: 0, end: array.length, buckets });
          const expected = m4.init(params);
          array.forEach((value, index) => {
            if (Number.isNaN(value)) return;
            const bucket = Math.floor((index * buckets) / array.length);
            if (expected.firstIndex[bucket] === -1) {
              expected.firstIndex[bucket] = index;
              expected.first[bucket] = value;
              expected.min[bucket] = value;
              expected.max[bucket] = value;
            }
            expected.min[bucket] = positiveZero(Math.min(expected.min[bucket]!, value));
            expected.max[bucket] = positiveZero(Math.max(expected.max[bucket]!, value));
            expected.last[bucket] = value;
            expected.lastIndex[bucket] = index;
          });
          const [sequential, merged] = bothWays(m4, params, array, cuts);
          expect(sequential).toEqual(expected);
          // JSON turns -0 into 0: compare by value.
          const zeroless = (state: typeof expected) => JSON.stringify(encodeState(state));
          expect(zeroless(merged)).toBe(zeroless(expected));
        },
      ),
    );
  });

  it('block max and escalated max give one value per aligned block', () => {
    fc.assert(
      fc.property(values.chain((array) => fc.tuple(fc.constant(array), splits(array))), fc.integer({ min: 1, max: 64 }), ([array, cuts], block) => {
        const expected: Array<number | null> = [];
        for (let start = 0; start < array.length; start += block) {
          const seen = present(array.subarray(start, start + block));
          expected.push(seen.length ? positiveZero(Math.max(...seen)) : null);
        }
        let running: number | null = null;
        const escalated = expected.map((value) => (running = value === null ? running : running === null ? value : Math.max(running, value)));
        for (const result of bothWays(blockMax, { block }, array, cuts)) expect(result).toEqual(expected);
        for (const result of bothWays(escalatedMax, { block }, array, cuts)) expect(result).toEqual(escalated);
      }),
    );
  });

  it('draining finished blocks run by run gives the same output as one run', () => {
    fc.assert(
      fc.property(values.chain((array) => fc.tuple(fc.constant(array), splits(array))), fc.integer({ min: 1, max: 16 }), ([array, cuts], block) => {
        const params = { block };
        let state = escalatedMax.init(params);
        const output: Array<number | null> = [];
        for (const chunk of chunksOf(array, cuts)) {
          state = escalatedMax.step(state, chunk, params);
          const drained = escalatedMax.drain(decodeState<typeof state>(JSON.parse(JSON.stringify(encodeState(state)))), params);
          output.push(...drained.output);
          state = drained.state;
        }
        const whole = runKernel(escalatedMax, params, [{ values: array, offset: 0 }]);
        expect(output).toEqual(whole.slice(0, Math.floor(array.length / block)));
      }),
    );
  });
});

describe('spectrum', () => {
  it('the FFT of a sine has its peak at the sine frequency', () => {
    const size = 256;
    const values = new Float32Array(size * 8).map((_, index) => Math.sin((2 * Math.PI * 10 * index) / 100) * 3);
    const result = runKernel(spectrum, spectrum.params({ size, sampleRate: 100, window: 'hann' }), [{ values, offset: 0 }]);
    const peak = result.magnitudes.indexOf(Math.max(...result.magnitudes));
    expect(result.segments).toBe(8);
    expect(Math.abs(result.frequencies[peak]! - 10)).toBeLessThan(100 / size);
    expect(result.magnitudes[peak]).toBeGreaterThan(1.5);
  });

  it('is the same whether the signal arrives whole or in odd pieces', () => {
    fc.assert(
      fc.property(finiteValues.chain((array) => fc.tuple(fc.constant(array), splits(array))), ([array, cuts]) => {
        const params = spectrum.params({ size: 16, window: 'hamming' });
        const [sequential, merged] = bothWays(spectrum, params, array, cuts);
        const whole = runKernel(spectrum, params, [{ values: array, offset: 0 }]);
        expect(sequential.segments).toBe(Math.floor(array.length / 16));
        for (const result of [sequential, merged]) result.magnitudes.forEach((value, index) => expect(value).toBeCloseTo(whole.magnitudes[index]!, 6));
      }),
    );
  });

  it('fft matches a direct DFT', () => {
    const re = Float64Array.from({ length: 8 }, (_, index) => Math.cos(index) + index);
    const im = new Float64Array(8);
    const expected = [...re].map((_, k) => {
      let real = 0;
      let imaginary = 0;
      re.forEach((value, n) => {
        real += value * Math.cos((-2 * Math.PI * k * n) / 8);
        imaginary += value * Math.sin((-2 * Math.PI * k * n) / 8);
      });
      return [real, imaginary];
    });
    fft(re, im);
    expected.forEach(([real, imaginary], k) => {
      expect(re[k]).toBeCloseTo(real!, 9);
      expect(im[k]).toBeCloseTo(imaginary!, 9);
    });
  });
});

describe('kernel parameters', () => {
  it('are checked with clear errors', () => {
    expect(() => histogram.params({ min: 1, max: 1 })).toThrow(/greater than min/);
    expect(() => m4.params({ start: 5, end: 5, buckets: 10 })).toThrow(/greater than start/);
    expect(() => spectrum.params({ size: 1000 })).toThrow(/power of two/);
    expect(() => blockMax.params({ block: 0 })).toThrow(/positive integer/);
    expect(() => crossings.params({ threshold: 'x' })).toThrow(/finite number/);
    expect(() => kernels.max.params({ extra: 1 })).toThrow(/no parameters/);
  });
});
