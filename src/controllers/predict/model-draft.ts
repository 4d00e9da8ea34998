/**
 * The prediction model editor's form model: a spec (`prediction_model/<slug>`) as the form holds
 * it (numbers as typed text, the step in hours, the windows as a list), to and from the stored
 * document. `modelFromDraft` parses every number with a message naming the form's label, so the
 * form never writes a spec the server's training job would refuse; fields the form does not show
 * (params, active_version, simulated, other keys) are kept from the stored spec.
 */
import { DEFAULT_PREDICTION_STEP_MS, PREDICTION_MODEL_PREFIX, predictionModelProblem, type PredictionModelDoc } from '../../core';

/** At most this many inputs (the contract: 1..32 channel fields). */
export const MAX_MODEL_INPUTS = 32;
/** At most this many feature windows (each adds a handful of features per input). */
export const MAX_MODEL_WINDOWS = 8;
/** A slug's longest length (ids stay short in addresses and derived channel ids). */
const MAX_SLUG = 48;

/** A spec as the form holds it. */
export interface ModelDraft {
  title: string;
  asset_type: string;
  /** Channel field names, in the order chosen. */
  inputs: string[];
  /** The feature grid's step, hours (typed). */
  step_hours: string;
  /** Feature windows in steps, comma-separated ("24, 72, 168"); empty: the learner's default. */
  windows: string;
  cap_days: string;
  lead_days: string;
  enabled: boolean;
}

/** A new spec's form: one-hour steps, a 90-day cap, 21 days' lead, on. */
export function emptyModelDraft(assetType = ''): ModelDraft {
  return { title: '', asset_type: assetType, inputs: [], step_hours: '1', windows: '24, 72, 168', cap_days: '90', lead_days: '21', enabled: true };
}

/** The form of a stored spec. */
export function draftFromModel(model: PredictionModelDoc): ModelDraft {
  return {
    title: model.title ?? '',
    asset_type: model.asset_type ?? '',
    inputs: Array.isArray(model.inputs) ? [...model.inputs] : [],
    step_hours: typeof model.step_ms === 'number' ? String(model.step_ms / 3_600_000) : '1',
    windows: Array.isArray(model.windows) ? model.windows.join(', ') : '',
    cap_days: typeof model.cap_days === 'number' ? String(model.cap_days) : '',
    lead_days: typeof model.lead_days === 'number' ? String(model.lead_days) : '',
    enabled: model.enabled !== false,
  };
}

/** `text` as a number, or the problem naming `label`. */
function number(label: string, text: string): number | { problem: string } {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return { problem: `${label}: enter a number` };
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : { problem: `${label}: "${trimmed}" is not a number` };
}

const isProblem = (value: unknown): value is { problem: string } => typeof value === 'object' && value !== null && 'problem' in value;

/**
 * The spec the form describes, over `base` (the stored spec's other fields, kept), or the first
 * problem in words naming the form's label; nothing is written when there is one.
 */
export function modelFromDraft(draft: ModelDraft, base: Record<string, unknown> = {}): { model: PredictionModelDoc } | { problem: string } {
  const title = draft.title.trim();
  if (title === '') return { problem: 'Title: enter what the model predicts' };
  if (title.length > 200) return { problem: 'Title: at most 200 characters' };
  if (draft.asset_type === '') return { problem: 'Asset type: choose the type of part it predicts' };
  const inputs = [...new Set(draft.inputs)];
  if (inputs.length === 0) return { problem: 'Inputs: choose at least one channel field' };
  if (inputs.length > MAX_MODEL_INPUTS) return { problem: `Inputs: at most ${MAX_MODEL_INPUTS}` };
  const step = number('Step (hours)', draft.step_hours);
  if (isProblem(step)) return step;
  // A minute to a week: finer than a minute would make millions of rows a year; coarser than a week sees nothing of a wear.
  if (step < 1 / 60 || step > 168) return { problem: 'Step (hours): between 1/60 (a minute) and 168 (a week)' };
  const cap = number('Cap (days)', draft.cap_days);
  if (isProblem(cap)) return cap;
  if (cap <= 0 || cap > 3650) return { problem: 'Cap (days): more than 0 and at most 3650' };
  const lead = number('Lead time (days)', draft.lead_days);
  if (isProblem(lead)) return lead;
  if (lead < 0 || lead > cap) return { problem: 'Lead time (days): from 0 up to the cap' };
  const windows: number[] = [];
  for (const part of draft.windows.split(/[,;\s]+/)) {
    if (part === '') continue;
    const window = Number(part);
    if (!Number.isInteger(window) || window < 1 || window > 10_000) return { problem: `Windows (steps): "${part}" is not a whole number of steps from 1 to 10 000` };
    if (!windows.includes(window)) windows.push(window);
  }
  if (windows.length > MAX_MODEL_WINDOWS) return { problem: `Windows (steps): at most ${MAX_MODEL_WINDOWS}` };
  windows.sort((a, b) => a - b);
  const model: Record<string, unknown> = {
    ...base,
    type: 'prediction_model',
    title,
    asset_type: draft.asset_type,
    inputs,
    step_ms: Math.round(step * 3_600_000) || DEFAULT_PREDICTION_STEP_MS,
    cap_days: cap,
    lead_days: lead,
    enabled: draft.enabled,
  };
  if (windows.length > 0) model.windows = windows;
  else delete model.windows;
  // The core check the server applies too (a stored spec's other fields included).
  const problem = predictionModelProblem(model);
  return problem ? { problem: `The model is not valid: ${problem}` } : { model: model as unknown as PredictionModelDoc };
}

/** "Main bearing RUL" → "main-bearing-rul" (lower-case letters, digits and dashes; 'model' when none are left). */
export function modelSlug(title: string): string {
  const slug = title
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG)
    .replace(/-+$/, '');
  return slug || 'model';
}

/** A spec id for a new model titled `title` that none of `taken` (ids) has: slug, slug-2, slug-3, … */
export function freeModelId(title: string, taken: ReadonlySet<string>): string {
  const slug = modelSlug(title);
  for (let n = 1; ; n++) {
    const id = `${PREDICTION_MODEL_PREFIX}${n === 1 ? slug : `${slug}-${n}`}`;
    if (!taken.has(id)) return id;
  }
}
