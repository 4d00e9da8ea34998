/**
 * Remaining-life training as a job of the server's queue (kind `rul-train`, payload {model, by},
 * group `rul-train/<slug>`): any worker thread or process takes it, reads the training set
 * (training-set.ts), trains in a thread of its own (training-thread.ts, so the worker's lease
 * renewal goes on), and in the job's effect — the same transaction as its completion, so exactly
 * once — writes version `prediction_model/<slug>/v<N>` (N = the highest stored + 1, created with
 * expect null) with its attachment `model.json`, and sets the spec's `active_version` to N.
 *
 * This module decides where a training's progress lives: in its job row's `result` column while
 * the job runs (`{"progress": {done, total, phase}}`, written at most every PROGRESS_WRITE_MS by
 * the worker holding it), replaced by the result when it is done: `{version, id}`, or
 * `{refused}` when there is nothing to learn from (no failures, no data, over a bound) — a
 * refusal completes the job instead of failing it, since trying again changes nothing; the job
 * route reports it as failed with that message.
 *
 * At most one training per model is queued or running, whichever process asks (a partial unique
 * index of migration 21 on the job's group): a second ask gets TrainingBusy.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PREDICTION_MODEL_ATTACHMENT, docHash, predictionModelId, predictionModelVersionId, type PredictionModelVersionDoc } from '../../core';
import type { RulModel } from '../../core/predict';
import type { BulkWrite, Doc } from '../../storage/backend';
import type { Query } from '../store/sql/driver';
import { SqlStorage } from '../store/sql/sql-storage';
import type { Store } from '../store/store';
import type { HandlerOutcome } from '../jobs/handlers';
import type { Job } from '../jobs/job-queue';
import { failureCount, readSpec, type ModelSpec } from './model-inputs';
import { TrainingSetError, trainingSet, type TrainingSetLimits } from './training-set';
import type { TrainingThreadInput } from './training-thread';

/** The job kind. */
export const RUL_TRAIN = 'rul-train';
/** Progress is written to the job row at most this often. */
const PROGRESS_WRITE_MS = 1_000;
/** A training running longer than this is stopped (its thread terminated) and the job fails. */
const MAX_TRAINING_MS = 3_600_000;
/** The training thread's heap bound (MiB): a training set within the row bound fits well inside. */
const TRAINING_HEAP_MIB = 4_096;

/** The job group of a model's trainings. */
export function trainingGroup(slug: string): string {
  return `${RUL_TRAIN}/${slug}`;
}

/** What a rul-train job carries. */
export interface TrainingPayload {
  /** The spec's id. */
  model: string;
  /** Who asked (a user name; 'fieldline' for the server's own). */
  by: string;
}

/** A training of the model is queued or running already (409). */
export class TrainingBusy extends Error {}

/** Whether `error` is a unique violation (PostgreSQL 23505, SQLite's constraint error). */
function uniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return code === '23505' || cause === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || cause === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(String((error as Error | null)?.message));
}

/** Enqueues a training of `slug` (throws TrainingBusy when one is queued or running); returns the job id. */
export async function enqueueTraining(store: Store, slug: string, by: string): Promise<number> {
  const payload: TrainingPayload = { model: predictionModelId(slug), by };
  try {
    return await store.driver.transaction(async (query) => {
      const [row] = await query('INSERT INTO jobs (kind, payload, grp, created_at) VALUES (?, ?, ?, ?) RETURNING id', [RUL_TRAIN, JSON.stringify(payload), trainingGroup(slug), Date.now()]);
      return Number(row!.id);
    });
  } catch (error) {
    if (uniqueViolation(error)) throw new TrainingBusy(`a training of ${payload.model} is queued or running already`);
    throw error;
  }
}

/**
 * At start (and at each runner poll): every enabled spec that has no version and never had a
 * training job gets one, when failures of its asset type are recorded — once, whichever of
 * several processes gets there first (a lock on PostgreSQL, one writer on SQLite). Returns the
 * job ids enqueued.
 */
export async function ensureTrained(store: Store, specs: readonly ModelSpec[]): Promise<number[]> {
  const enqueued: number[] = [];
  for (const spec of specs) {
    if (!spec.doc.enabled || spec.doc.active_version !== undefined) continue;
    const job = await store.driver.transaction(async (query) => {
      if (store.driver.dialect === 'postgres') await query('SELECT pg_advisory_xact_lock(hashtext(?))', [trainingGroup(spec.slug)]);
      const [any] = await query('SELECT id FROM jobs WHERE grp = ? LIMIT 1', [trainingGroup(spec.slug)]);
      if (any) return undefined;
      const fresh = await readSpec(query, spec.slug);
      if (!fresh?.spec || !fresh.spec.doc.enabled || fresh.spec.doc.active_version !== undefined) return undefined;
      if ((await failureCount(query, fresh.spec.doc.asset_type)) === 0) return undefined;
      const payload: TrainingPayload = { model: spec.id, by: 'fieldline' };
      const [row] = await query('INSERT INTO jobs (kind, payload, grp, created_at) VALUES (?, ?, ?, ?) RETURNING id', [RUL_TRAIN, JSON.stringify(payload), trainingGroup(spec.slug), Date.now()]);
      return Number(row!.id);
    });
    if (job !== undefined) enqueued.push(job);
  }
  return enqueued;
}

