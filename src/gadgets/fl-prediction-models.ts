import { LitElement, css, html, nothing } from 'lit';
import type SlCheckbox from '@shoelace-style/shoelace/dist/components/checkbox/checkbox.js';
import type SlInput from '@shoelace-style/shoelace/dist/components/input/input.js';
import type SlSwitch from '@shoelace-style/shoelace/dist/components/switch/switch.js';
import {
  ModelNotSaved,
  OnlineStatusController,
  PredictionModelsController,
  UnsavedChangesController,
  draftFromModel,
  emptyModelDraft,
  type Choice,
  type ModelDraft,
  type PredictionModelsApi,
  type Role,
  type TrainingState,
} from '../controllers';
import type { PredictionModelDoc, PredictionModelVersionDoc } from '../core';
import { baseStyles } from './design/styles';
import { toastFailed, toastSaved } from './design/toast';
import { confirmDialog } from './design/confirm';
import { formatWhen } from './work-order-format';

/** The value of the Shoelace control that fired `event`. */
const valueOf = (event: Event): string => String((event.target as SlInput).value ?? '');
/** Versions listed per model (the newest; older ones are counted). */
const SHOWN_VERSIONS = 5;
/** Importance bars drawn per version (the largest shares). */
const SHOWN_INPUTS = 8;

const phaseWords: Record<string, string> = { features: 'Extracting features', train: 'Training', training: 'Training', validate: 'Validating', validation: 'Validating', fold: 'Validating', folds: 'Validating', read: 'Reading the histories', reading: 'Reading the histories', save: 'Saving the version' };

/** A number of days for people: "11.8 d". */
const days = (value: number): string => `${value < 10 ? value.toFixed(1) : Math.round(value)} d`;
/** A share for people: "87 %". */
const percent = (share: number): string => `${Math.round(share * 100)} %`;
/** Seconds for people: "42 s", "3 min 5 s". */
function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}
/** A step in words: "1 h", "10 min". */
function stepWords(stepMs: number): string {
  const minutes = stepMs / 60_000;
  if (minutes < 60) return `${Math.round(minutes * 10) / 10} min`;
  return `${Math.round((minutes / 60) * 100) / 100} h`;
}

/**
 * The prediction models page (`#/models`, engineers and admins): the remaining-useful-life model
 * specs on this device (sync brings them) with what they predict (an asset type), their inputs,
 * feature grid, cap and lead time; each spec's trained versions, newest first, with the
 * validation figures of held-out lives (RMSE, interval coverage), how long training took and its
 * peak memory, how many failures it learned from and the inputs' importance as bars; which
 * version predictions use. Engineers and admins create and edit specs (the form's fields are
 * checked with messages naming them; nothing is written when refused; leaving with unsaved edits
 * asks first) and ask the server for a new version ("Train new version", online only: the server
 * trains on the fleet's histories), whose progress is followed until it is done or failed.
 * Gadget properties: `username`, `userRole`, `api` (the training routes; default same origin).
 */
export class FlPredictionModels extends LitElement {
  static override properties = {
    username: { attribute: false },
    userRole: { attribute: false },
    api: { attribute: false },
    editing: { state: true },
    draft: { state: true },
    problem: { state: true },
    busy: { state: true },
  };

  declare username: string | undefined;
  declare userRole: Role | undefined;
  /** The training routes (default: the app's same-origin client). */
  declare api: PredictionModelsApi | undefined;
  /** The spec being edited: its id, 'new', or undefined (no form open). */
  declare editing: string | undefined;
  declare draft: ModelDraft | undefined;
  declare problem: string | undefined;
  declare busy: boolean;

  readonly models = new PredictionModelsController(this, { api: () => this.api });
  readonly #online = new OnlineStatusController(this);
  /** The draft as opened or last saved: dirty when the form differs. */
  #saved = '';

  constructor() {
    super();
    this.username = undefined;
    this.userRole = undefined;
    this.api = undefined;
    this.editing = undefined;
    this.draft = undefined;
    this.busy = false;
    new UnsavedChangesController(this, { dirty: () => this.dirty, describe: () => `the prediction model "${this.draft?.title || 'new model'}"` });
  }

