/**
 * Remaining-useful-life learner: windowed features (features.ts) of each row of run-to-failure
 * series → gradient-boosted trees (gbt.ts) regressing the piecewise-linear target
 * min(cap, lastTime − time) (a part is "healthy" until cap before its end), with a split-conformal
 * interval and the inputs that drive each estimate.
 *
 * Validation protocol (the figures in RulModel.validation and the benchmark): k-fold by unit (5 folds
 * unless fewer units; units dealt to folds after a seeded shuffle); a model is trained on the other
 * folds with the same parameters, and each held-out unit is truncated at seeded random rows (5 per
 * unit, each leaving at least 31 rows of history, as C-MAPSS's official test set is built) where
 * its prediction (clipped to [0, cap]) is compared with the true RUL capped at cap: rmse, mae over
 * those points; rmse_last at each unit's last row. ONE parameter set for everything (defaults
 * below, never tuned per fold or unit).
 * Interval: split-conformal from the out-of-fold residuals (truth − prediction) of every row of the
 * held-out units (50 evenly spaced rows per unit from its 31st on), per bin of predicted RUL (5 bins at quantiles of the out-of-fold predictions):
 * low/high = the (1 − level)/2 and (1 + level)/2 conformal quantiles of the bin's residuals.
 * Coverage is measured honestly: the truncation points of fold k against intervals calibrated on
 * the residuals of the other folds only. The model kept is then trained on all units.
 *
 * Inputs that are constant over the training data are dropped automatically (`used`); which sensors
 * are informative is learnt, never listed.
 */
import { contributionsGbt, defaultGbtParams, fitGbt, gainImportance, gbtModelProblem, gbtParamsProblem, predictGbt, seededRandom, type GbtModel, type GbtParams } from './gbt';
import { featureCount, featureInput, featureNames, featureOptionsProblem, featureStateProblem, FeatureStream, slopeColumn, type FeatureState } from './features';

/** One run-to-failure (training) or running (prediction) series: times ascending, one array per input. */
export interface UnitSeries {
  unit: string;
  times: Float64Array;
  values: Float32Array[];
}

