import { LitElement, css, html, nothing } from 'lit';
import { ContextConsumer } from '@lit/context';
import type SlDialog from '@shoelace-style/shoelace/dist/components/dialog/dialog.js';
import type SlInput from '@shoelace-style/shoelace/dist/components/input/input.js';
import { UnsavedChangesController, emptyFailureDraft, localDateTime, recordFailure, storageContext, type FailureDraft, type Role } from '../controllers';
import { baseStyles } from './design/styles';
import { toastFailed, toastSaved } from './design/toast';

/** The value of the Shoelace control that fired `event`. */
const valueOf = (event: Event): string => String((event.target as SlInput).value ?? '');

/**
 * "Record failure" on an asset's page: a button and its dialog (component, failure mode, when it
 * failed — not in the future — and notes) that writes a `failure/<uuid>` document through this
 * device's storage (offline too; sync takes it to the server, where the training job learns from
 * it). Refused input is said in the dialog and writes nothing; an open dialog with typed text is
 * guarded like every form. Shown to signed-in users (technicians record in their own sites: the
 * server's rules decide). Properties: `asset` (id), `site`, `assetTitle`, `username`, `userRole`.
 * Fires `fl-failure-recorded` (bubbles, composed) with {id} once written.
 */
export class FlFailureDialog extends LitElement {
  static override properties = {
    asset: { type: String },
    site: { type: String },
    assetTitle: { attribute: false },
    username: { attribute: false },
    userRole: { attribute: false },
    draft: { state: true },
    problem: { state: true },
    busy: { state: true },
  };

  declare asset: string;
  declare site: string;
  declare assetTitle: string | undefined;
  declare username: string | undefined;
  declare userRole: Role | undefined;
  /** The form while the dialog is open (undefined: closed). */
  declare draft: FailureDraft | undefined;
  declare problem: string | undefined;
  declare busy: boolean;

  readonly #storage = new ContextConsumer(this, { context: storageContext, subscribe: true });
  #opened = '';

  constructor() {
    super();
    this.asset = '';
    this.site = '';
    this.assetTitle = undefined;
    this.username = undefined;
    this.userRole = undefined;
    this.draft = undefined;
    this.busy = false;
    new UnsavedChangesController(this, { dirty: () => this.draft !== undefined && JSON.stringify(this.draft) !== this.#opened, describe: () => `the failure of ${this.assetTitle ?? 'this asset'}` });
  }

  static override styles = [
    baseStyles,
    css`
      :host { display: inline-block; }
      form { display: grid; gap: var(--sl-spacing-medium); }
      sl-dialog::part(panel) { width: min(96vw, 34rem); }
    `,
  ];

  async #open(): Promise<void> {
    this.draft = emptyFailureDraft();
    this.#opened = JSON.stringify(this.draft);
    this.problem = undefined;
    await this.updateComplete;
    await this.renderRoot.querySelector<SlDialog>('sl-dialog')?.show();
  }

  async #close(): Promise<void> {
    await this.renderRoot.querySelector<SlDialog>('sl-dialog')?.hide();
  }

  #set(patch: Partial<FailureDraft>): void {
    if (this.draft) this.draft = { ...this.draft, ...patch };
  }

  async #save(event: Event): Promise<void> {
    event.preventDefault();
    const draft = this.draft;
    const storage = this.#storage.value;
    if (!draft) return;
    if (!storage) {
      this.problem = 'No storage on this device yet.';
      return;
    }
    this.busy = true;
    try {
      const { id } = await recordFailure(storage, draft, { site: this.site, asset: this.asset, ...(this.username ? { by: this.username } : {}) });
      this.#opened = JSON.stringify(draft);
      void toastSaved(`Failure of ${this.assetTitle ?? 'the asset'} recorded`);
      this.dispatchEvent(new CustomEvent('fl-failure-recorded', { detail: { id }, bubbles: true, composed: true }));
      await this.#close();
    } catch (error) {
      this.problem = error instanceof Error ? error.message : String(error);
      if (!(error instanceof Error && error.name === 'FailureNotRecorded')) void toastFailed('Failure not recorded', error);
    } finally {
      this.busy = false;
    }
  }

  override render() {
    if (!this.username || !this.userRole || !this.asset) return nothing;
    const draft = this.draft;
    return html`<sl-button data-record-failure @click=${() => void this.#open()}><sl-icon slot="prefix" name="wrench"></sl-icon>Record failure</sl-button>
      <sl-dialog
        label=${`Record a failure of ${this.assetTitle ?? 'this asset'}`}
        @sl-request-close=${(event: CustomEvent<{ source: string }>) => {
          // A tap beside the dialog does not throw away what was typed.
          if (event.detail.source === 'overlay' && this.draft && JSON.stringify(this.draft) !== this.#opened) event.preventDefault();
        }}
        @sl-after-hide=${(event: Event) => event.target === event.currentTarget && (this.draft = undefined)}
      >
        ${draft
          ? html`<form id="failure-form" @submit=${(event: Event) => void this.#save(event)}>
              <sl-input name="component" label="Component" help-text="The part of it that failed, e.g. outer race (optional)" maxlength="200" .value=${draft.component} @sl-input=${(event: Event) => this.#set({ component: valueOf(event) })}></sl-input>
              <sl-input name="mode" label="Failure mode" required maxlength="200" help-text="How it failed, e.g. outer race defect" .value=${draft.mode} @sl-input=${(event: Event) => this.#set({ mode: valueOf(event) })}></sl-input>
              <sl-input name="when" label="When it failed" type="datetime-local" required max=${localDateTime(Date.now())} .value=${draft.when} @sl-input=${(event: Event) => this.#set({ when: valueOf(event) })} @sl-change=${(event: Event) => this.#set({ when: valueOf(event) })}></sl-input>
              <sl-textarea name="notes" label="Notes" rows="3" maxlength="10000" .value=${draft.notes} @sl-input=${(event: Event) => this.#set({ notes: valueOf(event) })}></sl-textarea>
              ${this.problem ? html`<p role="alert" class="error" data-problem>${this.problem}</p>` : nothing}
            </form>`
          : nothing}
        <sl-button slot="footer" @click=${() => void this.#close()}>Cancel</sl-button>
        <sl-button slot="footer" variant="primary" data-save ?loading=${this.busy} @click=${(event: Event) => void this.#save(event)}>Record failure</sl-button>
      </sl-dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-failure-dialog': FlFailureDialog;
  }
}
