/**
 * The prediction models of this device's storage for the Models view: the specs
 * (`prediction_model/<slug>`, site-less: sync brings them to engineers and admins and takes their
 * edits back, offline too) and the versions the server's training job wrote
 * (`prediction_model/<slug>/v<N>`, read only here), the asset types and channel fields a spec can
 * name, and the writes: a spec saved from the form (checked by modelFromDraft first, nothing
 * written when refused). Training goes to the server (online only): POST …/train, then the job is
 * polled until it is done or failed; a version the job wrote is read from the server at once and
 * shown until the sync brings it here.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ContextConsumer } from '@lit/context';
import { assetTree, predictionModelSlug, type AssetDoc, type ChannelDoc, type PredictionModelDoc, type PredictionModelVersionDoc } from '../../core';
import { ApiError } from '../api-client';
import { storageContext, syncContext } from '../contexts';
import { DocsController, type Listed } from '../docs-controller';
import { formatAssetType, type Choice } from '../alarms/alarm-rules-controller';
import { freeModelId, modelFromDraft, type ModelDraft } from './model-draft';
import { predictionModelsApi, type PredictionModelsApi, type TrainingJob } from './prediction-models-api';

/** The spec could not be saved: `message` says why. */
export class ModelNotSaved extends Error {
  override name = 'ModelNotSaved';
}

/** Where a training asked from this page stands. */
export interface TrainingState {
  /** The server's job id (undefined while the request is on its way). */
  job?: string;
  state: TrainingJob['state'] | 'asking' | 'refused';
  progress?: TrainingJob['progress'];
  /** Why it was refused or failed, in words. */
  error?: string;
  version?: number;
}

export interface PredictionModelsOptions {
  /** The training routes (default: the app's same-origin client). */
  api?: () => PredictionModelsApi | undefined;
  /** How often a running job is asked about (ms; default 1 000). */
  pollMs?: number;
}

/** A listed document's fields without the `id` the listing added. */
function withoutId(listed: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(listed).filter(([key]) => key !== 'id'));
}