/** Training options; `cap` is in the time units of the series. */
export interface RulTrainOptions {
  cap: number;
  /** Feature windows in rows (default [5, 10, 20, 30]). */
  windows?: number[];
  /** Smoothing factor of the level per row (default 0.1). */
  smoothing?: number;
  params?: Partial<GbtParams>;
  folds?: number;
  level?: number;
  seed?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

/** How the trained model did on units it did not learn (see the header). */
export interface RulValidation {
  rmse: number;
  mae: number;
  /** Share of held-out truths inside the interval. */
  coverage: number;
  rmse_last: number;
  units: number;
  rows: number;
  points: number;
  folds: number;
}

/** A trained model: plain JSON (format 'fieldline-rul/1'). */
export interface RulModel {
  format: 'fieldline-rul/1';
  inputs: string[];
  /** Indices (into inputs) of the inputs the features are computed from (the others were constant). */
  used: number[];
  cap: number;
  windows: number[];
  smoothing: number;
  /** Median time step of the training rows (to speak of trends per window). */
  step: number;
  /** Training standard deviation of each used input. */
  scale: number[];
  features: string[];
  params: GbtParams;
  trees: GbtModel;
  importance: Array<{ input: string; share: number }>;
  interval: { level: number; edges: number[]; low: number[]; high: number[] };
  validation: RulValidation;
}

/** One estimate: RUL with its interval (time units of the series) and the inputs behind it. */
export interface RulEstimate {
  rul: number;
  low: number;
  high: number;
  evidence: Array<{ input: string; share: number; trend: 'rising' | 'falling' | 'steady' }>;
}

export const defaultRulWindows: readonly number[] = Object.freeze([5, 10, 20, 30]);
export const defaultRulSmoothing = 0.1;
const TRUNCATIONS_PER_UNIT = 5;
const MIN_HISTORY = 31;
const INTERVAL_BINS = 5;
const CALIBRATION_ROWS = 50;
const MAX_FEATURE_VALUES = 60_000_000;
const MAX_INPUTS = 256;
const EVIDENCE = 5;

/** Conformal quantile of sorted residuals at probability p (finite-sample corrected). */
function conformalQuantile(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const rank = p >= 0.5 ? Math.ceil((n + 1) * p) - 1 : Math.floor((n + 1) * p) - 1;
  return sorted[Math.min(n - 1, Math.max(0, rank))]!;
}

/** Bin of a predicted RUL among interval edges. */
function binOf(edges: readonly number[], value: number): number {
  let bin = 0;
  while (bin < edges.length && value > edges[bin]!) bin += 1;
  return bin;
}

function quantileOffsets(residuals: readonly number[][], level: number): { low: number[]; high: number[] } {
  const low: number[] = [];
  const high: number[] = [];
  for (const bin of residuals) {
    const sorted = Float64Array.from(bin).sort();
    low.push(conformalQuantile(sorted, (1 - level) / 2));
    high.push(conformalQuantile(sorted, (1 + level) / 2));
  }
  return { low, high };
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const clip = (value: number, cap: number): number => Math.min(cap, Math.max(0, value));

/** Checks units against inputs; throws RangeError naming the problem. */
function checkUnits(units: readonly UnitSeries[], inputs: readonly string[]): void {
  if (inputs.length < 1 || inputs.length > MAX_INPUTS) throw new RangeError(`inputs must list 1 to ${MAX_INPUTS} names`);
  if (units.length < 2) throw new RangeError('at least 2 units (run-to-failure series) are needed to train and validate');
  for (const unit of units) {
    if (unit.values.length !== inputs.length) throw new RangeError(`unit ${unit.unit}: ${unit.values.length} value arrays for ${inputs.length} inputs`);
    if (unit.times.length < 1) throw new RangeError(`unit ${unit.unit}: no rows`);
    for (const values of unit.values) if (values.length !== unit.times.length) throw new RangeError(`unit ${unit.unit}: value arrays differ in length from times`);
    for (let i = 0; i < unit.times.length; i += 1) {
      if (!Number.isFinite(unit.times[i]!)) throw new RangeError(`unit ${unit.unit}: row ${i} has no finite time`);
      if (i > 0 && !(unit.times[i]! > unit.times[i - 1]!)) throw new RangeError(`unit ${unit.unit}: times must increase (row ${i})`);
    }
  }
}

/** Features of one unit over the used inputs (row-major). */
function unitFeatures(unit: UnitSeries, used: readonly number[], windows: number[], smoothing: number, out: Float32Array, offset: number): void {
  const stream = new FeatureStream(used.length, { windows, smoothing });
  const row = new Float64Array(used.length);
  const scratch = new Float64Array(stream.count);
  for (let i = 0; i < unit.times.length; i += 1) {
    for (let k = 0; k < used.length; k += 1) row[k] = unit.values[used[k]!]![i]!;
    stream.push(unit.times[i]!, row, scratch);
    out.set(scratch, offset + i * stream.count);
  }
}

/**
 * The validation plan of the header for units of the given row counts: each unit's fold (a seeded
 * shuffle dealt round-robin) and its truncation rows (seeded, each leaving ≥ 31 rows of history).
 * Exported so that baselines are measured on exactly the same points.
 */
export function rulValidationPlan(lengths: readonly number[], folds: number, seed: number): { foldOf: Int32Array; truncations: number[][] } {
  const random = seededRandom(seed);
  const order = lengths.map((_, u) => u);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const foldOf = new Int32Array(lengths.length);
  order.forEach((u, i) => (foldOf[u] = i % folds));
  const truncations = lengths.map((n) => {
    const first = Math.min(n - 1, MIN_HISTORY - 1);
    return Array.from({ length: TRUNCATIONS_PER_UNIT }, () => first + Math.floor(random() * (n - first)));
  });
  return { foldOf, truncations };
}

/** Trains a model on run-to-failure units (see the header for validation and interval). */
export function trainRul(units: UnitSeries[], inputs: string[], options: RulTrainOptions): RulModel {
  checkUnits(units, inputs);
  const cap = options.cap;
  if (!(cap > 0 && Number.isFinite(cap))) throw new RangeError('cap must be a positive number');
  const windows = [...(options.windows ?? defaultRulWindows)];
  const smoothing = options.smoothing ?? defaultRulSmoothing;
  const optionsProblem = featureOptionsProblem({ windows, smoothing });
  if (optionsProblem) throw new RangeError(optionsProblem);
  const params: GbtParams = { ...defaultGbtParams, ...options.params };
  const paramsProblem = gbtParamsProblem(params);
  if (paramsProblem) throw new RangeError(paramsProblem);
  const level = options.level ?? 0.9;
  if (!(level > 0 && level < 1)) throw new RangeError('level must be in (0, 1)');
  const seed = options.seed ?? 1;
  const folds = Math.min(units.length, Math.max(2, Math.floor(options.folds ?? 5)));

  // Drop inputs that do not vary; remember each used input's spread.
  const used: number[] = [];
  const scale: number[] = [];
  for (let k = 0; k < inputs.length; k += 1) {
    let n = 0;
    let sum = 0;
    for (const unit of units) for (const v of unit.values[k]!) if (!Number.isNaN(v)) { n += 1; sum += v; }
    const mean = n > 0 ? sum / n : 0;
    let squares = 0;
    for (const unit of units) for (const v of unit.values[k]!) if (!Number.isNaN(v)) squares += (v - mean) ** 2;
    const std = n > 1 ? Math.sqrt(squares / n) : 0;
    if (std > 1e-6 * (Math.abs(mean) + 1e-6)) {
      used.push(k);
      scale.push(std);
    }
  }
  if (used.length === 0) throw new RangeError('every input is constant: nothing to learn from');
  const F = featureCount(used.length, windows.length);
  const offsets: number[] = [];
  let rows = 0;
  for (const unit of units) {
    offsets.push(rows);
    rows += unit.times.length;
  }
  if (rows * F > MAX_FEATURE_VALUES) throw new RangeError(`${rows} rows × ${F} features is more than ${MAX_FEATURE_VALUES} values: use fewer rows, inputs or windows`);
  const x = new Float32Array(rows * F);
  const y = new Float32Array(rows);
  const steps: number[] = [];
  units.forEach((unit, u) => {
    unitFeatures(unit, used, windows, smoothing, x, offsets[u]! * F);
    const last = unit.times[unit.times.length - 1]!;
    for (let i = 0; i < unit.times.length; i += 1) {
      y[offsets[u]! + i] = Math.min(cap, last - unit.times[i]!);
      if (i > 0 && steps.length < 100_000) steps.push(unit.times[i]! - unit.times[i - 1]!);
    }
  });
  steps.sort((a, b) => a - b);
  const step = steps.length > 0 ? steps[Math.floor(steps.length / 2)]! : 1;

  const { foldOf, truncations } = rulValidationPlan(units.map((unit) => unit.times.length), folds, seed);

  const totalTrees = params.trees * (folds + 1);
  let treesDone = 0;
  const progress = (phase: string) => (done: number) => options.onProgress?.(treesDone + done, totalTrees, phase);
  const oof = new Float64Array(rows);
  for (let k = 0; k < folds; k += 1) {
    const trainUnits = units.map((_, u) => u).filter((u) => foldOf[u] !== k);
    const trainRows = trainUnits.reduce((n, u) => n + units[u]!.times.length, 0);
    const xk = new Float32Array(trainRows * F);
    const yk = new Float32Array(trainRows);
    let at = 0;
    for (const u of trainUnits) {
      const n = units[u]!.times.length;
      xk.set(x.subarray(offsets[u]! * F, (offsets[u]! + n) * F), at * F);
      yk.set(y.subarray(offsets[u]!, offsets[u]! + n), at);
      at += n;
    }
    const model = fitGbt(xk, yk, F, { ...params, seed: params.seed + k }, progress(`validation fold ${k + 1}/${folds}`));
    treesDone += params.trees;
    units.forEach((unit, u) => {
      if (foldOf[u] !== k) return;
      for (let i = 0; i < unit.times.length; i += 1) oof[offsets[u]! + i] = clip(predictGbt(model, x, (offsets[u]! + i) * F), cap);
    });
  }

  // Interval bins at quantiles of the out-of-fold predictions; residuals per bin (all, and per fold).
  const sortedPredictions = Float64Array.from(oof).sort();
  const edges: number[] = [];
  for (let b = 1; b < INTERVAL_BINS; b += 1) {
    const edge = sortedPredictions[Math.floor((b * rows) / INTERVAL_BINS)]!;
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  const residuals: number[][] = Array.from({ length: edges.length + 1 }, () => []);
  const residualsByFold: number[][][] = Array.from({ length: folds }, () => Array.from({ length: edges.length + 1 }, () => []));
  // Calibrated on the rows a truncation can fall on (the first rows, all capped, are too easy),
  // CALIBRATION_ROWS evenly spaced ones per unit so that every unit weighs the same, as in validation.
  units.forEach((unit, u) => {
    const n = unit.times.length;
    const first = Math.min(n - 1, MIN_HISTORY - 1);
    const count = Math.min(CALIBRATION_ROWS, n - first);
    for (let c = 0; c < count; c += 1) {
      const i = first + Math.floor((c * (n - first)) / count);
      const r = offsets[u]! + i;
      const bin = binOf(edges, oof[r]!);
      residuals[bin]!.push(y[r]! - oof[r]!);
      residualsByFold[foldOf[u]!]![bin]!.push(y[r]! - oof[r]!);
    }
  });
  let squared = 0;
  let absolute = 0;
  let covered = 0;
  let points = 0;
  let squaredLast = 0;
  for (let k = 0; k < folds; k += 1) {
    const others = Array.from({ length: edges.length + 1 }, (_, bin) => residualsByFold.flatMap((byBin, fold) => (fold === k ? [] : byBin[bin]!)));
    const offsetsK = quantileOffsets(others, level);
    units.forEach((unit, u) => {
      if (foldOf[u] !== k) return;
      for (const i of truncations[u]!) {
        const r = offsets[u]! + i;
        const prediction = oof[r]!;
        const truth = y[r]!;
        const error = prediction - truth;
        squared += error * error;
        absolute += Math.abs(error);
        points += 1;
        const bin = binOf(edges, prediction);
        if (truth >= Math.max(0, prediction + offsetsK.low[bin]!) && truth <= prediction + offsetsK.high[bin]!) covered += 1;
      }
      const lastRow = offsets[u]! + unit.times.length - 1;
      squaredLast += (oof[lastRow]! - y[lastRow]!) ** 2;
    });
  }
  const { low, high } = quantileOffsets(residuals, level);

  const trees = fitGbt(x, y, F, params, progress('final model'));
  const gain = gainImportance(trees);
  const byInput = new Float64Array(used.length);
  for (let f = 1; f < F; f += 1) byInput[featureInput(f, windows.length)]! += gain[f]!;
  const totalGain = byInput.reduce((a, b) => a + b, 0) || 1;
  const importance = used
    .map((k, i) => ({ input: inputs[k]!, share: Math.round((byInput[i]! / totalGain) * 10_000) / 10_000 }))
    .sort((a, b) => b.share - a.share);
  const round = (value: number): number => Math.round(value * 1e4) / 1e4;
  return {
    format: 'fieldline-rul/1',
    inputs: [...inputs],
    used,
    cap,
    windows,
    smoothing,
    step,
    scale,
    features: featureNames(used.map((k) => inputs[k]!), windows),
    params,
    trees,
    importance,
    interval: { level, edges, low, high },
    validation: {
      rmse: round(Math.sqrt(squared / points)),
      mae: round(absolute / points),
      coverage: round(covered / points),
      rmse_last: round(Math.sqrt(squaredLast / units.length)),
      units: units.length,
      rows,
      points,
      folds,
    },
  };
}

/** JSON-able state of a RulPredictor. */
export interface RulPredictorState {
  features: FeatureState;
  row: Array<number | null> | null;
}

/** Streaming estimator over one unit's rows: O(max window) memory; its state is JSON. */
export class RulPredictor {
  readonly #model: RulModel;
  readonly #stream: FeatureStream;
  readonly #row: Float32Array;
  readonly #scratch: Float64Array;
  readonly #contributions: Float64Array;
  #has = false;

  /** A fresh predictor; with `state` (from state(), checked by restore()) it resumes. */
  constructor(model: RulModel, state?: RulPredictorState) {
    this.#model = model;
    this.#stream = new FeatureStream(model.used.length, { windows: model.windows, smoothing: model.smoothing }, state?.features);
    this.#row = new Float32Array(this.#stream.count);
    this.#scratch = new Float64Array(model.used.length);
    this.#contributions = new Float64Array(this.#stream.count);
    if (state?.row) {
      this.#row.set(state.row.map((v) => (v === null ? Number.NaN : v)));
      this.#has = true;
    }
  }

  /** Learns one row (values of every model input, in model.inputs order). */
  push(time: number, values: ArrayLike<number>): void {
    const used = this.#model.used;
    for (let k = 0; k < used.length; k += 1) this.#scratch[k] = Number(values[used[k]!]);
    this.#stream.push(time, this.#scratch, this.#row);
    this.#has = true;
  }

  /** The estimate at the last row pushed (undefined before any row). */
  estimate(): RulEstimate | undefined {
    if (!this.#has) return undefined;
    const model = this.#model;
    const raw = contributionsGbt(model.trees, this.#row, this.#contributions);
    const rul = clip(raw, model.cap);
    const bin = binOf(model.interval.edges, rul);
    const low = Math.max(0, rul + model.interval.low[bin]!);
    const high = Math.max(rul, rul + model.interval.high[bin]!);
    const windows = model.windows.length;
    const weight = new Float64Array(model.used.length);
    for (let f = 1; f < this.#contributions.length; f += 1) weight[featureInput(f, windows)]! += Math.abs(this.#contributions[f]!);
    const total = weight.reduce((a, b) => a + b, 0);
    const longest = model.windows[windows - 1]!;
    const evidence = model.used
      .map((k, i) => {
        const slope = this.#row[slopeColumn(i, windows - 1, windows)]!;
        const change = slope * model.step * longest;
        const trend: 'rising' | 'falling' | 'steady' = change > 0.25 * model.scale[i]! ? 'rising' : change < -0.25 * model.scale[i]! ? 'falling' : 'steady';
        return { input: model.inputs[k]!, share: total > 0 ? Math.round((weight[i]! / total) * 1000) / 1000 : 0, trend };
      })
      .filter((item) => item.share > 0)
      .sort((a, b) => b.share - a.share)
      .slice(0, EVIDENCE);
    return { rul, low: Math.min(low, rul), high, evidence };
  }

  /** The predictor's state as plain JSON. */
  state(): RulPredictorState {
    return { features: this.#stream.state(), row: this.#has ? Array.from(this.#row, (v) => (Number.isNaN(v) ? null : v)) : null };
  }

  /** A predictor for `model` resumed from `state` (throws RangeError on a state that does not fit it). */
  static restore(model: RulModel, state: unknown): RulPredictor {
    if (typeof state !== 'object' || state === null) throw new RangeError('predictor state must be an object');
    const s = state as Record<string, unknown>;
    const size = model.windows[model.windows.length - 1]!;
    const problem = featureStateProblem(s.features, model.used.length, size);
    if (problem) throw new RangeError(`predictor state: ${problem}`);
    const count = featureCount(model.used.length, model.windows.length);
    const row = s.row;
    if (row !== null && (!Array.isArray(row) || row.length !== count || !row.every((v) => v === null || finite(v)))) throw new RangeError(`predictor state: row must be null or ${count} numbers`);
    return new RulPredictor(model, { features: s.features as FeatureState, row: row as Array<number | null> | null });
  }
}

/** Estimate at the last row of `unit` (throws RangeError if it has no rows). */
export function predictRul(model: RulModel, unit: UnitSeries): RulEstimate {
  if (unit.values.length !== model.inputs.length) throw new RangeError(`unit ${unit.unit}: ${unit.values.length} value arrays for ${model.inputs.length} inputs`);
  const predictor = new RulPredictor(model);
  const row = new Float64Array(model.inputs.length);
  for (let i = 0; i < unit.times.length; i += 1) {
    for (let k = 0; k < row.length; k += 1) row[k] = unit.values[k]![i]!;
    predictor.push(unit.times[i]!, row);
  }
  const estimate = predictor.estimate();
  if (!estimate) throw new RangeError(`unit ${unit.unit}: no rows`);
  return estimate;
}

/** Problem with a model from outside (a file, an attachment), or undefined when it is a usable RulModel. */
export function rulModelProblem(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'the model must be a JSON object';
  const m = json as Record<string, unknown>;
  if (m.format !== 'fieldline-rul/1') return "format must be 'fieldline-rul/1'";
  if (!Array.isArray(m.inputs) || m.inputs.length < 1 || m.inputs.length > MAX_INPUTS) return `inputs must list 1 to ${MAX_INPUTS} names`;
  if (!m.inputs.every((name) => typeof name === 'string' && name.length >= 1 && name.length <= 200)) return 'inputs must be names of 1 to 200 characters';
  if (!Array.isArray(m.used) || m.used.length < 1) return 'used must list input indices';
  for (let i = 0; i < m.used.length; i += 1) {
    const k = m.used[i];
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= m.inputs.length || (i > 0 && k <= (m.used[i - 1] as number))) return 'used must list ascending indices into inputs';
  }
  if (!finite(m.cap) || m.cap <= 0) return 'cap must be a positive number';
  if (!Array.isArray(m.windows)) return 'windows must be an array';
  const featureProblem = featureOptionsProblem({ windows: m.windows as number[], smoothing: m.smoothing as number });
  if (featureProblem) return featureProblem;
  if (!finite(m.step) || m.step <= 0) return 'step must be a positive number';
  if (!Array.isArray(m.scale) || m.scale.length !== m.used.length || !m.scale.every((v) => finite(v) && v >= 0)) return 'scale must hold one non-negative number per used input';
  const names = featureNames((m.used as number[]).map((k) => (m.inputs as string[])[k]!), m.windows as number[]);
  if (!Array.isArray(m.features) || m.features.length !== names.length || m.features.some((name, i) => name !== names[i])) return 'features do not match inputs, used and windows';
  if (typeof m.params !== 'object' || m.params === null) return 'params must be an object';
  const paramsProblem = gbtParamsProblem({ ...defaultGbtParams, ...(m.params as Partial<GbtParams>) });
  if (paramsProblem) return `params: ${paramsProblem}`;
  const treesProblem = gbtModelProblem(m.trees, names.length);
  if (treesProblem) return `trees: ${treesProblem}`;
  if (!Array.isArray(m.importance) || !m.importance.every((item) => typeof item === 'object' && item !== null && typeof (item as { input?: unknown }).input === 'string' && finite((item as { share?: unknown }).share))) return 'importance must list {input, share}';
  const interval = m.interval as Record<string, unknown> | null;
  if (typeof interval !== 'object' || interval === null) return 'interval must be an object';
  if (!finite(interval.level) || interval.level <= 0 || interval.level >= 1) return 'interval.level must be in (0, 1)';
  const { edges, low, high } = interval;
  if (!Array.isArray(edges) || edges.length > 100 || !edges.every(finite) || edges.some((v, i) => i > 0 && v <= (edges[i - 1] as number))) return 'interval.edges must be ascending numbers';
  for (const [name, array] of [['low', low], ['high', high]] as const) {
    if (!Array.isArray(array) || array.length !== edges.length + 1 || !array.every(finite)) return `interval.${name} must hold ${edges.length + 1} numbers`;
  }
  const validation = m.validation as Record<string, unknown> | null;
  if (typeof validation !== 'object' || validation === null) return 'validation must be an object';
  for (const key of ['rmse', 'mae', 'coverage', 'units', 'rows'] as const) if (!finite(validation[key])) return `validation.${key} must be a number`;
  return undefined;
}