/** What the job route says of a training. */
export interface TrainingView {
  state: 'queued' | 'running' | 'done' | 'failed';
  progress?: { done: number; total: number; phase: string };
  error?: string;
  version?: number;
}

/** The training job `job` of `slug` as the route shows it (undefined: no such training of that model). */
export async function trainingView(store: Store, slug: string, job: number): Promise<TrainingView | undefined> {
  const [row] = await store.driver.transaction((query) => query('SELECT kind, grp, state, result, error FROM jobs WHERE id = ?', [job]));
  if (!row || row.kind !== RUL_TRAIN || row.grp !== trainingGroup(slug)) return undefined;
  const state = String(row.state) as TrainingView['state'];
  let result: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(String(row.result ?? 'null')) as unknown;
    if (typeof parsed === 'object' && parsed !== null) result = parsed as Record<string, unknown>;
  } catch {
    // A result is written only here; unreadable means none.
  }
  if (state === 'done' && typeof result.refused === 'string') return { state: 'failed', error: result.refused };
  if (state === 'done') return { state, ...(typeof result.version === 'number' ? { version: result.version } : {}) };
  if (state === 'failed') return { state, error: typeof row.error === 'string' ? row.error : 'the training failed' };
  const progress = result.progress as TrainingView['progress'] | undefined;
  // A queued job may be a failed attempt given back: its last error says why.
  return {
    state,
    ...(state === 'running' && progress && typeof progress.done === 'number' ? { progress } : {}),
    ...(state === 'queued' && typeof row.error === 'string' ? { error: row.error } : {}),
  };
}

/** Writes a running job's progress into its row (only while `job.worker` holds it). */
async function writeProgress(store: Store, job: Job, progress: { done: number; total: number; phase: string }): Promise<void> {
  await store.driver.transaction((query) => query("UPDATE jobs SET result = ? WHERE id = ? AND worker = ? AND state = 'running'", [JSON.stringify({ progress }), job.id, job.worker]));
}

/**
 * tsx's ESM register API (as the sandbox threads find it): import.meta.resolve where the loader
 * has it, else the require resolution's twin of the ESM file (a test runner's loader).
 */
function tsxApi(): string {
  if (typeof import.meta.resolve === 'function') return import.meta.resolve('tsx/esm/api');
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
}

/** Runs trainRul in a thread of its own; `onProgress` hears its progress. */
function trainInThread(input: TrainingThreadInput, onProgress: (progress: { done: number; total: number; phase: string }) => void): Promise<{ model: RulModel; seconds: number; peak_mib: number }> {
  const entry = new URL('./training-thread.ts', import.meta.url).href;
  const bootstrap = `import { register } from ${JSON.stringify(tsxApi())}; register(); await import(${JSON.stringify(entry)});`;
  const transfer = input.units.flatMap((unit) => [unit.times.buffer, ...unit.values.map((values) => values.buffer)]) as ArrayBuffer[];
  const thread = new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), { workerData: input, transferList: transfer, resourceLimits: { maxOldGenerationSizeMb: TRAINING_HEAP_MIB } });
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (work: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      work();
      void thread.terminate();
    };
    const timer = setTimeout(() => settle(() => reject(new Error(`the training ran longer than ${MAX_TRAINING_MS / 60_000} minutes and was stopped`))), MAX_TRAINING_MS);
    thread.on('message', (message: { kind: string; done?: number; total?: number; phase?: string; model?: RulModel; seconds?: number; peak_mib?: number; message?: string }) => {
      if (message.kind === 'progress') onProgress({ done: message.done!, total: message.total!, phase: message.phase! });
      else if (message.kind === 'done') settle(() => resolve({ model: message.model!, seconds: message.seconds!, peak_mib: message.peak_mib! }));
      else if (message.kind === 'error') settle(() => reject(new TrainingSetError(422, `the training failed: ${message.message}`)));
    });
    thread.on('error', (error) => settle(() => reject(error)));
    thread.on('exit', (code) => settle(() => reject(new Error(`the training thread exited (code ${code})`))));
  });
}

/** The limits of training sets (tests make them small). */
export const trainingLimits: TrainingSetLimits = {};

