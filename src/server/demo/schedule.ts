/**
 * The faults put into the simulated fleet, on a schedule that follows from the seed and the
 * history's span alone (so a restart finds the same one), and the ground truth documents that
 * write it down (`ground-truth/<site-slug>`, see docs of the asset model).
 *
 * Windows are placed at fractions of the history (so a short DEMO_DAYS still shows each fault)
 * and capped in length (so a month of history does not hold a stuck sensor for four days). With
 * (almost) no history (DEMO_DAYS=0) the span counts as an hour, and the faults happen live.
 *
 * Before that history lies the long one (DEMO_YEARS of hourly samples, from `longStart`): each
 * turbine's main bearing wore out and failed 1–3 times in it (lives of 0.6–1.6 × the current
 * wear's, so the current one lies inside what a model learns from, whatever DEMO_DAYS is; the
 * bearing is replaced at each failure), and every inverter's modules lose a known rate per year
 * from its start on.
 */
import type { FailureDoc, SimulatedFault, SimulationTruth } from '../../core/model';
import { INVERTERS, SOLAR_SITE, TURBINES, WIND_SITE, inverterAsset, turbineAsset } from './fleet';
import { uniform } from './noise';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** The year of the modules' degradation rate. */
export const YEAR_MS = 365.25 * DAY;

export interface Window {
  start: number;
  end: number;
}

/** One life of a main bearing in the long history: wearing from `start`, failed (and replaced) at `failureAt`. */
export interface PastWear {
  turbine: number;
  /** 1, 2, … per turbine, oldest first. */
  n: number;
  start: number;
  failureAt: number;
}

export interface FaultSchedule {
  seed: number;
  /** Epoch ms of the (DEMO_DAYS) history's first sample: the faults below are placed in [start, liveFrom]. */
  start: number;
  /** Epoch ms of the long history's first sample (hourly samples before `start`); `start` when there is none. */
  longStart: number;
  /** Epoch ms where the history written in bulk ends and live data begins (the first start's time). */
  liveFrom: number;
  /** Turbine 4 (index 3): icing, power below the curve during a cold snap. */
  icing: Window & { turbine: number };
  /** Turbine 3's main bearing wears from `start` and fails at `failureAt` (after the history). */
  wear: { turbine: number; start: number; failureAt: number };
  /** Turbine 5's gearbox temperature sensor holds its value during the window. */
  stuck: Window & { turbine: number; field: string };
  /** Turbine 2's SCADA sends nothing during the window. */
  dropout: Window & { turbine: number };
  /** Inverter 2's efficiency falls from `start` on, over DEGRADATION_MS. */
  degradation: { inverter: number; start: number };
  /** Inverter 3's string 2 fails (current ≈ 0) from `start` on. */
  stringFailure: { inverter: number; string: number; start: number };
  /** Inverter 4's modules soil from `start`: loss grows daily, reset by rain and by a cleaning. */
  soiling: { inverter: number; start: number; cleaning: number };
  /** The main bearings' past lives in the long history, by turbine then time (none overlap; all fail before `start`). */
  pastWear: PastWear[];
  /** Each inverter's modules' change of output per year since `longStart` (%/yr, negative). */
  pvDegradation: number[];
}

/** How long an inverter's efficiency takes to fall from 97.5 % to 90 %. */
export const DEGRADATION_MS = 21 * DAY;
/** Soiling loss per day since the last rain or cleaning, and its cap. */
export const SOILING_PER_DAY = 0.003;
export const SOILING_MAX = 0.08;
/** Chance that a day brings rain at the solar plant (which washes the modules). */
const RAIN_CHANCE = 0.12;
const RAIN_KEY = 0x7a1e;
const LIVES_KEY = 0x11fe5;
const PV_KEY = 0xde9a;
/** INV01's modules' known loss (%/yr); the others' lie in PV_RATE_RANGE. */
export const INV01_PV_RATE = -0.9;
export const PV_RATE_RANGE = [-0.6, -0.3] as const;
/** A past life's wear lasts this many times the current wear's. */
export const PAST_WEAR_RANGE = [0.6, 1.6] as const;

/**
 * The past lives of each turbine's main bearing in [longStart, start): 1–3 per turbine (fewer
 * where they do not fit in 80 % of the span), each wearing for `wear` × 0.6–1.6, apart by seeded
 * gaps (the rest of the span shared out), on whole minutes.
 */
