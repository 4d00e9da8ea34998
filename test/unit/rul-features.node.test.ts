// Windowed RUL features (src/core/predict/features.ts): the streaming computer against a naive
// per-row reference, and a stream cut into chunks with its state through JSON against one pass.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FeatureStream, featureCount, featureMatrix, featureNames, type FeatureOptions } from '../../src/core/predict/features';

/** Features of row i computed from scratch over rows 0…i (the definition in features.ts's header). */
function naiveRow(times: number[], values: number[][], i: number, options: FeatureOptions): number[] {
  const size = options.windows[options.windows.length - 1]!;
  const out = [times[i]! - times[0]!];
  for (const series of values) {
    let level = Number.NaN;
    for (let j = 0; j <= i; j += 1) if (!Number.isNaN(series[j]!)) level = Number.isNaN(level) ? series[j]! : level + options.smoothing * (series[j]! - level);
    const base = series.slice(0, Math.min(i + 1, size)).filter((v) => !Number.isNaN(v));
    out.push(series[i]!, level, base.length > 0 ? level - base.reduce((a, b) => a + b, 0) / base.length : Number.NaN);
    for (const w of options.windows) {
      const rows: Array<[number, number]> = [];
      for (let j = Math.max(0, i - w + 1); j <= i; j += 1) if (!Number.isNaN(series[j]!)) rows.push([times[j]!, series[j]!]);
      if (rows.length === 0) {
        out.push(Number.NaN, Number.NaN, Number.NaN);
        continue;
      }
      const n = rows.length;
      const mean = rows.reduce((a, [, v]) => a + v, 0) / n;
      const std = Math.sqrt(rows.reduce((a, [, v]) => a + (v - mean) ** 2, 0) / n);
      const meanT = rows.reduce((a, [t]) => a + t, 0) / n;
      const stt = rows.reduce((a, [t]) => a + (t - meanT) ** 2, 0);
      const slope = n > 1 && stt > 0 ? rows.reduce((a, [t, v]) => a + (t - meanT) * (v - mean), 0) / stt : 0;
      out.push(mean, std, slope);
    }
  }
  return out;
}

const close = (actual: number, expected: number, scale: number): boolean =>
  Number.isNaN(expected) ? Number.isNaN(actual) : Math.abs(actual - expected) <= 1e-3 + 1e-4 * (Math.abs(expected) + scale);

const seriesArbitrary = fc.record({
  steps: fc.array(fc.double({ min: 0.5, max: 10, noNaN: true }), { minLength: 1, maxLength: 60 }),
  inputs: fc.integer({ min: 1, max: 3 }),
  windows: fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }).map((w) => w.sort((a, b) => a - b)),
  smoothing: fc.double({ min: 0.01, max: 1, noNaN: true }),
  seed: fc.integer(),
});

function build({ steps, inputs, seed }: { steps: number[]; inputs: number; seed: number }): { times: number[]; values: number[][] } {
  const times: number[] = [];
  let t = 1000;
  for (const step of steps) times.push((t += step));
  let state = seed >>> 0;
  const random = (): number => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const values = Array.from({ length: inputs }, () => times.map((_, i) => (random() < 0.1 ? Number.NaN : Math.fround(100 * Math.sin(i / 5) + 50 * random() - 200))));
  return { times, values };
}

describe('RUL features', () => {
  it('names one column per statistic in the documented order', () => {
    expect(featureNames(['a'], [3, 7])).toEqual(['age', 'a:last', 'a:level', 'a:drift', 'a:mean@3', 'a:std@3', 'a:slope@3', 'a:mean@7', 'a:std@7', 'a:slope@7']);
    expect(featureCount(2, 2)).toBe(featureNames(['a', 'b'], [3, 7]).length);
  });

  it('matches the naive reference at every row (random series with gaps, windows, smoothing)', () => {
    fc.assert(
      fc.property(seriesArbitrary, (spec) => {
        const { times, values } = build(spec);
        const options = { windows: spec.windows, smoothing: spec.smoothing };
        const matrix = featureMatrix(Float64Array.from(times), values.map((v) => Float32Array.from(v)), options);
        const count = featureCount(values.length, options.windows.length);
        for (let i = 0; i < times.length; i += 1) {
          const expected = naiveRow(times, values, i, options);
          for (let c = 0; c < count; c += 1) {
            if (!close(matrix[i * count + c]!, expected[c]!, 300)) throw new Error(`row ${i} column ${c}: ${matrix[i * count + c]} ≠ ${expected[c]}`);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('gives the same features when fed in chunks with its state through JSON', () => {
    fc.assert(
      fc.property(seriesArbitrary, fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 10 }), (spec, cuts) => {
        const { times, values } = build(spec);
        const options = { windows: spec.windows, smoothing: spec.smoothing };
        const whole = featureMatrix(Float64Array.from(times), values.map((v) => Float32Array.from(v)), options);
        let stream = new FeatureStream(values.length, options);
        const out = new Float32Array(whole.length);
        let i = 0;
        for (const cut of [...cuts, times.length]) {
          for (const end = Math.min(times.length, i + cut); i < end; i += 1) stream.push(times[i]!, values.map((v) => v[i]!), out, i * stream.count);
          stream = new FeatureStream(values.length, options, JSON.parse(JSON.stringify(stream.state())));
        }
        expect(Array.from(out)).toEqual(Array.from(whole));
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a state that does not fit', () => {
    const stream = new FeatureStream(2, { windows: [3], smoothing: 0.5 });
    stream.push(1, [1, 2], new Float64Array(stream.count));
    const state = stream.state();
    expect(() => new FeatureStream(3, { windows: [3], smoothing: 0.5 }, state)).toThrow(/values/);
    expect(() => new FeatureStream(2, { windows: [4], smoothing: 0.5 }, state)).toThrow(/times|head/);
    expect(() => new FeatureStream(2, { windows: [3], smoothing: 0.5 }, { ...state, head: 7 })).toThrow(/head/);
  });
});
