/**
 * Usage of an asset from one of its channels, for usage-based maintenance plans: operating hours
 * (time with the value above a threshold) and energy in MWh (∫ power dt). Both need the samples'
 * times (`Chunk.times`, epoch ms).
 *
 * Between two consecutive samples the interval counts only when it is at most `max_gap_s`: a gap
 * in the data (a logger down for a day) says nothing about whether the asset ran, so it counts
 * nothing rather than holding the last value across it. Operating hours hold the earlier sample's
 * value over the interval (above threshold: the whole interval counts); energy takes the trapezoid
 * of the two samples, with negative power (an inverter's night consumption) counted as 0: plans
 * count throughput. NaN is a missing sample (skipped; the interval then spans it), and for energy
 * so is ±Infinity (no finite energy comes of it).
 *
 * The state keeps the first and last sample of its piece, so `merge` adds the interval that
 * bridges two pieces: any split of a channel gives the same total as one pass.
 */
import { KernelError, type Chunk, type Kernel } from './kernel';

const HOUR_MS = 3_600_000;

/** Power units a channel may use, as the factor to MW. */
const POWER_TO_MW: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, { W: 1e-6, kW: 1e-3, MW: 1, GW: 1e3 });

/** The factor turning a power in `unit` into MW (undefined: not a power unit known here). */
export function powerToMegawatts(unit: string | undefined): number | undefined {
  return unit === undefined ? undefined : POWER_TO_MW[unit.trim()];
}

export interface UsageState {
  first_time: number | null;
  first_value: number | null;
  last_time: number | null;
  last_value: number | null;
  /** Hours or MWh so far. */
  total: number;
}

export interface OperatingHoursParams {
  /** Operating: the value above this (default 0). */
  threshold: number;
  max_gap_s: number;
}

export interface EnergyParams {
  /** The power's unit (W, kW, MW, GW; default kW). */
  unit: string;
  max_gap_s: number;
}

const emptyUsage = (): UsageState => ({ first_time: null, first_value: null, last_time: null, last_value: null, total: 0 });

function gapParam(raw: Record<string, unknown>): number {
  const gap = raw.max_gap_s ?? 300;
  if (typeof gap !== 'number' || !Number.isFinite(gap) || gap <= 0) throw new KernelError('max_gap_s must be a positive number of seconds');
  return gap;
}

function paramsObject(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new KernelError('parameters must be an object');
  return raw as Record<string, unknown>;
}

/**
 * Folds a chunk's samples into `state`; `counts(a, b, dt)` is what the interval from a sample of
 * value `a` to the next of value `b`, `dt` ms later, adds; `skip(v)` says which values are missing.
 */
function stepUsage(state: UsageState, chunk: Chunk, maxGapMs: number, counts: (a: number, b: number, dt: number) => number, skipInfinite: boolean): UsageState {
  const { values, times } = chunk;
  if (!times || times.length !== values.length) throw new KernelError('this kernel needs the samples’ times (chunk.times)');
  let { first_time: firstTime, first_value: firstValue, last_time: lastTime, last_value: lastValue, total } = state;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (value !== value || (skipInfinite && (value === Infinity || value === -Infinity))) continue;
    const time = times[index]!;
    if (lastTime === null) {
      firstTime = time;
      firstValue = value;
    } else {
      const dt = time - lastTime;
      if (dt > 0 && dt <= maxGapMs) total += counts(lastValue!, value, dt);
    }
    lastTime = time;
    lastValue = value;
  }
  return { first_time: firstTime, first_value: firstValue, last_time: lastTime, last_value: lastValue, total };
}

function mergeUsage(a: UsageState, b: UsageState, maxGapMs: number, counts: (a: number, b: number, dt: number) => number): UsageState {
  if (a.last_time === null) return b;
  if (b.first_time === null) return a;
  const dt = b.first_time - a.last_time;
  const bridge = dt > 0 && dt <= maxGapMs ? counts(a.last_value!, b.first_value!, dt) : 0;
  return { first_time: a.first_time, first_value: a.first_value, last_time: b.last_time, last_value: b.last_value, total: a.total + b.total + bridge };
}

const hoursCounted = (threshold: number) => (a: number, _b: number, dt: number): number => (a > threshold ? dt / HOUR_MS : 0);
const energyCounted = (toMw: number) => (a: number, b: number, dt: number): number => ((Math.max(0, a) + Math.max(0, b)) / 2) * toMw * (dt / HOUR_MS);

/** Hours with the channel's value above `threshold` (robust to gaps; see the module comment). */
export const operatingHours: Kernel<OperatingHoursParams, UsageState, number> = {
  name: 'operating_hours',
  needsTimes: true,
  params(raw) {
    const object = paramsObject(raw);
    const threshold = object.threshold ?? 0;
    if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new KernelError('threshold must be a number');
    return { threshold, max_gap_s: gapParam(object) };
  },
  init: emptyUsage,
  step: (state, chunk, params) => stepUsage(state, chunk, params.max_gap_s * 1000, hoursCounted(params.threshold), false),
  merge: (a, b, params) => mergeUsage(a, b, params.max_gap_s * 1000, hoursCounted(params.threshold)),
  finish: (state) => state.total,
};

/** Energy in MWh from a power channel in `unit` (robust to gaps; see the module comment). */
export const energyMwh: Kernel<EnergyParams, UsageState, number> = {
  name: 'energy_mwh',
  needsTimes: true,
  params(raw) {
    const object = paramsObject(raw);
    const unit = object.unit ?? 'kW';
    if (typeof unit !== 'string' || powerToMegawatts(unit) === undefined) throw new KernelError(`unit must be one of ${Object.keys(POWER_TO_MW).join(', ')} (got ${JSON.stringify(unit)})`);
    return { unit: unit.trim(), max_gap_s: gapParam(object) };
  },
  init: emptyUsage,
  step: (state, chunk, params) => stepUsage(state, chunk, params.max_gap_s * 1000, energyCounted(powerToMegawatts(params.unit)!), true),
  merge: (a, b, params) => mergeUsage(a, b, params.max_gap_s * 1000, energyCounted(powerToMegawatts(params.unit)!)),
  finish: (state) => state.total,
};
