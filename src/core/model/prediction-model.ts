/**
 * Remaining-useful-life models. The spec (`prediction_model/<slug>`, site-less, edited by
 * engineers and admins) says which parts (an asset type) and which inputs (channel fields,
 * resolved on the part or its nearest ancestor) a model learns from; each training writes one
 * immutable version (`prediction_model/<slug>/v<N>`, written only by the server's training job)
 * with its validation figures and the trained model as the attachment `model.json`.
 */
import { firstProblem, flagProblem, integerProblem, isObject, numberProblem, textProblem } from './checks';

/** Where prediction model specs and their versions live among the documents. */
export const PREDICTION_MODEL_PREFIX = 'prediction_model/';

/** The attachment of a version that holds the trained model (core/predict's RulModel JSON). */
export const PREDICTION_MODEL_ATTACHMENT = 'model.json';

/** The feature grid's step when a spec gives none: one hour. */
export const DEFAULT_PREDICTION_STEP_MS = 3_600_000;

/** A model spec as stored: `prediction_model/<slug>`, type 'prediction_model'. */
export interface PredictionModelDoc {
  type: 'prediction_model';
  title: string;
  /** The asset type of the parts it predicts (e.g. 'main_bearing'). */
  asset_type: string;
  /** Channel field names (1..32), resolved on the asset, else on its nearest ancestor that has the field. */
  inputs: string[];
  /** The feature grid's step (ms; default DEFAULT_PREDICTION_STEP_MS). */
  step_ms: number;
  /** The remaining life is capped at this many days (a healthy part reads "at least cap_days"). */
  cap_days: number;
  /** A work order is proposed when the remaining life is at most this many days. */
  lead_days: number;
  /** Feature windows, in steps. */
  windows?: number[];
  /** Learner parameters (core/predict's GbtParams by name). */
  params?: Record<string, number>;
  enabled: boolean;
  /** The version predictions use (the latest training's, unless an engineer chose another). */
  active_version?: number;
  simulated?: true;
}

/** What one training learned from. */
export interface PredictionTraining {
  /** Failures (lives of a part) used. */
  failures: number;
  /** Distinct assets those failures were of. */
  assets: number;
  /** Feature rows. */
  rows: number;
  /** Wall-clock seconds the training took. */
  seconds: number;
  /** Peak memory of the training (MiB). */
  peak_mib: number;
}

/** How well a version predicted lives it did not learn from (held-out units). */
export interface PredictionValidation {
  rmse_days: number;
  mae_days: number;
  /** Share of held-out truths inside the predicted interval. */
  coverage: number;
  /** The interval's nominal level (0.9). */
  level: number;
  /** Held-out units. */
  units: number;
}

/** One trained version as stored: `prediction_model/<slug>/v<N>`, type 'prediction_model_version' (server only, immutable). */
export interface PredictionModelVersionDoc {
  type: 'prediction_model_version';
  /** The spec's id (`prediction_model/<slug>`). */
  model: string;
  version: number;
  /** Epoch ms. */
  trained_at: number;
  /** The user name who asked for it ('fieldline' for the server's own). */
  trained_by: string;
  training: PredictionTraining;
  validation: PredictionValidation;
  /** The model's feature names. */
  features: string[];
  /** Each input's share of the model's importance (shares sum to about 1). */
  importance: Array<{ input: string; share: number }>;
}

/** The id of the spec with slug `slug` ('main-bearing' → 'prediction_model/main-bearing'). */
export function predictionModelId(slug: string): string {
  return `${PREDICTION_MODEL_PREFIX}${slug}`;
}

/** The id of version `version` of the spec with slug `slug` ('prediction_model/main-bearing/v3'). */
export function predictionModelVersionId(slug: string, version: number): string {
  return `${predictionModelId(slug)}/v${version}`;
}

/** The slug of a spec id or of one of its version ids (undefined: not a prediction model id). */
export function predictionModelSlug(id: string): string | undefined {
  if (!id.startsWith(PREDICTION_MODEL_PREFIX)) return undefined;
  const slug = id.slice(PREDICTION_MODEL_PREFIX.length).split('/')[0];
  return slug === '' ? undefined : slug;
}

/** Whether `id` names a version (`prediction_model/<slug>/v<N>`) rather than a spec. */
export function isPredictionModelVersionId(id: string): boolean {
  return /^prediction_model\/[^/]+\/v\d+$/.test(id);
}

