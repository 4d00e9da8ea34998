/**
 * The simulated fleet's signal models and sampling plan, as pure functions: determinism (the same
 * seed and time give the same sample, however the block is cut), physical plausibility, and each
 * fault's signature where the schedule puts it.
 */
import { describe, expect, it } from 'vitest';
import { fleetDefinition, type SourceDef } from '../../src/server/demo/fleet';
import { BURST_SAMPLES, OLD_DT_MS, RECENT_MS, bulkBursts, bulkRuns, burstSamples, silences, sourceSamples, timesOf } from '../../src/server/demo/plan';
import { faultSchedule, soilingLoss, wearSeverity } from '../../src/server/demo/schedule';
import { clearSky } from '../../src/server/demo/solar';
import { CUT_IN, RATED_POWER, RATED_SPEED, meanWind, powerCurve } from '../../src/server/demo/wind';
import { LagGrid } from '../../src/server/demo/lag';

const DAY = 86_400_000;
const SEED = 4242;
// A month of history ending on 1 December 2026, 12:00 UTC.
const END = Date.UTC(2026, 11, 1, 12);
const START = END - 30 * DAY;
const schedule = faultSchedule(SEED, START, END);
const fleet = fleetDefinition(SEED);
const source = (key: string): SourceDef => fleet.sources.find((candidate) => candidate.key === key)!;
const everySecond = (from: number, seconds: number): Float64Array => Float64Array.from({ length: seconds }, (_, index) => from + index * 1000);

function kurtosis(values: Float32Array): number {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  let m2 = 0;
  let m4 = 0;
  for (const value of values) {
    const d = value - mean;
    m2 += d * d;
    m4 += d ** 4;
  }
  m2 /= values.length;
  m4 /= values.length;
  return m4 / (m2 * m2);
}

/** Energy of the [low, high] Hz band of 1 kHz samples (a plain DFT over whole seconds). */
function bandEnergy(values: Float32Array, low: number, high: number): number {
  let energy = 0;
  for (let start = 0; start + 1000 <= values.length; start += 1000) {
    for (let frequency = low; frequency <= high; frequency++) {
      let re = 0;
      let im = 0;
      for (let n = 0; n < 1000; n++) {
        const angle = (2 * Math.PI * frequency * n) / 1000;
        re += values[start + n]! * Math.cos(angle);
        im -= values[start + n]! * Math.sin(angle);
      }
      energy += (re * re + im * im) / 1000 / 1000;
    }
  }
  return energy;
}

