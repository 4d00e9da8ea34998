import { LitElement, css, html, nothing } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { live } from 'lit/directives/live.js';
import '@lit-labs/virtualizer';
import { AdminModelController, UnsavedChangesController, type AdminAsset, type AssetFields } from '../controllers';
import { knownAssetTypes, type TreeEntry } from '../core';
import type { Storage } from '../storage';
import { baseStyles } from './design/styles';
import { toastFailed, toastSaved } from './design/toast';
import { confirmDialog } from './design/confirm';
import { humanize } from './format';

const field = (data: FormData, name: string): string => String(data.get(name) ?? '');

/** The parent choice that means "no parent" (sl-select values cannot be empty strings). */
const NO_PARENT = '-';

/**
 * Admin screen for assets: choose a site from the list of sites, see its assets as a tree
 * (turbine → gearbox → main bearing), create or edit one (title, type, parent, make, model,
 * serial, commissioning date, location). The site and the parent are chosen from lists, never
 * typed; the parent list offers only assets that keep the tree a tree (not the asset itself, not
 * one below it). Writes go to the server, which checks them against the asset model; a refusal
 * is shown with its reason and the form keeps what was typed. Property `storage` (optional):
 * where the assets live instead of the server storage from context.
 */
export class FlAdminAssets extends LitElement {
  static override properties = {
    storage: { attribute: false },
    site: { type: String },
    editing: { state: true },
    dirty: { state: true },
    problem: { state: true },
    busy: { state: true },
  };

  declare storage: Storage | undefined;
  /** The site whose assets are shown (its id); the first site when unset. */
  declare site: string | undefined;
  /** The asset being edited: its id, 'new', or undefined (no form open). */
  declare editing: string | undefined;
  declare dirty: boolean;
  declare problem: string | undefined;
  declare busy: boolean;

  readonly #model = new AdminModelController(this, { storage: () => this.storage });

  constructor() {
    super();
    this.storage = undefined;
    this.site = undefined;
    this.editing = undefined;
    this.dirty = false;
    this.busy = false;
    new UnsavedChangesController(this, { dirty: () => this.dirty, describe: () => 'the asset being edited' });
  }

  static override styles = [
    baseStyles,
    css`
      :host { display: block; }
      form { display: grid; gap: var(--sl-spacing-medium); }
      .pair { display: grid; gap: var(--sl-spacing-medium); grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); }
      lit-virtualizer { width: 100%; }
      .asset {
        display: flex; gap: var(--sl-spacing-small); align-items: center; justify-content: space-between;
        min-height: var(--fl-touch); box-sizing: border-box; width: 100%;
        padding-block: var(--sl-spacing-2x-small); border-bottom: 1px solid var(--fl-border);
      }
      .asset .name { display: grid; }
    `,
  ];

  /** Lists sites and assets again. */
  reload(): Promise<void> {
    return this.#model.reload();
  }

  protected override updated(changed: Map<string, unknown>): void {
    if (changed.has('storage')) void this.#model.reload();
  }