/** At most this many inputs (channel fields) in one model. */
export const MAX_PREDICTION_INPUTS = 32;
/** At most this many feature windows. */
export const MAX_PREDICTION_WINDOWS = 16;
/** Longest feature window, in steps. */
export const MAX_PREDICTION_WINDOW_STEPS = 10_000;
/** At most this many learner parameters. */
export const MAX_PREDICTION_PARAMS = 32;
/** Longest remaining-life cap: ten years (days). */
export const MAX_PREDICTION_CAP_DAYS = 3650;
/** Shortest and longest feature grid step: one second, thirty days. */
export const MIN_PREDICTION_STEP_MS = 1000;
export const MAX_PREDICTION_STEP_MS = 30 * 86_400_000;
/** Largest version number. */
export const MAX_PREDICTION_VERSION = 1_000_000;
/** Longest title of a spec. */
export const MAX_PREDICTION_TITLE = 200;
/** Longest slug of a spec id. */
const MAX_SLUG = 64;
/** Longest asset type, input field name or parameter name. */
const MAX_FIELD = 200;
/** Longest user name or id. */
const MAX_NAME = 1000;
/** At most this many features or importance entries a version lists. */
const MAX_FEATURES = 4096;
/** The largest |epoch ms| a Date holds (ECMAScript: ±100 000 000 days). */
const DATE_LIMIT_MS = 8.64e15;

/** JSON Schema of a spec (other keys allowed; predictionModelProblem is the whole check). */
export const predictionModelSchema = {
  type: 'object',
  required: ['type', 'title', 'asset_type', 'inputs', 'step_ms', 'cap_days', 'lead_days', 'enabled'],
  properties: {
    type: { const: 'prediction_model' },
    title: { type: 'string', minLength: 1, maxLength: MAX_PREDICTION_TITLE },
    asset_type: { type: 'string', minLength: 1, maxLength: MAX_FIELD },
    inputs: { type: 'array', minItems: 1, maxItems: MAX_PREDICTION_INPUTS, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: MAX_FIELD } },
    step_ms: { type: 'integer', minimum: MIN_PREDICTION_STEP_MS, maximum: MAX_PREDICTION_STEP_MS },
    cap_days: { type: 'number', exclusiveMinimum: 0, maximum: MAX_PREDICTION_CAP_DAYS },
    lead_days: { type: 'number', minimum: 0, maximum: MAX_PREDICTION_CAP_DAYS },
    windows: { type: 'array', minItems: 1, maxItems: MAX_PREDICTION_WINDOWS, items: { type: 'integer', minimum: 1, maximum: MAX_PREDICTION_WINDOW_STEPS } },
    params: { type: 'object', maxProperties: MAX_PREDICTION_PARAMS, additionalProperties: { type: 'number' } },
    enabled: { type: 'boolean' },
    active_version: { type: 'integer', minimum: 1, maximum: MAX_PREDICTION_VERSION },
    simulated: { const: true },
  },
} as const;

/** Why `id` is not a spec id (`prediction_model/` + 1–64 of a–z, 0–9 and '-'); undefined: it is. */
export function predictionModelIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string' || !id.startsWith(PREDICTION_MODEL_PREFIX)) return `a prediction model id starts with "${PREDICTION_MODEL_PREFIX}"`;
  const slug = id.slice(PREDICTION_MODEL_PREFIX.length);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(slug) || slug.length > MAX_SLUG) return `the slug of ${JSON.stringify(id.slice(0, 100))} must be 1–${MAX_SLUG} of a–z, 0–9 and '-', starting with a letter or digit`;
  return undefined;
}

/** Why `value` is not a list of 1..max distinct non-blank strings of at most MAX_FIELD characters. */
function namesProblem(name: string, value: unknown, max: number): string | undefined {
  if (!Array.isArray(value)) return `${name} must be an array of strings`;
  if (value.length === 0) return `${name} must not be empty`;
  if (value.length > max) return `${name} may have at most ${max} entries (it has ${value.length})`;
  const seen = new Set<string>();
  for (let index = 0; index < value.length; index++) {
    const problem = textProblem(`${name}[${index}]`, value[index], MAX_FIELD);
    if (problem) return problem;
    if (seen.has(value[index] as string)) return `${name}[${index}] ${JSON.stringify(value[index])} is listed twice`;
    seen.add(value[index] as string);
  }
  return undefined;
}

/** Why `value` is not a list of 1..MAX_PREDICTION_WINDOWS window lengths (whole steps, 1..MAX_PREDICTION_WINDOW_STEPS). */
function windowsProblem(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return 'windows must be an array of whole numbers of steps';
  if (value.length === 0 || value.length > MAX_PREDICTION_WINDOWS) return `windows must have 1 to ${MAX_PREDICTION_WINDOWS} entries (it has ${value.length})`;
  for (let index = 0; index < value.length; index++) {
    const problem = integerProblem(`windows[${index}]`, value[index], 1, MAX_PREDICTION_WINDOW_STEPS);
    if (problem) return problem;
  }
  return undefined;
}