function pastLives(seed: number, longStart: number, start: number, wear: number): PastWear[] {
  const span = start - longStart;
  const lives: PastWear[] = [];
  if (span <= 0 || wear <= 0) return lives;
  const minute = (time: number) => Math.round(time / 60_000) * 60_000;
  for (let turbine = 0; turbine < TURBINES; turbine++) {
    const u = (index: number) => uniform(seed, LIVES_KEY, turbine * 16 + index);
    const durations = Array.from({ length: 1 + Math.floor(u(0) * 3) }, (_, life) => wear * (PAST_WEAR_RANGE[0] + (PAST_WEAR_RANGE[1] - PAST_WEAR_RANGE[0]) * u(1 + life)));
    while (durations.length > 0 && durations.reduce((sum, duration) => sum + duration, 0) > 0.8 * span) durations.pop();
    const slack = span - durations.reduce((sum, duration) => sum + duration, 0);
    // A gap before each life and one after the last, shared out by weight.
    const weights = Array.from({ length: durations.length + 1 }, (_, gap) => 0.2 + u(8 + gap));
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let at = longStart;
    durations.forEach((duration, life) => {
      at += (slack * weights[life]!) / total;
      lives.push({ turbine, n: life + 1, start: minute(at), failureAt: minute(at + duration) });
      at += duration;
    });
  }
  return lives;
}

/** Each inverter's modules' degradation rate (%/yr): INV01's known one, the others seeded in PV_RATE_RANGE (two decimals). */
function pvRates(seed: number): number[] {
  return Array.from({ length: INVERTERS }, (_, inverter) =>
    inverter === 0 ? INV01_PV_RATE : Math.round(100 * (PV_RATE_RANGE[0] + (PV_RATE_RANGE[1] - PV_RATE_RANGE[0]) * uniform(seed, PV_KEY, inverter))) / 100,
  );
}

/**
 * The schedule of a fleet whose history spans [start, liveFrom], after a long history from
 * `longStart` (default: none).
 */
export function faultSchedule(seed: number, start: number, liveFrom: number, longStart = start): FaultSchedule {
  // With no history to speak of, the faults happen live within the first hour.
  const span = liveFrom - start >= 60_000 ? liveFrom - start : HOUR;
  const at = (fraction: number): number => Math.round(start + fraction * span);
  const window = (fraction: number, share: number, cap: number): Window => ({ start: at(fraction), end: at(fraction) + Math.round(Math.min(share * span, cap)) });
  const wear = { turbine: 2, start: at(0.15), failureAt: liveFrom + 14 * DAY };
  return {
    seed,
    start,
    longStart: Math.min(longStart, start),
    liveFrom,
    icing: { turbine: 3, ...window(0.1, 0.12, 16 * HOUR) },
    wear,
    stuck: { turbine: 4, field: 'gearbox_temp', ...window(0.35, 0.1, 20 * HOUR) },
    dropout: { turbine: 1, ...window(0.55, 0.08, 5 * HOUR) },
    degradation: { inverter: 1, start: at(0.25) },
    stringFailure: { inverter: 2, string: 1, start: at(0.6) },
    soiling: { inverter: 3, start, cleaning: at(0.7) },
    pastWear: pastLives(seed, Math.min(longStart, start), start, wear.failureAt - wear.start),
    pvDegradation: pvRates(seed),
  };
}

/** How far a wear from `start` to `failureAt` has gone at `time`: 0 (new) to 1 (failed), growing quadratically. */
function severityOf(start: number, failureAt: number, time: number): number {
  if (time <= start) return 0;
  const progress = Math.min(1, (time - start) / (failureAt - start));
  return progress * progress;
}

/** How far the (current) worn main bearing's wear has gone at `time`: 0 (new) to 1 (failed), growing quadratically. */
export function wearSeverity(schedule: FaultSchedule, time: number): number {
  return severityOf(schedule.wear.start, schedule.wear.failureAt, time);
}

/**
 * The wear severity (0–1) of turbine `turbine`'s main bearing at `time`: the current wear's on
 * the worn turbine, else that of a past life wearing then; 0 on a new bearing (after a failure
 * the bearing was replaced).
 */
export function bearingSeverity(schedule: FaultSchedule, turbine: number, time: number): number {
  if (turbine === schedule.wear.turbine && time > schedule.wear.start) return wearSeverity(schedule, time);
  for (const life of schedule.pastWear) if (life.turbine === turbine && time > life.start && time <= life.failureAt) return severityOf(life.start, life.failureAt, time);
  return 0;
}

/** What an inverter's modules deliver at `time` of what they did at the long history's start (compounding their yearly rate). */
export function pvFactor(schedule: FaultSchedule, inverter: number, time: number): number {
  const rate = schedule.pvDegradation[inverter] ?? 0;
  if (time <= schedule.longStart || rate === 0) return 1;
  return (1 + rate / 100) ** ((time - schedule.longStart) / YEAR_MS);
}

