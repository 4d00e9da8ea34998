/**
 * Remaining-useful-life models. The spec (`prediction_model/<slug>`, site-less, edited by
 * engineers and admins) says which parts (an asset type) and which inputs (channel fields,
 * resolved on the part or its nearest ancestor) a model learns from; each training writes one
 * immutable version (`prediction_model/<slug>/v<N>`, written only by the server's training job)
 * with its validation figures and the trained model as the attachment `model.json`.
 */

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
