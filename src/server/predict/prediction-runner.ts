/**
 * The server's prediction runner: for each enabled remaining-life model with an active version,
 * each part of its asset type (every site) gets its estimate kept up to date as data arrives,
 * incrementally, exactly once — as derived channels (rul, rul_low, rul_high in days, one sample
 * per step of the model's grid at the step's end) and the prediction document
 * `prediction/<slug>/<asset path>`, and a proposed work order when the estimate reaches the lead
 * time (proposals.ts).
 *
 * This module decides where a prediction's progress lives: one row per prediction in
 * `prediction_runs` (migration 21) — the model version it predicts with, the start of the part's
 * current life (its last failure), how far it is on the step grid (`position`: the end of the last
 * step looked at, epoch ms), the predictor's state (RulPredictor.state(), with each input's last
 * value and the life's proposal) and a `version`. Each batch of steps is appended to the derived
 * arrays, with the prediction document and any proposal, in the SAME transaction that moves the
 * row on, guarded as the anomaly runner's are: the row's update applies only at the version read
 * (a second process that predicted the same steps updates nothing and rolls back), the arrays'
 * metadata writes only at the metadata read, the proposal only where none exists. So a crash
 * anywhere leaves all of it as it was, and several processes on one PostgreSQL never append a
 * step twice.
 *
 * Steps: the grid is aligned to multiples of the model's step in epoch time; a step [a, a + step)
 * is predicted once every input has a sample at or after a + step (its data is complete), from
 * the mean of each input over it (step-means.ts: block summaries, never years of raw samples). A
 * step where no input has data is skipped; an input without data in a step keeps its last value.
 * A new active version, a new failure of the part (a new life), or a state that does not restore
 * starts the prediction again from the start of the current life, rewriting the derived arrays
 * from there.
 *
 * When: every `pollMs` (PREDICT_POLL_MS), and `debounceMs` after `samples` events of an input or
 * document events of a model, failure, asset or channel (this process's appends; other processes'
 * come with the poll). Each poll also enqueues the first training of an enabled model that has
 * none (training-job.ts ensureTrained: once, across processes).
 */
import { ArrayError, ChannelArray } from '../../arrays';
import {
  PREDICTION_MODEL_ATTACHMENT,
  PREDICTION_PRODUCER,
  predictionId,
  predictionModelVersionId,
  rulChannelDocs,
  rulChannelIds,
  type PredictionDoc,
  type RulSeries,
} from '../../core';
import { RulPredictor, rulModelProblem, type RulEstimate, type RulModel } from '../../core/predict';
import { StorageError, type BulkWrite, type Doc } from '../../storage/backend';
import { PassLoop } from '../live/pass-loop';
import type { LiveEntry, LivePublisher } from '../live/publisher';
import type { Query } from '../store/sql/driver';
import { SqlStorage } from '../store/sql/sql-storage';
import type { Store } from '../store/store';
import { DAY_MS, readParts, readSpecs, type ModelPart, type ModelSpec } from './model-inputs';
import { proposalDue, proposalId, proposalWorkOrder } from './proposals';
import { firstTime, MAX_STEPS_PER_READ, stepMeans } from './step-means';
import { ensureTrained } from './training-job';

export interface PredictionRunnerOptions {
  /** Where appends of this process are heard and the derived appends told. */
  live?: LivePublisher;
  /** How often everything is looked at (default 60 000 ms). */
  pollMs?: number;
  /** How long after an event the runner waits for more before a pass (default 2 000 ms). */
  debounceMs?: number;
  /** Steps per part and transaction (default 5 000). */
  maxSteps?: number;
  /** Enqueue the first training of models that have none (default true). */
  ensureTrained?: boolean;
  /** The clock of proposals' created entries (tests); default Date.now. */
  now?: () => number;
  /** Where failures of a pass and models that cannot be used go. */
  onError?: (error: unknown) => void;
}

