// Degradation rates (src/core/predict/degradation.ts) on generated plants of known degradation:
// the year-on-year rate and its bootstrap interval, robust to soiling, outages, clipping and
// seasons; too little data refused with DegradationError; total on arbitrary finite input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DegradationError, pvDegradation, windDegradation, yearOnYear } from '../../src/core/predict/degradation';
import { HourlyMeans, TooManyHoursError } from '../../src/core/predict/hourly-means';
import { generatePvPlant, generateWindTurbine, olsRate } from '../support/degradation-series';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;


describe('pvDegradation', () => {
  // The error's spread on 5 years with soiling is about 0.05 %/yr (RMS over 36 plants, see the
  // benchmark), so the bound is 0.12 for one plant per rate; the interval must hold the truth.
  it.each([
    { rate: -2, seed: 11 },
    { rate: -1.5, seed: 12 },
    { rate: -1, seed: 13 },
    { rate: -0.5, seed: 14 },
    { rate: 0, seed: 15 },
  ])('recovers $rate %/yr from 5 years hourly with soiling, outages, clipping and seasons, the truth inside the 95 % interval (seed $seed)', ({ rate, seed }) => {
    const plant = generatePvPlant({ ratePctPerYear: rate, seed, years: 5 });
    const result = pvDegradation(plant);
    const error = result.rate_pct_per_year - rate;
    console.log(`pv ${rate} %/yr: ${result.rate_pct_per_year.toFixed(3)} (${result.ci_low.toFixed(3)} to ${result.ci_high.toFixed(3)}), error ${error.toFixed(3)}`);
    expect(Math.abs(error)).toBeLessThanOrEqual(0.12);
    expect(result.ci_low).toBeLessThanOrEqual(rate);
    expect(result.ci_high).toBeGreaterThanOrEqual(rate);
    expect(result.ci_high - result.ci_low).toBeLessThan(0.6);
    expect(result.confidence).toBe(0.95);
    expect(result.days_used).toBeGreaterThan(1400);
    expect(result.pairs).toBeGreaterThan(1000);
    expect(result.details.excluded.clipping).toBeGreaterThan(0);
    expect(result.details.excluded.outage).toBeGreaterThan(0);
    expect(result.daily.times).toHaveLength(result.days_used);
    expect(result.from).toBe(result.daily.times[0]);
    expect(result.to).toBe(result.daily.times[result.days_used - 1]);
  });

  it('is not biased by soiling, outages and seasons where a least-squares trend of the daily ratio is', () => {
    // Starting in July and lasting 3.5 years: the seasons do not cancel out of a straight line.
    const start = Date.UTC(2020, 6, 1);
    const errors: number[] = [];
    const olsErrors: number[] = [];
    for (const seed of [21, 22, 23, 24]) {
      const result = pvDegradation(generatePvPlant({ ratePctPerYear: -1, seed, years: 3.5, start }));
      errors.push(result.rate_pct_per_year + 1);
      olsErrors.push(olsRate(result) + 1);
    }
    console.log(`year-on-year errors ${errors.map((e) => e.toFixed(3)).join(' ')}; least squares ${olsErrors.map((e) => e.toFixed(3)).join(' ')}`);
    for (const error of errors) expect(Math.abs(error)).toBeLessThanOrEqual(0.15);
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.abs(mean(errors))).toBeLessThan(0.06);
    expect(Math.max(...olsErrors.map(Math.abs))).toBeGreaterThan(2 * Math.max(...errors.map(Math.abs)));
  });

  it('keeps soiling out of the trend with the clean envelope (without it the error is larger)', () => {
    let withEnvelope = 0;
    let without = 0;
    for (const seed of [31, 32, 33, 34]) {
      const plant = generatePvPlant({ ratePctPerYear: -1, seed, years: 5 });
      withEnvelope += Math.abs(pvDegradation(plant).rate_pct_per_year + 1);
      without += Math.abs(pvDegradation(plant, { envelopeDays: 0 }).rate_pct_per_year + 1);
    }
    expect(withEnvelope).toBeLessThan(without);
  });

  it('leaves out an outage of three months (no power in the sun) without moving the rate', () => {
    const plant = generatePvPlant({ ratePctPerYear: -1, seed: 41, years: 5 });
    const before = pvDegradation(plant);
    const from = plant.times[0]! + 800 * DAY_MS;
    for (let i = 0; i < plant.times.length; i += 1) if (plant.times[i]! >= from && plant.times[i]! < from + 90 * DAY_MS) plant.power[i] = 0;
    const after = pvDegradation(plant);
    expect(after.details.excluded.outage - before.details.excluded.outage).toBeGreaterThan(90 * 5);
    expect(before.days_used - after.days_used).toBeGreaterThanOrEqual(85);
    expect(Math.abs(after.rate_pct_per_year + 1)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(after.rate_pct_per_year - before.rate_pct_per_year)).toBeLessThan(0.05);
  });

  it('cuts days at the plant’s solar midnight: the same plant 9 hours further east gives the same rate', () => {
    const plant = generatePvPlant({ ratePctPerYear: -1.5, seed: 42, years: 4 });
    const here = pvDegradation(plant);
    const east = pvDegradation({ ...plant, times: plant.times.map((time) => time - 9 * HOUR_MS) });
    expect(east.days_used).toBe(here.days_used);
    expect(east.rate_pct_per_year).toBeCloseTo(here.rate_pct_per_year, 6);
  });

  it('reads finer samples as hourly means: 15-minute rows in any order give the hourly rows’ result', () => {
    const plant = generatePvPlant({ ratePctPerYear: -0.5, seed: 43, years: 3 });
    const n = plant.times.length * 4;
    const fine = { times: new Float64Array(n), power: new Float64Array(n), irradiance: new Float64Array(n), temperature: new Float64Array(n) };
    for (let i = 0; i < n; i += 1) {
      const source = Math.floor(i / 4);
      // Reversed, and each quarter ±10 % around the hour's value (the mean stays the hour's).
      const j = n - 1 - i;
      const wiggle = [0.9, 1.1, 0.95, 1.05][i % 4]!;
      fine.times[j] = plant.times[source]! + (i % 4) * 15 * 60_000;
      fine.power[j] = plant.power[source]! * wiggle;
      fine.irradiance[j] = plant.irradiance[source]! * wiggle;
      fine.temperature[j] = plant.temperature[source]! * wiggle;
    }
    const hourly = pvDegradation(plant);
    const quarter = pvDegradation(fine);
    expect(quarter.days_used).toBe(hourly.days_used);
    expect(quarter.rate_pct_per_year).toBeCloseTo(hourly.rate_pct_per_year, 6);
    expect(quarter.ci_low).toBeCloseTo(hourly.ci_low, 6);
  });

  it('is deterministic for a seed: the same interval each time, another seed another one', () => {
    const plant = generatePvPlant({ ratePctPerYear: -1, seed: 44, years: 3 });
    const a = pvDegradation(plant);
    const b = pvDegradation(plant);
    const c = pvDegradation(plant, { seed: 2 });
    expect([b.ci_low, b.ci_high]).toEqual([a.ci_low, a.ci_high]);
    expect(c.rate_pct_per_year).toBe(a.rate_pct_per_year);
    expect([c.ci_low, c.ci_high]).not.toEqual([a.ci_low, a.ci_high]);
  });

  it('refuses less than two years of usable days with DegradationError saying so', () => {
    const plant = generatePvPlant({ ratePctPerYear: -1, seed: 45, years: 1.9 });
    expect(() => pvDegradation(plant)).toThrow(DegradationError);
    expect(() => pvDegradation(plant)).toThrow(/at least two years of usable days are needed: found \d+ usable days over \d+ days/);
    try {
      pvDegradation(plant);
    } catch (error) {
      expect((error as DegradationError).code).toBe('too_little_data');
    }
  });

  it('refuses a series without sun, columns of different lengths and bad options with DegradationError', () => {
    const times = Float64Array.from({ length: 24 * 800 }, (_, i) => i * HOUR_MS);
    const zeros = new Float64Array(times.length);
    expect(() => pvDegradation({ times, power: zeros, irradiance: zeros, temperature: zeros })).toThrow(/no hour with power while the sun shines/);
    expect(() => pvDegradation({ times, power: zeros.subarray(1), irradiance: zeros, temperature: zeros })).toThrow(/power has 19199 values for 19200 times/);
    expect(() => pvDegradation({ times, power: zeros, irradiance: zeros, temperature: zeros }, { gamma: 1 })).toThrow(/gamma/);
    expect(() => pvDegradation({ times, power: zeros, irradiance: zeros, temperature: zeros }, { confidence: 1 })).toThrow(DegradationError);
  });
});

