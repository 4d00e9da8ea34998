/** Kernels that keep the shape of a signal: histogram, threshold crossings, M4 decimation. */
import { KernelError, type Chunk, type Kernel } from './kernel';
import { chunkMax, chunkMin } from './reductions';

function record(raw: unknown, what: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new KernelError(`${what} needs parameters as an object`);
  return raw as Record<string, unknown>;
}

function finiteNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new KernelError(`${name} must be a finite number`);
  return value;
}

function positiveInteger(value: unknown, name: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) throw new KernelError(`${name} must be an integer from 1 to ${max}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
export interface HistogramParams {
  min: number;
  max: number;
  bins: number;
}

export interface HistogramState {
  counts: number[];
  below: number;
  above: number;
}

/**
 * Bin edges as Float32 values: edge k = min + k·(max − min)/bins, rounded to float32. Every engine
 * places a value by comparing it with these edges (comparisons are exact on CPU and GPU alike;
 * float32 division on a GPU is not), so all engines put every value in the same bin.
 */
export function histogramEdges(params: HistogramParams): Float32Array {
  const edges = new Float32Array(params.bins + 1);
  for (let k = 0; k <= params.bins; k++) edges[k] = params.min + ((params.max - params.min) * k) / params.bins;
  edges[params.bins] = params.max;
  return edges;
}

/** Bin of a value with edges[0] ≤ value ≤ edges[bins]: the last edge at or below it (max → last bin). */
export function histogramBin(value: number, edges: Float32Array): number {
  let low = 0;
  let high = edges.length - 2;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (value >= edges[middle]!) low = middle;
    else high = middle - 1;
  }
  return low;
}

export const histogram: Kernel<HistogramParams, HistogramState, HistogramState> = {
  name: 'histogram',
  params(raw) {
    const input = record(raw, 'histogram');
    const params = { min: finiteNumber(input.min, 'min'), max: finiteNumber(input.max, 'max'), bins: positiveInteger(input.bins ?? 64, 'bins', 65536) };
    if (!(params.max > params.min)) throw new KernelError('max must be greater than min');
    return params;
  },
  init: (params) => ({ counts: new Array<number>(params.bins).fill(0), below: 0, above: 0 }),
  step(state, chunk, params) {
    const counts = state.counts.slice();
    let { below, above } = state;
    const values = chunk.values;
    const edges = histogramEdges(params);
    const low = edges[0]!;
    const high = edges[params.bins]!;
    for (let index = 0; index < values.length; index++) {
      const value = values[index]!;
      if (value !== value) continue;
      if (value < low) below++;
      else if (value > high) above++;
      else counts[histogramBin(value, edges)]!++;
    }
    return { counts, below, above };
  },
  merge: (a, b) => ({ counts: a.counts.map((count, index) => count + b.counts[index]!), below: a.below + b.below, above: a.above + b.above }),
  finish: (state) => state,
};

// ---------------------------------------------------------------------------------------------
export interface CrossingsParams {
  threshold: number;
  direction: 'up' | 'down' | 'both';
  /** Positions kept at most (the count is always exact). */
  maxPositions: number;
}

export interface CrossingsState {
  count: number;
  /** Sample numbers at which the signal has crossed (the first sample on the other side). */
  positions: number[];
  /** First and last non-NaN sample of the piece, to find a crossing at a piece boundary. */
  first: number | null;
  last: number | null;
  firstPosition: number;
}

function crosses(previous: number, value: number, params: CrossingsParams): boolean {
  const up = previous < params.threshold && value >= params.threshold;
  const down = previous >= params.threshold && value < params.threshold;
  return params.direction === 'up' ? up : params.direction === 'down' ? down : up || down;
}

export const crossings: Kernel<CrossingsParams, CrossingsState, { count: number; positions: number[] }> = {
  name: 'crossings',
  params(raw) {
    const input = record(raw, 'crossings');
    const direction = input.direction ?? 'both';
    if (direction !== 'up' && direction !== 'down' && direction !== 'both') throw new KernelError('direction must be up, down or both');
    return { threshold: finiteNumber(input.threshold, 'threshold'), direction, maxPositions: positiveInteger(input.maxPositions ?? 10_000, 'maxPositions', 10_000_000) };
  },
  init: () => ({ count: 0, positions: [], first: null, last: null, firstPosition: -1 }),
  step(state, chunk, params) {
    return crossings.merge(state, crossingsOf(chunk, params), params);
  },
  merge(a, b, params) {
    if (a.first === null) return b;
    if (b.first === null) return a;
    let count = a.count + b.count;
    const positions = a.positions.slice();
    if (crosses(a.last!, b.first, params)) {
      count++;
      if (positions.length < params.maxPositions) positions.push(b.firstPosition);
    }
    for (const position of b.positions) if (positions.length < params.maxPositions) positions.push(position);
    return { count, positions, first: a.first, last: b.last, firstPosition: a.firstPosition };
  },
  finish: (state) => ({ count: state.count, positions: state.positions }),
};

function crossingsOf(chunk: Chunk, params: CrossingsParams): CrossingsState {
  const values = chunk.values;
  let previous: number | null = null;
  let first: number | null = null;
  let firstPosition = -1;
  let count = 0;
  const positions: number[] = [];
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (value !== value) continue;
    if (previous === null) {
      first = value;
      firstPosition = chunk.offset + index;
    } else if (crosses(previous, value, params)) {
      count++;
      if (positions.length < params.maxPositions) positions.push(chunk.offset + index);
    }
    previous = value;
  }
  return { count, positions, first, last: previous, firstPosition };
}



// ---------------------------------------------------------------------------------------------
export interface M4Params {
  /** Sample range [start, end) split into `buckets` equal buckets (one per pixel column). */
  start: number;
  end: number;
  buckets: number;
}

/**
 * Per bucket: first, min, max, last value and the sample numbers of first and last (-1 and NaN
 * for an empty bucket). Drawing these four points per pixel column reproduces the line chart of
 * all samples exactly (Jugel et al., "M4", VLDB 2014).
 */
export interface M4State {
  firstIndex: number[];
  first: number[];
  min: number[];
  max: number[];
  last: number[];
  lastIndex: number[];
}

/** Bucket of sample `index`; same formula as the shader. */
export function m4Bucket(index: number, params: M4Params): number {
  return Math.floor(((index - params.start) * params.buckets) / (params.end - params.start));
}

/** First sample number of `bucket` (for bucket = buckets: the end), consistent with m4Bucket. */
export function m4BucketStart(bucket: number, params: M4Params): number {
  if (bucket >= params.buckets) return params.end;
  let start = params.start + Math.ceil((bucket * (params.end - params.start)) / params.buckets);
  // Guard against float rounding of the quotient: m4Bucket decides.
  while (start > params.start && m4Bucket(start - 1, params) >= bucket) start--;
  while (m4Bucket(start, params) < bucket) start++;
  return start;
}

const nanFilled = (length: number): number[] => new Array<number>(length).fill(Number.NaN);

export const m4: Kernel<M4Params, M4State, M4State> = {
  name: 'm4',
  params(raw) {
    const input = record(raw, 'm4');
    const start = input.start;
    const end = input.end;
    if (typeof start !== 'number' || !Number.isInteger(start) || start < 0) throw new KernelError('start must be a non-negative integer');
    if (typeof end !== 'number' || !Number.isInteger(end) || end <= start) throw new KernelError('end must be an integer greater than start');
    return { start, end, buckets: positiveInteger(input.buckets, 'buckets', 100_000) };
  },
  init: (params) => ({
    firstIndex: new Array<number>(params.buckets).fill(-1),
    first: nanFilled(params.buckets),
    min: nanFilled(params.buckets),
    max: nanFilled(params.buckets),
    last: nanFilled(params.buckets),
    lastIndex: new Array<number>(params.buckets).fill(-1),
  }),
  step(state, chunk, params) {
    const next: M4State = {
      firstIndex: state.firstIndex.slice(),
      first: state.first.slice(),
      min: state.min.slice(),
      max: state.max.slice(),
      last: state.last.slice(),
      lastIndex: state.lastIndex.slice(),
    };
    const values = chunk.values;
    const from = Math.max(0, params.start - chunk.offset);
    const to = Math.min(values.length, params.end - chunk.offset);
    if (to <= from) return next;
    // Bucket by bucket: tight min/max loops over each bucket's part of the chunk, then its first
    // and last non-NaN sample.
    const lastBucket = m4Bucket(chunk.offset + to - 1, params);
    for (let bucket = m4Bucket(chunk.offset + from, params); bucket <= lastBucket; bucket++) {
      const bucketStart = m4BucketStart(bucket, params) - chunk.offset;
      const bucketEnd = m4BucketStart(bucket + 1, params) - chunk.offset;
      const lo = Math.max(from, bucketStart);
      const hi = Math.min(to, bucketEnd);
      let first = lo;
      while (first < hi && values[first] !== values[first]) first++;
      if (first === hi) continue; // only NaN here
      let last = hi - 1;
      while (values[last] !== values[last]) last--;
      const low = chunkMin(values, first, last + 1)!;
      const high = chunkMax(values, first, last + 1)!;
      if (next.firstIndex[bucket] === -1) {
        next.firstIndex[bucket] = chunk.offset + first;
        next.first[bucket] = values[first]!;
        next.min[bucket] = low;
        next.max[bucket] = high;
      } else {
        next.min[bucket] = Math.min(next.min[bucket]!, low);
        next.max[bucket] = Math.max(next.max[bucket]!, high);
      }
      next.last[bucket] = values[last]!;
      next.lastIndex[bucket] = chunk.offset + last;
    }
    return next;
  },
  merge(a, b) {
    const merged = m4.init({ start: 0, end: 1, buckets: a.first.length });
    for (let bucket = 0; bucket < a.first.length; bucket++) {
      const hasA = a.firstIndex[bucket]! >= 0;
      const hasB = b.firstIndex[bucket]! >= 0;
      const firstFrom = hasA ? a : b;
      const lastFrom = hasB ? b : a;
      merged.firstIndex[bucket] = firstFrom.firstIndex[bucket]!;
      merged.first[bucket] = firstFrom.first[bucket]!;
      merged.lastIndex[bucket] = lastFrom.lastIndex[bucket]!;
      merged.last[bucket] = lastFrom.last[bucket]!;
      merged.min[bucket] = hasA && hasB ? Math.min(a.min[bucket]!, b.min[bucket]!) : firstFrom.min[bucket]!;
      merged.max[bucket] = hasA && hasB ? Math.max(a.max[bucket]!, b.max[bucket]!) : firstFrom.max[bucket]!;
    }
    return merged;
  },
  finish: (state) => state,
};
