/**
 * One incremental evaluator per condition kind. A rule's condition tree (and each escalation
 * condition) is flattened into a plan of nodes; each node keeps a small JSON state: whether it
 * holds (`h`) and its latest measured value (`x`: the sample, the rate, the window statistic…).
 * A leaf changes only at one of its input's samples, or at a time event of its own (a stale
 * deadline, the end of a window); `all`/`any` nodes are recomputed from their children when one
 * changes, so each input contributes its latest state.
 *
 * States are plain data (numbers, booleans, null, arrays, objects, never strings) so that
 * `encodeState` keeps them exactly, and bounded whatever the number of samples seen.
 */
import { fft } from '../kernels/spectrum';
import type { Condition, WindowStat } from './rule-model';

/** Most points a rate condition keeps for its window; beyond it the ring is thinned (see `stepRate`). */
export const RATE_MAX_POINTS = 4096;
/** Most samples of one window kept for band energy; later samples of the window count in the other statistics only. */
export const WINDOW_MAX_SAMPLES = 65_536;
/** Windows with fewer samples are skipped (no statistic worth a decision). */
export const WINDOW_MIN_SAMPLES = 8;

/** A condition node of the plan. */
export interface PlanNode {
  condition: Condition;
  /** Index into the binding's inputs (composites: -1). */
  input: number;
  parent: number;
  children: number[];
  /** For peaks: +1 the larger the worse, -1 the smaller the worse. */
  sign: 1 | -1;
}

export interface NodeState {
  h: boolean;
  x: number | null;
  [key: string]: unknown;
}

export interface RateState extends NodeState {
  t: number[];
  v: number[];
  head: number;
}
export interface WindowState extends NodeState {
  /** Start of the open window (ms), null: none open. */
  start: number | null;
  n: number;
  mean: number;
  m2: number;
  m3: number;
  m4: number;
  s2: number;
  lo: number;
  hi: number;
  /** Samples kept for band energy (empty for the other statistics) and their first/last times. */
  buf: number[];
  t0: number;
  t1: number;
}
export interface StaleState extends NodeState {
  last: number | null;
}
export interface FlatlineState extends NodeState {
  start: number | null;
  lo: number;
  hi: number;
  pt: number | null;
  pv: number;
}

/** The initial state of a node of `condition`'s kind. */
export function initNode(condition: Condition): NodeState {
  switch (condition.kind) {
    case 'rate':
      return { h: false, x: null, t: [], v: [], head: 0 } satisfies RateState;
    case 'window':
      return { h: false, x: null, start: null, n: 0, mean: 0, m2: 0, m3: 0, m4: 0, s2: 0, lo: 0, hi: 0, buf: [], t0: 0, t1: 0 } satisfies WindowState;
    case 'stale':
      return { h: false, x: null, last: null } satisfies StaleState;
    case 'flatline':
      return { h: false, x: null, start: null, lo: 0, hi: 0, pt: null, pv: 0 } satisfies FlatlineState;
    default:
      return { h: false, x: null };
  }
}

/**
 * Whether an optional number of a state is set. Persisted states say "none" with null; while a
 * rule runs, its working copy says it with NaN (see copyIn in rule-engine.ts); this reads both.
 */
export function isSet(value: number | null): value is number {
  return value !== null && value === value;
}

/** Hysteresis on a level: high holds above `level`, lets go below `level - deadband` (low mirrored). */
function hysteresis(holds: boolean, value: number, high: boolean, level: number, deadband: number): boolean {
  if (high) return holds ? !(value < level - deadband) : value > level;
  return holds ? !(value > level + deadband) : value < level;
}

/**
 * Folds one sample into a leaf; returns whether its `h` or `x` changed (so composites above it
 * must be recomputed). NaN samples never reach here.
 */