describe('windDegradation', () => {
  it.each([
    { rate: -2, seed: 51 },
    { rate: -1, seed: 52 },
    { rate: 0, seed: 53 },
  ])('recovers a loss of $rate %/yr of partial-load power from 4 years hourly with outages and curtailment (seed $seed)', ({ rate, seed }) => {
    const turbine = generateWindTurbine({ ratePctPerYear: rate, seed, years: 4 });
    const result = windDegradation(turbine);
    const error = result.rate_pct_per_year - rate;
    console.log(`wind ${rate} %/yr: ${result.rate_pct_per_year.toFixed(3)} (${result.ci_low.toFixed(3)} to ${result.ci_high.toFixed(3)}), error ${error.toFixed(3)}`);
    expect(Math.abs(error)).toBeLessThanOrEqual(0.1);
    expect(result.ci_low).toBeLessThanOrEqual(rate);
    expect(result.ci_high).toBeGreaterThanOrEqual(rate);
    expect(result.details.indicator).toBe('power_curve_residual');
    expect(result.details.excluded.outage).toBeGreaterThan(0);
  });

  it('refuses a turbine with less than two years with DegradationError', () => {
    expect(() => windDegradation(generateWindTurbine({ ratePctPerYear: -1, seed: 54, years: 1.5 }))).toThrow(/at least two years/);
  });
});

