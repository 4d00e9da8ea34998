// The streaming anomaly detector (src/core/anomaly, alarms.md §3): causal, batch-split invariant,
// bounded JSON state, scores in [0, 1], and it learns level shifts and daily cycles.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeState, defaultAnomalyParams, encodeState, initAnomaly, scoreAnomaly, type AnomalyState } from '../../src/core';

const FIVE_MINUTES = 300_000;
const START = Date.UTC(2024, 0, 1);

/** Deterministic pseudo-random numbers (mulberry32) so every run sees the same series. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Roughly normal noise (sum of uniforms). */
function noise(next: () => number): number {
  return next() + next() + next() + next() - 2;
}

/** A series of `length` samples every 5 minutes from `value(i)`. */
function series(length: number, value: (i: number) => number): { times: Float64Array; values: Float32Array } {
  const times = new Float64Array(length);
  const values = new Float32Array(length);
  for (let i = 0; i < length; i += 1) {
    times[i] = START + i * FIVE_MINUTES;
    values[i] = value(i);
  }
  return { times, values };
}

/** Scores `values` in consecutive batches ending at `cuts`, carrying the state. */
function scoreInBatches(times: Float64Array, values: Float32Array, cuts: number[]): { state: AnomalyState; scores: Float32Array } {
  let state = initAnomaly();
  const scores = new Float32Array(values.length);
  let start = 0;
  for (const end of [...cuts, values.length]) {
    const result = scoreAnomaly(state, times.subarray(start, end), values.subarray(start, end));
    state = result.state;
    scores.set(result.scores, start);
    start = end;
  }
  return { state, scores };
}

/** A varied test signal: random walk, level shifts, spikes, gaps, driven by a seed. */
function wildSeries(seed: number, length: number): { times: Float64Array; values: Float32Array } {
  const next = random(seed);
  let level = 0;
  return series(length, () => {
    const roll = next();
    if (roll < 0.01) level += 50 * noise(next);
    if (roll > 0.995) return Number.NaN;
    if (roll > 0.99) return level + 1000 * noise(next);
    level += noise(next);
    return level;
  });
}

