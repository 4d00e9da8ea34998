/**
 * The simulated fleet's long history, as pure functions: the main bearings' past lives (seeded,
 * within bounds, no overlaps, the bearing new after each failure) and how the signals carry them;
 * every inverter's modules ageing at its known rate (power and string currents agreeing); the
 * hourly sample times before the full-resolution history; and the ground truth and failure
 * documents that write it down.
 */
import { describe, expect, it } from 'vitest';
import { failureProblem, predictionModelProblem, simulationTruthProblem, type SimulatedFault } from '../../src/core/model';
import { fleetDefinition, TURBINES, INVERTERS } from '../../src/server/demo/fleet';
import { LONG_DT_MS, RECENT_MS, bulkBursts, bulkRuns, sourceSamples, timesOf } from '../../src/server/demo/plan';
import { INV01_PV_RATE, PAST_WEAR_RANGE, PV_RATE_RANGE, YEAR_MS, bearingSeverity, faultSchedule, groundTruth, pastFailures, pvFactor, wearSeverity, type FaultSchedule } from '../../src/server/demo/schedule';
import { inverterSamples } from '../../src/server/demo/solar';
import { scadaSamples } from '../../src/server/demo/wind';
import { demoPredictionModels } from '../../src/server/demo/prediction-models';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const SEED = 4242;
const END = Date.UTC(2026, 11, 1, 12);

/** The schedule of `days` of history after `years` of hourly history, ending at END. */
function scheduleOf(days: number, years: number, seed = SEED): FaultSchedule {
  const start = Math.floor((END - days * DAY) / 10_000) * 10_000;
  return faultSchedule(seed, start, END, Math.floor((start - years * YEAR_MS) / HOUR) * HOUR);
}

const schedule = scheduleOf(30, 3);
const fleet = fleetDefinition(SEED);
const source = (key: string) => fleet.sources.find((candidate) => candidate.key === key)!;
const hourly = (from: number, to: number): Float64Array => Float64Array.from({ length: Math.floor((to - from) / HOUR) }, (_, index) => from + index * HOUR);
const mean = (values: ArrayLike<number>): number => {
  let sum = 0;
  for (let index = 0; index < values.length; index += 1) sum += values[index]!;
  return sum / values.length;
};