  /** The site shown: the chosen one if it exists, else the first. */
  #site(): string | undefined {
    const sites = this.#model.sites ?? [];
    return sites.find((site) => site.id === this.site)?.id ?? sites[0]?.id;
  }

  async #leaveForm(): Promise<boolean> {
    if (!this.dirty) return true;
    return confirmDialog({ label: 'Leave without saving?', message: 'The asset being edited has changes that are not saved.', confirm: 'Discard changes', cancel: 'Keep editing', danger: true });
  }

  async #open(id: string | undefined): Promise<void> {
    if (!(await this.#leaveForm())) return;
    this.editing = id ?? 'new';
    this.dirty = false;
    this.problem = undefined;
  }

  #close(): void {
    this.editing = undefined;
    this.dirty = false;
    this.problem = undefined;
  }

  async #chooseSite(site: string): Promise<void> {
    if (site === this.#site()) return;
    // Kept editing: render again, and live() puts the select back on the site being edited.
    if (!(await this.#leaveForm())) {
      this.requestUpdate();
      return;
    }
    this.#close();
    this.site = site;
  }

  async #save(event: SubmitEvent, site: string): Promise<void> {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const parent = field(data, 'parent');
    const fields: AssetFields = {
      site,
      title: field(data, 'title'),
      asset_type: field(data, 'asset_type'),
      parent: parent === NO_PARENT ? '' : parent,
      make: field(data, 'make'),
      model: field(data, 'model'),
      serial: field(data, 'serial'),
      commissioned: field(data, 'commissioned'),
      locationLabel: field(data, 'location'),
      lat: field(data, 'lat'),
      lon: field(data, 'lon'),
    };
    this.busy = true;
    try {
      await this.#model.saveAsset(this.editing === 'new' ? undefined : this.editing, fields);
      void toastSaved(`Asset "${fields.title.trim()}" saved`);
      this.#close();
    } catch (error) {
      this.problem = error instanceof Error ? error.message : String(error);
      void toastFailed('Asset not saved', error);
    } finally {
      this.busy = false;
    }
  }

  #form(site: string, asset: AdminAsset | undefined) {
    const tree = this.#model.tree(site);
    const parents = tree.depthFirst().filter((entry) => tree.canBeParent(asset?.id, entry.asset.id));
    const types = [...knownAssetTypes, ...(asset && !knownAssetTypes.includes(asset.asset_type as (typeof knownAssetTypes)[number]) ? [asset.asset_type] : [])];
    const location = asset?.location;
    return html`<form class="panel" aria-labelledby="asset-form-title" @submit=${(event: SubmitEvent) => void this.#save(event, site)} @sl-input=${() => (this.dirty = true)} @sl-change=${() => (this.dirty = true)}>
      <h3 id="asset-form-title">${asset ? `Edit ${asset.title}` : `New asset in ${this.#model.siteTitle(site)}`}</h3>
      <div class="pair">
        <sl-input name="title" label="Title" required .value=${asset?.title ?? ''}></sl-input>
        <sl-select name="asset_type" label="Type" .value=${asset?.asset_type ?? 'turbine'}>
          ${types.map((type) => html`<sl-option value=${type}>${humanize(type)}</sl-option>`)}
        </sl-select>
        <sl-select name="parent" label="Part of" .value=${asset?.parent && tree.get(asset.parent) ? asset.parent : NO_PARENT}>
          <sl-option value=${NO_PARENT}>Nothing (a top-level asset)</sl-option>
          ${parents.map((entry) => html`<sl-option value=${entry.asset.id}>${'— '.repeat(entry.depth)}${entry.asset.title}</sl-option>`)}
        </sl-select>
      </div>
      <div class="pair">
        <sl-input name="make" label="Make" .value=${asset?.make ?? ''}></sl-input>
        <sl-input name="model" label="Model" .value=${asset?.model ?? ''}></sl-input>
        <sl-input name="serial" label="Serial number" .value=${asset?.serial ?? ''}></sl-input>
        <sl-input name="commissioned" label="Commissioned" type="date" .value=${asset?.commissioned ?? ''}></sl-input>
      </div>
      <div class="pair">
        <sl-input name="location" label="Location" .value=${location?.label ?? ''}></sl-input>
        <sl-input name="lat" label="Latitude" type="number" step="any" min="-90" max="90" .value=${location?.lat === undefined ? '' : String(location.lat)}></sl-input>
        <sl-input name="lon" label="Longitude" type="number" step="any" min="-180" max="180" .value=${location?.lon === undefined ? '' : String(location.lon)}></sl-input>
      </div>
      ${this.problem ? html`<p role="alert" class="error">${this.problem}</p>` : nothing}
      <div class="row">
        <sl-button type="submit" variant="primary" ?loading=${this.busy}>Save asset</sl-button>
        <sl-button @click=${() => this.#close()}>Cancel</sl-button>
      </div>
    </form>`;
  }

  #row = (entry: TreeEntry<AdminAsset>) =>
    html`<div role="listitem" class="asset" data-asset=${entry.asset.id} style=${`padding-inline-start: ${entry.depth * 1.5}rem`}>
      <span class="name">
        <span>${entry.asset.title}${entry.asset.simulated ? html` <sl-tag size="small" variant="warning">Simulated</sl-tag>` : nothing}</span>
        <span class="muted small">${[humanize(entry.asset.asset_type ?? 'asset'), entry.asset.make, entry.asset.model].filter(Boolean).join(' · ')}</span>
      </span>
      <sl-button @click=${() => void this.#open(entry.asset.id)}>Edit ${entry.asset.title}</sl-button>
    </div>`;

  override render() {
    const sites = this.#model.sites;
    if (this.#model.error) return html`<p role="alert" class="error">The assets could not be read: ${this.#model.error}</p>`;
    if (!sites) return html`<p class="muted"><sl-spinner></sl-spinner> Reading the sites and assets…</p>`;
    if (sites.length === 0) return html`<p class="muted">No sites yet: create a site first (Admin → Sites), then its assets here.</p>`;
    const site = this.#site()!;
    const entries = this.#model.tree(site).depthFirst();
    const editing = this.editing && this.editing !== 'new' ? (this.#model.assets ?? []).find((asset) => asset.id === this.editing) : undefined;
    return html`<section class="stack" aria-label="Assets">
      <div class="row">
        <sl-select label="Site" .value=${live(site)} @sl-change=${(event: Event) => void this.#chooseSite(String((event.target as HTMLInputElement).value))}>
          ${sites.map((one) => html`<sl-option value=${one.id}>${one.title}</sl-option>`)}
        </sl-select>
        <sl-button variant="primary" @click=${() => void this.#open(undefined)}>New asset</sl-button>
      </div>
      ${this.editing ? keyed(`${site}:${this.editing}`, this.#form(site, editing)) : nothing}
      ${entries.length === 0
        ? html`<p class="muted">${this.#model.siteTitle(site)} has no assets yet.</p>`
        : html`<p class="muted small">${entries.length} ${entries.length === 1 ? 'asset' : 'assets'} in ${this.#model.siteTitle(site)}</p>
            <lit-virtualizer role="list" aria-label=${`Assets of ${this.#model.siteTitle(site)}`} .items=${entries} .renderItem=${this.#row}></lit-virtualizer>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-admin-assets': FlAdminAssets;
  }
}
