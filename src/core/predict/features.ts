/**
 * Windowed features of a multivariate series, computed causally row by row (the features of row i
 * depend on rows ≤ i only), so a batch over a whole series and a stream fed chunk by chunk give the
 * same numbers. Memory: a ring of the last max(windows) rows per input, whatever the series' length.
 *
 * Per row: `age` (time since the series' first row), then per input
 * - `last`: the value itself;
 * - `level`: an exponentially smoothed level (factor `smoothing` per row, starting at the first value);
 * - `drift`: level − the mean of the input's first max(windows) values (how far it moved since the
 *   start of the series: engines, bearings start at different points);
 * - per window w (in rows): `mean@w`, `std@w` (population) and `slope@w` (least-squares slope
 *   against time, per time unit) of the last w rows (fewer at the start).
 * Missing values (NaN) are skipped by every statistic; one with no value is NaN (trees send NaN left).
 */

/** How features are computed: windows in rows (ascending, whole, ≥ 1) and the smoothing factor. */
export interface FeatureOptions {
  windows: number[];
  smoothing: number;
}

/** JSON-able state of a FeatureStream (arrays of plain numbers), enough to resume it exactly. */
export interface FeatureState {
  rows: number;
  start: number;
  head: number;
  times: number[];
  values: number[][];
  level: number[];
  baseSum: number[];
  baseCount: number[];
}

/** Statistics per input: last, level, drift, then mean/std/slope per window. */
const PER_INPUT_FIXED = 3;
const PER_WINDOW = 3;

/** Number of features for `inputs` inputs and `windows` windows. */
export function featureCount(inputs: number, windows: number): number {
  return 1 + inputs * (PER_INPUT_FIXED + PER_WINDOW * windows);
}

/** Feature names in column order: 'age', then '<input>:last', ':level', ':drift', ':mean@w', ':std@w', ':slope@w'. */
export function featureNames(inputs: readonly string[], windows: readonly number[]): string[] {
  const names = ['age'];
  for (const input of inputs) {
    names.push(`${input}:last`, `${input}:level`, `${input}:drift`);
    for (const w of windows) names.push(`${input}:mean@${w}`, `${input}:std@${w}`, `${input}:slope@${w}`);
  }
  return names;
}

/** Index of the input a feature column belongs to (−1 for age). */
export function featureInput(column: number, windows: number): number {
  return column === 0 ? -1 : Math.floor((column - 1) / (PER_INPUT_FIXED + PER_WINDOW * windows));
}

/** Column of input k's slope over window index j. */
export function slopeColumn(input: number, window: number, windows: number): number {
  return 1 + input * (PER_INPUT_FIXED + PER_WINDOW * windows) + PER_INPUT_FIXED + PER_WINDOW * window + 2;
}

/** Problem with feature options, or undefined. */
export function featureOptionsProblem(options: FeatureOptions): string | undefined {
  const { windows, smoothing } = options;
  if (!Array.isArray(windows) || windows.length < 1 || windows.length > 16) return 'windows must list 1 to 16 window lengths';
  for (let i = 0; i < windows.length; i += 1) {
    const w = windows[i];
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 1 || w > 10_000) return 'each window must be a whole number of rows from 1 to 10000';
    if (i > 0 && w <= windows[i - 1]!) return 'windows must be in ascending order without repeats';
  }
  if (typeof smoothing !== 'number' || !(smoothing > 0 && smoothing <= 1)) return 'smoothing must be in (0, 1]';
  return undefined;
}

/** Streaming feature computer over `inputs` values per row. */
export class FeatureStream {
  readonly inputs: number;
  readonly count: number;
  readonly #windows: number[];
  readonly #smoothing: number;
  readonly #size: number;
  #rows = 0;
  #start = 0;
  #head = 0;
  readonly #times: Float64Array;
  readonly #values: Float64Array[];
  readonly #level: Float64Array;
  readonly #baseSum: Float64Array;
  readonly #baseCount: Float64Array;