/** Whether it rains at the solar plant on the UTC day of `dayIndex` (rain falls at 15:00). */
export function rainsOn(seed: number, dayIndex: number): boolean {
  return uniform(seed, RAIN_KEY, dayIndex) < RAIN_CHANCE;
}

/** The soiling loss (0–SOILING_MAX) of the soiled inverter's modules at `time`. */
export function soilingLoss(schedule: FaultSchedule, time: number): number {
  const { start, cleaning } = schedule.soiling;
  if (time < start) return 0;
  let reset = time >= cleaning ? Math.max(start, cleaning) : start;
  // The last rain before `time` (looking back as far as the loss can grow), if later than that.
  for (let day = Math.floor(time / DAY); day * DAY + 15 * HOUR > reset && day > Math.floor(time / DAY) - 40; day--) {
    const rain = day * DAY + 15 * HOUR;
    if (rain <= time && rainsOn(schedule.seed, day)) {
      reset = Math.max(reset, rain);
      break;
    }
  }
  return Math.min(SOILING_MAX, (SOILING_PER_DAY * (time - reset)) / DAY);
}

/** An inverter's conversion efficiency at `time` (97.5 %, falling to 90 % when it degrades). */
export function inverterEfficiency(schedule: FaultSchedule, inverter: number, time: number): number {
  const nominal = 0.975;
  if (inverter !== schedule.degradation.inverter || time <= schedule.degradation.start) return nominal;
  return nominal - 0.075 * Math.min(1, (time - schedule.degradation.start) / DEGRADATION_MS);
}

/** Channel ids of a source's fields, by the fleet's source key (see fleet.ts), for the ground truth. */
export type ChannelIds = (sourceKey: string, fields: readonly string[]) => string[];