describe('the demo\'s long history: the main bearings\' past lives', () => {
  it('follow from the seed and the spans alone; another seed gives others', () => {
    expect(scheduleOf(30, 3)).toEqual(schedule);
    expect(scheduleOf(30, 3, SEED + 1).pastWear).not.toEqual(schedule.pastWear);
    // No long history, no past lives (and the modules age from the history's start).
    expect(scheduleOf(30, 0).pastWear).toEqual([]);
    expect(scheduleOf(30, 0).longStart).toBe(scheduleOf(30, 0).start);
  });

  it.each([
    [30, 3],
    [0.02, 2],
    [3, 2],
    [10, 10],
    [120, 2],
  ])('with %s days after %s years: 1–3 lives a turbine, each 0.6–1.6 × the current wear, inside the long history, none overlapping', (days, years) => {
    const s = scheduleOf(days, years);
    const current = s.wear.failureAt - s.wear.start;
    for (let turbine = 0; turbine < TURBINES; turbine++) {
      const lives = s.pastWear.filter((life) => life.turbine === turbine);
      expect(lives.length, `turbine ${turbine}`).toBeGreaterThanOrEqual(1);
      expect(lives.length).toBeLessThanOrEqual(3);
      expect(lives.map((life) => life.n)).toEqual(lives.map((_, index) => index + 1));
      lives.forEach((life, index) => {
        const duration = life.failureAt - life.start;
        // Whole minutes: the bounds hold within a minute's rounding at each end.
        expect(duration).toBeGreaterThanOrEqual(PAST_WEAR_RANGE[0] * current - 2 * 60_000);
        expect(duration).toBeLessThanOrEqual(PAST_WEAR_RANGE[1] * current + 2 * 60_000);
        expect(life.start).toBeGreaterThanOrEqual(s.longStart);
        expect(life.failureAt).toBeLessThan(s.start);
        if (index > 0) expect(life.start).toBeGreaterThan(lives[index - 1]!.failureAt);
      });
    }
    // The current wear is untouched by the long history.
    const without = faultSchedule(s.seed, s.start, s.liveFrom);
    expect(s.wear).toEqual(without.wear);
    expect({ ...s, longStart: 0, pastWear: [] }).toEqual({ ...without, longStart: 0, pastWear: [] });
  });

  it('wear severity grows quadratically over each life, reaches 1 at the failure and is 0 after it (the bearing was replaced); the current wear is as before', () => {
    for (const life of schedule.pastWear) {
      const duration = life.failureAt - life.start;
      expect(bearingSeverity(schedule, life.turbine, life.start)).toBe(0);
      expect(bearingSeverity(schedule, life.turbine, life.start + duration / 2)).toBeCloseTo(0.25, 6);
      expect(bearingSeverity(schedule, life.turbine, life.failureAt)).toBe(1);
      expect(bearingSeverity(schedule, life.turbine, life.failureAt + 1)).toBe(0);
      // Another turbine's bearing knows nothing of it (unless it wears then too).
      const other = (life.turbine + 1) % TURBINES;
      const overlapping = schedule.pastWear.some((candidate) => candidate.turbine === other && candidate.start < life.failureAt && candidate.failureAt > life.failureAt - 1);
      if (!overlapping) expect(bearingSeverity(schedule, other, life.failureAt - 1)).toBe(0);
    }
    for (let time = schedule.start; time <= schedule.liveFrom + 20 * DAY; time += 6 * HOUR) {
      expect(bearingSeverity(schedule, schedule.wear.turbine, time)).toBe(wearSeverity(schedule, time));
      for (let turbine = 0; turbine < TURBINES; turbine++) if (turbine !== schedule.wear.turbine) expect(bearingSeverity(schedule, turbine, time)).toBe(0);
    }
  });

  it('the bearing temperature (above ambient) and the vibration RMS rise before each failure and fall back after the replacement', () => {
    for (const life of schedule.pastWear) {
      const before = hourly(life.failureAt - 4 * DAY, life.failureAt);
      const after = hourly(life.failureAt + HOUR, life.failureAt + 4 * DAY);
      const worn = sourceSamples(schedule, source(`t0${life.turbine + 1}.scada`), before);
      const renewed = sourceSamples(schedule, source(`t0${life.turbine + 1}.scada`), after);
      const excess = (samples: Record<string, Float32Array>) => mean(samples.main_bearing_temp!.map((temp, index) => temp - samples.ambient_temp![index]!));
      // 14 °C at severity 1, about 12 over the last four days (severity 0.8–1), less the load's swing.
      expect(excess(worn) - excess(renewed), `turbine ${life.turbine} life ${life.n}`).toBeGreaterThan(6);
      const turning = (samples: Record<string, Float32Array>) => mean(samples.vibration_rms!.filter((_, index) => samples.rotor_speed![index]! > 0));
      expect(turning(worn) - turning(renewed)).toBeGreaterThan(1.5);
    }
  });
});

