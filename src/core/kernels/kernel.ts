/**
 * The shape of every algorithm over channel values. A kernel is split into
 * `init → step(chunk)* → finish`, and `merge` joins the states of two consecutive pieces, so the
 * same kernel runs over one chunk at a time (out of core), in parallel (workers merge in order),
 * and incrementally across runs (the state is persisted between them). States are plain data:
 * numbers (±Infinity and NaN included), booleans, null ("no value yet"), arrays and objects, never
 * strings; `encodeState` turns one into JSON that keeps the non-finite numbers.
 *
 * NaN is a missing sample: every kernel ignores it. ±Infinity are values.
 */

/**
 * A chunk of consecutive samples: `values[i]` is sample number `offset + i` of the channel, taken
 * at `times[i]` (epoch ms) when the chunk carries times. Kernels over values alone ignore them;
 * kernels over time (usage.ts: operating hours, energy) require them.
 */
export interface Chunk {
  values: Float32Array;
  offset: number;
  times?: Float64Array;
}

export interface Kernel<Params, State, Result> {
  readonly name: string;
  /** The kernel reads `Chunk.times` (kernels over time): whoever cuts chunks must send them. */
  readonly needsTimes?: boolean;
  /** Checks parameters from outside and returns them normalized (throws KernelError). */
  params(raw: unknown): Params;
  init(params: Params): State;
  /** Folds one chunk into the state; chunks arrive in increasing offset order. */
  step(state: State, chunk: Chunk, params: Params): State;
  /** Joins the state of an earlier piece `a` with the state of the following piece `b`. */
  merge(a: State, b: State, params: Params): State;
  finish(state: State, params: Params): Result;
}

/** Bad kernel parameters (unknown kernel, wrong types); callers map it to a 400. */
export class KernelError extends Error {
  override name = 'KernelError';
}

/** Runs a kernel over whole chunks in order: the reference every engine is tested against. */
export function runKernel<P, S, R>(kernel: Kernel<P, S, R>, params: P, chunks: Iterable<Chunk>): R {
  let state = kernel.init(params);
  for (const chunk of chunks) state = kernel.step(state, chunk, params);
  return kernel.finish(state, params);
}

/** Max of two optional numbers (null = no value). */
export const maxOf = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));
/** Min of two optional numbers (null = no value). */
export const minOf = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));

/** A kernel state as JSON: non-finite numbers become the strings "Infinity", "-Infinity", "NaN". */
export function encodeState(state: unknown): unknown {
  if (typeof state === 'number') return Number.isFinite(state) ? state : String(state);
  if (Array.isArray(state)) return state.map(encodeState);
  if (state && typeof state === 'object') return Object.fromEntries(Object.entries(state).map(([key, value]) => [key, encodeState(value)]));
  return state;
}

/** Inverse of `encodeState`. */
export function decodeState<State>(json: unknown): State {
  const decode = (value: unknown): unknown => {
    if (value === 'Infinity' || value === '-Infinity' || value === 'NaN') return Number(value);
    if (Array.isArray(value)) return value.map(decode);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, decode(item)]));
    return value;
  };
  return decode(json) as State;
}
