/**
 * Which sample times the simulated fleet stores, and what each source's samples are. Values are
 * pure functions of (seed, source, time); which times exist depends on how they were written:
 *
 * - live (the forward protocol), every second of the 1 Hz sources, and a 10 s CMS burst at 1 kHz
 *   every 10 minutes (on the clock: :00, :10, …);
 * - in bulk (the backfill on a first start, the gap after a restart), the last RECENT_MS at 1 Hz
 *   and what is older at one sample per OLD_DT_MS (10 s), as its own regular segment; before the
 *   history's start, the long history (DEMO_YEARS) at one sample per LONG_DT_MS (an hour, on
 *   whole hours: what a remaining-life model or a year-on-year rate needs), and CMS
 *   bursts every `bulkBurstEvery` (4 h over a month: a month of 10-minute bursts would be 780 M
 *   samples, and the 60 s budget of the backfill is spent on the 1 Hz channels).
 *
 * No source sends during its dropouts (the T02 SCADA link), live or in bulk.
 */
import { CMS_RATE, type SourceDef } from './fleet';
import type { FaultSchedule, Window } from './schedule';
import { inverterSamples, metSamples } from './solar';
import { cmsBurst, scadaSamples } from './wind';
import { GRID_MS, LONG_GRID_MS } from './lag';

export const SECOND = 1000;
/** Bulk history at 1 Hz for this long before its end; before that, one sample every OLD_DT_MS. */
export const RECENT_MS = 2 * 86_400_000;
export const OLD_DT_MS = 10_000;
/** The long history before the schedule's start: one sample an hour. */
export const LONG_DT_MS = 3_600_000;
/** A CMS burst: 10 s at CMS_RATE. */
export const BURST_MS = 10_000;
export const BURST_SAMPLES = (BURST_MS / 1000) * CMS_RATE;
/** Live bursts start at every multiple of this (epoch-aligned). */
export const LIVE_BURST_EVERY_MS = 10 * 60_000;

/** One regular run of sample times: `count` samples at `t0 + i·dt`. */
export interface Run {
  t0: number;
  dt: number;
  count: number;
}

/** Bulk bursts: a sixth of the history apart, from 10 minutes to 4 hours (origin: the history's start). */
export function bulkBurstEvery(schedule: FaultSchedule): number {
  return Math.min(4 * 3_600_000, Math.max(LIVE_BURST_EVERY_MS, Math.floor((schedule.liveFrom - schedule.start) / 6 / 60_000) * 60_000));
}

/** The windows in which `source` sends nothing. */
export function silences(schedule: FaultSchedule, source: SourceDef): Window[] {
  return source.kind === 'scada' && source.index === schedule.dropout.turbine ? [{ start: schedule.dropout.start, end: schedule.dropout.end }] : [];
}

/** Whether `source` is silent at `time`. */
export function silentAt(schedule: FaultSchedule, source: SourceDef, time: number): boolean {
  return silences(schedule, source).some((window) => time >= window.start && time < window.end);
}

/** Multiples of `step` (from `origin`) in (after, until]. */
function grid(after: number, until: number, step: number, origin = 0): Run | undefined {
  const first = origin + (Math.floor((after - origin) / step) + 1) * step;
  if (first > until) return undefined;
  return { t0: first, dt: step, count: Math.floor((until - first) / step) + 1 };
}

/** `runs` without the samples that fall in `windows` ([start, end)). */
function cut(runs: Run[], windows: readonly Window[]): Run[] {
  let result = runs;
  for (const window of windows) {
    const next: Run[] = [];
    for (const run of result) {
      const end = run.t0 + (run.count - 1) * run.dt;
      if (window.end <= run.t0 || window.start > end) {
        next.push(run);
        continue;
      }
      const before = Math.max(0, Math.ceil((window.start - run.t0) / run.dt));
      const resume = Math.max(0, Math.ceil((window.end - run.t0) / run.dt));
      if (before > 0) next.push({ t0: run.t0, dt: run.dt, count: before });
      if (resume < run.count) next.push({ t0: run.t0 + resume * run.dt, dt: run.dt, count: run.count - resume });
    }
    result = next;
  }
  return result;
}