describe('the demo\'s long history: the modules\' ageing', () => {
  it('INV01 loses 0.9 %/yr, the others a seeded rate in 0.3–0.6 %/yr, compounding from the long history\'s start', () => {
    expect(schedule.pvDegradation.length).toBe(INVERTERS);
    expect(schedule.pvDegradation[0]).toBe(INV01_PV_RATE);
    expect(INV01_PV_RATE).toBe(-0.9);
    for (const rate of schedule.pvDegradation.slice(1)) {
      expect(rate).toBeGreaterThanOrEqual(PV_RATE_RANGE[0]);
      expect(rate).toBeLessThanOrEqual(PV_RATE_RANGE[1]);
    }
    for (let inverter = 0; inverter < INVERTERS; inverter++) {
      const rate = schedule.pvDegradation[inverter]!;
      expect(pvFactor(schedule, inverter, schedule.longStart)).toBe(1);
      for (const time of [schedule.longStart + 100 * DAY, schedule.start, schedule.liveFrom]) {
        expect(pvFactor(schedule, inverter, time + YEAR_MS) / pvFactor(schedule, inverter, time)).toBeCloseTo(1 + rate / 100, 10);
      }
    }
  });

  it('power and string currents agree: both lower by the factor (where the inverter does not clip), voltages as new', () => {
    const fresh: FaultSchedule = { ...schedule, pvDegradation: schedule.pvDegradation.map(() => 0) };
    const times = Float64Array.from({ length: 24 * 60 }, (_, index) => schedule.liveFrom - 3 * DAY + index * 60_000);
    for (let inverter = 0; inverter < INVERTERS; inverter++) {
      const aged = inverterSamples(SEED, schedule, inverter, times);
      const young = inverterSamples(SEED, fresh, inverter, times);
      let checked = 0;
      for (let index = 0; index < times.length; index++) {
        const factor = pvFactor(schedule, inverter, times[index]!);
        expect(factor).toBeLessThan(1);
        for (let string = 1; string <= 3; string++) {
          expect(aged[`s${string}_voltage`]![index]).toBe(young[`s${string}_voltage`]![index]);
          const current = young[`s${string}_current`]![index]!;
          // The sensor's noise (0.01 A) is added after the loss.
          if (current > 1) expect(Math.abs(aged[`s${string}_current`]![index]! - factor * current)).toBeLessThan(0.05);
        }
        const power = young.ac_power![index]!;
        if (power > 1 && power < 23) {
          expect(aged.ac_power![index]! / power).toBeCloseTo(factor, 2);
          checked++;
        }
      }
      expect(checked, `inverter ${inverter}: daylight below the rating`).toBeGreaterThan(100);
    }
  });
});

describe('the demo\'s long history: sampling', () => {
  it('one sample an hour, on whole hours, from the long history\'s start to before the history\'s, then every 10 s and 1 Hz; no CMS bursts in it', () => {
    const def = source('t01.scada');
    const runs = bulkRuns(schedule, def, schedule.longStart - 1, schedule.liveFrom, schedule.liveFrom - RECENT_MS);
    expect(runs[0]).toEqual({ t0: schedule.longStart, dt: LONG_DT_MS, count: Math.ceil((schedule.start - schedule.longStart) / LONG_DT_MS) });
    expect(schedule.longStart % HOUR).toBe(0);
    expect(runs[1]!.t0).toBe(schedule.start);
    const times = timesOf(runs);
    let unordered = 0;
    for (let index = 1; index < times.length; index++) if (!(times[index]! > times[index - 1]!)) unordered++;
    expect(unordered).toBe(0);
    expect((schedule.start - schedule.longStart) / YEAR_MS).toBeGreaterThan(2.99);
    // Resuming inside the long history (a first start stopped there) goes on from the next hour.
    const resumed = bulkRuns(schedule, def, schedule.longStart + 10 * HOUR, schedule.liveFrom, schedule.liveFrom - RECENT_MS);
    expect(resumed[0]!.t0).toBe(schedule.longStart + 11 * HOUR);
    // CMS bursts start with the history at full resolution.
    expect(bulkBursts(schedule, schedule.longStart - 1, schedule.liveFrom)[0]).toBe(schedule.start);
  });

  it('a long-history sample is one value whatever block it is computed in (and across the history\'s start)', () => {
    const def = source('t03.scada');
    const times = hourly(schedule.start - 40 * HOUR, schedule.start);
    const whole = sourceSamples(schedule, def, times);
    const part = sourceSamples(schedule, def, times.subarray(17, 19));
    expect(part.main_bearing_temp).toEqual(whole.main_bearing_temp!.subarray(17, 19));
    const across = Float64Array.from([...times.subarray(30), schedule.start, schedule.start + 10_000]);
    const mixed = sourceSamples(schedule, def, across);
    expect(mixed.power!.subarray(0, 10)).toEqual(whole.power!.subarray(30));
    // After the start the samples are the full-resolution history's, as before the long history existed.
    const plain = scadaSamples(SEED, schedule, def.index, Float64Array.from([schedule.start, schedule.start + 10_000]));
    expect(mixed.gearbox_temp!.subarray(10)).toEqual(plain.gearbox_temp);
    const inverter = source('inv01');
    expect(sourceSamples(schedule, inverter, across).ac_power!.subarray(10)).toEqual(inverterSamples(SEED, schedule, 0, Float64Array.from([schedule.start, schedule.start + 10_000])).ac_power);
  });
});

