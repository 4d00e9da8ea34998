// Operating hours and energy (usage.ts) against a plain reference loop, split/merge equivalence
// on random data with gaps and NaN (fast-check), and the edges: gaps count nothing, units.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KernelError, decodeState, encodeState, energyMwh, kernelByName, operatingHours, powerToMegawatts, runKernel, type Chunk, type Kernel, type UsageState } from '../../src/core';

const HOUR = 3_600_000;

/** Straightforward reference: walk the present samples pairwise. */
function reference(times: Float64Array, values: Float32Array, maxGapMs: number, counts: (a: number, b: number, dt: number) => number, skip: (value: number) => boolean): number {
  const kept: Array<[number, number]> = [];
  for (let index = 0; index < values.length; index++) if (!skip(values[index]!)) kept.push([times[index]!, values[index]!]);
  let total = 0;
  for (let index = 1; index < kept.length; index++) {
    const dt = kept[index]![0] - kept[index - 1]![0];
    if (dt > 0 && dt <= maxGapMs) total += counts(kept[index - 1]![1], kept[index]![1], dt);
  }
  return total;
}

const series = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 40_000 }), fc.oneof(fc.float({ min: -50, max: 3000, noNaN: true }), fc.constant(Number.NaN))), { maxLength: 200 })
  .map((pairs) => {
    // Increasing times with steps of 0–40 s: some beyond the 30 s gap used below, some repeated.
    const times = new Float64Array(pairs.length);
    const values = new Float32Array(pairs.length);
    let time = 1_700_000_000_000;
    pairs.forEach(([step, value], index) => {
      time += step;
      times[index] = time;
      values[index] = value;
    });
    return { times, values };
  });
const cutsOf = (length: number) => fc.array(fc.integer({ min: 0, max: length }), { maxLength: 6 }).map((cuts) => [0, ...cuts.sort((a, b) => a - b), length]);

function chunks(times: Float64Array, values: Float32Array, cuts: number[]): Chunk[] {
  const out: Chunk[] = [];
  for (let index = 0; index + 1 < cuts.length; index++) out.push({ values: values.subarray(cuts[index], cuts[index + 1]), times: times.subarray(cuts[index], cuts[index + 1]), offset: cuts[index]! });
  return out;
}

/** One pass, and states of independent pieces merged in order (through JSON, as persisted). */
function bothWays<P>(kernel: Kernel<P, UsageState, number>, params: P, pieces: Chunk[]): [number, number] {
  const sequential = runKernel(kernel, params, pieces);
  const merged = pieces.map((chunk) => kernel.step(kernel.init(params), chunk, params)).reduce((a, b) => kernel.merge(a, b, params), kernel.init(params));
  const stored = decodeState<UsageState>(JSON.parse(JSON.stringify(encodeState(merged))));
  return [sequential, kernel.finish(stored, params)];
}

describe('usage kernels', () => {
  it('operating hours match the reference, split anywhere', () => {
    fc.assert(
      fc.property(series.chain((data) => fc.tuple(fc.constant(data), cutsOf(data.values.length), fc.float({ min: -10, max: 1000, noNaN: true }))), ([{ times, values }, cuts, threshold]) => {
        const params = operatingHours.params({ threshold, max_gap_s: 30 });
        const expected = reference(times, values, 30_000, (a, _b, dt) => (a > threshold ? dt / HOUR : 0), (value) => Number.isNaN(value));
        for (const result of bothWays(operatingHours, params, chunks(times, values, cuts))) expect(result).toBeCloseTo(expected, 9);
      }),
    );
  });

  it('energy matches the reference (trapezoid, negative power as 0), split anywhere', () => {
    fc.assert(
      fc.property(series.chain((data) => fc.tuple(fc.constant(data), cutsOf(data.values.length))), ([{ times, values }, cuts]) => {
        const params = energyMwh.params({ unit: 'kW', max_gap_s: 30 });
        const expected = reference(times, values, 30_000, (a, b, dt) => ((Math.max(0, a) + Math.max(0, b)) / 2 / 1000) * (dt / HOUR), (value) => !Number.isFinite(value));
        for (const result of bothWays(energyMwh, params, chunks(times, values, cuts))) expect(result).toBeCloseTo(expected, 9);
      }),
    );
  });

  it('a gap longer than max_gap_s counts nothing, on either side of a split', () => {
    // 1 h at 1 MW sampled every 10 s, a 2-hour hole, then 1 h more.
    const times: number[] = [];
    const values: number[] = [];
    for (const from of [0, 3 * HOUR]) {
      for (let t = from; t <= from + HOUR; t += 10_000) {
        times.push(t);
        values.push(1000);
      }
    }
    const data = { times: Float64Array.from(times), values: Float32Array.from(values) };
    const hole = times.indexOf(3 * HOUR);
    for (const cuts of [[0, times.length], [0, hole, times.length], [0, hole - 1, hole + 1, times.length]]) {
      const pieces = chunks(data.times, data.values, cuts);
      for (const result of bothWays(energyMwh, energyMwh.params({ unit: 'kW', max_gap_s: 60 }), pieces)) expect(result).toBeCloseTo(2, 9);
      for (const result of bothWays(operatingHours, operatingHours.params({ max_gap_s: 60 }), pieces)) expect(result).toBeCloseTo(2, 9);
    }
  });

  it('power units: W, kW and MW give the same MWh for the same power', () => {
    const times = Float64Array.from([0, HOUR / 2, HOUR]);
    const at = (scale: number) => runKernel(energyMwh, energyMwh.params({ unit: scale === 1 ? 'MW' : scale === 1e3 ? 'kW' : 'W', max_gap_s: 3600 }), [{ values: Float32Array.from([2, 2, 2].map((mw) => mw * scale)), times, offset: 0 }]);
    expect(at(1)).toBeCloseTo(2, 9);
    expect(at(1e3)).toBeCloseTo(2, 9);
    expect(at(1e6)).toBeCloseTo(2, 9);
    expect(powerToMegawatts('kW')).toBe(1e-3);
    expect(powerToMegawatts('°C')).toBeUndefined();
    expect(() => energyMwh.params({ unit: 'kWh' })).toThrow(KernelError);
  });

  it('operating hours: only time above the threshold counts (the earlier sample holds)', () => {
    // Rotor speed 0, 12, 12, 3, 12 rpm every 15 min; threshold 5 rpm.
    const times = Float64Array.from([0, 1, 2, 3, 4].map((quarter) => quarter * HOUR / 4));
    const values = Float32Array.from([0, 12, 12, 3, 12]);
    expect(runKernel(operatingHours, operatingHours.params({ threshold: 5, max_gap_s: 3600 }), [{ values, times, offset: 0 }])).toBeCloseTo(0.5, 12);
  });

  it('refuses chunks without times and bad parameters', () => {
    expect(() => runKernel(operatingHours, operatingHours.params({}), [{ values: new Float32Array(3), offset: 0 }])).toThrow(KernelError);
    expect(() => operatingHours.params({ max_gap_s: 0 })).toThrow(KernelError);
    expect(kernelByName('operating_hours')).toBe(operatingHours);
    expect(kernelByName('energy_mwh')).toBe(energyMwh);
  });
});
