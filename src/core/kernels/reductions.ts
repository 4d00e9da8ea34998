/**
 * Reductions over values: max, min, sum, mean, variance/std, RMS, peak-to-peak. Loops are written
 * for V8: plain indexed loops over the typed array with local accumulators (4-way unrolled where
 * it pays), no closures per sample.
 */
import { KernelError, maxOf, minOf, type Chunk, type Kernel } from './kernel';
import { simdExtreme } from './simd-minmax';

/** Below this many samples the scalar loop beats copying into WebAssembly memory. */
const SIMD_FROM = 2048;

/** -0 and +0 compare equal; results report +0 so every engine gives the same answer. */
const positiveZero = (value: number): number => (value === 0 ? 0 : value);

type NoParams = Record<string, never>;
const noParams = (raw: unknown): NoParams => {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Object.keys(raw).length > 0)) throw new KernelError('this kernel takes no parameters');
  return {};
};

/** Largest non-NaN value of a chunk, or null. NaN fails every comparison, so it is skipped for free. */
export function chunkMax(values: Float32Array, from = 0, to = values.length): number | null {
  if (to - from >= SIMD_FROM) {
    const fast = simdExtreme('max', values, from, to);
    if (fast !== undefined && fast > -Infinity) return positiveZero(fast);
  }
  let m0 = -Infinity;
  let m1 = -Infinity;
  let m2 = -Infinity;
  let m3 = -Infinity;
  let seen = false;
  let index = from;
  for (; index + 3 < to; index += 4) {
    const a = values[index]!;
    const b = values[index + 1]!;
    const c = values[index + 2]!;
    const d = values[index + 3]!;
    if (a > m0) m0 = a;
    if (b > m1) m1 = b;
    if (c > m2) m2 = c;
    if (d > m3) m3 = d;
  }
  for (; index < to; index++) {
    const a = values[index]!;
    if (a > m0) m0 = a;
  }
  const max = Math.max(m0, m1, m2, m3);
  if (max > -Infinity) return positiveZero(max);
  // All NaN, or only -Infinity values: tell them apart.
  for (let scan = from; scan < to; scan++) if (values[scan] === -Infinity) seen = true;
  return seen ? -Infinity : null;
}

/** Smallest non-NaN value of a chunk, or null. */
export function chunkMin(values: Float32Array, from = 0, to = values.length): number | null {
  if (to - from >= SIMD_FROM) {
    const fast = simdExtreme('min', values, from, to);
    if (fast !== undefined && fast < Infinity) return positiveZero(fast);
  }
  let m0 = Infinity;
  let m1 = Infinity;
  let m2 = Infinity;
  let m3 = Infinity;
  let index = from;
  for (; index + 3 < to; index += 4) {
    const a = values[index]!;
    const b = values[index + 1]!;
    const c = values[index + 2]!;
    const d = values[index + 3]!;
    if (a < m0) m0 = a;
    if (b < m1) m1 = b;
    if (c < m2) m2 = c;
    if (d < m3) m3 = d;
  }
  for (; index < to; index++) {
    const a = values[index]!;
    if (a < m0) m0 = a;
  }
  const min = Math.min(m0, m1, m2, m3);
  if (min < Infinity) return positiveZero(min);
  for (let scan = from; scan < to; scan++) if (values[scan] === Infinity) return Infinity;
  return null;
}

export const max: Kernel<NoParams, { max: number | null }, number | null> = {
  name: 'max',
  params: noParams,
  init: () => ({ max: null }),
  step: (state, chunk) => ({ max: maxOf(state.max, chunkMax(chunk.values)) }),
  merge: (a, b) => ({ max: maxOf(a.max, b.max) }),
  finish: (state) => state.max,
};

export const min: Kernel<NoParams, { min: number | null }, number | null> = {
  name: 'min',
  params: noParams,
  init: () => ({ min: null }),
  step: (state, chunk) => ({ min: minOf(state.min, chunkMin(chunk.values)) }),
  merge: (a, b) => ({ min: minOf(a.min, b.min) }),
  finish: (state) => state.min,
};

export const peakToPeak: Kernel<NoParams, { min: number | null; max: number | null }, number | null> = {
  name: 'peak_to_peak',
  params: noParams,
  init: () => ({ min: null, max: null }),
  step: (state, chunk) => ({ min: minOf(state.min, chunkMin(chunk.values)), max: maxOf(state.max, chunkMax(chunk.values)) }),
  merge: (a, b) => ({ min: minOf(a.min, b.min), max: maxOf(a.max, b.max) }),
  finish: (state) => (state.min === null || state.max === null ? null : state.max - state.min),
};