describe('the demo\'s long history: documents', () => {
  const channels = (key: string, fields: readonly string[]) => fields.map((field) => `channel/${key}/${field}`);
  const truth = groundTruth(schedule, channels);
  const faults: SimulatedFault[] = truth.flatMap(({ doc }) => doc.faults);

  it('the ground truth is valid and lists each past life (failure_at in the past) and each inverter\'s rate', () => {
    for (const { doc } of truth) {
      expect(simulationTruthProblem(doc)).toBeUndefined();
      expect(doc.long_start).toBe(schedule.longStart);
    }
    const past = faults.filter((fault) => fault.kind === 'bearing_wear' && fault.failure_at! < schedule.start);
    expect(past.length).toBe(schedule.pastWear.length);
    for (const life of schedule.pastWear) {
      expect(past).toContainEqual(expect.objectContaining({ id: `bearing_wear-t0${life.turbine + 1}-${life.n}`, asset: `asset/north-sea-wind/t0${life.turbine + 1}-main-bearing`, start: life.start, end: life.failureAt, failure_at: life.failureAt }));
    }
    // The current wear is still the one with a failure to come.
    expect(faults.filter((fault) => fault.kind === 'bearing_wear' && fault.failure_at! > schedule.liveFrom).map((fault) => fault.id)).toEqual(['bearing_wear-t03']);
    const rates = faults.filter((fault) => fault.kind === 'performance_degradation');
    expect(rates.map((fault) => [fault.asset, fault.rate_pct_per_year, fault.start])).toEqual(schedule.pvDegradation.map((rate, inverter) => [`asset/sunfield-solar/inv0${inverter + 1}`, rate, schedule.longStart]));
    expect(rates[0]!.channels).toEqual(channels('inv01', ['ac_power', 's1_current', 's2_current', 's3_current']));
  });

  it('each past failure is a valid simulated failure document of the turbine\'s main bearing', () => {
    const failures = pastFailures(schedule);
    expect(failures.length).toBe(schedule.pastWear.length);
    for (const [index, { id, doc }] of failures.entries()) {
      const life = schedule.pastWear[index]!;
      expect(id).toBe(`failure/demo-t0${life.turbine + 1}-${life.n}`);
      expect(failureProblem(doc)).toBeUndefined();
      expect(doc).toMatchObject({ type: 'failure', site: 'site/north-sea-wind', asset: `asset/north-sea-wind/t0${life.turbine + 1}-main-bearing`, component: 'main bearing', mode: 'outer race defect', at: life.failureAt, simulated: true });
    }
  });

  it('the remaining-life spec is valid and names the fields the turbines send', () => {
    const [spec] = demoPredictionModels();
    expect(spec!.id).toBe('prediction_model/main-bearing');
    expect(predictionModelProblem(spec!.doc)).toBeUndefined();
    expect(spec!.doc).toMatchObject({ asset_type: 'main_bearing', step_ms: HOUR, windows: [24, 72, 168, 336], cap_days: 90, lead_days: 21, enabled: true, simulated: true });
    for (const input of spec!.doc.inputs) expect(Object.keys(source('t01.scada').fields)).toContain(input);
  });
});