  /** Whether the form holds edits not saved. */
  get dirty(): boolean {
    return this.draft !== undefined && JSON.stringify(this.draft) !== this.#saved;
  }

  /** Engineers and admins edit specs and train; others read. */
  get mayEdit(): boolean {
    return this.userRole === 'engineer' || this.userRole === 'admin';
  }

  static override styles = [
    baseStyles,
    css`
      :host { display: block; }
      form { display: grid; gap: var(--sl-spacing-medium); }
      fieldset { border: 1px solid var(--fl-border); border-radius: var(--fl-radius); padding: var(--sl-spacing-medium); margin: 0; display: grid; gap: var(--sl-spacing-small); min-width: 0; }
      legend { font-weight: var(--sl-font-weight-semibold); padding: 0 var(--sl-spacing-2x-small); }
      .pair { display: grid; gap: var(--sl-spacing-small); grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); align-items: start; }
      .inputs { display: grid; gap: 0 var(--sl-spacing-medium); grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); }
      .inputs sl-checkbox { min-height: var(--fl-touch, 44px); display: flex; align-items: center; }
      .models { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--sl-spacing-medium); }
      .model { display: grid; gap: var(--sl-spacing-small); }
      .model > header { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small); align-items: center; justify-content: space-between; }
      .model.disabled h3 { color: var(--fl-text-muted); }
      .tags { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-x-small); align-items: center; }
      .versions { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--sl-spacing-small); }
      .version { border-top: 1px solid var(--fl-border); padding-top: var(--sl-spacing-small); display: grid; gap: var(--sl-spacing-x-small); }
      .version header { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-x-small) var(--sl-spacing-small); align-items: center; }
      .figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: var(--sl-spacing-x-small) var(--sl-spacing-medium); margin: 0; }
      .figures div { display: grid; }
      .figures dt { font-size: var(--sl-font-size-small); color: var(--fl-text-muted); }
      .figures dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: var(--sl-font-weight-semibold); }
      .importance { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--sl-spacing-2x-small); max-width: 36rem; }
      .importance li { display: grid; grid-template-columns: minmax(6rem, 12rem) 1fr 3.5rem; gap: var(--sl-spacing-small); align-items: center; font-size: var(--sl-font-size-small); }
      .importance .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .importance .bar { height: 0.6rem; background: var(--fl-border); border-radius: 0.3rem; overflow: hidden; }
      .importance .bar span { display: block; height: 100%; background: var(--sl-color-primary-600); }
      .importance .share { text-align: end; font-variant-numeric: tabular-nums; }
      .training { display: grid; gap: var(--sl-spacing-x-small); }
    `,
  ];