  constructor(inputs: number, options: FeatureOptions, state?: FeatureState) {
    const problem = featureOptionsProblem(options);
    if (problem) throw new RangeError(problem);
    this.inputs = inputs;
    this.#windows = [...options.windows];
    this.#smoothing = options.smoothing;
    this.#size = this.#windows[this.#windows.length - 1]!;
    this.count = featureCount(inputs, this.#windows.length);
    this.#times = new Float64Array(this.#size);
    this.#values = Array.from({ length: inputs }, () => new Float64Array(this.#size).fill(Number.NaN));
    this.#level = new Float64Array(inputs).fill(Number.NaN);
    this.#baseSum = new Float64Array(inputs);
    this.#baseCount = new Float64Array(inputs);
    if (state) this.#restore(state);
  }

  #restore(state: FeatureState): void {
    const problem = featureStateProblem(state, this.inputs, this.#size);
    if (problem) throw new RangeError(`feature state: ${problem}`);
    this.#rows = state.rows;
    this.#start = state.start;
    this.#head = state.head;
    this.#times.set(state.times);
    for (let k = 0; k < this.inputs; k += 1) {
      this.#values[k]!.set(state.values[k]!.map((v) => (v === null ? Number.NaN : v)));
      this.#level[k] = state.level[k] ?? Number.NaN;
      this.#baseSum[k] = state.baseSum[k]!;
      this.#baseCount[k] = state.baseCount[k]!;
    }
  }

  /** Rows pushed so far. */
  get rows(): number {
    return this.#rows;
  }

  /** Learns one row and writes its features to out[offset … offset + count). */
  push(time: number, values: ArrayLike<number>, out: Float32Array | Float64Array, offset = 0): void {
    if (this.#rows === 0) this.#start = time;
    const size = this.#size;
    const slot = this.#head;
    this.#times[slot] = time;
    this.#head = (slot + 1) % size;
    this.#rows += 1;
    const filled = Math.min(this.#rows, size);
    const alpha = this.#smoothing;
    out[offset] = time - this.#start;
    let column = offset + 1;
    for (let k = 0; k < this.inputs; k += 1) {
      const value = Number(values[k]);
      const ring = this.#values[k]!;
      ring[slot] = value;
      let level = this.#level[k]!;
      if (!Number.isNaN(value)) {
        level = Number.isNaN(level) ? value : level + alpha * (value - level);
        this.#level[k] = level;
        if (this.#rows <= size) {
          this.#baseSum[k]! += value;
          this.#baseCount[k]! += 1;
        }
      }
      out[column] = value;
      out[column + 1] = level;
      out[column + 2] = this.#baseCount[k]! > 0 ? level - this.#baseSum[k]! / this.#baseCount[k]! : Number.NaN;
      column += PER_INPUT_FIXED;
      // One backward walk over the ring, emitting each window's statistics at its boundary. Times and
      // values are taken relative to this row's time and the first value met, against cancellation.
      let n = 0;
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let sxy = 0;
      let syy = 0;
      let shift = Number.NaN;
      let j = 0;
      for (const w of this.#windows) {
        const end = Math.min(w, filled);
        for (; j < end; j += 1) {
          const index = (slot - j + size) % size;
          const v = ring[index]!;
          if (Number.isNaN(v)) continue;
          if (Number.isNaN(shift)) shift = v;
          const x = this.#times[index]! - time;
          const y = v - shift;
          n += 1;
          sx += x;
          sy += y;
          sxx += x * x;
          sxy += x * y;
          syy += y * y;
        }
        if (n === 0) {
          out[column] = Number.NaN;
          out[column + 1] = Number.NaN;
          out[column + 2] = Number.NaN;
        } else {
          const mean = sy / n;
          out[column] = shift + mean;
          out[column + 1] = Math.sqrt(Math.max(0, syy / n - mean * mean));
          const denominator = n * sxx - sx * sx;
          out[column + 2] = n > 1 && denominator > 0 ? (n * sxy - sx * sy) / denominator : 0;
        }
        column += PER_WINDOW;
      }
    }
  }

  /** The stream's state as plain JSON (NaN written as null). */
  state(): FeatureState {
    const plain = (array: ArrayLike<number>): number[] => Array.from(array, (v) => v);
    return {
      rows: this.#rows,
      start: this.#start,
      head: this.#head,
      times: plain(this.#times),
      values: this.#values.map((ring) => Array.from(ring, (v) => (Number.isNaN(v) ? (null as unknown as number) : v))),
      level: Array.from(this.#level, (v) => (Number.isNaN(v) ? (null as unknown as number) : v)),
      baseSum: plain(this.#baseSum),
      baseCount: plain(this.#baseCount),
    };
  }
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Problem with a FeatureState from outside (shape, lengths, finiteness), or undefined. */
export function featureStateProblem(state: unknown, inputs: number, size: number): string | undefined {
  if (typeof state !== 'object' || state === null) return 'must be an object';
  const s = state as Record<string, unknown>;
  if (!finite(s.rows) || !Number.isInteger(s.rows) || s.rows < 0) return 'rows must be a whole number';
  if (!finite(s.start)) return 'start must be a number';
  if (!finite(s.head) || !Number.isInteger(s.head) || s.head < 0 || s.head >= size) return 'head out of range';
  if (!Array.isArray(s.times) || s.times.length !== size || !s.times.every(finite)) return `times must hold ${size} numbers`;
  const nullable = (v: unknown): boolean => v === null || finite(v);
  if (!Array.isArray(s.values) || s.values.length !== inputs) return `values must hold ${inputs} rings`;
  for (const ring of s.values) if (!Array.isArray(ring) || ring.length !== size || !ring.every(nullable)) return `each ring must hold ${size} numbers or nulls`;
  for (const key of ['level', 'baseSum', 'baseCount'] as const) {
    const array = s[key];
    if (!Array.isArray(array) || array.length !== inputs || !array.every(key === 'level' ? nullable : finite)) return `${key} must hold ${inputs} numbers`;
  }
  return undefined;
}

/** Features of every row of one series (row-major, rows × featureCount). */
export function featureMatrix(times: ArrayLike<number>, values: readonly ArrayLike<number>[], options: FeatureOptions): Float32Array {
  const stream = new FeatureStream(values.length, options);
  const rows = times.length;
  const out = new Float32Array(rows * stream.count);
  const row = new Float64Array(values.length);
  const scratch = new Float64Array(stream.count);
  for (let i = 0; i < rows; i += 1) {
    for (let k = 0; k < values.length; k += 1) row[k] = values[k]![i]!;
    stream.push(times[i]!, row, scratch);
    out.set(scratch, i * stream.count);
  }
  return out;
}
