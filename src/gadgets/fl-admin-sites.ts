import { LitElement, css, html, nothing } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { AdminModelController, UnsavedChangesController, type AdminSite, type SiteFields } from '../controllers';
import { siteKinds } from '../core';
import type { Storage } from '../storage';
import { baseStyles } from './design/styles';
import { toastFailed, toastSaved } from './design/toast';
import { confirmDialog } from './design/confirm';
import { formatKind } from './format';

const field = (data: FormData, name: string): string => String(data.get(name) ?? '');

/**
 * Admin screen for sites: the list (title, kind, location) and a form to create one or edit one
 * (title, kind, location with optional coordinates, time zone, description, days raw samples are kept). Writes go to the
 * server, which checks them against the asset model; the form says why a save was refused and
 * keeps what was typed. Unsaved edits are guarded (leaving asks first). Property `storage`
 * (optional): where the sites live instead of the server storage from context.
 */
export class FlAdminSites extends LitElement {
  static override properties = {
    storage: { attribute: false },
    editing: { state: true },
    dirty: { state: true },
    problem: { state: true },
    busy: { state: true },
  };

  declare storage: Storage | undefined;
  /** The site being edited: its id, 'new', or undefined (no form open). */
  declare editing: string | undefined;
  declare dirty: boolean;
  /** Why the last save was refused (shown by the form until the next save). */
  declare problem: string | undefined;
  declare busy: boolean;

  readonly #model = new AdminModelController(this, { storage: () => this.storage });

  constructor() {
    super();
    this.storage = undefined;
    this.editing = undefined;
    this.dirty = false;
    this.busy = false;
    // Asked on leaving the view or the tab while the form is dirty.
    new UnsavedChangesController(this, { dirty: () => this.dirty, describe: () => 'the site being edited' });
  }

  static override styles = [
    baseStyles,
    css`
      :host { display: block; }
      form { display: grid; gap: var(--sl-spacing-medium); }
      .pair { display: grid; gap: var(--sl-spacing-medium); grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); }
      td sl-button { margin-block: var(--sl-spacing-3x-small); }
    `,
  ];

  /** Lists the sites again. */
  reload(): Promise<void> {
    return this.#model.reload();
  }

  protected override updated(changed: Map<string, unknown>): void {
    if (changed.has('storage')) void this.#model.reload();
  }

  async #open(id: string | undefined): Promise<void> {
    if (this.dirty && !(await confirmDialog({ label: 'Leave without saving?', message: 'The site being edited has changes that are not saved.', confirm: 'Discard changes', cancel: 'Keep editing', danger: true }))) return;
    this.editing = id ?? 'new';
    this.dirty = false;
    this.problem = undefined;
  }

  #close(): void {
    this.editing = undefined;
    this.dirty = false;
    this.problem = undefined;
  }

  async #save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const fields: SiteFields = {
      title: field(data, 'title'),
      kind: field(data, 'kind'),
      locationLabel: field(data, 'location'),
      lat: field(data, 'lat'),
      lon: field(data, 'lon'),
      timezone: field(data, 'timezone'),
      description: field(data, 'description'),
      retentionDays: field(data, 'retention_days'),
    };
    this.busy = true;
    try {
      await this.#model.saveSite(this.editing === 'new' ? undefined : this.editing, fields);
      void toastSaved(`Site "${fields.title.trim()}" saved`);
      this.#close();
    } catch (error) {
      this.problem = error instanceof Error ? error.message : String(error);
      void toastFailed('Site not saved', error);
    } finally {
      this.busy = false;
    }
  }

  #form(site: AdminSite | undefined) {
    const location = site?.location;
    return html`<form class="panel" aria-labelledby="site-form-title" @submit=${(event: SubmitEvent) => void this.#save(event)} @sl-input=${() => (this.dirty = true)} @sl-change=${() => (this.dirty = true)}>
      <h3 id="site-form-title">${site ? `Edit ${site.title}` : 'New site'}</h3>
      <sl-input name="title" label="Title" required .value=${site?.title ?? ''}></sl-input>
      <sl-select name="kind" label="Kind" .value=${site?.kind ?? 'wind_farm'}>
        ${siteKinds.map((kind) => html`<sl-option value=${kind}>${formatKind(kind)}</sl-option>`)}
      </sl-select>
      <div class="pair">
        <sl-input name="location" label="Location" help-text="A place name; needed when coordinates are given" .value=${location?.label ?? ''}></sl-input>
        <sl-input name="lat" label="Latitude" type="number" step="any" min="-90" max="90" .value=${location?.lat === undefined ? '' : String(location.lat)}></sl-input>
        <sl-input name="lon" label="Longitude" type="number" step="any" min="-180" max="180" .value=${location?.lon === undefined ? '' : String(location.lon)}></sl-input>
      </div>
      <sl-input name="timezone" label="Time zone" help-text="IANA name, e.g. Europe/Berlin" .value=${site?.timezone ?? ''}></sl-input>
      <sl-textarea name="description" label="Description" .value=${site?.description ?? ''}></sl-textarea>
      <sl-input name="retention_days" label="Keep raw samples (days)" type="number" min="1" max="36500" step="1" help-text="Older raw samples and raw streams are dropped; their summaries stay, so old zooms still draw. Empty: the server's default (RETENTION_DAYS)." .value=${site?.retention_days === undefined ? '' : String(site.retention_days)}></sl-input>
      ${this.problem ? html`<p role="alert" class="error">${this.problem}</p>` : nothing}
      <div class="row">
        <sl-button type="submit" variant="primary" ?loading=${this.busy}>Save site</sl-button>
        <sl-button @click=${() => this.#close()}>Cancel</sl-button>
      </div>
    </form>`;
  }

  override render() {
    const sites = this.#model.sites;
    const editing = this.editing && this.editing !== 'new' ? sites?.find((site) => site.id === this.editing) : undefined;
    return html`<section class="stack" aria-label="Sites">
      <div class="row">
        <sl-button variant="primary" @click=${() => void this.#open(undefined)}>New site</sl-button>
      </div>
      ${this.#model.error ? html`<p role="alert" class="error">The sites could not be read: ${this.#model.error}</p>` : nothing}
      ${this.editing ? keyed(this.editing, this.#form(editing)) : nothing}
      ${!sites
        ? html`<p class="muted"><sl-spinner></sl-spinner> Reading the sites…</p>`
        : sites.length === 0
          ? html`<p class="muted">No sites yet: create the first one.</p>`
          : html`<table>
              <thead><tr><th scope="col">Site</th><th scope="col">Kind</th><th scope="col">Location</th><th scope="col"><span class="muted">Actions</span></th></tr></thead>
              <tbody>
                ${sites.map(
                  (site) => html`<tr data-site=${site.id}>
                    <td>${site.title}${site.simulated ? html` <sl-tag size="small" variant="warning">Simulated</sl-tag>` : nothing}</td>
                    <td>${formatKind(site.kind ?? 'other')}</td>
                    <td>${site.location?.label ?? ''}</td>
                    <td><sl-button @click=${() => void this.#open(site.id)}>Edit ${site.title}</sl-button></td>
                  </tr>`,
                )}
              </tbody>
            </table>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-admin-sites': FlAdminSites;
  }
}