/** A refused training request in words (409 and 422 say what to do). */
export function trainingRefusal(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return `The server cannot be reached: ${error.message}.`;
    if (error.status === 409) return `A training of this model is already queued or running${error.message ? ` (${error.message})` : ''}.`;
    if (error.status === 422) return `Nothing to learn from: ${error.message}`;
    if (error.status === 403) return `Only engineers and admins train models (${error.message}).`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export class PredictionModelsController implements ReactiveController {
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #options: PredictionModelsOptions;
  readonly #storage: ContextConsumer<typeof storageContext, ReactiveControllerHost & HTMLElement>;
  readonly #sync: ContextConsumer<typeof syncContext, ReactiveControllerHost & HTMLElement>;
  readonly #models: DocsController<PredictionModelDoc>;
  readonly #versions: DocsController<PredictionModelVersionDoc>;
  readonly #assets: DocsController<AssetDoc>;
  readonly #channels: DocsController<ChannelDoc>;
  /** Trainings asked from this page, by spec id. */
  readonly #trainings = new Map<string, TrainingState>();
  /** Versions read from the server after their job, by version id, until the sync brings them. */
  readonly #fetched = new Map<string, Listed<PredictionModelVersionDoc>>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #connected = false;

  constructor(host: ReactiveControllerHost & HTMLElement, options: PredictionModelsOptions = {}) {
    this.#host = host;
    this.#options = options;
    this.#storage = new ContextConsumer(host, { context: storageContext, subscribe: true });
    this.#sync = new ContextConsumer(host, { context: syncContext, subscribe: true });
    this.#models = new DocsController<PredictionModelDoc>(host, { query: () => 'type:prediction_model', prefixes: ['prediction_model/'] });
    this.#versions = new DocsController<PredictionModelVersionDoc>(host, { query: () => 'type:prediction_model_version', prefixes: ['prediction_model/'] });
    this.#assets = new DocsController<AssetDoc>(host, { query: () => 'type:asset', prefixes: ['asset/'] });
    this.#channels = new DocsController<ChannelDoc>(host, { query: () => 'type:channel', prefixes: ['channel/'] });
    host.addController(this);
  }

  /** Whether the specs and what they can name were read. */
  get loaded(): boolean {
    return this.#models.docs !== undefined && this.#versions.docs !== undefined && this.#assets.docs !== undefined && this.#channels.docs !== undefined;
  }

  get error(): string | undefined {
    return this.#models.error ?? this.#versions.error ?? this.#assets.error ?? this.#channels.error;
  }

  /** The specs, by title. */
  get models(): Array<Listed<PredictionModelDoc>> {
    return [...(this.#models.docs ?? [])].filter((model) => typeof model.title === 'string' && typeof model.asset_type === 'string').sort((a, b) => a.title.localeCompare(b.title) || (a.id < b.id ? -1 : 1));
  }

  /** The stored spec `id` (undefined: not on this device). */
  model(id: string): Listed<PredictionModelDoc> | undefined {
    return this.#models.docs?.find((model) => model.id === id);
  }

  /** The versions of spec `id`, newest first (those on this device and those read after a training here). */
  versionsOf(id: string): Array<Listed<PredictionModelVersionDoc>> {
    const byId = new Map<string, Listed<PredictionModelVersionDoc>>();
    for (const version of this.#fetched.values()) if (version.model === id) byId.set(version.id, version);
    for (const version of this.#versions.docs ?? []) if (version.model === id && typeof version.version === 'number') byId.set(version.id, version);
    return [...byId.values()].sort((a, b) => b.version - a.version);
  }

  /** The asset types of the assets on this device. */
  get assetTypes(): Choice[] {
    const types = new Set<string>();
    for (const asset of this.#assets.docs ?? []) if (typeof asset.asset_type === 'string' && asset.asset_type) types.add(asset.asset_type);
    return [...types].sort().map((type) => ({ value: type, label: formatAssetType(type) }));
  }

  /** "main_bearing" → "Main bearing" (also for a type no asset here has). */
  assetTypeLabel(type: string): string {
    return formatAssetType(type);
  }

  /** How many assets of `type` are on this device (the parts a model predicts). */
  assetCount(type: string): number {
    return (this.#assets.docs ?? []).filter((asset) => asset.asset_type === type).length;
  }

  /**
   * The channel fields a spec for `assetType` can take as inputs: those of channels on assets of
   * that type and on their ancestors (the training resolves a field on the part, else on its
   * nearest ancestor: a main bearing's temperature is on it, the wind speed on its turbine).
   * Derived channels (anomaly scores, predictions) are left out: a model does not learn from another's output.
   */
  inputChoices(assetType: string): Choice[] {
    if (!assetType) return [];
    const assets = this.#assets.docs ?? [];
    const tree = assetTree(assets.map((asset) => ({ id: asset.id, site: asset.site, parent: asset.parent, title: asset.title, type: asset.asset_type })));
    const holders = new Set<string>();
    for (const asset of assets) {
      if (asset.asset_type !== assetType) continue;
      holders.add(asset.id);
      for (const ancestor of tree.ancestry(asset.id)) holders.add(ancestor.id);
    }
    const fields = new Map<string, string>();
    for (const channel of this.#channels.docs ?? []) {
      if (!holders.has(channel.asset) || typeof channel.field !== 'string' || fields.has(channel.field)) continue;
      if ((channel as { derived?: unknown }).derived !== undefined || channel.id.endsWith('/anomaly')) continue;
      const title = channel.title ?? channel.field;
      fields.set(channel.field, `${title === channel.field ? channel.field : `${title} (${channel.field})`}${channel.unit ? `, ${channel.unit}` : ''}`);
    }
    return [...fields].map(([value, label]) => ({ value, label })).sort((a, b) => a.label.localeCompare(b.label));
  }

  /**
   * Saves the form's spec as `id` (undefined: a new spec, `prediction_model/<slug of the title>`)
   * into this device's storage; sync takes it to the server. The stored spec is read again first
   * (a sync may have brought its new active_version) and its other fields kept. Rejects with
   * ModelNotSaved (nothing written) when the form does not make a valid spec.
   */
  async save(id: string | undefined, draft: ModelDraft): Promise<string> {
    const storage = this.#storage.value;
    if (!storage) throw new ModelNotSaved('No storage on this device yet');
    let base: Record<string, unknown> | undefined;
    if (id !== undefined) {
      base = await storage.get(id).then(
        (doc) => doc as Record<string, unknown>,
        () => undefined,
      );
      base ??= this.model(id) ? withoutId(this.model(id)!) : undefined;
    }
    const result = modelFromDraft(draft, base);
    if ('problem' in result) throw new ModelNotSaved(result.problem);
    const target = id ?? freeModelId(draft.title, new Set((this.#models.docs ?? []).map((model) => model.id)));
    await storage.put(target, result.model as unknown as Record<string, never>);
    await this.reload();
    return target;
  }

  /**
   * The version predictions use: the spec's active_version, or the version a training asked from
   * here just wrote (the job makes it active on the server; the sync brings the spec later).
   */
  activeVersion(id: string): number | undefined {
    const stored = this.model(id)?.active_version;
    const trained = this.#trainings.get(id);
    const fresh = trained?.state === 'done' ? trained.version : undefined;
    if (fresh !== undefined && (stored === undefined || fresh > stored)) return fresh;
    return stored;
  }

  /** The training asked from this page for spec `id`, if any. */
  training(id: string): TrainingState | undefined {
    return this.#trainings.get(id);
  }

  /**
   * Asks the server to train a new version of spec `id` and follows the job until it is done or
   * failed (the state is on `training(id)`). Resolves the state the request ended in: 'refused'
   * (409, 422, offline…: `error` says why), or the job's first state.
   */
  async train(id: string): Promise<TrainingState> {
    const slug = predictionModelSlug(id);
    const api = this.#options.api?.() ?? predictionModelsApi();
    if (!slug) throw new Error(`${id} is not a prediction model`);
    const current = this.#trainings.get(id);
    if (current && (current.state === 'asking' || current.state === 'queued' || current.state === 'running')) return current;
    this.#set(id, { state: 'asking' });
    try {
      const job = await api.train(slug);
      this.#set(id, { job, state: 'queued' });
      this.#poll(id, slug, job, api);
    } catch (error) {
      this.#set(id, { state: 'refused', error: trainingRefusal(error) });
    }
    return this.#trainings.get(id)!;
  }

  #set(id: string, state: TrainingState): void {
    this.#trainings.set(id, state);
    this.#host.requestUpdate();
  }

  #poll(id: string, slug: string, job: string, api: PredictionModelsApi, failures = 0): void {
    if (!this.#connected) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#ask(id, slug, job, api, failures);
    }, this.#options.pollMs ?? 1_000);
    this.#timers.add(timer);
  }

  async #ask(id: string, slug: string, job: string, api: PredictionModelsApi, failures: number): Promise<void> {
    let answer: TrainingJob;
    try {
      answer = await api.job(slug, job);
    } catch (error) {
      // A few missed answers (a restart, a brief network loss) do not end the follow-up; many do.
      if (failures < 10) this.#poll(id, slug, job, api, failures + 1);
      else this.#set(id, { job, state: 'failed', error: `The job's state could not be read: ${trainingRefusal(error)}` });
      return;
    }
    if (this.#trainings.get(id)?.job !== job) return;
    const state: TrainingState = { job, state: answer.state, ...(answer.progress ? { progress: answer.progress } : {}), ...(answer.error ? { error: answer.error } : {}), ...(typeof answer.version === 'number' ? { version: answer.version } : {}) };
    this.#set(id, state);
    if (answer.state === 'queued' || answer.state === 'running') {
      this.#poll(id, slug, job, api);
      return;
    }
    if (answer.state === 'done') await this.#fetchVersion(id, answer.version, api);
  }

  /** Reads the version the job wrote (shown at once) and asks the sync for it and the spec's new active_version. */
  async #fetchVersion(id: string, version: number | undefined, api: PredictionModelsApi): Promise<void> {
    if (typeof version === 'number') {
      const versionId = `${id}/v${version}`;
      try {
        const doc = await api.version(versionId);
        this.#fetched.set(versionId, { ...doc, id: versionId });
      } catch {
        // The sync brings it.
      }
    }
    await this.#sync.value?.syncNow().catch(() => undefined);
    await this.reload();
  }

  /** Lists everything again. */
  async reload(): Promise<void> {
    await Promise.all([this.#models.reload(), this.#versions.reload(), this.#assets.reload(), this.#channels.reload()]);
    this.#host.requestUpdate();
  }

  hostConnected(): void {
    this.#connected = true;
    // A job followed before the page went away is followed again.
    for (const [id, state] of this.#trainings) {
      const slug = predictionModelSlug(id);
      if (slug && state.job && (state.state === 'queued' || state.state === 'running')) this.#poll(id, slug, state.job, this.#options.api?.() ?? predictionModelsApi());
    }
  }

  hostDisconnected(): void {
    this.#connected = false;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