/**
 * The runs a 1 Hz source stores in bulk in (after, until]: every LONG_DT_MS before the schedule's
 * start (the long history), 1 Hz from `recentFrom` on, every OLD_DT_MS between, without its
 * silences.
 */
export function bulkRuns(schedule: FaultSchedule, source: SourceDef, after: number, until: number, recentFrom: number): Run[] {
  const runs: Run[] = [];
  // The long history ends before the history's first sample (at its start), so all stay in time order.
  const long = after < schedule.start - 1 ? grid(after, Math.min(until, schedule.start - 1), LONG_DT_MS) : undefined;
  if (long) runs.push(long);
  const from = Math.max(after, schedule.start - 1);
  // The old part ends before the first 1 Hz sample so both stay in time order.
  const boundary = Math.ceil(recentFrom / OLD_DT_MS) * OLD_DT_MS;
  const old = boundary > from ? grid(from, Math.min(until, boundary - SECOND), OLD_DT_MS) : undefined;
  if (old) runs.push(old);
  const recent = grid(Math.max(from, boundary - SECOND), until, SECOND);
  if (recent) runs.push(recent);
  return cut(runs, silences(schedule, source));
}

/** Start times of the bursts a CMS source stores in bulk in (after, until] (each whole by `until`; none in the long history). */
export function bulkBursts(schedule: FaultSchedule, after: number, until: number): number[] {
  const every = bulkBurstEvery(schedule);
  const run = grid(Math.max(after, schedule.start - 1) - 1, until - BURST_MS, every, schedule.start);
  return run ? Array.from({ length: run.count }, (_, index) => run.t0 + index * every) : [];
}

/** The times of `runs`, one after the other. */
export function timesOf(runs: readonly Run[]): Float64Array {
  const times = new Float64Array(runs.reduce((sum, run) => sum + run.count, 0));
  let at = 0;
  for (const run of runs) for (let index = 0; index < run.count; index++) times[at++] = run.t0 + index * run.dt;
  return times;
}

/**
 * A 1 Hz source's fields at each of `times` (increasing). Those of the long history (before the
 * schedule's start) have their thermal lags on the coarser LONG_GRID_MS, whatever block they are
 * computed in: a time's sample stays one value.
 */
export function sourceSamples(schedule: FaultSchedule, source: SourceDef, times: Float64Array): Record<string, Float32Array> {
  let split = 0;
  while (split < times.length && times[split]! < schedule.start) split++;
  if (split === 0 || split === times.length) return samplesOn(schedule, source, times, split === 0 ? GRID_MS : LONG_GRID_MS);
  const long = samplesOn(schedule, source, times.subarray(0, split), LONG_GRID_MS);
  const rest = samplesOn(schedule, source, times.subarray(split), GRID_MS);
  return Object.fromEntries(
    Object.entries(long).map(([field, values]) => {
      const all = new Float32Array(times.length);
      all.set(values);
      all.set(rest[field]!, split);
      return [field, all];
    }),
  );
}

function samplesOn(schedule: FaultSchedule, source: SourceDef, times: Float64Array, lagGridMs: number): Record<string, Float32Array> {
  const seed = schedule.seed;
  switch (source.kind) {
    case 'scada':
      return scadaSamples(seed, schedule, source.index, times, lagGridMs);
    case 'met':
      return metSamples(seed, times, lagGridMs);
    case 'inverter':
      return inverterSamples(seed, schedule, source.index, times, lagGridMs);
    case 'cms':
      throw new Error('CMS sources send bursts: use burstSamples');
  }
}

/** A CMS source's burst starting at `t0`, or its first `count` samples. */
export function burstSamples(schedule: FaultSchedule, source: SourceDef, t0: number, count = BURST_SAMPLES): Record<string, Float32Array> {
  return cmsBurst(schedule.seed, schedule, source.index, t0, count);
}
