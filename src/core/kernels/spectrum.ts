/**
 * Magnitude spectrum (Welch: the average of windowed FFTs of consecutive, non-overlapping segments
 * of `size` samples, aligned to sample 0 so that pieces computed apart merge exactly). Missing
 * samples (NaN) count as 0 within a segment.
 */
import { KernelError, type Kernel } from './kernel';

export interface SpectrumParams {
  size: number;
  window: 'hann' | 'hamming' | 'rectangular';
  /** Samples per second, for the frequency axis (1 gives cycles per sample). */
  sampleRate: number;
}

interface Partial {
  segment: number;
  values: number[];
  seen: number;
}

export interface SpectrumState {
  sum: number[];
  segments: number;
  partials: Partial[];
}

export interface SpectrumResult {
  frequencies: number[];
  magnitudes: number[];
  segments: number;
}

/** In-place iterative radix-2 FFT of (re, im); length must be a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let length = 2; length <= n; length <<= 1) {
    const angle = (-2 * Math.PI) / length;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let start = 0; start < n; start += length) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < length / 2; k++) {
        const a = start + k;
        const b = a + length / 2;
        const tr = re[b]! * cr - im[b]! * ci;
        const ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
        const next = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = next;
      }
    }
  }
}

function windowOf(params: SpectrumParams): Float64Array {
  const window = new Float64Array(params.size);
  for (let i = 0; i < params.size; i++) {
    const phase = (2 * Math.PI * i) / (params.size - 1);
    window[i] = params.window === 'hann' ? 0.5 - 0.5 * Math.cos(phase) : params.window === 'hamming' ? 0.54 - 0.46 * Math.cos(phase) : 1;
  }
  return window;
}

/** Adds the single-sided amplitude spectrum of one full segment to `sum`. */
function addSegment(sum: number[], values: ArrayLike<number>, params: SpectrumParams): void {
  const window = windowOf(params);
  const re = new Float64Array(params.size);
  const im = new Float64Array(params.size);
  let gain = 0;
  for (let i = 0; i < params.size; i++) {
    const value = values[i]!;
    re[i] = (Number.isFinite(value) ? value : 0) * window[i]!;
    gain += window[i]!;
  }
  fft(re, im);
  for (let k = 0; k <= params.size / 2; k++) {
    const scale = (k === 0 || k === params.size / 2 ? 1 : 2) / gain;
    sum[k]! += Math.hypot(re[k]!, im[k]!) * scale;
  }
}

/** Puts partial segments together; completed ones are added to the sum. */
function settle(state: SpectrumState, partials: Partial[], params: SpectrumParams): SpectrumState {
  const sum = state.sum.slice();
  let segments = state.segments;
  const bySegment = new Map<number, Partial>();
  for (const partial of partials) {
    const known = bySegment.get(partial.segment);
    if (!known) {
      bySegment.set(partial.segment, { segment: partial.segment, values: partial.values.slice(), seen: partial.seen });
      continue;
    }
    partial.values.forEach((value, index) => {
      if (value !== null && !Number.isNaN(value)) known.values[index] = value;
    });
    known.seen += partial.seen;
  }
  const open: Partial[] = [];
  for (const partial of bySegment.values()) {
    if (partial.seen >= params.size) {
      addSegment(sum, partial.values, params);
      segments++;
    } else open.push(partial);
  }
  return { sum, segments, partials: open.sort((a, b) => a.segment - b.segment) };
}

export const spectrum: Kernel<SpectrumParams, SpectrumState, SpectrumResult> = {
  name: 'spectrum',
  params(raw) {
    const input = (raw ?? {}) as Record<string, unknown>;
    const size = input.size ?? 1024;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 2 || size > 1 << 20 || (size & (size - 1)) !== 0) {
      throw new KernelError('size must be a power of two from 2 to 1048576');
    }
    const window = input.window ?? 'hann';
    if (window !== 'hann' && window !== 'hamming' && window !== 'rectangular') throw new KernelError('window must be hann, hamming or rectangular');
    const sampleRate = input.sampleRate ?? 1;
    if (typeof sampleRate !== 'number' || !(sampleRate > 0)) throw new KernelError('sampleRate must be a positive number');
    return { size, window, sampleRate };
  },
  init: (params) => ({ sum: new Array<number>(params.size / 2 + 1).fill(0), segments: 0, partials: [] }),
  step(state, chunk, params) {
    const partials: Partial[] = [...state.partials];
    const values = chunk.values;
    let index = 0;
    while (index < values.length) {
      const position = chunk.offset + index;
      const segment = Math.floor(position / params.size);
      const into = position - segment * params.size;
      const take = Math.min(params.size - into, values.length - index);
      const segmentValues = new Array<number>(params.size).fill(Number.NaN);
      for (let k = 0; k < take; k++) segmentValues[into + k] = values[index + k]!;
      partials.push({ segment, values: segmentValues, seen: take });
      index += take;
    }
    return settle(state, partials, params);
  },
  merge(a, b, params) {
    const sum = a.sum.map((value, index) => value + b.sum[index]!);
    return settle({ sum, segments: a.segments + b.segments, partials: [] }, [...a.partials, ...b.partials], params);
  },
  finish: (state, params) => ({
    frequencies: state.sum.map((_, k) => (k * params.sampleRate) / params.size),
    magnitudes: state.sum.map((value) => (state.segments === 0 ? 0 : value / state.segments)),
    segments: state.segments,
  }),
};