/** Why `value` is not learner parameters: at most MAX_PREDICTION_PARAMS names (≤ 64 characters) of finite numbers. */
function paramsProblem(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) return 'params must be an object of numbers';
  const keys = Object.keys(value);
  if (keys.length > MAX_PREDICTION_PARAMS) return `params may have at most ${MAX_PREDICTION_PARAMS} entries (it has ${keys.length})`;
  for (const key of keys) {
    if (key.length === 0 || key.length > 64) return `params: a parameter name must have 1 to 64 characters`;
    const problem = numberProblem(`params.${key}`, value[key]);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Why `doc` is not a prediction model spec (undefined: it is): type 'prediction_model', a title
 * (≤ 200), an asset type, 1–32 distinct inputs, a whole step_ms from one second to thirty days,
 * cap_days in (0, 3650], lead_days in [0, cap_days], optional windows (1–16 whole steps ≤ 10 000),
 * params (≤ 32 finite numbers), enabled, an optional active_version (whole, ≥ 1) and the simulated
 * flag. `id` given, it must be a spec id (predictionModelIdProblem). Never throws.
 */
export function predictionModelProblem(doc: unknown, id?: string): string | undefined {
  if (id !== undefined) {
    const problem = predictionModelIdProblem(id);
    if (problem) return problem;
  }
  if (!isObject(doc)) return 'a prediction model must be an object';
  if (doc.type !== 'prediction_model') return 'type must be "prediction_model"';
  const problem = firstProblem(
    textProblem('title', doc.title, MAX_PREDICTION_TITLE),
    textProblem('asset_type', doc.asset_type, MAX_FIELD),
    namesProblem('inputs', doc.inputs, MAX_PREDICTION_INPUTS),
    integerProblem('step_ms', doc.step_ms, MIN_PREDICTION_STEP_MS, MAX_PREDICTION_STEP_MS),
    numberProblem('cap_days', doc.cap_days, 0, MAX_PREDICTION_CAP_DAYS) ?? (doc.cap_days === 0 ? 'cap_days must be more than 0' : undefined),
    numberProblem('lead_days', doc.lead_days, 0, MAX_PREDICTION_CAP_DAYS),
    windowsProblem(doc.windows),
    paramsProblem(doc.params),
    typeof doc.enabled === 'boolean' ? undefined : 'enabled must be true or false',
    doc.active_version === undefined ? undefined : integerProblem('active_version', doc.active_version, 1, MAX_PREDICTION_VERSION),
    flagProblem('simulated', doc.simulated),
  );
  if (problem) return problem;
  if ((doc.lead_days as number) > (doc.cap_days as number)) return `lead_days must be at most cap_days (${doc.lead_days as number} > ${doc.cap_days as number})`;
  return undefined;
}

/** Why `value` is not a list of at most MAX_FEATURES {input, share} with share in [0, 1]. */
function importanceProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'importance must be an array of {input, share}';
  if (value.length > MAX_FEATURES) return `importance may have at most ${MAX_FEATURES} entries (it has ${value.length})`;
  for (let index = 0; index < value.length; index++) {
    const entry: unknown = value[index];
    if (!isObject(entry)) return `importance[${index}] must be an object {input, share}`;
    const problem = firstProblem(textProblem(`importance[${index}].input`, entry.input, MAX_FIELD), numberProblem(`importance[${index}].share`, entry.share, 0, 1));
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Why `doc` is not a trained version (undefined: it is): type 'prediction_model_version', the
 * spec's id, a whole version ≥ 1, trained_at, trained_by, training and validation figures (finite,
 * non-negative; coverage and level in [0, 1]), features (≤ 4096 names) and importance. `id`
 * given, it must be `<model>/v<version>`. Never throws (a device reads versions synced to it).
 */
export function predictionModelVersionProblem(doc: unknown, id?: string): string | undefined {
  if (!isObject(doc)) return 'a prediction model version must be an object';
  if (doc.type !== 'prediction_model_version') return 'type must be "prediction_model_version"';
  const model = predictionModelIdProblem(doc.model);
  if (model) return `model: ${model}`;
  const version = integerProblem('version', doc.version, 1, MAX_PREDICTION_VERSION);
  if (version) return version;
  if (id !== undefined && id !== `${doc.model as string}/v${doc.version as number}`) return `the id of version ${doc.version as number} of ${doc.model as string} is ${JSON.stringify(`${doc.model as string}/v${doc.version as number}`)}`;
  const training = doc.training;
  const validation = doc.validation;
  if (!isObject(training)) return 'training must be an object {failures, assets, rows, seconds, peak_mib}';
  if (!isObject(validation)) return 'validation must be an object {rmse_days, mae_days, coverage, level, units}';
  return firstProblem(
    numberProblem('trained_at', doc.trained_at, -DATE_LIMIT_MS, DATE_LIMIT_MS),
    textProblem('trained_by', doc.trained_by, MAX_NAME),
    ...(['failures', 'assets', 'rows', 'seconds', 'peak_mib'] as const).map((key) => numberProblem(`training.${key}`, training[key], 0)),
    numberProblem('validation.rmse_days', validation.rmse_days, 0),
    numberProblem('validation.mae_days', validation.mae_days, 0),
    numberProblem('validation.coverage', validation.coverage, 0, 1),
    numberProblem('validation.level', validation.level, 0, 1),
    numberProblem('validation.units', validation.units, 0),
    Array.isArray(doc.features) && doc.features.length <= MAX_FEATURES && doc.features.every((name) => typeof name === 'string' && name.length <= MAX_FIELD) ? undefined : `features must be at most ${MAX_FEATURES} names`,
    importanceProblem(doc.importance),
  );
}