/** What a pass did. */
export interface PredictionPass {
  /** Model × part pairs looked at. */
  targets: number;
  /** Steps predicted (estimates appended). */
  predicted: number;
  /** Work orders proposed. */
  proposed: string[];
  /** Whether some part has whole steps left (the next pass follows at once). */
  more: boolean;
}

/** What the state column holds. */
interface RunState {
  predictor: unknown;
  /** Each input's last step mean in this life (null: none yet). */
  last: Array<number | null>;
  /** The proposal made (or found) for this life. */
  proposed?: string;
}

interface RunRow {
  modelVersion: number;
  lifeStart: number | null;
  position: number;
  state: RunState;
  version: number;
}

/** A usable model version, or why it is not. */
type LoadedModel = { model: RulModel } | { problem: string };

/** Another writer moved the run on between its read and its write. */
class MovedOn extends Error {}

function movedOn(error: unknown): boolean {
  if (error instanceof MovedOn) return true;
  if (error instanceof StorageError || error instanceof ArrayError) return error.status === 409;
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === '40P01';
}

/** The longest model attachment read (a trained model of the demo is well under a megabyte). */
const MAX_MODEL_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_STEPS = 5_000;
const SERIES: readonly RulSeries[] = ['rul', 'low', 'high'];

const round = (value: number): number => Math.round(value * 10) / 10;

/** "Main bearing temperature" → "main bearing temperature" (an acronym keeps its case). */
function lowerFirst(text: string): string {
  return text.length > 1 && text[1] === text[1]!.toLowerCase() ? text[0]!.toLowerCase() + text.slice(1) : text;
}

/** The estimate in words: "RUL 23 days (17–31): main bearing temperature rising". */
export function predictionSummary(estimate: RulEstimate, cap: number, titleOf: (input: string) => string): string {
  const days = (value: number) => String(Math.round(value));
  const head = estimate.rul >= cap - 0.5 ? `RUL at least ${days(cap)} days` : `RUL ${days(estimate.rul)} days (${days(estimate.low)}–${days(estimate.high)})`;
  const top = estimate.evidence[0];
  return top ? `${head}: ${lowerFirst(titleOf(top.input))} ${top.trend}` : head;
}

export class PredictionRunner {
  readonly #store: Store;
  readonly #live: LivePublisher | undefined;
  readonly #maxSteps: number;
  readonly #ensure: boolean;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  /** Loaded versions by id (immutable: a version id always holds the same model). */
  #models = new Map<string, LoadedModel>();
  /** Problems already told (a model that cannot be used is said once, not every poll). */
  #told = new Set<string>();
  /** Input array ids of the parts predicted (to wake on samples events). */
  #inputs = new Set<string>();
  readonly #loop: PassLoop;
  /** Counters for tests: transactions committed, races lost. */
  readonly counters = { commits: 0, raced: 0 };

