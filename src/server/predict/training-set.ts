/**
 * The training set of a remaining-life model, from what is stored: one run-to-failure series
 * (core/predict's UnitSeries) per recorded failure of a part of the spec's asset type, any site.
 * A life runs from the part's previous failure (or its inputs' first sample) to the failure; its
 * rows are the spec's step grid laid back from the failure time (the last row is at the failure:
 * remaining life 0), each row the mean of each input over the step before it, from the arrays'
 * block summaries (step-means.ts: never the raw samples of years).
 *
 * Gaps: a step where no input has data is skipped; an input without data in a step takes its
 * last value in that life (a slower channel, a short outage), and steps before every input has
 * had a value are skipped. Times are in DAYS (epoch ms / 86 400 000), so the model's cap and its
 * estimates are days as the documents want them.
 *
 * Bounded: at most `maxUnits` lives and `maxRows` rows (and no more steps looked at than 4 ×
 * `maxRows`), else a TrainingSetError saying which bound and what to change.
 */
import { ArrayError, ChannelArray } from '../../arrays';
import type { UnitSeries } from '../../core/predict';
import type { Store } from '../store/store';
import { DAY_MS, readParts, type ModelPart, type ModelSpec } from './model-inputs';
import { MAX_STEPS_PER_READ, firstTime, stepMeans } from './step-means';

/** Bounds of one training set. */
export interface TrainingSetLimits {
  /** Most lives (failures) learnt from (default 5000). */
  maxUnits?: number;
  /** Most rows over all lives (default 1 000 000: with 32 inputs 128 MB of values). */
  maxRows?: number;
}

/** The training set and what it was made of. */
export interface TrainingSet {
  units: UnitSeries[];
  /** Failures (lives) with rows. */
  failures: number;
  /** Distinct parts those failures were of. */
  assets: number;
  rows: number;
  /** Lives left out, with the reason (an input that resolves nowhere, no data). */
  skipped: string[];
}

/** Why no training set could be made: nothing to learn from (422), or over a bound (413). */
export class TrainingSetError extends Error {
  readonly status: 413 | 422;

  constructor(status: 413 | 422, message: string) {
    super(message);
    this.name = 'TrainingSetError';
    this.status = status;
  }
}

const DEFAULT_MAX_UNITS = 5000;
const DEFAULT_MAX_ROWS = 1_000_000;

interface Life {
  part: ModelPart;
  failure: { id: string; at: number };
  /** Exclusive start: the previous failure (undefined: the inputs' first sample). */
  after: number | undefined;
}

async function openArray(store: Store, id: string): Promise<ChannelArray | undefined> {
  try {
    return await ChannelArray.open(store.documents, id);
  } catch (error) {
    if (error instanceof ArrayError && (error.status === 404 || error.status === 400)) return undefined;
    throw error;
  }
}

/** The training set of `spec` (see the module comment); throws TrainingSetError when there is nothing to learn from or too much. */
export async function trainingSet(store: Store, spec: ModelSpec, limits: TrainingSetLimits = {}): Promise<TrainingSet> {
  const maxUnits = limits.maxUnits ?? DEFAULT_MAX_UNITS;
  const maxRows = limits.maxRows ?? DEFAULT_MAX_ROWS;
  const parts = await store.driver.transaction((query) => readParts(query, spec));
  const lives: Life[] = [];
  for (const part of parts) part.failures.forEach((failure, index) => lives.push({ part, failure, after: index === 0 ? undefined : part.failures[index - 1]!.at }));
  if (lives.length === 0) throw new TrainingSetError(422, `no failures of parts of type ${JSON.stringify(spec.doc.asset_type)} are recorded: record failures (failure documents) to learn from`);
  if (lives.length > maxUnits) throw new TrainingSetError(413, `${lives.length} failures of type ${JSON.stringify(spec.doc.asset_type)} are more than the ${maxUnits} a training takes`);

  const step = spec.stepMs;
  const skipped: string[] = [];
  const units: UnitSeries[] = [];
  const assets = new Set<string>();
  let rows = 0;
  let stepsSeen = 0;
  const arrays = new Map<string, ChannelArray | undefined>();
  for (const life of lives) {
    const missing = life.part.inputs.findIndex((input) => input === undefined);
    if (missing >= 0) {
      skipped.push(`${life.failure.id}: ${life.part.id} has no channel ${JSON.stringify(spec.doc.inputs[missing])} (nor has an asset above it)`);
      continue;
    }
    const opened: ChannelArray[] = [];
    for (const input of life.part.inputs) {
      if (!arrays.has(input!.array)) arrays.set(input!.array, await openArray(store, input!.array));
      const array = arrays.get(input!.array);
      if (array) opened.push(array);
    }
    if (opened.length < life.part.inputs.length) {
      skipped.push(`${life.failure.id}: an input of ${life.part.id} has no samples`);
      continue;
    }
    const starts = opened.map(firstTime).filter((time): time is number => time !== undefined);
    const start = Math.max(life.after ?? -Infinity, starts.length > 0 ? Math.min(...starts) : Infinity);
    const end = life.failure.at;
    // Whole steps (end − (k+1)·step, end − k·step] back to the life's start.
    const count = Number.isFinite(start) && end > start ? Math.floor((end - start) / step) : 0;
    if (count < 1) {
      skipped.push(`${life.failure.id}: no whole step of data before the failure`);
      continue;
    }
    stepsSeen += count;
    if (stepsSeen > 4 * maxRows) throw new TrainingSetError(413, `the failures span more than ${4 * maxRows} steps of ${step} ms: use a longer step_ms`);
    const unit = await lifeSeries(opened, end - count * step, step, count, life.failure.id);
    if (unit.times.length === 0) {
      skipped.push(`${life.failure.id}: no data in its life`);
      continue;
    }
    rows += unit.times.length;
    if (rows > maxRows) throw new TrainingSetError(413, `more than ${maxRows} rows: use a longer step_ms or fewer inputs`);
    units.push(unit);
    assets.add(life.part.id);
  }
  if (units.length === 0) throw new TrainingSetError(422, `none of the ${lives.length} failures of type ${JSON.stringify(spec.doc.asset_type)} has data to learn from: ${skipped.slice(0, 3).join('; ')}`);
  return { units, failures: units.length, assets: assets.size, rows, skipped };
}

/** The rows of one life: `count` steps from `from` (step k is [from + k·step, from + (k+1)·step), its row at its end). */
async function lifeSeries(arrays: ChannelArray[], from: number, step: number, count: number, unit: string): Promise<UnitSeries> {
  const inputs = arrays.length;
  const times: number[] = [];
  const columns: number[][] = arrays.map(() => []);
  const last = new Float64Array(inputs).fill(Number.NaN);
  for (let done = 0; done < count; done += MAX_STEPS_PER_READ) {
    const steps = Math.min(MAX_STEPS_PER_READ, count - done);
    const edges = Array.from({ length: steps + 1 }, (_, k) => from + (done + k) * step);
    const means = await stepMeans(arrays, edges);
    for (let k = 0; k < steps; k++) {
      let any = false;
      for (let input = 0; input < inputs; input++) {
        const mean = means[input]![k]!;
        if (mean === mean) {
          last[input] = mean;
          any = true;
        }
      }
      if (!any || last.some((value) => value !== value)) continue;
      times.push(edges[k + 1]! / DAY_MS);
      for (let input = 0; input < inputs; input++) columns[input]!.push(last[input]!);
    }
  }
  return { unit, times: Float64Array.from(times), values: columns.map((column) => Float32Array.from(column)) };
}