describe('the simulated fleet: definition', () => {
  it('has a wind farm of ≥ 6 turbines (gearbox → main bearing, generator) and a solar plant of ≥ 4 inverters with strings, titled for humans', () => {
    const assets = new Map(fleet.assets.map(({ id, doc }) => [id, doc]));
    expect(fleet.sites.map(({ doc }) => doc.title)).toEqual(['North Sea Wind', 'Sunfield Solar']);
    const turbines = fleet.assets.filter(({ doc }) => doc.asset_type === 'turbine');
    expect(turbines.length).toBeGreaterThanOrEqual(6);
    expect(turbines[0]!.doc.title).toBe('Turbine T01');
    expect(assets.get('asset/north-sea-wind/t01-main-bearing')).toMatchObject({ parent: 'asset/north-sea-wind/t01-gearbox', asset_type: 'main_bearing', simulated: true });
    expect(assets.get('asset/north-sea-wind/t01-gearbox')).toMatchObject({ parent: 'asset/north-sea-wind/t01' });
    expect(assets.get('asset/north-sea-wind/t01-generator')).toMatchObject({ parent: 'asset/north-sea-wind/t01' });
    expect(fleet.assets.filter(({ doc }) => doc.asset_type === 'inverter').length).toBeGreaterThanOrEqual(4);
    expect(assets.get('asset/sunfield-solar/inv01-s1')).toMatchObject({ parent: 'asset/sunfield-solar/inv01', asset_type: 'string' });
    for (const { doc } of fleet.assets) expect(doc).toMatchObject({ make: expect.any(String), model: expect.any(String), serial: expect.any(String), commissioned: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    // Every parent exists and comes before its children; every source is bound to an asset of its site.
    const seen = new Set<string>();
    for (const { id, doc } of fleet.assets) {
      if (doc.parent) expect(seen.has(doc.parent)).toBe(true);
      seen.add(id);
    }
    for (const def of fleet.sources) expect(assets.get(def.asset)?.site).toBe(def.site);
    // The same seed, the same fleet (serials included); another seed, other serials.
    expect(fleetDefinition(SEED)).toEqual(fleet);
    expect(fleetDefinition(SEED + 1).assets[0]!.doc.serial).not.toBe(fleet.assets[0]!.doc.serial);
  });
});

describe('the simulated fleet: signals', () => {
  it('are a pure function of (seed, channel, time): the same samples whatever block they are computed in; another seed differs', () => {
    const times = everySecond(END - 3600_000, 3600);
    const whole = sourceSamples(schedule, source('t03.scada'), times);
    const tail = sourceSamples(schedule, source('t03.scada'), times.subarray(1800));
    for (const field of Object.keys(whole)) expect(tail[field], field).toEqual(whole[field]!.subarray(1800));
    const one = sourceSamples(schedule, source('inv01'), times.subarray(3599));
    expect(one.ac_power![0]).toBe(sourceSamples(schedule, source('inv01'), times).ac_power![3599]);
    expect(burstSamples(schedule, source('t03.cms'), END - 600_000)).toEqual(burstSamples(schedule, source('t03.cms'), END - 600_000));
    const other = sourceSamples(faultSchedule(SEED + 1, START, END), source('t03.scada'), times);
    expect(other.wind_speed).not.toEqual(whole.wind_speed);
  });

  it('turbines follow the power curve: 0 below cut-in and from cut-out on, never above rated; pitch regulates above rated', () => {
    const times = everySecond(START, 86_400 * 3);
    for (const turbine of [0, 5]) {
      const s = sourceSamples(schedule, source(`t0${turbine + 1}.scada`), times);
      // Counted in a loop and asserted once: an expect per sample would take minutes.
      const wrong: string[] = [];
      let belowCutIn = 0;
      let aboveRated = 0;
      let onCurve = 0;
      for (let index = 0; index < times.length; index++) {
        const v = s.wind_speed![index]!;
        const power = s.power![index]!;
        if (power < 0 || power > RATED_POWER) wrong.push(`power ${power} at ${index}`);
        if (v < CUT_IN) {
          belowCutIn++;
          if (power !== 0 || s.rotor_speed![index] !== 0) wrong.push(`power ${power}, rotor ${s.rotor_speed![index]} at ${v} m/s`);
        }
        if (v > RATED_SPEED + 2 && power > 0) {
          aboveRated++;
          if (!(s.pitch![index]! > 3)) wrong.push(`pitch ${s.pitch![index]} at ${v} m/s`);
        }
        if (v > 5 && v < 9 && power > 0) {
          onCurve++;
          if (Math.abs(power - RATED_POWER * powerCurve(v)) > 0.05 * RATED_POWER) wrong.push(`power ${power} off the curve at ${v} m/s`);
        }
      }
      expect(wrong.slice(0, 5)).toEqual([]);
      // The three days hold these regimes, or the checks above would have checked nothing.
      expect(belowCutIn + aboveRated, `turbine ${turbine}: below cut-in ${belowCutIn}, above rated ${aboveRated}`).toBeGreaterThan(100);
      expect(onCurve).toBeGreaterThan(100);
    }
    // Over the month, wind covers calm to rated.
    const hourly = Array.from({ length: 30 * 24 }, (_, hour) => meanWind(SEED, 0, START + hour * 3_600_000));
    expect(Math.min(...hourly)).toBeLessThan(5);
    expect(Math.max(...hourly)).toBeGreaterThan(RATED_SPEED);
  });

  it('thermal lag is a first-order response: a step of the drive reaches 63 % after one time constant, and the same value from any block', () => {
    const step = Date.UTC(2026, 10, 20, 6);
    const tau = 15 * 60_000;
    const grid = new LagGrid((time) => (time >= step ? 1 : 0), step - 3_600_000, step + 6 * tau, tau);
    const lagged = grid.lagged(tau);
    expect(lagged(step - 60_000)).toBe(0);
    expect(lagged(step)).toBeLessThan(0.1);
    expect(lagged(step + tau)).toBeGreaterThan(0.6);
    expect(lagged(step + tau)).toBeLessThan(0.7);
    expect(lagged(step + 5 * tau)).toBeGreaterThan(0.99);
    const later = new LagGrid((time) => (time >= step ? 1 : 0), step + tau - 1000, step + tau + 1000, tau).lagged(tau);
    expect(later(step + tau)).toBe(lagged(step + tau));
  });

  it('icing: during its window the iced turbine makes clearly less power than the curve says, at an ambient below 0 °C', () => {
    const { icing } = schedule;
    const middle = (icing.start + icing.end) / 2;
    const times = everySecond(middle - 1800_000, 3600);
    const iced = sourceSamples(schedule, source(`t0${icing.turbine + 1}.scada`), times);
    let expected = 0;
    let made = 0;
    for (let index = 0; index < times.length; index++) {
      expect(iced.ambient_temp![index]).toBeLessThan(0);
      expected += RATED_POWER * powerCurve(iced.wind_speed![index]!);
      made += iced.power![index]!;
    }
    expect(expected).toBeGreaterThan(0);
    expect(made / expected).toBeLessThan(0.7);
  });

  it('a stuck sensor holds one value over its window and moves again after it', () => {
    const { stuck } = schedule;
    const inside = sourceSamples(schedule, source(`t0${stuck.turbine + 1}.scada`), everySecond(stuck.start, 600));
    expect(new Set(inside.gearbox_temp).size).toBe(1);
    expect(new Set(inside.nacelle_temp).size).toBeGreaterThan(1);
    const after = sourceSamples(schedule, source(`t0${stuck.turbine + 1}.scada`), everySecond(stuck.end, 600));
    expect(new Set(after.gearbox_temp).size).toBeGreaterThan(1);
  });

  it('the worn main bearing: band energy around its resonance and the kurtosis of bursts grow over the wear period, and so do temperature and RMS', () => {
    const def = source(`t0${schedule.wear.turbine + 1}.cms`);
    // Bursts at rated operation (same rotor speed, so the same gear mesh frequencies): the first
    // before the wear, one a third into the history's wear, the last of the history.
    const rated: number[] = [];
    for (let t = START; t < END - 600_000; t += 600_000) if (meanWind(SEED, schedule.wear.turbine, t) > 13 && meanWind(SEED, schedule.wear.turbine, t) < 22) rated.push(t);
    const middle = schedule.wear.start + (END - schedule.wear.start) / 3;
    const times = [rated[0]!, rated.find((t) => t >= middle)!, rated.at(-1)!];
    expect(times[0]).toBeLessThan(schedule.wear.start);
    expect(times[2]! - times[1]!).toBeGreaterThan(DAY);
    const bursts = times.map((time) => burstSamples(schedule, def, time).acc_x!);
    const kurt = bursts.map(kurtosis);
    const band = bursts.map((values) => bandEnergy(values.subarray(0, 3000), 160, 200));
    expect(kurt[1]).toBeGreaterThan(kurt[0]!);
    expect(kurt[2]).toBeGreaterThan(kurt[1]!);
    expect(kurt[2]).toBeGreaterThan(4);
    expect(band[2]).toBeGreaterThan(3 * band[0]!);
    expect(band[1]).toBeGreaterThan(band[0]!);
    expect(wearSeverity(schedule, END)).toBeGreaterThan(0.2);
    expect(wearSeverity(schedule, schedule.wear.failureAt)).toBe(1);
    expect(schedule.wear.failureAt).toBeGreaterThan(END);
    const scada = source(`t0${schedule.wear.turbine + 1}.scada`);
    const [early, late] = [times[0]!, times[2]!].map((time) => sourceSamples(schedule, scada, Float64Array.of(time)));
    expect(late!.vibration_rms![0]! - early!.vibration_rms![0]!).toBeGreaterThan(0.3);
    expect(bursts[0]!.length).toBe(BURST_SAMPLES);
  });

  it('irradiance follows the sun: 0 at night, highest near solar noon; AC power clips at the rating; a failed string carries ~0 A', () => {
    const max = (values: Float32Array): number => values.reduce((high, value) => Math.max(high, value), -Infinity);
    const day = Date.UTC(2026, 5, 21); // midsummer
    const summer = faultSchedule(SEED, day - 20 * DAY, day + 10 * DAY);
    const times = everySecond(day, 86_400);
    const met = sourceSamples(summer, source('met'), times);
    let nightNonZero = 0;
    let night = 0;
    for (let index = 0; index < times.length; index++) {
      if (clearSky(times[index]!) === 0) {
        night++;
        if (met.irradiance![index] !== 0) nightNonZero++;
      }
    }
    expect(night).toBeGreaterThan(6 * 3600);
    expect(nightNonZero).toBe(0);
    expect(met.irradiance![0]).toBe(0); // 02:00 local time
    expect(max(met.irradiance!)).toBeGreaterThan(500);
    expect(max(met.irradiance!)).toBeLessThan(1100);
    // The string failed at 60 % of the span (before this day): ~0 A all day, its neighbours carry current.
    expect(summer.stringFailure.start).toBeLessThan(day);
    const failed = sourceSamples(summer, source(`inv0${summer.stringFailure.inverter + 1}`), times);
    const field = `s${summer.stringFailure.string + 1}_current`;
    expect(max(failed[field]!)).toBeLessThan(0.05);
    expect(max(failed[summer.stringFailure.string === 0 ? 's2_current' : 's1_current']!)).toBeGreaterThan(1);
    // A healthy inverter on the sunniest day of the summer clips at its rating around noon.
    let clipped = 0;
    for (let offset = 0; offset < 20 && clipped === 0; offset++) {
      const power = sourceSamples(summer, source('inv01'), everySecond(day + offset * DAY + 9 * 3_600_000, 6 * 3600)).ac_power!;
      expect(max(power)).toBeLessThanOrEqual(24);
      clipped = power.filter((value) => value === 24).length;
    }
    expect(clipped).toBeGreaterThan(60);
  });

  it('soiling grows by the day and is washed off by rain or the cleaning', () => {
    const { cleaning } = schedule.soiling;
    expect(soilingLoss(schedule, cleaning - 1)).toBeGreaterThan(0);
    expect(soilingLoss(schedule, cleaning + 1)).toBeLessThan(0.0001);
    const daily = Array.from({ length: 29 }, (_, day) => soilingLoss(schedule, START + (day + 1) * DAY));
    // Some days it grew, some days it was reset.
    expect(daily.some((loss, day) => day > 0 && loss > daily[day - 1]!)).toBe(true);
    expect(daily.some((loss, day) => day > 0 && loss < daily[day - 1]!)).toBe(true);
  });
});

describe('the simulated fleet: sampling plan', () => {
  it('bulk history: every 10 s before the last 2 days, 1 Hz after, in time order, and the dropout left out', () => {
    const def = source(`t0${schedule.dropout.turbine + 1}.scada`);
    const runs = bulkRuns(schedule, def, START - 1, END, END - RECENT_MS);
    const times = timesOf(runs);
    expect(times.every((time, index) => index === 0 || time > times[index - 1]!)).toBe(true);
    expect(times[0]).toBe(START);
    expect(times.at(-1)).toBe(END);
    const [dropout] = silences(schedule, def);
    expect(times.some((time) => time >= dropout!.start && time < dropout!.end)).toBe(false);
    const recent = times.filter((time) => time >= END - RECENT_MS);
    expect(recent.length).toBe(RECENT_MS / 1000 + 1);
    const old = times.filter((time) => time < END - RECENT_MS);
    expect(old.length).toBe((30 * DAY - RECENT_MS) / OLD_DT_MS - Math.round((dropout!.end - dropout!.start) / OLD_DT_MS));
    // Other turbines have no dropout.
    expect(timesOf(bulkRuns(schedule, source('t01.scada'), START - 1, END, END - RECENT_MS)).length).toBe(old.length + recent.length + Math.round((dropout!.end - dropout!.start) / OLD_DT_MS));
    // Slices (after, until] laid end to end give the same times as one.
    const half = START + 13 * DAY + 12_345;
    const first = timesOf(bulkRuns(schedule, def, START - 1, half, END - RECENT_MS));
    const second = timesOf(bulkRuns(schedule, def, half, END, END - RECENT_MS));
    expect(first.length + second.length).toBe(times.length);
    expect(Buffer.from(first.buffer).equals(Buffer.from(times.buffer, 0, first.byteLength))).toBe(true);
    expect(Buffer.from(second.buffer).equals(Buffer.from(times.buffer, first.byteLength))).toBe(true);
    // Bursts every 4 h over a month, whole by the end.
    const bursts = bulkBursts(schedule, START - 1, END);
    expect(bursts.length).toBe(30 * 6);
    expect(bursts[1]! - bursts[0]!).toBe(4 * 3_600_000);
  });
});