/**
 * Neumaier-compensated float64 sum (exact to ~1e-16 relative for Float32 inputs of any length).
 * `sum` is null while nothing but NaN was seen; an infinite value makes the sum infinite (or NaN
 * for +∞ + −∞, as IEEE says) and is tracked apart so compensation never sees it.
 */
export interface SumState {
  sum: number;
  compensation: number;
  count: number;
  positiveInfinity: boolean;
  negativeInfinity: boolean;
}

function sumChunk(state: SumState, chunk: Chunk): SumState {
  let { sum, compensation, count, positiveInfinity, negativeInfinity } = state;
  const values = chunk.values;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (value !== value) continue; // NaN
    count++;
    if (value === Infinity) positiveInfinity = true;
    else if (value === -Infinity) negativeInfinity = true;
    else {
      const total = sum + value;
      compensation += Math.abs(sum) >= Math.abs(value) ? sum - total + value : value - total + sum;
      sum = total;
    }
  }
  return { sum, compensation, count, positiveInfinity, negativeInfinity };
}

function mergeSums(a: SumState, b: SumState): SumState {
  const total = a.sum + b.sum;
  const carried = Math.abs(a.sum) >= Math.abs(b.sum) ? a.sum - total + b.sum : b.sum - total + a.sum;
  return {
    sum: total,
    compensation: a.compensation + b.compensation + carried,
    count: a.count + b.count,
    positiveInfinity: a.positiveInfinity || b.positiveInfinity,
    negativeInfinity: a.negativeInfinity || b.negativeInfinity,
  };
}

function sumValue(state: SumState): number | null {
  if (state.count === 0) return null;
  if (state.positiveInfinity && state.negativeInfinity) return Number.NaN;
  if (state.positiveInfinity) return Infinity;
  if (state.negativeInfinity) return -Infinity;
  return state.sum + state.compensation;
}

const emptySum = (): SumState => ({ sum: 0, compensation: 0, count: 0, positiveInfinity: false, negativeInfinity: false });

export const sum: Kernel<NoParams, SumState, number | null> = {
  name: 'sum',
  params: noParams,
  init: emptySum,
  step: sumChunk,
  merge: mergeSums,
  finish: sumValue,
};

export const mean: Kernel<NoParams, SumState, number | null> = {
  name: 'mean',
  params: noParams,
  init: emptySum,
  step: sumChunk,
  merge: mergeSums,
  finish: (state) => {
    const total = sumValue(state);
    return total === null ? null : total / state.count;
  },
};

/** Welford per chunk, Chan et al. to merge: numerically stable, exactly mergeable. Finite values only. */
export interface MomentsState {
  count: number;
  mean: number;
  m2: number;
}

function momentsOf(values: Float32Array): MomentsState {
  let count = 0;
  let mean = 0;
  let m2 = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (!Number.isFinite(value)) continue;
    count++;
    const delta = value - mean;
    mean += delta / count;
    m2 += delta * (value - mean);
  }
  return { count, mean, m2 };
}

function mergeMoments(a: MomentsState, b: MomentsState): MomentsState {
  if (a.count === 0) return b;
  if (b.count === 0) return a;
  const count = a.count + b.count;
  const delta = b.mean - a.mean;
  return { count, mean: a.mean + (delta * b.count) / count, m2: a.m2 + b.m2 + (delta * delta * a.count * b.count) / count };
}

export const variance: Kernel<NoParams, MomentsState, { count: number; mean: number; variance: number; std: number } | null> = {
  name: 'variance',
  params: noParams,
  init: () => ({ count: 0, mean: 0, m2: 0 }),
  step: (state, chunk) => mergeMoments(state, momentsOf(chunk.values)),
  merge: mergeMoments,
  // Population variance (divide by n): the figure of a recorded signal, not an estimate of a population.
  finish: (state) => (state.count === 0 ? null : { count: state.count, mean: state.mean, variance: state.m2 / state.count, std: Math.sqrt(state.m2 / state.count) }),
};

export const rms: Kernel<NoParams, SumState, number | null> = {
  name: 'rms',
  params: noParams,
  init: emptySum,
  step: (state, chunk) => {
    const squares = new Float64Array(chunk.values.length);
    for (let index = 0; index < squares.length; index++) {
      const value = chunk.values[index]!;
      squares[index] = value * value;
    }
    // Reuse the compensated sum; Float64 squares keep full precision of the Float32 inputs.
    return mergeSums(state, sumChunk(emptySum(), { values: squares as unknown as Float32Array, offset: chunk.offset }));
  },
  merge: mergeSums,
  finish: (state) => {
    const total = sumValue(state);
    return total === null ? null : Math.sqrt(total / state.count);
  },
};
