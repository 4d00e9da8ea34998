/**
 * The faults put into the simulated fleet, on a schedule that follows from the seed and the
 * history's span alone (so a restart finds the same one), and the ground truth documents that
 * write it down (`ground-truth/<site-slug>`, see docs of the asset model).
 *
 * Windows are placed at fractions of the history (so a short DEMO_DAYS still shows each fault)
 * and capped in length (so a month of history does not hold a stuck sensor for four days). With
 * (almost) no history (DEMO_DAYS=0) the span counts as an hour, and the faults happen live.
 */
import type { SimulatedFault, SimulationTruth } from '../../core/model';
import { SOLAR_SITE, WIND_SITE, inverterAsset, turbineAsset } from './fleet';
import { uniform } from './noise';

const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface Window {
  start: number;
  end: number;
}

export interface FaultSchedule {
  seed: number;
  /** Epoch ms of the history's first sample. */
  start: number;
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
}

/** How long an inverter's efficiency takes to fall from 97.5 % to 90 %. */
export const DEGRADATION_MS = 21 * DAY;
/** Soiling loss per day since the last rain or cleaning, and its cap. */
export const SOILING_PER_DAY = 0.003;
export const SOILING_MAX = 0.08;
/** Chance that a day brings rain at the solar plant (which washes the modules). */
const RAIN_CHANCE = 0.12;
const RAIN_KEY = 0x7a1e;

/** The schedule of a fleet whose history spans [start, liveFrom]. */
export function faultSchedule(seed: number, start: number, liveFrom: number): FaultSchedule {
  // With no history to speak of, the faults happen live within the first hour.
  const span = liveFrom - start >= 60_000 ? liveFrom - start : HOUR;
  const at = (fraction: number): number => Math.round(start + fraction * span);
  const window = (fraction: number, share: number, cap: number): Window => ({ start: at(fraction), end: at(fraction) + Math.round(Math.min(share * span, cap)) });
  return {
    seed,
    start,
    liveFrom,
    icing: { turbine: 3, ...window(0.1, 0.12, 16 * HOUR) },
    wear: { turbine: 2, start: at(0.15), failureAt: liveFrom + 14 * DAY },
    stuck: { turbine: 4, field: 'gearbox_temp', ...window(0.35, 0.1, 20 * HOUR) },
    dropout: { turbine: 1, ...window(0.55, 0.08, 5 * HOUR) },
    degradation: { inverter: 1, start: at(0.25) },
    stringFailure: { inverter: 2, string: 1, start: at(0.6) },
    soiling: { inverter: 3, start, cleaning: at(0.7) },
  };
}

/** How far the main bearing's wear has gone at `time`: 0 (new) to 1 (failed), growing quadratically. */
export function wearSeverity(schedule: FaultSchedule, time: number): number {
  const { start, failureAt } = schedule.wear;
  if (time <= start) return 0;
  const progress = Math.min(1, (time - start) / (failureAt - start));
  return progress * progress;
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
export function groundTruth(schedule: FaultSchedule, channels: ChannelIds): Array<{ id: string; doc: SimulationTruth & { days: number; live_from: number } }> {
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
  ];
  const days = (schedule.liveFrom - schedule.start) / DAY;
  const doc = (site: string, faults: SimulatedFault[]) => ({ type: 'simulation_truth' as const, site, simulated: true as const, seed: schedule.seed, start: schedule.start, days, live_from: schedule.liveFrom, faults });
  return [
    { id: `ground-truth/${WIND_SITE.slice(5)}`, doc: doc(WIND_SITE, wind) },
    { id: `ground-truth/${SOLAR_SITE.slice(5)}`, doc: doc(SOLAR_SITE, solar) },
  ];
}