  async #open(id: string | undefined): Promise<void> {
    if (this.dirty && !(await confirmDialog({ label: 'Leave without saving?', message: 'The prediction model being edited has changes that are not saved.', confirm: 'Discard changes', cancel: 'Keep editing', danger: true }))) return;
    const model = id === undefined ? undefined : this.models.model(id);
    const draft = model ? draftFromModel(model) : emptyModelDraft(this.models.assetTypes[0]?.value ?? '');
    this.editing = id ?? 'new';
    this.draft = draft;
    this.#saved = JSON.stringify(draft);
    this.problem = undefined;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('form sl-input[name="title"]')?.focus();
  }

  #close(): void {
    this.editing = undefined;
    this.draft = undefined;
    this.#saved = '';
    this.problem = undefined;
  }

  #set(patch: Partial<ModelDraft>): void {
    if (!this.draft) return;
    this.draft = { ...this.draft, ...patch };
  }

  #toggleInput(field: string, on: boolean): void {
    if (!this.draft) return;
    const inputs = this.draft.inputs.filter((input) => input !== field);
    this.#set({ inputs: on ? [...inputs, field] : inputs });
  }

  async #save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const draft = this.draft;
    if (!draft) return;
    this.busy = true;
    try {
      await this.models.save(this.editing === 'new' ? undefined : this.editing, draft);
      void toastSaved(`Model "${draft.title.trim()}" saved`);
      this.#close();
    } catch (error) {
      this.problem = error instanceof Error ? error.message : String(error);
      // A refused form says why beside its button; a failed write (storage) also toasts.
      if (!(error instanceof ModelNotSaved)) void toastFailed('Model not saved', error);
    } finally {
      this.busy = false;
    }
  }

  async #train(model: PredictionModelDoc & { id: string }): Promise<void> {
    const state = await this.models.train(model.id);
    if (state.state === 'refused') void toastFailed(`"${model.title}" not trained`, new Error(state.error));
  }

  #form(draft: ModelDraft) {
    const title = this.editing === 'new' ? 'New prediction model' : `Edit ${this.models.model(this.editing!)?.title ?? 'model'}`;
    const types: Choice[] = [...this.models.assetTypes];
    // A stored spec's type that no asset here has is still shown (and kept).
    if (draft.asset_type && !types.some((type) => type.value === draft.asset_type)) types.push({ value: draft.asset_type, label: this.models.assetTypeLabel(draft.asset_type) });
    const fields = this.models.inputChoices(draft.asset_type);
    // Inputs of the stored spec that no channel here has stay listed (unticking removes them).
    for (const input of draft.inputs) if (!fields.some((field) => field.value === input)) fields.push({ value: input, label: `${input} (no channel on this device)` });
    return html`<form class="panel" aria-labelledby="model-form-title" @submit=${(event: SubmitEvent) => void this.#save(event)}>
      <h3 id="model-form-title">${title}</h3>
      <fieldset>
        <legend>What it predicts</legend>
        <div class="pair">
          <sl-input name="title" label="Title" required maxlength="200" .value=${draft.title} @sl-input=${(event: Event) => this.#set({ title: valueOf(event) })}></sl-input>
          <sl-select name="asset-type" label="Asset type" required help-text="The parts whose remaining life it predicts" .value=${draft.asset_type} @sl-change=${(event: Event) => this.#set({ asset_type: valueOf(event), inputs: [] })}>
            ${types.map((type) => html`<sl-option value=${type.value}>${type.label}</sl-option>`)}
          </sl-select>
        </div>
      </fieldset>
      <fieldset data-inputs>
        <legend>Inputs (${draft.inputs.length} chosen)</legend>
        <p class="small muted">Channel fields of ${draft.asset_type ? `${this.models.assetTypeLabel(draft.asset_type).toLowerCase()} assets` : 'the chosen type'} and of what they are part of (a field is read on the part, else on its nearest parent).</p>
        ${fields.length === 0
          ? html`<p class="muted">${draft.asset_type ? 'No channels of this type on this device.' : 'Choose the asset type first.'}</p>`
          : html`<div class="inputs">
              ${fields.map(
                (field) => html`<sl-checkbox data-input=${field.value} ?checked=${draft.inputs.includes(field.value)} @sl-change=${(event: Event) => this.#toggleInput(field.value, (event.target as SlCheckbox).checked)}>${field.label}</sl-checkbox>`,
              )}
            </div>`}
      </fieldset>
      <fieldset>
        <legend>Learning</legend>
        <div class="pair">
          <sl-input name="step-hours" label="Step (hours)" type="number" inputmode="decimal" step="any" min="0" help-text="The feature grid: one row per step" .value=${draft.step_hours} @sl-input=${(event: Event) => this.#set({ step_hours: valueOf(event) })}></sl-input>
          <sl-input name="windows" label="Windows (steps)" help-text="e.g. 24, 72, 168: trends over these many steps" .value=${draft.windows} @sl-input=${(event: Event) => this.#set({ windows: valueOf(event) })}></sl-input>
          <sl-input name="cap-days" label="Cap (days)" type="number" inputmode="decimal" step="any" min="0" help-text="A healthy part reads at least this" .value=${draft.cap_days} @sl-input=${(event: Event) => this.#set({ cap_days: valueOf(event) })}></sl-input>
          <sl-input name="lead-days" label="Lead time (days)" type="number" inputmode="decimal" step="any" min="0" help-text="A work order is proposed at this remaining life" .value=${draft.lead_days} @sl-input=${(event: Event) => this.#set({ lead_days: valueOf(event) })}></sl-input>
        </div>
      </fieldset>
      <sl-switch name="enabled" ?checked=${draft.enabled} @sl-change=${(event: Event) => this.#set({ enabled: (event.target as SlSwitch).checked })}>Predicts (the server runs it on live data)</sl-switch>
      ${this.problem ? html`<p role="alert" class="error" data-problem>${this.problem}</p>` : nothing}
      <div class="row">
        <sl-button type="submit" variant="primary" ?loading=${this.busy}>Save model</sl-button>
        <sl-button @click=${() => this.#close()}>Cancel</sl-button>
      </div>
    </form>`;
  }

  #trainingStatus(training: TrainingState | undefined) {
    if (!training) return nothing;
    if (training.state === 'refused') return html`<p role="alert" class="error small" data-training="refused">Not trained: ${training.error}</p>`;
    if (training.state === 'failed') return html`<p role="alert" class="error small" data-training="failed">The training failed: ${training.error ?? 'the server did not say why'}.</p>`;
    if (training.state === 'done') return html`<p role="status" class="small" data-training="done">Trained: version ${training.version ?? '?'} is ready and active.</p>`;
    const progress = training.progress;
    const phase = progress?.phase ? (phaseWords[progress.phase] ?? progress.phase) : training.state === 'queued' || training.state === 'asking' ? 'Waiting for the server' : 'Training';
    const share = progress && progress.total > 0 ? Math.min(100, Math.round((progress.done / progress.total) * 100)) : undefined;
    return html`<div class="training" role="status" data-training=${training.state}>
      <sl-progress-bar label="Training progress" ?indeterminate=${share === undefined} value=${share ?? 0}></sl-progress-bar>
      <p class="small muted">${phase}${share === undefined ? '…' : ` (${share} %)`}</p>
    </div>`;
  }

  #version(version: PredictionModelVersionDoc & { id: string }, active: boolean) {
    const validation = version.validation ?? ({} as PredictionModelVersionDoc['validation']);
    const training = version.training ?? ({} as PredictionModelVersionDoc['training']);
    const importance = [...(version.importance ?? [])].sort((a, b) => b.share - a.share).slice(0, SHOWN_INPUTS);
    const figure = (label: string, value: string, name: string) => html`<div data-figure=${name}><dt>${label}</dt><dd>${value}</dd></div>`;
    return html`<li class="version" data-version=${version.version}>
      <header>
        <h4>Version ${version.version}</h4>
        ${active ? html`<sl-tag size="small" variant="success" data-active>Active</sl-tag>` : nothing}
        <span class="small muted">trained ${formatWhen(new Date(version.trained_at).toISOString())} by ${version.trained_by === 'fieldline' ? 'the server' : version.trained_by}</span>
      </header>
      <dl class="figures">
        ${figure('Validation RMSE', typeof validation.rmse_days === 'number' ? days(validation.rmse_days) : '—', 'rmse')}
        ${figure(`Inside the ${typeof validation.level === 'number' ? percent(validation.level) : ''} interval`, typeof validation.coverage === 'number' ? percent(validation.coverage) : '—', 'coverage')}
        ${figure('Training time', typeof training.seconds === 'number' ? duration(training.seconds) : '—', 'seconds')}
        ${figure('Peak memory', typeof training.peak_mib === 'number' ? `${Math.round(training.peak_mib)} MiB` : '—', 'peak')}
        ${figure('Failures used', typeof training.failures === 'number' ? `${training.failures}${typeof training.assets === 'number' ? ` on ${training.assets} ${training.assets === 1 ? 'asset' : 'assets'}` : ''}` : '—', 'failures')}
      </dl>
      ${importance.length === 0
        ? nothing
        : html`<ul class="importance" aria-label=${`Input importance of version ${version.version}`}>
            ${importance.map(
              (entry) => html`<li data-importance=${entry.input}>
                <span class="name" title=${entry.input}>${entry.input}</span>
                <span class="bar" aria-hidden="true"><span style=${`width: ${Math.max(0, Math.min(100, entry.share * 100)).toFixed(1)}%`}></span></span>
                <span class="share">${percent(entry.share)}</span>
              </li>`,
            )}
          </ul>`}
    </li>`;
  }

  #model(model: PredictionModelDoc & { id: string }) {
    const versions = this.models.versionsOf(model.id);
    const active = this.models.activeVersion(model.id);
    const training = this.models.training(model.id);
    const running = training !== undefined && (training.state === 'asking' || training.state === 'queued' || training.state === 'running');
    const online = this.#online.online;
    const headingId = `model-${model.id.replace(/[^a-z0-9-]/gi, '-')}`;
    const parts = this.models.assetCount(model.asset_type);
    const inputs = Array.isArray(model.inputs) ? model.inputs : [];
    return html`<li class="panel model ${model.enabled === false ? 'disabled' : ''}" data-model=${model.id}>
      <header>
        <h3 id=${headingId}>${model.title}</h3>
        <div class="tags">
          ${model.enabled === false ? html`<sl-tag variant="neutral">Off</sl-tag>` : nothing}
          ${'simulated' in model ? html`<sl-tag variant="warning">Simulated</sl-tag>` : nothing}
          ${active !== undefined ? html`<sl-tag variant="success" data-active-version=${active}>Active: version ${active}</sl-tag>` : html`<sl-tag variant="neutral">Not trained</sl-tag>`}
        </div>
      </header>
      <p class="small">
        <span data-asset-type>${this.models.assetTypeLabel(model.asset_type)}</span> (${parts} ${parts === 1 ? 'part' : 'parts'} on this device) · ${inputs.length} ${inputs.length === 1 ? 'input' : 'inputs'} ·
        step ${typeof model.step_ms === 'number' ? stepWords(model.step_ms) : '—'} · cap ${model.cap_days} d · lead time ${model.lead_days} d
      </p>
      <p class="small muted" data-inputs>${inputs.join(', ')}</p>
      ${this.mayEdit
        ? html`<div class="row">
            <sl-button @click=${() => void this.#open(model.id)}>Edit ${model.title}</sl-button>
            <sl-button variant="primary" data-train ?disabled=${!online || running} ?loading=${training?.state === 'asking'} aria-describedby=${online ? nothing : `${headingId}-offline`} @click=${() => void this.#train(model)}
              >${running ? 'Training…' : 'Train new version'}</sl-button
            >
            ${online ? nothing : html`<span class="small muted" id=${`${headingId}-offline`} data-offline>Offline: training runs on the server, connect to train.</span>`}
          </div>`
        : nothing}
      ${this.#trainingStatus(training)}
      ${versions.length === 0
        ? html`<p class="small muted">No versions yet${this.mayEdit ? ': train one from the failures recorded on these parts' : ''}.</p>`
        : html`<ul class="versions" aria-label=${`Versions of ${model.title}`}>
            ${versions.slice(0, SHOWN_VERSIONS).map((version) => this.#version(version, version.version === active))}
          </ul>
          ${versions.length > SHOWN_VERSIONS ? html`<p class="small muted">and ${versions.length - SHOWN_VERSIONS} older ${versions.length - SHOWN_VERSIONS === 1 ? 'version' : 'versions'}</p>` : nothing}`}
    </li>`;
  }

  override render() {
    const models = this.models.models;
    return html`<section class="stack" aria-label="Prediction models">
      <div class="row">
        <p class="small muted" style="flex: 1 1 20rem">Models learn a part's remaining useful life from the histories of parts of the same type that ran to a recorded failure; the server trains them and predicts every part of the type.</p>
        ${this.mayEdit ? html`<sl-button variant="primary" data-new @click=${() => void this.#open(undefined)}>New model</sl-button>` : nothing}
      </div>
      ${this.models.error ? html`<p role="alert" class="error">The models could not be read: ${this.models.error}</p>` : nothing}
      ${this.draft ? this.#form(this.draft) : nothing}
      ${!this.models.loaded
        ? html`<p class="muted"><sl-spinner></sl-spinner> Reading the models…</p>`
        : models.length === 0
          ? html`<p class="muted" data-empty>No prediction models yet${this.mayEdit ? ': create the first one' : ''}.</p>`
          : html`<ul class="models">${models.map((model) => this.#model(model))}</ul>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-prediction-models': FlPredictionModels;
  }
}