export function stepLeaf(condition: Condition, state: NodeState, time: number, value: number): boolean {
  switch (condition.kind) {
    case 'threshold': {
      // Samples are float32: compare with the float32 nearest to each level, so that a sample
      // written as the level itself counts as "at the level" (80.1 is not above 80.1).
      const high = condition.direction === 'high';
      const deadband = condition.deadband ?? 0;
      const on = Math.fround(condition.level);
      const off = Math.fround(high ? condition.level - deadband : condition.level + deadband);
      const holds = high ? (state.h ? !(value < off) : value > on) : state.h ? !(value > off) : value < on;
      state.h = holds;
      state.x = value;
      return true;
    }
    case 'anomaly': {
      const level = Math.fround(condition.level);
      const holds = state.h ? !(value < level) : value > level;
      state.h = holds;
      state.x = value;
      return true;
    }
    case 'rate':
      return stepRate(condition.direction, condition.per_s, condition.window_s, condition.deadband ?? 0, state as RateState, time, value);
    case 'window':
      addToWindow(condition.stat, condition.window_s * 1000, state as WindowState, time, value);
      return false;
    case 'stale': {
      const stale = state as StaleState;
      stale.last = time;
      if (!stale.h) return false;
      stale.h = false;
      stale.x = 0;
      return true;
    }
    case 'flatline':
      return stepFlatline(condition.window_s * 1000, condition.tolerance ?? 0, state as FlatlineState, time, value);
    case 'all':
    case 'any':
      return false;
  }
}

/**
 * Rate over `window_s`: (value(t) − value(t − window_s)) / window_s, the older value being the
 * latest sample at or before t − window_s (none yet: no decision). The ring keeps the samples of
 * the window plus that reference. It is bounded: consecutive kept points are at least
 * window/RATE_MAX_POINTS apart (a newer sample closer than that to the one before the last
 * replaces the last), so a 1 kHz signal with a one-day window keeps ~4098 points and the
 * reference time is off by at most window/4096. The thinning depends only on the samples, never
 * on how they were batched.
 */
function stepRate(direction: 'rise' | 'fall' | 'either', perS: number, windowS: number, deadband: number, state: RateState, time: number, value: number): boolean {
  const windowMs = windowS * 1000;
  const spacing = windowMs / RATE_MAX_POINTS;
  const times = state.t;
  const values = state.v;
  const size = times.length - state.head;
  if (size >= 2 && time - times[times.length - 2]! < spacing) {
    times[times.length - 1] = time;
    values[values.length - 1] = value;
  } else {
    times.push(time);
    values.push(value);
  }
  // Keep exactly one point at or before t − window: the reference.
  const cutoff = time - windowMs;
  while (times.length - state.head >= 2 && times[state.head + 1]! <= cutoff) state.head++;
  if (state.head > 64 && state.head * 2 > times.length) {
    times.splice(0, state.head);
    values.splice(0, state.head);
    state.head = 0;
  }
  if (times[state.head]! > cutoff) return false;
  const rate = (value - values[state.head]!) / windowS;
  let holds: boolean;
  if (direction === 'rise') holds = hysteresis(state.h, rate, true, perS, deadband);
  else if (direction === 'fall') holds = hysteresis(state.h, rate, false, -perS, deadband);
  else holds = hysteresis(state.h, Math.abs(rate), true, perS, deadband);
  state.h = holds;
  state.x = rate;
  return true;
}

/**
 * Stuck value: the current run of consecutive samples whose max − min ≤ tolerance has lasted at
 * least window_s. A sample outside the run's range starts a new run at the previous sample when
 * the two are within tolerance of each other (else at itself): the run found is then a suffix of
 * the true longest one, so this errs on the side of not alarming, with O(1) state.
 */
function stepFlatline(windowMs: number, tolerance: number, state: FlatlineState, time: number, value: number): boolean {
  if (!isSet(state.start)) {
    state.start = time;
    state.lo = value;
    state.hi = value;
  } else {
    const lo = Math.min(state.lo, value);
    const hi = Math.max(state.hi, value);
    if (hi - lo <= tolerance) {
      state.lo = lo;
      state.hi = hi;
    } else if (isSet(state.pt) && Math.abs(value - state.pv) <= tolerance) {
      state.start = state.pt;
      state.lo = Math.min(state.pv, value);
      state.hi = Math.max(state.pv, value);
    } else {
      state.start = time;
      state.lo = value;
      state.hi = value;
    }
  }
  state.pt = time;
  state.pv = value;
  const holds = time - state.start >= windowMs;
  const changed = holds !== state.h;
  state.h = holds;
  state.x = value;
  return changed || holds;
}

/** Tumbling windows aligned on multiples of window_s since the epoch, so any start gives the same windows. */
export function windowStartOf(time: number, windowMs: number): number {
  return Math.floor(time / windowMs) * windowMs;
}

