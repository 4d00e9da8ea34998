import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { ContextConsumer } from '@lit/context';
import type SlInput from '@shoelace-style/shoelace/dist/components/input/input.js';
import type SlRadioGroup from '@shoelace-style/shoelace/dist/components/radio-group/radio-group.js';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import {
  AlgorithmsController,
  DEFAULT_BLOCK,
  DocsController,
  MAX_BLOCK,
  UnsavedChangesController,
  builtinKernels,
  derivedLabel,
  deviceRunner,
  freeKernelId,
  sameOriginApi,
  serverStorageContext,
  storageContext,
  userKernelTemplate,
  writesOutput,
  type AlgorithmJob,
  type AlgorithmOutcome,
  type ApiClient,
  type BuiltinKernel,
  type DeviceRunner,
  type ExplorerSeries,
  type KernelChoice,
  type Listed,
  type RunPlace,
} from '../controllers';
import { userKernelProblem, type UserKernelDoc, type UserKernelOutput } from '../core';
import type { Doc, Storage } from '../storage';
import { baseStyles } from './design/styles';
import { confirmDialog } from './design/confirm';
import { toastFailed, toastSaved } from './design/toast';
import './fl-kernel-editor';

/** An input series; the shell says which panel draws it (default: the first). */
export type AlgorithmInput = ExplorerSeries & { panel?: number };

/** The kernel form as typed (block as text, so a half-typed number stays). */
interface KernelDraft {
  /** undefined: a new kernel. */
  id: string | undefined;
  title: string;
  output: UserKernelOutput;
  block: string;
  source: string;
}

/** Headings of the sandbox's errors: the limit or the fault, named. */
const errorHeadings: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  timeout: 'Time limit reached',
  memory: 'Memory limit reached',
  syntax: 'The kernel does not compile',
  runtime: 'The kernel failed',
  bad_state: 'The kernel returned a state that is not JSON data',
  bad_result: 'The kernel returned a result that is not a number',
  cancelled: 'Cancelled',
});

/** A result as JSON with its numbers to 6 significant digits (a float sum prints 17). */
export function formatResult(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value);
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'number' && Number.isFinite(item) ? Number(item.toPrecision(6)) : item), 2) ?? 'undefined';
}

/** The saved document of a listed kernel (the listing adds its id). */
function kernelDoc(listed: Listed<UserKernelDoc>): UserKernelDoc {
  const doc: Partial<Listed<UserKernelDoc>> = { ...listed };
  delete doc.id;
  return doc as UserKernelDoc;
}

const builtinValue = (kernel: BuiltinKernel) => `builtin:${kernel}`;

/**
 * Algorithms over what is on screen: choose an input series, a kernel (Escalated max, Block max,
 * or a saved user kernel by title), its block size, and where it runs (this device or the
 * server); Run; the output is handed to the shell to draw beside the input and follows new
 * samples; a 'result' kernel's result is shown here. New / Edit kernel opens the editor in a
 * dialog (guarded while unsaved); Save writes `user_kernel/<slug>` to the app's storage (it syncs).
 * Properties: `series` (AlgorithmInput[]: ExplorerSeries with an optional `panel`), `panels`
 * (optional: the series of each panel, to find an input's panel), `online`,
 * `username` (the owner of saved kernels); for tests `api`, `derivedStorage`, `runner`.
 * Events (bubbles, composed): `fl-explorer-derived` {panel, series, outputLength} after each run
 * that changed the output (same `series.key` again: the output grew, draw it again).
 * Attributes: `data-phase` (idle|running|done|failed), `data-runs`, `data-output-length`,
 * `data-error-code`; controls `[data-field=input|kernel|block|place]`,
 * `[data-action=run|cancel|new-kernel|edit-kernel|save-kernel|close-kernel]`, `[data-result]`.
 */
export class FlExplorerAlgorithms extends LitElement {
  static override properties = {
    series: { attribute: false },
    panels: { attribute: false },
    online: { type: Boolean },
    username: { type: String },
    api: { attribute: false },
    derivedStorage: { attribute: false },
    runner: { attribute: false },
    inputKey: { state: true },
    kernelValue: { state: true },
    block: { state: true },
    place: { state: true },
    draft: { state: true },
    savedDraft: { state: true },
    saving: { state: true },
    formError: { state: true },
  };

