/**
 * What a remaining-life model reads, as stored: its spec (`prediction_model/<slug>`), the parts of
 * its asset type on every site, their failures, and each input resolved to a channel — by field
 * name on the part's own channels, else on its nearest ancestor's (the demo's bearing channels
 * live on the turbine's SCADA source). The training job, the prediction runner and the routes
 * share these reads so they agree on which parts and channels a model means.
 *
 * Everything here is read from documents anyone with write access could have shaped: a spec or a
 * failure that does not check out is left out (with the reason) rather than trusted.
 */
import { DEFAULT_PREDICTION_STEP_MS, PREDICTION_MODEL_PREFIX, isDerivedChannel, predictionModelId, type ChannelDoc, type PredictionModelDoc } from '../../core';
import type { Query } from '../store/sql/driver';

/** Most inputs a spec may name (contract: 1..32). */
export const MAX_INPUTS = 32;
/** The shortest and longest feature step a spec may ask for (a minute, thirty days). */
export const MIN_STEP_MS = 60_000;
export const MAX_STEP_MS = 30 * 86_400_000;
/** Slugs of model specs: what the routes accept in a path. */
export const MODEL_SLUG = /^[a-z0-9][a-z0-9_-]{0,99}$/;
/** Milliseconds in a day: the unit of remaining life in documents. */
export const DAY_MS = 86_400_000;

/** A spec that checks out, with its id and slug. */
export interface ModelSpec {
  id: string;
  slug: string;
  doc: PredictionModelDoc;
  /** The step actually used (the spec's, or the default). */
  stepMs: number;
}

/** A part of the model's asset type, with its resolved inputs. */
export interface ModelPart {
  id: string;
  site: string;
  title: string;
  simulated?: true;
  /** Per input (the spec's order): the channel it reads, or undefined when neither the part nor an ancestor has that field. */
  inputs: Array<{ field: string; channel: string; array: string; title: string } | undefined>;
  /** The part's failures, oldest first (times, epoch ms, with their ids). */
  failures: Array<{ id: string; at: number }>;
}

interface StoredDoc {
  id: string;
  doc: Record<string, unknown>;
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Why a spec cannot be used (undefined: it can). Checks what the server relies on, whatever H3's checker says besides. */
export function specProblem(doc: unknown): string | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'the spec is not an object';
  const spec = doc as Record<string, unknown>;
  if (spec.type !== 'prediction_model') return 'type is not "prediction_model"';
  if (typeof spec.asset_type !== 'string' || spec.asset_type === '' || spec.asset_type.length > 100) return 'asset_type must be a text of 1 to 100 characters';
  if (!Array.isArray(spec.inputs) || spec.inputs.length < 1 || spec.inputs.length > MAX_INPUTS) return `inputs must list 1 to ${MAX_INPUTS} field names`;
  if (spec.inputs.some((input) => typeof input !== 'string' || input === '' || input.length > 200)) return 'inputs must be field names of 1 to 200 characters';
  if (new Set(spec.inputs).size !== spec.inputs.length) return 'inputs must not repeat a field';
  if (spec.step_ms !== undefined && (!Number.isInteger(spec.step_ms) || (spec.step_ms as number) < MIN_STEP_MS || (spec.step_ms as number) > MAX_STEP_MS)) return `step_ms must be a whole number from ${MIN_STEP_MS} to ${MAX_STEP_MS}`;
  if (!finite(spec.cap_days) || spec.cap_days <= 0 || spec.cap_days > 36_500) return 'cap_days must be a number above 0 and at most 36500';
  if (!finite(spec.lead_days) || spec.lead_days < 0 || spec.lead_days > 36_500) return 'lead_days must be a number from 0 to 36500';
  if (spec.windows !== undefined && (!Array.isArray(spec.windows) || spec.windows.length > 16 || spec.windows.some((window) => !Number.isInteger(window) || (window as number) < 1 || (window as number) > 10_000))) {
    return 'windows must list at most 16 whole numbers of steps from 1 to 10000';
  }
  if (spec.params !== undefined && (typeof spec.params !== 'object' || spec.params === null || Array.isArray(spec.params) || Object.values(spec.params).some((value) => !finite(value)))) return 'params must map names to numbers';
  if (typeof spec.enabled !== 'boolean') return 'enabled must be true or false';
  if (spec.active_version !== undefined && (!Number.isInteger(spec.active_version) || (spec.active_version as number) < 1)) return 'active_version must be a whole number from 1';
  return undefined;
}

/** The spec of `slug` as stored (undefined: none, deleted); `problem` when it does not check out. */
export async function readSpec(query: Query, slug: string): Promise<{ spec?: ModelSpec; problem?: string } | undefined> {
  const id = predictionModelId(slug);
  const [row] = await query('SELECT doc FROM documents WHERE id = ? AND deleted = ?', [id, false]);
  if (!row) return undefined;
  const doc = JSON.parse(String(row.doc)) as unknown;
  const problem = specProblem(doc);
  if (problem !== undefined) return { problem };
  return { spec: specOf(id, doc as PredictionModelDoc) };
}