/** Adds one sample to the open window (opening the window of its time when none is). */
export function addToWindow(stat: WindowStat, windowMs: number, state: WindowState, time: number, value: number): void {
  if (!isSet(state.start)) {
    state.start = windowStartOf(time, windowMs);
    state.n = 0;
    state.mean = 0;
    state.m2 = 0;
    state.m3 = 0;
    state.m4 = 0;
    state.s2 = 0;
    state.lo = value;
    state.hi = value;
    state.buf = [];
    state.t0 = time;
    state.t1 = time;
  }
  // Running central moments (Terriberry's update of Welford's): one pass, no stored samples.
  const n1 = state.n;
  const n = n1 + 1;
  const delta = value - state.mean;
  const deltaN = delta / n;
  const deltaN2 = deltaN * deltaN;
  const term1 = delta * deltaN * n1;
  state.mean += deltaN;
  state.m4 += term1 * deltaN2 * (n * n - 3 * n + 3) + 6 * deltaN2 * state.m2 - 4 * deltaN * state.m3;
  state.m3 += term1 * deltaN * (n - 2) - 3 * deltaN * state.m2;
  state.m2 += term1;
  state.n = n;
  state.s2 += value * value;
  if (value < state.lo) state.lo = value;
  if (value > state.hi) state.hi = value;
  if (stat === 'band_energy' && state.buf.length < WINDOW_MAX_SAMPLES) {
    state.buf.push(value);
    state.t1 = time;
  }
}

/**
 * Mean-square energy of `samples` (taken `rateHz` apart) in [lowHz, highHz]: zero-padded FFT,
 * one-sided power scaled by Parseval so that the whole band gives mean(x²) (a sine of amplitude A
 * inside the band gives ≈ A²/2).
 */
export function bandEnergy(samples: ArrayLike<number>, rateHz: number, lowHz: number, highHz: number): number {
  const count = samples.length;
  let size = 1;
  while (size < count) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < count; i++) re[i] = samples[i]!;
  fft(re, im);
  let energy = 0;
  for (let k = 0; k <= size / 2; k++) {
    const frequency = (k * rateHz) / size;
    if (frequency < lowHz || frequency > highHz) continue;
    const weight = k === 0 || k === size / 2 ? 1 : 2;
    energy += (weight * (re[k]! * re[k]! + im[k]! * im[k]!)) / (size * count);
  }
  return energy;
}

/** The statistic of a closed window (undefined: too few samples to decide). */
function windowStatistic(condition: Condition & { kind: 'window' }, state: WindowState): number | undefined {
  if (state.n < WINDOW_MIN_SAMPLES) return undefined;
  switch (condition.stat) {
    case 'rms':
      return Math.sqrt(state.s2 / state.n);
    case 'mean':
      return state.mean;
    case 'max':
      return state.hi;
    case 'min':
      return state.lo;
    case 'std':
      return Math.sqrt(state.m2 / state.n);
    case 'kurtosis':
      // Pearson's kurtosis (3 for a normal distribution); a constant window has none: 0.
      return state.m2 === 0 ? 0 : (state.n * state.m4) / (state.m2 * state.m2);
    case 'band_energy': {
      const kept = state.buf.length;
      if (kept < WINDOW_MIN_SAMPLES || !(state.t1 > state.t0)) return undefined;
      const rateHz = ((kept - 1) * 1000) / (state.t1 - state.t0);
      const [lowHz, highHz] = condition.band ?? [0, Infinity];
      return bandEnergy(state.buf, rateHz, lowHz, highHz);
    }
  }
}

/** Closes the open window: returns its statistic (undefined: too few samples) and empties it. */
export function closeWindow(condition: Condition & { kind: 'window' }, state: WindowState): number | undefined {
  const statistic = windowStatistic(condition, state);
  state.start = NaN;
  state.n = 0;
  state.buf = [];
  return statistic;
}

/** Decides a window condition on the statistic of a closed window (its own, or an identical window's). */
export function decideWindow(condition: Condition & { kind: 'window' }, state: NodeState, statistic: number): void {
  state.h = hysteresis(state.h, statistic, condition.direction === 'high', condition.level, condition.deadband ?? 0);
  state.x = statistic;
}

/** The direction in which a condition's value gets worse (for the peak kept on an alarm). */
export function signOf(condition: Condition): 1 | -1 {
  if (condition.kind === 'threshold' || condition.kind === 'window') return condition.direction === 'low' ? -1 : 1;
  if (condition.kind === 'rate') return condition.direction === 'fall' ? -1 : 1;
  if (condition.kind === 'all' || condition.kind === 'any') return signOf(condition.conditions[0]!);
  return 1;
}