/** The `rul-train` handler (jobs/handlers.ts): see the module comment. */
export async function rulTrainHandler(job: Job, store: Store): Promise<HandlerOutcome> {
  const payload = job.payload as Partial<TrainingPayload> | null;
  const slug = typeof payload?.model === 'string' && payload.model.startsWith('prediction_model/') ? payload.model.slice('prediction_model/'.length) : undefined;
  if (slug === undefined || slug.includes('/') || slug === '') return { result: { refused: 'the job names no prediction model' } };
  const by = typeof payload?.by === 'string' && payload.by !== '' ? payload.by.slice(0, 200) : 'fieldline';
  const read = await store.driver.transaction((query) => readSpec(query, slug));
  if (!read) return { result: { refused: `no prediction model ${predictionModelId(slug)}` } };
  if (!read.spec) return { result: { refused: `${predictionModelId(slug)} cannot be trained: ${read.problem}` } };
  const spec = read.spec;
  let set;
  try {
    set = await trainingSet(store, spec, trainingLimits);
    if (set.units.length < 2) throw new TrainingSetError(422, `only ${set.units.length} failure has data to learn from: a training needs at least 2`);
  } catch (error) {
    if (error instanceof TrainingSetError) return { result: { refused: error.message } };
    throw error;
  }
  const { failures, assets, rows } = set;
  let lastWrite = 0;
  let writing: Promise<void> = Promise.resolve();
  const trained = await trainInThread(
    { units: set.units, inputs: spec.doc.inputs, options: { cap: spec.doc.cap_days, ...(spec.doc.windows ? { windows: spec.doc.windows } : {}), ...(spec.doc.params ? { params: spec.doc.params } : {}), level: 0.9, seed: 1 } },
    (progress) => {
      const now = Date.now();
      if (now - lastWrite < PROGRESS_WRITE_MS && progress.done < progress.total) return;
      lastWrite = now;
      writing = writing.then(() => writeProgress(store, job, progress)).catch(() => undefined);
    },
  ).catch((error: unknown) => error as Error);
  await writing;
  if (trained instanceof TrainingSetError) return { result: { refused: trained.message } };
  if (trained instanceof Error) throw trained;
  const { model, seconds, peak_mib } = trained;
  const modelBytes = new TextEncoder().encode(JSON.stringify(model));
  const versionBase: Omit<PredictionModelVersionDoc, 'version'> = {
    type: 'prediction_model_version',
    model: spec.id,
    trained_at: Date.now(),
    trained_by: by,
    training: { failures, assets, rows, seconds: round(seconds, 3), peak_mib: round(peak_mib, 1) },
    validation: { rmse_days: round(model.validation.rmse, 3), mae_days: round(model.validation.mae, 3), coverage: round(model.validation.coverage, 3), level: model.interval.level, units: model.validation.units },
    features: model.features,
    importance: model.importance,
  };
  return {
    // The version number is decided inside the completion's transaction: the effect writes the result.
    result: null,
    effect: async (query) => {
      const { version, id } = await writeVersion(query, store, spec.id, slug, versionBase, modelBytes);
      await query('UPDATE jobs SET result = ? WHERE id = ?', [JSON.stringify({ version, id, seconds: versionBase.training.seconds }), job.id]);
    },
  };
}

const round = (value: number, digits: number): number => (Number.isFinite(value) ? Math.round(value * 10 ** digits) / 10 ** digits : 0);

/**
 * Inside the job's completion transaction: the next version number of the spec (deleted versions
 * count: a number is never used twice), the version document (expect null: a second writer of the
 * same number fails and rolls back) with its model attachment, and the spec's active_version.
 */
async function writeVersion(query: Query, store: Store, specId: string, slug: string, base: Omit<PredictionModelVersionDoc, 'version'>, model: Uint8Array): Promise<{ version: number; id: string }> {
  const postgres = store.driver.dialect === 'postgres';
  if (postgres) await query('SELECT pg_advisory_xact_lock(hashtext(?))', [`prediction_model_version/${slug}`]);
  const rows = await query('SELECT id FROM documents WHERE id >= ? AND id < ?', [`${specId}/v`, `${specId}/w`]);
  let highest = 0;
  for (const row of rows) {
    const match = /\/v(\d{1,9})$/.exec(String(row.id));
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  const version = highest + 1;
  const id = predictionModelVersionId(slug, version);
  const doc: PredictionModelVersionDoc = { ...base, version };
  const writes: BulkWrite[] = [
    { type: 'put', id, doc: doc as unknown as Doc, expect: null },
    { type: 'putAttachment', id, name: PREDICTION_MODEL_ATTACHMENT, data: model, contentType: 'application/json' },
  ];
  const [specRow] = await query(`SELECT doc FROM documents WHERE id = ? AND deleted = ?${postgres ? ' FOR UPDATE' : ''}`, [specId, false]);
  if (specRow) {
    const specDoc = JSON.parse(String(specRow.doc)) as Doc;
    writes.push({ type: 'put', id: specId, doc: { ...specDoc, active_version: version }, expect: docHash(specDoc as never) });
  }
  await SqlStorage.applyWrites(query, await SqlStorage.prepareWrites(writes));
  return { version, id };
}