  constructor(store: Store, options: PredictionRunnerOptions = {}) {
    this.#store = store;
    this.#live = options.live;
    this.#maxSteps = Math.max(1, Math.min(MAX_STEPS_PER_READ, Math.floor(options.maxSteps ?? DEFAULT_MAX_STEPS)));
    this.#ensure = options.ensureTrained ?? true;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => undefined);
    this.#loop = new PassLoop({
      pollMs: options.pollMs ?? 60_000,
      settleMs: options.debounceMs ?? 2_000,
      live: options.live,
      wakes: (entry) => this.#concerns(entry),
      pass: async () => (await this.runOnce()).more,
      onError: (error) => this.#onError(error),
    });
  }

  /** Starts predicting in the background: now, after events, and every pollMs. */
  start(): void {
    this.#loop.start();
  }

  /** Stops; resolves once the pass in progress (if any) has finished. */
  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  /** New samples of a predicted part's input, or a model, version, failure, asset or channel changed. */
  #concerns({ message }: LiveEntry): boolean {
    if (message.event === 'samples') return this.#inputs.has(message.data.array);
    const { id, type } = message.data;
    // The runner's own documents change nothing it reads.
    if (id.startsWith('prediction/') || id.startsWith('channel/prediction/')) return false;
    return type === 'prediction_model' || type === 'prediction_model_version' || type === 'failure' || type === 'asset' || type === 'channel';
  }

  /** One pass over every model and part: at most one batch of steps each. */
  async runOnce(): Promise<PredictionPass> {
    const { specs, problems } = await this.#store.driver.transaction((query) => readSpecs(query));
    for (const { id, problem } of problems) this.#tell(`${id}: ${problem}`);
    if (this.#ensure) await ensureTrained(this.#store, specs);
    const pass: PredictionPass = { targets: 0, predicted: 0, proposed: [], more: false };
    const inputs = new Set<string>();
    for (const spec of specs) {
      const version = spec.doc.active_version;
      if (!spec.doc.enabled || version === undefined) continue;
      const loaded = await this.#model(spec, version);
      if ('problem' in loaded) {
        this.#tell(loaded.problem);
        continue;
      }
      // The parts' inputs are the model's (it was trained on those), whatever the spec says now.
      const parts = await this.#store.driver.transaction((query) => readParts(query, { ...spec, doc: { ...spec.doc, inputs: loaded.model.inputs } }));
      for (const part of parts) {
        for (const input of part.inputs) if (input) inputs.add(input.array);
        pass.targets++;
        const result = await this.#stepFresh(spec, version, loaded.model, part);
        pass.predicted += result.predicted;
        if (result.proposed) pass.proposed.push(result.proposed);
        if (result.more) pass.more = true;
      }
    }
    this.#inputs = inputs;
    return pass;
  }

  /** Passes until every part is predicted to its last whole step (tests, catching up). */
  async catchUp(maxPasses = Number.POSITIVE_INFINITY): Promise<PredictionPass> {
    const total: PredictionPass = { targets: 0, predicted: 0, proposed: [], more: false };
    for (let pass = 0; pass < maxPasses; pass++) {
      const result = await this.runOnce();
      total.targets = result.targets;
      total.predicted += result.predicted;
      total.proposed.push(...result.proposed);
      total.more = result.more;
      if (!result.more) break;
    }
    return total;
  }

  #tell(problem: string): void {
    if (this.#told.has(problem)) return;
    this.#told.add(problem);
    this.#onError(new Error(problem));
  }

  /** The active version's model: read once, checked as input from outside (rulModelProblem). */
  async #model(spec: ModelSpec, version: number): Promise<LoadedModel> {
    const id = predictionModelVersionId(spec.slug, version);
    const known = this.#models.get(id);
    if (known) return known;
    const loaded = await this.#loadModel(id);
    // A missing version may still come (a replica behind); a bad one never changes.
    if ('model' in loaded || !loaded.problem.includes('is not stored')) this.#models.set(id, loaded);
    return loaded;
  }

  async #loadModel(id: string): Promise<LoadedModel> {
    const stored = await this.#store.documents.stored(id);
    if (!stored?.doc) return { problem: `${id} is not stored: no predictions with it` };
    if (stored.doc.type !== 'prediction_model_version') return { problem: `${id} is not a prediction model version: no predictions with it` };
    const attachments = await this.#store.documents.allAttachments(id);
    const info = attachments[PREDICTION_MODEL_ATTACHMENT];
    if (!info) return { problem: `${id} has no ${PREDICTION_MODEL_ATTACHMENT}: no predictions with it` };
    if (info.length > MAX_MODEL_BYTES) return { problem: `${id}'s ${PREDICTION_MODEL_ATTACHMENT} is over ${MAX_MODEL_BYTES} bytes: no predictions with it` };
    let json: unknown;
    try {
      json = JSON.parse(await this.#store.documents.getAttachment(id, PREDICTION_MODEL_ATTACHMENT, { format: 'text' }));
    } catch {
      return { problem: `${id}'s ${PREDICTION_MODEL_ATTACHMENT} is not JSON: no predictions with it` };
    }
    const problem = rulModelProblem(json);
    if (problem) return { problem: `${id}'s ${PREDICTION_MODEL_ATTACHMENT} is not a usable model (${problem}): no predictions with it` };
    return { model: json as RulModel };
  }

  async #stepFresh(spec: ModelSpec, version: number, model: RulModel, part: ModelPart): Promise<{ predicted: number; proposed?: string; more: boolean }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#step(spec, version, model, part);
      } catch (error) {
        if (!movedOn(error)) throw error;
        this.counters.raced++;
        // Another process predicted it: nothing lost, the next pass goes on from there.
        if (attempt >= 3) return { predicted: 0, more: true };
      }
    }
  }

  /** The run's row; created, with the derived arrays and channel documents, when there is none. */
  async #row(spec: ModelSpec, part: ModelPart, id: string): Promise<RunRow | undefined> {
    const read = async (query: Query): Promise<RunRow | undefined> => {
      const [row] = await query('SELECT model_version, life_start, position, state, version FROM prediction_runs WHERE id = ?', [id]);
      if (!row) return undefined;
      let state: RunState;
      try {
        state = JSON.parse(String(row.state)) as RunState;
      } catch {
        state = { predictor: null, last: [] };
      }
      return { modelVersion: Number(row.model_version), lifeStart: row.life_start === null ? null : Number(row.life_start), position: Number(row.position), state, version: Number(row.version) };
    };
    const found = await this.#store.driver.transaction(read);
    if (found) return found;
    const ids = rulChannelIds(spec.slug, part.id);
    const writes: BulkWrite[] = [];
    for (const series of SERIES) {
      const existing = await ChannelArray.open(this.#store.documents, ids.arrays[series]).catch((error: unknown) => {
        if (error instanceof ArrayError && error.status === 404) return undefined;
        throw error;
      });
      if (existing && existing.meta.producer !== PREDICTION_PRODUCER) {
        this.#tell(`${ids.arrays[series]} holds an array that the prediction runner did not write: ${part.id} is not predicted by ${spec.id}`);
        return undefined;
      }
      if (!existing) writes.push(...ChannelArray.prepareCreate(this.#store.documents, ids.arrays[series], { timing: 'explicit', unit: 'd', producer: PREDICTION_PRODUCER, site: part.site }).writes);
    }
    for (const [channel, doc] of rulChannelDocs(spec.slug, { id: part.id, site: part.site, title: part.title, ...(part.simulated ? { simulated: true as const } : {}) }, spec.stepMs)) {
      if ((await this.#store.documents.stored(channel))?.doc === undefined) writes.push({ type: 'put', id: channel, doc: doc as unknown as Doc });
    }
    const prepared = await SqlStorage.prepareWrites(writes);
    // Version 0 and no model: the first step starts the life afresh.
    const state: RunState = { predictor: null, last: [] };
    await this.#store.driver.transaction(async (query) => {
      const inserted = await query('INSERT INTO prediction_runs (id, model, asset, model_version, life_start, position, state, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id', [
        id,
        spec.id,
        part.id,
        0,
        null,
        0,
        JSON.stringify(state),
        0,
        new Date().toISOString(),
      ]);
      if (inserted.length === 0) throw new MovedOn(`${id} was created meanwhile`);
      await SqlStorage.applyWrites(query, prepared);
    });
    return { modelVersion: 0, lifeStart: null, position: 0, state, version: 0 };
  }

  /** Predicts the part's next whole steps (at most maxSteps) and stores them with its row. */
  async #step(spec: ModelSpec, version: number, model: RulModel, part: ModelPart): Promise<{ predicted: number; proposed?: string; more: boolean }> {
    const id = predictionId(spec.slug, part.id);
    const row = await this.#row(spec, part, id);
    if (!row) return { predicted: 0, more: false };
    const storage = this.#store.documents;
    const arrays: Array<ChannelArray | undefined> = [];
    for (const input of part.inputs) {
      arrays.push(input ? await ChannelArray.open(storage, input.array).catch((error: unknown) => (error instanceof ArrayError && (error.status === 404 || error.status === 400) ? undefined : Promise.reject(error))) : undefined);
    }
    const withData = arrays.filter((array): array is ChannelArray => array !== undefined && array.length > 0);
    if (withData.length === 0) return { predicted: 0, more: false };
    const step = spec.stepMs;
    const lifeStart = part.failures.length > 0 ? part.failures[part.failures.length - 1]!.at : null;

    // Continue, or start the life afresh (a new version, a new failure, a state that does not restore).
    let predictor: RulPredictor | undefined;
    let state: RunState = row.state;
    let position = row.position;
    if (row.modelVersion === version && row.lifeStart === lifeStart && state.predictor !== null) {
      try {
        predictor = RulPredictor.restore(model, state.predictor);
        if (!Array.isArray(state.last) || state.last.length !== part.inputs.length) predictor = undefined;
      } catch {
        predictor = undefined;
      }
    }
    if (!predictor) {
      predictor = new RulPredictor(model);
      state = { predictor: null, last: part.inputs.map(() => null) };
      const first = lifeStart ?? Math.min(...withData.map((array) => firstTime(array)!));
      position = lifeStart === null ? Math.floor(first / step) * step : Math.ceil(first / step) * step;
    }
    const fresh = predictor !== undefined && state.predictor === null;
    // A step is whole once every input with data has a sample at or after its end.
    const until = Math.min(...withData.map((array) => array.meta.last_time ?? -Infinity));
    const available = Math.floor((until - position) / step);
    const count = Math.min(this.#maxSteps, available);
    if (count <= 0 && !(fresh && row.version > 0)) return { predicted: 0, more: false };

    const times: number[] = [];
    const outputs: Record<RulSeries, number[]> = { rul: [], low: [], high: [] };
    let latest: { time: number; estimate: RulEstimate } | undefined;
    let due: { time: number; estimate: RulEstimate } | undefined;
    const last = state.last.slice();
    const start = position;
    if (count > 0) {
      const edges = Array.from({ length: count + 1 }, (_, k) => position + k * step);
      const means = await stepMeans(arrays, edges);
      const row = new Float64Array(part.inputs.length);
      for (let k = 0; k < count; k++) {
        let any = false;
        for (let input = 0; input < part.inputs.length; input++) {
          const mean = means[input]![k]!;
          if (mean === mean) {
            last[input] = mean;
            any = true;
          }
        }
        if (!any || last.some((value) => value === null)) continue;
        for (let input = 0; input < row.length; input++) row[input] = last[input]!;
        const time = edges[k + 1]!;
        predictor.push(time / DAY_MS, row);
        const estimate = predictor.estimate();
        if (!estimate) continue;
        times.push(time);
        outputs.rul.push(estimate.rul);
        outputs.low.push(estimate.low);
        outputs.high.push(estimate.high);
        latest = { time, estimate };
        if (due === undefined && proposalDue(estimate.rul, spec.doc.lead_days)) due = latest;
      }
      position += count * step;
    }
    const next: RunState = { predictor: predictor.state(), last, ...(state.proposed !== undefined ? { proposed: state.proposed } : {}) };

    const writes: BulkWrite[] = [];
    const ids = rulChannelIds(spec.slug, part.id);
    const prepared: Array<{ commit: () => void }> = [];
    const outputArrays: Partial<Record<RulSeries, ChannelArray>> = {};
    if (times.length > 0 || fresh) {
      const stamps = Float64Array.from(times);
      for (const series of SERIES) {
        const output = await ChannelArray.open(storage, ids.arrays[series]);
        outputArrays[series] = output;
        // Normally an append; a life started afresh rewrites from its first step on.
        const from = fresh ? await output.indexAfterTime(start) : output.length;
        // Another process appended these steps since the row was read: read again.
        if (!fresh && times.length > 0 && output.meta.last_time !== null && output.meta.last_time >= times[0]!) throw new MovedOn(`${id} was predicted meanwhile`);
        if (from === output.length && times.length === 0) continue;
        const values = Float32Array.from(outputs[series]);
        const write = from === output.length ? await output.prepareAppend(values, stamps) : await output.prepareRewrite(from, values, stamps);
        writes.push(...write.writes);
        prepared.push(write);
      }
    }

    // The prediction document and the proposal: from the batch's last estimate (the proposal from the first at the lead).
    let proposed: string | undefined;
    if (due && next.proposed === undefined) {
      const woId = proposalId(spec.slug, part.id, part.failures.length);
      next.proposed = woId;
      if ((await storage.stored(woId)) === undefined) {
        const doc = this.#predictionDoc(spec, version, model, part, due.time, due.estimate, woId);
        writes.push({ type: 'put', id: woId, doc: proposalWorkOrder(doc, id, part, spec.doc.lead_days, this.#now()) as unknown as Doc, expect: null });
        proposed = woId;
      }
    }
    if (latest) {
      const doc = this.#predictionDoc(spec, version, model, part, latest.time, latest.estimate, next.proposed);
      const stored = (await storage.stored(id))?.doc as PredictionDoc | undefined;
      if (!stored || changed(stored, doc)) writes.push({ type: 'put', id, doc: doc as unknown as Doc });
    }

    const ready = await SqlStorage.prepareWrites(writes);
    await this.#store.driver.transaction(async (query) => {
      // The row first: a second process that predicted the same steps waits here (PostgreSQL) and then updates nothing.
      const moved = await query('UPDATE prediction_runs SET model_version = ?, life_start = ?, position = ?, state = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? RETURNING version', [
        version,
        lifeStart,
        position,
        JSON.stringify(next),
        new Date().toISOString(),
        id,
        row.version,
      ]);
      if (moved.length === 0) throw new MovedOn(`${id} was predicted meanwhile`);
      await SqlStorage.applyWrites(query, ready);
    });
    for (const write of prepared) write.commit();
    this.counters.commits++;
    if (latest) {
      for (const series of SERIES) {
        const output = outputArrays[series];
        if (!output) continue;
        this.#live?.publish({ event: 'samples', data: { array: ids.arrays[series], channel: ids.channels[series], site: part.site, length: output.length, last: { time: latest.time, value: Math.fround(outputs[series].at(-1)!) } } });
      }
    }
    return { predicted: times.length, ...(proposed ? { proposed } : {}), more: available > count };
  }

  /** The prediction document of an estimate at `time`. */
  #predictionDoc(spec: ModelSpec, version: number, model: RulModel, part: ModelPart, time: number, estimate: RulEstimate, workOrder: string | undefined): PredictionDoc {
    const inputOf = (name: string) => part.inputs[model.inputs.indexOf(name)];
    const titleOf = (name: string) => inputOf(name)?.title ?? name;
    const ids = rulChannelIds(spec.slug, part.id);
    return {
      type: 'prediction',
      site: part.site,
      asset: part.id,
      model: spec.id,
      version,
      at: time,
      rul_days: round(estimate.rul),
      low_days: round(estimate.low),
      high_days: round(estimate.high),
      failure_at: Math.round(time + estimate.rul * DAY_MS),
      failure_low: Math.round(time + estimate.low * DAY_MS),
      failure_high: Math.round(time + estimate.high * DAY_MS),
      level: model.interval.level,
      summary: predictionSummary(estimate, model.cap, titleOf),
      evidence: estimate.evidence.map((item) => ({ channel: inputOf(item.input)?.channel ?? item.input, title: titleOf(item.input), trend: item.trend, share: item.share })),
      channels: ids.channels,
      lead_days: spec.doc.lead_days,
      ...(workOrder !== undefined ? { work_order: workOrder } : {}),
    };
  }
}

/** Whether the prediction document should be written again: the estimate (in tenths of days), its words, its version, proposal or lead time changed. */
function changed(stored: PredictionDoc, next: PredictionDoc): boolean {
  return stored.rul_days !== next.rul_days || stored.low_days !== next.low_days || stored.high_days !== next.high_days || stored.summary !== next.summary || stored.version !== next.version || stored.work_order !== next.work_order || stored.model !== next.model || stored.lead_days !== next.lead_days;
}