function specOf(id: string, doc: PredictionModelDoc): ModelSpec {
  return { id, slug: id.slice(PREDICTION_MODEL_PREFIX.length), doc, stepMs: doc.step_ms ?? DEFAULT_PREDICTION_STEP_MS };
}

/** Every spec (not the versions) as stored: the ones that check out, and the others with their reasons. */
export async function readSpecs(query: Query): Promise<{ specs: ModelSpec[]; problems: Array<{ id: string; problem: string }> }> {
  const rows = await query("SELECT id, doc FROM documents WHERE id >= ? AND id < ? AND deleted = ? ORDER BY id", [PREDICTION_MODEL_PREFIX, 'prediction_model0', false]);
  const specs: ModelSpec[] = [];
  const problems: Array<{ id: string; problem: string }> = [];
  for (const row of rows) {
    const id = String(row.id);
    // Versions (`prediction_model/<slug>/v<N>`) are not specs.
    if (id.slice(PREDICTION_MODEL_PREFIX.length).includes('/')) continue;
    const doc = JSON.parse(String(row.doc)) as unknown;
    const problem = specProblem(doc);
    if (problem !== undefined) problems.push({ id, problem });
    else specs.push(specOf(id, doc as PredictionModelDoc));
  }
  return { specs, problems };
}

/** Documents of a kind (an id prefix such as 'asset/'), every site, in id order. */
async function byPrefix(query: Query, prefix: string): Promise<StoredDoc[]> {
  const end = `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`;
  const rows = await query('SELECT id, doc FROM documents WHERE id >= ? AND id < ? AND deleted = ? ORDER BY id', [prefix, end, false]);
  return rows.map((row) => ({ id: String(row.id), doc: JSON.parse(String(row.doc)) as Record<string, unknown> }));
}

/** The failures of every part, as stored and checked (a failure without a part or a finite time is left out). */
export async function readFailures(query: Query): Promise<Map<string, Array<{ id: string; at: number }>>> {
  const byAsset = new Map<string, Array<{ id: string; at: number }>>();
  for (const { id, doc } of await byPrefix(query, 'failure/')) {
    if (doc.type !== 'failure' || typeof doc.asset !== 'string' || !finite(doc.at)) continue;
    let list = byAsset.get(doc.asset);
    if (!list) byAsset.set(doc.asset, (list = []));
    list.push({ id, at: doc.at });
  }
  for (const list of byAsset.values()) list.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
  return byAsset;
}

/**
 * The parts of `spec`'s asset type on every site, each with its inputs resolved and its failures.
 * An input resolves on the part's own channels by field, else on its parent's, and so on up (at
 * most 32 levels; a cycle stops the walk). Several channels of one asset with the field: the
 * first by id. Derived channels (anomaly scores, predictions) never count.
 */
export async function readParts(query: Query, spec: ModelSpec): Promise<ModelPart[]> {
  const assets = new Map<string, Record<string, unknown>>();
  for (const { id, doc } of await byPrefix(query, 'asset/')) if (doc.type === 'asset' && typeof doc.site === 'string') assets.set(id, doc);
  // Channels by asset, then by field (first by id wins).
  const channels = new Map<string, Map<string, { channel: string; doc: ChannelDoc }>>();
  for (const { id, doc } of await byPrefix(query, 'channel/')) {
    if (doc.type !== 'channel' || typeof doc.asset !== 'string' || typeof doc.field !== 'string' || typeof doc.array !== 'string' || isDerivedChannel(doc)) continue;
    let fields = channels.get(doc.asset);
    if (!fields) channels.set(doc.asset, (fields = new Map()));
    if (!fields.has(doc.field)) fields.set(doc.field, { channel: id, doc: doc as unknown as ChannelDoc });
  }
  const failures = await readFailures(query);
  const parts: ModelPart[] = [];
  for (const [id, doc] of assets) {
    if (doc.asset_type !== spec.doc.asset_type) continue;
    const inputs = spec.doc.inputs.map((field) => {
      const seen = new Set<string>();
      for (let at: string | undefined = id; at !== undefined && !seen.has(at) && seen.size < 32; at = typeof assets.get(at)?.parent === 'string' ? (assets.get(at)!.parent as string) : undefined) {
        seen.add(at);
        const found = channels.get(at)?.get(field);
        if (found) return { field, channel: found.channel, array: found.doc.array, title: typeof found.doc.title === 'string' ? found.doc.title : field };
      }
      return undefined;
    });
    parts.push({ id, site: String(doc.site), title: typeof doc.title === 'string' ? doc.title : id, ...(doc.simulated === true ? { simulated: true as const } : {}), inputs, failures: failures.get(id) ?? [] });
  }
  return parts;
}

/** How many failures of parts of `assetType` are recorded (what a training could learn from). */
export async function failureCount(query: Query, assetType: string): Promise<number> {
  const failures = await readFailures(query);
  if (failures.size === 0) return 0;
  let count = 0;
  for (const { id, doc } of await byPrefix(query, 'asset/')) if (doc.type === 'asset' && doc.asset_type === assetType) count += failures.get(id)?.length ?? 0;
  return count;
}