describe('anomaly detector', () => {
  it('is causal: appending future rows never changes earlier scores', () => {
    const { times, values } = wildSeries(7, 3000);
    const full = scoreAnomaly(initAnomaly(), times, values).scores;
    for (const prefix of [1, 150, 151, 999, 2000]) {
      const partial = scoreAnomaly(initAnomaly(), times.subarray(0, prefix), values.subarray(0, prefix)).scores;
      expect(Array.from(partial)).toEqual(Array.from(full.subarray(0, prefix)));
    }
    // The series is not trivially quiet: some scores are high.
    expect(Math.max(...full)).toBeGreaterThan(0.5);
  });

  it('gives the same scores and state whatever the batch split', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.integer({ min: 1, max: 799 }), { maxLength: 6 }), (seed, cuts) => {
        const { times, values } = wildSeries(seed, 800);
        const sorted = [...new Set(cuts)].sort((a, b) => a - b);
        const whole = scoreAnomaly(initAnomaly(), times, values);
        const split = scoreInBatches(times, values, sorted);
        expect(Array.from(split.scores)).toEqual(Array.from(whole.scores));
        expect(split.state).toEqual(whole.state);
      }),
      { numRuns: 40 },
    );
  });

  it('continues identically from its state after encodeState → JSON → decodeState', () => {
    const { times, values } = wildSeries(11, 2000);
    const first = scoreAnomaly(initAnomaly(), times.subarray(0, 1000), values.subarray(0, 1000));
    const stored = decodeState<AnomalyState>(JSON.parse(JSON.stringify(encodeState(first.state))));
    const direct = scoreAnomaly(first.state, times.subarray(1000), values.subarray(1000));
    const resumed = scoreAnomaly(stored, times.subarray(1000), values.subarray(1000));
    expect(Array.from(resumed.scores)).toEqual(Array.from(direct.scores));
    expect(resumed.state).toEqual(direct.state);
  });

  it('keeps a bounded state: the same shape after 1 000 and 100 000 samples', () => {
    const short = wildSeries(3, 1000);
    const long = wildSeries(3, 100_000);
    const small = JSON.stringify(encodeState(scoreAnomaly(initAnomaly(), short.times, short.values).state));
    const large = JSON.stringify(encodeState(scoreAnomaly(initAnomaly(), long.times, long.values).state));
    expect(large.length).toBeLessThan(16_384);
    // Only the digits of the numbers differ, never the number of entries.
    expect(large.split(',').length).toBe(small.split(',').length);
  });

  it('scores every sample in [0, 1], whatever the values (extremes, gaps, constants)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.float({ noNaN: false }), fc.constant(0), fc.constant(3.4e38), fc.constant(-3.4e38)), { minLength: 1, maxLength: 400 }),
        (items) => {
          const { times, values } = series(items.length, (i) => items[i]!);
          const { state, scores } = scoreAnomaly(initAnomaly(), times, values);
          for (const score of scores) expect(score >= 0 && score <= 1).toBe(true);
          expect(JSON.stringify(encodeState(state))).not.toContain('null');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('learns a level shift: it scores the shift high, then falls back', () => {
    const next = random(1);
    const { times, values } = series(6000, (i) => (i < 2000 ? 10 : 30) + 0.5 * noise(next));
    const { scores } = scoreAnomaly(initAnomaly(), times, values);
    expect(Math.max(...scores.subarray(2000, 2010))).toBeGreaterThan(0.5);
    expect(Math.max(...scores.subarray(3000))).toBeLessThan(0.5);
  });

  it('learns a daily cycle: the repeated pattern stops scoring high, a change in it does not', () => {
    const next = random(2);
    const perDay = 288;
    const daily = (i: number): number => 10 + 5 * Math.sin((2 * Math.PI * (i % perDay)) / perDay);
    // Day 25 from 06:00 to 12:00: the value stays where it was at 06:00 (the rise and fall are missing).
    const flatFrom = 25 * perDay + 72;
    const flatTo = 25 * perDay + 144;
    const { times, values } = series(30 * perDay, (i) => (i >= flatFrom && i < flatTo ? daily(flatFrom) : daily(i)) + 0.2 * noise(next));
    const { scores } = scoreAnomaly(initAnomaly(), times, values);
    expect(Math.max(...scores.subarray(5 * perDay, flatFrom))).toBeLessThan(0.5);
    expect(Math.max(...scores.subarray(flatFrom, flatTo))).toBeGreaterThan(0.5);
  });

  it('learns the daily cycle at any sample rate: one sample every 10 s, a flattened morning on day 10', () => {
    // Regression: the time-of-day profile learnt per sample, so at high rates it only followed the
    // last few samples of its slot (a second recent level): no daily memory, false alarms.
    const next = random(3);
    const perDay = 8640;
    const daily = (i: number): number => 10 + 5 * Math.sin((2 * Math.PI * (i % perDay)) / perDay);
    const flatFrom = 10 * perDay + perDay / 4;
    const flatTo = 10 * perDay + perDay / 2;
    const times = new Float64Array(12 * perDay);
    const values = new Float32Array(12 * perDay);
    for (let i = 0; i < times.length; i += 1) {
      times[i] = START + i * 10_000;
      values[i] = (i >= flatFrom && i < flatTo ? daily(flatFrom) : daily(i)) + 0.2 * noise(next);
    }
    const { scores } = scoreAnomaly(initAnomaly(), times, values);
    expect(Math.max(...scores.subarray(3 * perDay, flatFrom))).toBeLessThan(0.5);
    expect(Math.max(...scores.subarray(flatFrom, flatTo))).toBeGreaterThan(0.5);
  });

  it('starts over from a state of another version (a persisted older detector state) and refuses mismatched arrays', () => {
    const { times, values } = wildSeries(5, 500);
    const fresh = scoreAnomaly(initAnomaly(), times, values);
    const older = { version: 3, count: 10, fastMean: 3 } as unknown as AnomalyState;
    const resumed = scoreAnomaly(older, times, values);
    expect(Array.from(resumed.scores)).toEqual(Array.from(fresh.scores));
    expect(resumed.state).toEqual(fresh.state);
    expect(() => scoreAnomaly(initAnomaly(), times, values.subarray(1))).toThrow(RangeError);
  });

  it('holds its defaults frozen (one parameter set for every channel)', () => {
    expect(Object.isFrozen(defaultAnomalyParams)).toBe(true);
  });
});