describe('HourlyMeans', () => {
  it('gives the same means in any order and refuses more hours than its cap', () => {
    const rows = Array.from({ length: 200 }, (_, i) => [i * 900_000 + 1, i % 7, i % 3 === 0 ? Number.NaN : i] as const);
    const forward = new HourlyMeans(2);
    const backward = new HourlyMeans(2);
    for (const [time, a, b] of rows) forward.push(time, [a, b]);
    for (const [time, a, b] of [...rows].reverse()) backward.push(time, [a, b]);
    expect(forward.hours).toBe(50);
    expect(backward.result()).toEqual(forward.result());
    const { times, columns } = forward.result();
    expect(times[1]).toBe(HOUR_MS);
    expect(columns[0]![1]).toBeCloseTo((4 + 5 + 6 + 0) / 4);
    expect(columns[1]![1]).toBeCloseTo((4 + 5 + 7) / 3); // 6 is NaN
    const capped = new HourlyMeans(1, 10);
    expect(() => {
      for (let i = 0; i < 11; i += 1) capped.push(i * HOUR_MS, [1]);
    }).toThrow(TooManyHoursError);
  });
});

describe('on arbitrary finite input', () => {
  const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

  it('never throws anything but DegradationError, and an interval always contains its rate (short arbitrary series)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(finite, finite, finite, finite), { maxLength: 200 }), (rows) => {
        const series = {
          times: rows.map((row) => row[0]),
          power: rows.map((row) => row[1]),
          irradiance: rows.map((row) => row[2]),
          temperature: rows.map((row) => row[3]),
        };
        for (const run of [() => pvDegradation(series), () => windDegradation({ times: series.times, power: series.power, windSpeed: series.irradiance })]) {
          try {
            const result = run();
            expect(result.ci_low).toBeLessThanOrEqual(result.rate_pct_per_year);
          } catch (error) {
            expect(error).toBeInstanceOf(DegradationError);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('on 800 days of arbitrary daylight hours: a finite rate inside its interval, or DegradationError', () => {
    const day = fc.tuple(fc.double({ min: -0.1, max: 3, noNaN: true }), fc.integer({ min: -100, max: 1500 }), fc.integer({ min: -60, max: 120 }), finite);
    fc.assert(
      fc.property(fc.array(day, { minLength: 1, maxLength: 40 }), fc.integer({ min: 700, max: 900 }), (pattern, days) => {
        const n = days * 6;
        const series = { times: new Float64Array(n), power: new Float64Array(n), irradiance: new Float64Array(n), temperature: new Float64Array(n) };
        for (let i = 0; i < n; i += 1) {
          const [power, irradiance, temperature, wild] = pattern[i % pattern.length]!;
          series.times[i] = Math.floor(i / 6) * DAY_MS + (9 + (i % 6)) * HOUR_MS;
          series.power[i] = i % 97 === 0 ? wild : power * (1 + 0.05 * Math.sin(i));
          series.irradiance[i] = irradiance;
          series.temperature[i] = temperature;
        }
        try {
          const result = pvDegradation(series, { resamples: 50 });
          expect(Number.isFinite(result.rate_pct_per_year)).toBe(true);
          expect(result.ci_low).toBeLessThanOrEqual(result.rate_pct_per_year);
          expect(result.ci_high).toBeGreaterThanOrEqual(result.rate_pct_per_year);
        } catch (error) {
          expect(error).toBeInstanceOf(DegradationError);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('yearOnYear: the interval contains the median of the slopes, whatever the values', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1500 }), { minLength: 40, maxLength: 600 }), fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), (daySet, pattern) => {
        const days = [...daySet].sort((a, b) => a - b);
        const values = days.map((_, i) => pattern[i % pattern.length]!);
        try {
          const result = yearOnYear(days, values, { resamples: 50 });
          expect(result.low).toBeLessThanOrEqual(result.rate);
          expect(result.high).toBeGreaterThanOrEqual(result.rate);
          const sorted = [...result.slopes].sort((a, b) => a - b);
          const middle = (sorted.length - 1) / 2;
          expect(result.rate).toBeCloseTo((sorted[Math.floor(middle)]! + sorted[Math.ceil(middle)]!) / 2, 6);
        } catch (error) {
          expect(error).toBeInstanceOf(DegradationError);
        }
      }),
      { numRuns: 200 },
    );
  });
});