  declare series: AlgorithmInput[];
  /** The series of each panel (optional): an input's output goes to the panel that draws it. */
  declare panels: ReadonlyArray<readonly ExplorerSeries[]> | undefined;
  declare online: boolean;
  declare username: string | undefined;
  declare api: ApiClient;
  declare derivedStorage: Storage | undefined;
  declare runner: DeviceRunner;
  declare inputKey: string;
  declare kernelValue: string;
  declare block: string;
  declare place: RunPlace;
  /** The kernel being edited (the dialog is open while set). */
  declare draft: KernelDraft | undefined;
  /** The draft as it was opened or last saved (dirty = differs). */
  declare savedDraft: KernelDraft | undefined;
  declare saving: boolean;
  declare formError: string;

  readonly #storage = new ContextConsumer(this, { context: storageContext, subscribe: true });
  readonly #server = new ContextConsumer(this, { context: serverStorageContext, subscribe: true });
  readonly #kernels = new DocsController<UserKernelDoc>(this, { query: () => 'type:user_kernel', prefixes: ['user_kernel/'] });
  readonly #algorithms = new AlgorithmsController(this, {
    api: () => this.api,
    server: () => this.#server.value,
    online: () => this.online,
    device: { run: (...args) => this.runner.run(...args) },
    derived: () => this.derivedStorage,
    onOutput: (job, outcome) => this.#announce(job, outcome),
  });

  constructor() {
    super();
    this.series = [];
    this.panels = undefined;
    this.online = false;
    this.username = undefined;
    this.api = sameOriginApi;
    this.derivedStorage = undefined;
    this.runner = deviceRunner();
    this.inputKey = '';
    this.kernelValue = builtinValue('escalated_max');
    this.block = String(DEFAULT_BLOCK);
    this.place = 'device';
    this.draft = undefined;
    this.savedDraft = undefined;
    this.saving = false;
    this.formError = '';
    new UnsavedChangesController(this, {
      dirty: () => this.#dirty(),
      describe: () => `the kernel "${this.draft?.title || 'New kernel'}"`,
    });
  }

  static override styles = [
    baseStyles,
    css`
      :host { display: block; }
      section { display: grid; gap: var(--sl-spacing-medium); }
      .fields { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small); align-items: start; }
      .fields > * { flex: 1 1 13rem; min-width: 0; }
      /* The two buttons keep their words; the row wraps instead. */
      .fields > sl-radio-group { flex: 0 0 auto; }
      .actions { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small); align-items: center; }
      .status { display: grid; gap: var(--sl-spacing-x-small); }
      pre.result { margin: 0; padding: var(--sl-spacing-small); background: var(--fl-surface); border: 1px solid var(--fl-border); border-radius: var(--fl-radius); font-family: var(--sl-font-mono); font-size: var(--sl-font-size-small); white-space: pre-wrap; overflow-wrap: anywhere; max-height: 16rem; overflow: auto; }
      .result-number { font-size: var(--sl-font-size-x-large); font-variant-numeric: tabular-nums; font-weight: var(--sl-font-weight-semibold); }
      sl-dialog::part(panel) { width: min(96vw, 60rem); }
      sl-dialog .form { display: grid; gap: var(--sl-spacing-medium); }
      sl-alert::part(message) { overflow-wrap: anywhere; }
    `,
  ];

  #dirty(): boolean {
    return this.draft !== undefined && JSON.stringify(this.draft) !== JSON.stringify(this.savedDraft);
  }

  get #input(): AlgorithmInput | undefined {
    return this.series.find((series) => series.key === this.inputKey) ?? this.series.find((series) => !series.derived);
  }

  get #userKernels(): Array<Listed<UserKernelDoc>> {
    // Only documents that are kernels: a synced one may come from an older or hostile client.
    return (this.#kernels.docs ?? []).filter((doc) => userKernelProblem(doc) === undefined);
  }

  #choice(): KernelChoice | undefined {
    if (this.kernelValue.startsWith('builtin:')) {
      const kernel = this.kernelValue.slice('builtin:'.length) as BuiltinKernel;
      if (!builtinKernels.some((entry) => entry.kernel === kernel)) return undefined;
      return { kind: 'builtin', kernel, block: Number(this.block) };
    }
    const id = this.kernelValue.slice('user:'.length);
    const found = this.#userKernels.find((doc) => doc.id === id);
    if (!found) return undefined;
    return { kind: 'user', id, doc: kernelDoc(found) };
  }

  #blockProblem(): string | undefined {
    if (!this.kernelValue.startsWith('builtin:')) return undefined;
    const block = Number(this.block);
    return Number.isInteger(block) && block >= 1 && block <= MAX_BLOCK ? undefined : `The block size must be a whole number of samples from 1 to ${MAX_BLOCK.toLocaleString()}.`;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('online') && !this.online && this.place === 'server') this.place = 'device';
    // The followed input left the screen: its output no longer follows new samples.
    const followed = this.#algorithms.job;
    if (changed.has('series') && followed && !this.series.some((series) => series.key === followed.input.key)) this.#algorithms.cancel({ quiet: true });
  }

  #run(): void {
    const input = this.#input;
    const kernel = this.#choice();
    if (!input || !kernel || this.#blockProblem()) return;
    const job: AlgorithmJob = { input, kernel, place: this.place, panel: this.#panelOf(input) };
    void this.#algorithms.start(job);
  }

  /** What a run will do, in words. */
  #plan(choice: KernelChoice, input: AlgorithmInput): string {
    const what = choice.kind === 'builtin' ? builtinKernels.find((entry) => entry.kernel === choice.kernel)!.description : choice.doc.output === 'blocks' ? `One value per block of ${(choice.doc.block ?? 0).toLocaleString()} samples` : 'One result over every sample';
    return writesOutput(choice) ? `${what}: "${derivedLabel(choice, input)}", drawn beside ${input.title}.` : `${what}, shown here.`;
  }

  /** The panel drawing `input`: its own `panel`, else where `panels` has it, else the first. */
  #panelOf(input: AlgorithmInput): number {
    if (input.panel !== undefined) return input.panel;
    const index = this.panels?.findIndex((panel) => panel.some((series) => series.key === input.key)) ?? -1;
    return Math.max(0, index);
  }

  #announce(job: AlgorithmJob, outcome: AlgorithmOutcome): void {
    this.requestUpdate();
    if (!outcome.series) return;
    this.dispatchEvent(new CustomEvent('fl-explorer-derived', { detail: { panel: job.panel, series: outcome.series, outputLength: outcome.outputLength }, bubbles: true, composed: true }));
  }

  #openEditor(existing: Listed<UserKernelDoc> | undefined): void {
    const draft: KernelDraft = existing
      ? { id: existing.id, title: existing.title, output: existing.output, block: String(existing.block ?? DEFAULT_BLOCK), source: existing.source }
      : { id: undefined, title: '', output: 'blocks', block: String(DEFAULT_BLOCK), source: userKernelTemplate };
    this.draft = draft;
    this.savedDraft = { ...draft };
    this.formError = '';
  }

  #edit(patch: Partial<KernelDraft>): void {
    if (this.draft) this.draft = { ...this.draft, ...patch };
  }

  async #closeEditor(): Promise<void> {
    if (this.#dirty()) {
      const leave = await confirmDialog({ label: 'Discard changes?', message: `The kernel "${this.draft?.title || 'New kernel'}" has changes that are not saved.`, confirm: 'Discard', cancel: 'Keep editing', danger: true });
      if (!leave) return;
    }
    this.draft = undefined;
    this.savedDraft = undefined;
  }

  #onRequestClose(event: CustomEvent<{ source: string }>): void {
    if (event.target !== event.currentTarget) return; // a nested sl-select's own close
    // The dialog closes only through #closeEditor (which asks when unsaved).
    event.preventDefault();
    void this.#closeEditor();
  }

  async #save(event?: Event): Promise<void> {
    event?.preventDefault();
    const draft = this.draft;
    const storage = this.#storage.value;
    if (!draft) return;
    if (!storage) return void (this.formError = 'No storage to save the kernel to.');
    if (!this.username) return void (this.formError = 'Sign in to save kernels.');
    const now = Date.now();
    const title = draft.title.trim();
    if (!title) return void (this.formError = 'A kernel needs a title.');
    const previous = draft.id ? this.#userKernels.find((doc) => doc.id === draft.id) : undefined;
    const doc: UserKernelDoc = {
      type: 'user_kernel',
      title,
      source: draft.source,
      output: draft.output,
      ...(draft.output === 'blocks' ? { block: Number(draft.block) } : {}),
      ...(previous?.params ? { params: previous.params } : {}),
      owner: previous?.owner ?? this.username,
      created_at: previous?.created_at ?? now,
      updated_at: now,
    };
    const problem = userKernelProblem(doc);
    if (problem) return void (this.formError = `Not saved: ${problem}.`);
    this.saving = true;
    try {
      const id = draft.id ?? (await freeKernelId(storage, title));
      await storage.put(id, doc as unknown as Doc);
      this.draft = { ...draft, id, title };
      this.savedDraft = { ...this.draft };
      this.formError = '';
      // Chosen once listed: a select drops a value none of its options has.
      await this.#kernels.reload();
      await this.updateComplete;
      this.kernelValue = `user:${id}`;
      void toastSaved(`Kernel "${title}" saved`);
    } catch (error) {
      void toastFailed('Kernel not saved', error);
    } finally {
      this.saving = false;
    }
  }

  #progress() {
    const state = this.#algorithms.state;
    if (state.phase !== 'running') return nothing;
    const percent = state.total > 0 ? Math.round((100 * state.done) / state.total) : undefined;
    return html`<div class="status" data-progress>
      <sl-progress-bar label="Progress of the run" ?indeterminate=${percent === undefined} value=${percent ?? 0}></sl-progress-bar>
      <span class="muted small">${percent === undefined ? 'Running…' : `${state.done.toLocaleString()} of ${state.total.toLocaleString()} samples`}</span>
    </div>`;
  }

  #outcome() {
    const state = this.#algorithms.state;
    if (state.phase === 'failed') {
      const heading = (state.code && errorHeadings[state.code]) || 'The run failed';
      return html`<sl-alert variant=${state.code === 'cancelled' ? 'neutral' : 'danger'} open data-error>
        <sl-icon slot="icon" name="exclamation-octagon"></sl-icon>
        <strong>${heading}</strong><br />${state.message}
      </sl-alert>`;
    }
    const outcome = state.phase === 'done' ? state.outcome : undefined;
    if (!outcome) return nothing;
    const following = this.#algorithms.job !== undefined;
    const where = this.#algorithms.job?.place === 'server' ? 'on the server' : 'on this device';
    return html`<div class="status" data-outcome>
      <p class="small">
        ${outcome.processed.toLocaleString()} samples processed ${where}${outcome.series ? html` · ${outcome.outputLength.toLocaleString()} output values, drawn as "${outcome.series.derived?.label}"` : nothing}${following ? ' · follows new samples' : nothing}
      </p>
      ${outcome.series
        ? nothing
        : typeof outcome.result === 'number'
          ? html`<p class="result-number" data-result>${formatResult(outcome.result)}</p>`
          : html`<h4 id="result-heading">Result</h4><pre class="result" data-result tabindex="0" role="region" aria-labelledby="result-heading">${formatResult(outcome.result)}</pre>`}
    </div>`;
  }

  #editor() {
    const draft = this.draft;
    if (!draft) return nothing;
    const value = (event: Event) => (event.target as SlInput | SlSelect).value as string;
    return html`<sl-dialog label=${draft.id ? `Edit kernel "${this.savedDraft?.title ?? draft.title}"` : 'New kernel'} open @sl-request-close=${(event: CustomEvent<{ source: string }>) => this.#onRequestClose(event)}>
      <form class="form" aria-label="Kernel" @submit=${(event: Event) => void this.#save(event)}>
        <div class="fields">
          <sl-input label="Title" name="title" required autocomplete="off" .value=${draft.title} @sl-input=${(event: Event) => this.#edit({ title: value(event) })}></sl-input>
          <sl-select label="Output" name="output" .value=${draft.output} @sl-change=${(event: Event) => this.#edit({ output: (value(event) || 'blocks') as UserKernelOutput })}>
            <sl-option value="blocks">A value per block</sl-option>
            <sl-option value="result">One result</sl-option>
          </sl-select>
          ${draft.output === 'blocks'
            ? html`<sl-input label="Block size (samples)" name="block" type="number" min="1" max=${MAX_BLOCK} step="1" .value=${draft.block} @sl-input=${(event: Event) => this.#edit({ block: value(event) })}></sl-input>`
            : nothing}
        </div>
        <fl-kernel-editor label="Source (init, step, merge, finish)" .value=${draft.source} @fl-change=${(event: CustomEvent<{ value: string }>) => this.#edit({ source: event.detail.value })}></fl-kernel-editor>
        ${this.formError ? html`<p role="alert" class="error">${this.formError}</p>` : nothing}
      </form>
      <sl-button slot="footer" data-action="close-kernel" @click=${() => void this.#closeEditor()}>${this.#dirty() ? 'Cancel' : 'Close'}</sl-button>
      <sl-button slot="footer" variant="primary" data-action="save-kernel" ?loading=${this.saving} ?disabled=${this.saving || !this.#dirty()} @click=${() => void this.#save()}>Save</sl-button>
    </sl-dialog>`;
  }

  override render() {
    const inputs = this.series.filter((series) => !series.derived);
    const input = this.#input;
    const choice = this.#choice();
    const user = choice?.kind === 'user' ? this.#userKernels.find((doc) => doc.id === choice.id) : undefined;
    const blockProblem = this.#blockProblem();
    const running = this.#algorithms.running;
    const value = (event: Event) => (event.target as SlInput | SlSelect).value as string;
    const canRun = !!input && !!choice && !blockProblem && !(this.place === 'server' && !this.online);
    return html`<section aria-labelledby="algorithms-heading">
      <h3 id="algorithms-heading">Algorithms</h3>
      ${inputs.length === 0 ? html`<p class="muted">Add a channel to a panel to run an algorithm over it.</p>` : nothing}
      <div class="fields">
        <sl-select label="Input" data-field="input" .value=${input?.key ?? ''} ?disabled=${inputs.length === 0} @sl-change=${(event: Event) => (this.inputKey = value(event))}>
          ${inputs.map((series) => html`<sl-option value=${series.key}>${series.title}</sl-option>`)}
        </sl-select>
        <sl-select label="Kernel" data-field="kernel" .value=${this.kernelValue} @sl-change=${(event: Event) => (this.kernelValue = value(event) || builtinValue('escalated_max'))}>
          <small>Built in</small>
          ${builtinKernels.map((entry) => html`<sl-option value=${builtinValue(entry.kernel)}>${entry.title}</sl-option>`)}
          ${this.#userKernels.length > 0 ? html`<small>Saved kernels</small>` : nothing}
          ${this.#userKernels.map((doc) => html`<sl-option value=${`user:${doc.id}`}>${doc.title}</sl-option>`)}
        </sl-select>
        ${choice?.kind === 'user'
          ? nothing
          : html`<sl-input label="Block size (samples)" data-field="block" type="number" min="1" max=${MAX_BLOCK} step="1" .value=${this.block} help-text=${blockProblem ?? ''} @sl-input=${(event: Event) => (this.block = value(event))}></sl-input>`}
        <sl-radio-group label="Run on" data-field="place" .value=${this.place} @sl-change=${(event: Event) => (this.place = ((event.target as SlRadioGroup).value || 'device') as RunPlace)}>
          <sl-radio-button value="device"><sl-icon slot="prefix" name="cpu"></sl-icon>This device</sl-radio-button>
          <sl-radio-button value="server" ?disabled=${!this.online}><sl-icon slot="prefix" name="hdd-stack"></sl-icon>${this.online ? 'Server' : 'Server (offline)'}</sl-radio-button>
        </sl-radio-group>
      </div>
      <div class="actions">
        <sl-button variant="primary" data-action="run" ?disabled=${!canRun} @click=${() => this.#run()}>
          <sl-icon slot="prefix" name="play-fill"></sl-icon>${running ? 'Run again' : 'Run'}
        </sl-button>
        ${running || this.#algorithms.job
          ? html`<sl-button data-action="cancel" @click=${() => this.#algorithms.cancel()}><sl-icon slot="prefix" name="stop-fill"></sl-icon>${running ? 'Cancel' : 'Stop following'}</sl-button>`
          : nothing}
        <sl-button data-action="new-kernel" @click=${() => this.#openEditor(undefined)}><sl-icon slot="prefix" name="code-slash"></sl-icon>New kernel</sl-button>
        ${user ? html`<sl-button data-action="edit-kernel" @click=${() => this.#openEditor(user)}>Edit kernel</sl-button>` : nothing}
      </div>
      ${input && choice ? html`<p class="muted small" data-plan>${this.#plan(choice, input)}</p>` : nothing}
      <div aria-live="polite">${this.#progress()}${this.#outcome()}</div>
      ${this.#kernels.error ? html`<p role="alert" class="error">Saved kernels could not be listed: ${this.#kernels.error}</p>` : nothing}
    </section>
    ${this.#editor()}`;
  }

  protected override updated(): void {
    const state = this.#algorithms.state;
    this.dataset.phase = state.phase;
    this.dataset.runs = String(this.#algorithms.runs);
    this.dataset.outputLength = state.phase === 'done' ? String(state.outcome.outputLength) : '';
    if (state.phase === 'failed' && state.code) this.dataset.errorCode = state.code;
    else delete this.dataset.errorCode;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-explorer-algorithms': FlExplorerAlgorithms;
  }
}