/** The ground truth documents (id → document) of the schedule, naming channels by id. */
export function groundTruth(schedule: FaultSchedule, channels: ChannelIds): Array<{ id: string; doc: SimulationTruth & { days: number; live_from: number; long_start: number } }> {
  const { icing, wear, stuck, dropout, degradation, stringFailure, soiling } = schedule;
  const t = (index: number) => `t${String(index + 1).padStart(2, '0')}`;
  const inv = (index: number) => `inv${String(index + 1).padStart(2, '0')}`;
  const when = (time: number) => new Date(time).toISOString().replace('.000Z', 'Z');
  const wind: SimulatedFault[] = [
    {
      id: `bearing_wear-${t(wear.turbine)}`,
      kind: 'bearing_wear',
      asset: turbineAsset(wear.turbine, 'main-bearing'),
      channels: [...channels(`${t(wear.turbine)}.cms`, ['acc_x', 'acc_y', 'acc_z']), ...channels(`${t(wear.turbine)}.scada`, ['main_bearing_temp', 'vibration_rms'])],
      start: wear.start,
      failure_at: wear.failureAt,
      description: `Outer-race defect of the main bearing growing from ${when(wear.start)} (severity rising quadratically) until it fails at ${when(wear.failureAt)}: impacts at the defect frequency ring a 180 Hz resonance, so the 150–250 Hz band energy and the kurtosis of the vibration bursts rise, and so do the bearing temperature and the vibration RMS.`,
    },
    {
      id: `stuck_sensor-${t(stuck.turbine)}`,
      kind: 'stuck_sensor',
      asset: turbineAsset(stuck.turbine, 'gearbox'),
      channels: channels(`${t(stuck.turbine)}.scada`, [stuck.field]),
      start: stuck.start,
      end: stuck.end,
      description: `The gearbox temperature sensor holds the value it had at ${when(stuck.start)} until ${when(stuck.end)}.`,
    },
    {
      id: `dropout-${t(dropout.turbine)}`,
      kind: 'dropout',
      asset: turbineAsset(dropout.turbine),
      channels: channels(`${t(dropout.turbine)}.scada`, ['wind_speed', 'power', 'rotor_speed', 'pitch', 'ambient_temp', 'nacelle_temp', 'gearbox_temp', 'generator_temp', 'main_bearing_temp', 'vibration_rms']),
      start: dropout.start,
      end: dropout.end,
      description: `The turbine's SCADA link is down: no data at all from ${when(dropout.start)} to ${when(dropout.end)}.`,
    },
    {
      id: `icing-${t(icing.turbine)}`,
      kind: 'icing',
      asset: turbineAsset(icing.turbine),
      channels: channels(`${t(icing.turbine)}.scada`, ['power', 'ambient_temp']),
      start: icing.start,
      end: icing.end,
      description: `Ice on the blades during a cold snap (ambient below 0 °C) from ${when(icing.start)} to ${when(icing.end)}: power about 45 % below the power curve.`,
    },
    ...schedule.pastWear.map(
      (life): SimulatedFault => ({
        id: `bearing_wear-${t(life.turbine)}-${life.n}`,
        kind: 'bearing_wear',
        asset: turbineAsset(life.turbine, 'main-bearing'),
        channels: channels(`${t(life.turbine)}.scada`, ['main_bearing_temp', 'vibration_rms']),
        start: life.start,
        end: life.failureAt,
        failure_at: life.failureAt,
        description: `A past life of the main bearing (failure/demo-${t(life.turbine)}-${life.n}): an outer-race defect growing from ${when(life.start)} (severity rising quadratically) until it failed at ${when(life.failureAt)}, when the bearing was replaced; the bearing temperature and the vibration RMS rose with it (hourly history: no vibration bursts).`,
      }),
    ),
  ];
  const solar: SimulatedFault[] = [
    {
      id: `inverter_degradation-${inv(degradation.inverter)}`,
      kind: 'inverter_degradation',
      asset: inverterAsset(degradation.inverter),
      channels: channels(inv(degradation.inverter), ['ac_power']),
      start: degradation.start,
      description: `The inverter's efficiency falls from 97.5 % to 90 % over 21 days from ${when(degradation.start)} (AC power lower for the same DC input).`,
    },
    {
      id: `string_failure-${inv(stringFailure.inverter)}-s${stringFailure.string + 1}`,
      kind: 'string_failure',
      asset: inverterAsset(stringFailure.inverter, stringFailure.string),
      channels: channels(inv(stringFailure.inverter), [`s${stringFailure.string + 1}_current`, 'ac_power']),
      start: stringFailure.start,
      description: `String ${stringFailure.string + 1} is open (a failed connector) from ${when(stringFailure.start)} on: its current is about 0 A, the inverter's power a third lower.`,
    },
    {
      id: `soiling-${inv(soiling.inverter)}`,
      kind: 'soiling',
      asset: inverterAsset(soiling.inverter),
      channels: channels(inv(soiling.inverter), ['ac_power', 's1_current', 's2_current', 's3_current']),
      start: soiling.start,
      description: `Dust from the access road soils block D's modules: ${SOILING_PER_DAY * 100} % less current per day (at most ${SOILING_MAX * 100} %), washed off by rain (about one day in eight, at 15:00 UTC) and by a cleaning at ${when(soiling.cleaning)}.`,
    },
    ...schedule.pvDegradation.map(
      (rate, inverter): SimulatedFault => ({
        id: `performance_degradation-${inv(inverter)}`,
        kind: 'performance_degradation',
        asset: inverterAsset(inverter),
        channels: channels(inv(inverter), ['ac_power', 's1_current', 's2_current', 's3_current']),
        start: schedule.longStart,
        rate_pct_per_year: rate,
        description: `The modules age: their current (and so the inverter's power) changes by ${rate.toFixed(2)} % a year, compounding, from ${when(schedule.longStart)} on.`,
      }),
    ),
  ];
  const days = (schedule.liveFrom - schedule.start) / DAY;
  const doc = (site: string, faults: SimulatedFault[]) => ({ type: 'simulation_truth' as const, site, simulated: true as const, seed: schedule.seed, start: schedule.start, long_start: schedule.longStart, days, live_from: schedule.liveFrom, faults });
  return [
    { id: `ground-truth/${WIND_SITE.slice(5)}`, doc: doc(WIND_SITE, wind) },
    { id: `ground-truth/${SOLAR_SITE.slice(5)}`, doc: doc(SOLAR_SITE, solar) },
  ];
}

/**
 * The failures of the main bearings' past lives as failure documents (`failure/demo-<turbine>-<n>`,
 * simulated), as an engineer would have recorded them: what a remaining-life model learns from.
 */
export function pastFailures(schedule: FaultSchedule): Array<{ id: string; doc: FailureDoc }> {
  return schedule.pastWear.map((life) => {
    const turbine = `t${String(life.turbine + 1).padStart(2, '0')}`;
    return {
      id: `failure/demo-${turbine}-${life.n}`,
      doc: {
        type: 'failure',
        site: WIND_SITE,
        asset: turbineAsset(life.turbine, 'main-bearing'),
        component: 'main bearing',
        mode: 'outer race defect',
        at: life.failureAt,
        notes: `Simulated: the bearing wore for ${((life.failureAt - life.start) / DAY).toFixed(0)} days and was replaced (ground truth bearing_wear-${turbine}-${life.n}).`,
        simulated: true,
      },
    };
  });
}
