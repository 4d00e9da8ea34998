import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { ContextConsumer } from '@lit/context';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import { DocsController, hrefOf, siteAssetChoice, type SiteAssetChoice, UnsavedChangesController, storageContext, type Listed } from '../controllers';
import type { Doc, Storage } from '../storage';
import { isWorkOrderStatus, workOrderStatuses, type AssetDoc, type SiteDoc, type WorkOrder, type WorkOrderStatus } from '../core';
import { baseStyles, controlStyles } from './design/styles';
import { toastFailed, toastSaved } from './design/toast';

/** Type and statuses live in the model (core); re-exported here for callers of the gadget. */
export type { WorkOrder, WorkOrderStatus };

const statuses = workOrderStatuses;

const statusLabels: Record<WorkOrderStatus, string> = { open: 'Open', in_progress: 'In progress', done: 'Done' };

interface WorkOrderRow {
  id: string;
  /** The stored document as read, other keys included: Save writes it back whole. */
  doc: Doc;
  order: WorkOrder;
}

const isStatus = isWorkOrderStatus;

/** Reads a stored document leniently: a document synced from elsewhere may lack a key. */
function workOrder(doc: Doc, id: string): WorkOrder {
  return {
    type: 'work_order',
    site: typeof doc.site === 'string' ? doc.site : '',
    ...(typeof doc.asset === 'string' ? { asset: doc.asset } : {}),
    title: typeof doc.title === 'string' && doc.title ? doc.title : id,
    status: isStatus(doc.status) ? doc.status : 'open',
    notes: typeof doc.notes === 'string' ? doc.notes : '',
    ...(typeof doc.updated_by === 'string' ? { updated_by: doc.updated_by } : {}),
  };
}

/** A site's or asset's title from the documents on this device; the id only when it is not here. */
function titleOf(id: string, docs: ReadonlyArray<Listed<{ title?: string }>> | undefined): string {
  return docs?.find((doc) => doc.id === id)?.title ?? id;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The maintenance work orders on this device: one card each (title, site, status) with a form to
 * change status and notes, Save and Delete (a second click, "Really delete?", confirms: no
 * window.confirm, which blocks the page), and a form to create one. Works offline: it reads and
 * writes the local storage only; sync moves the documents.
 * Gadget methods: `reload()` lists the work orders again (sync calls it after pulling; a
 * `fl-data-changed` event on window does the same); properties `storage` (optional: instead of
 * the app's local storage from context) and `user` (optional: written as `updated_by` on Save and
 * Create).
 */
export class FlWorkOrders extends LitElement {
  static override properties = {
    storage: { attribute: false },
    user: { type: String },
    selected: { type: String },
    orders: { state: true },
    loadError: { state: true },
    writeError: { state: true },
    confirming: { state: true },
    busy: { state: true },
    newSite: { state: true },
    newAsset: { state: true },
  };

  /** Where the work orders live, when not in the app's local storage from context. */
  declare storage: Storage | undefined;
  /** Who is editing, recorded as `updated_by`; unset leaves `updated_by` as stored. */
  declare user: string | undefined;
  /** A work order to bring into view (`#/work-orders/<id>`, e.g. just created from an alarm). */
  declare selected: string | undefined;
  declare orders: WorkOrderRow[] | undefined;
  /** Why the last listing failed; cleared by the next listing that succeeds. */
  declare loadError: string | undefined;
  /**
   * Why the last write failed; cleared only by the next write, so a reload (sync, another gadget)
   * that lands just after a failed Save does not hide the failure.
   */
  declare writeError: string | undefined;
  /** Id of the work order whose Delete was clicked once (it now asks "Really delete?"). */
  declare confirming: string | undefined;
  declare busy: boolean;
  /** The site and asset chosen in the New work order form ('' while none is). */
  declare newSite: string;
  declare newAsset: string;

  // The sites and assets on this device (a technician's own): chosen from lists, shown by title.
  readonly #sites = new DocsController<SiteDoc>(this, { query: () => 'type:site', prefixes: ['site/'] });
  readonly #assets = new DocsController<AssetDoc>(this, { query: () => 'type:asset', prefixes: ['asset/'] });
  readonly #context = new ContextConsumer(this, { context: storageContext, subscribe: true, callback: () => void this.reload() });
  readonly #onDataChanged = () => void this.reload();
  /**
   * Forms holding something not saved, by work order id ('' is the New work order form) → its
   * title. Notes typed and then left by a route change vanished without a word: the guard asks
   * before leaving (and the browser before closing the tab) while this is not empty.
   */
  readonly #unsaved = new Map<string, string>();
  /** Counts reloads, so an older listing that resolves late does not overwrite a newer one. */
  #generation = 0;
  /** The selected work order already brought into view (once, not on every reload). */
  #shownSelected: string | undefined;

  constructor() {
    super();
    this.storage = undefined;
    this.user = undefined;
    this.busy = false;
    this.newSite = '';
    this.newAsset = '';
    // Registers itself with this host (the guard needs no handle afterwards).
    new UnsavedChangesController(this, {
      dirty: () => this.#unsaved.size > 0,
      describe: () => [...this.#unsaved.values()].map((title) => (title ? `the changes to work order "${title}"` : 'the new work order')).join(', '),
    });
  }

  static override styles = [
    baseStyles,
    controlStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-large); max-width: 60rem; }
      .field { display: grid; gap: var(--sl-spacing-2x-small); }
      .row { display: flex; gap: var(--sl-spacing-medium); flex-wrap: wrap; align-items: end; }
      sl-select { min-width: 14rem; }
      .cards { display: grid; gap: var(--sl-spacing-medium); }
      article { display: grid; gap: var(--sl-spacing-small); border: 1px solid var(--fl-border); border-radius: var(--fl-radius); padding: var(--sl-spacing-medium); background: var(--fl-surface); }
      article form { display: grid; gap: var(--sl-spacing-small); }
      .meta { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
      [role='alert'] { color: var(--fl-danger); }
      select { max-width: 16rem; }
      article[data-selected] { border-color: var(--sl-color-primary-600); box-shadow: 0 0 0 1px var(--sl-color-primary-600); }
      .alarm-link { display: inline-flex; align-items: center; gap: var(--sl-spacing-x-small); min-height: var(--fl-touch); justify-self: start; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('fl-data-changed', this.#onDataChanged);
    void this.reload();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('fl-data-changed', this.#onDataChanged);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('storage')) void this.reload();
    if (this.selected && this.selected !== this.#shownSelected) {
      const card = [...this.renderRoot.querySelectorAll<HTMLElement>('article[data-id]')].find((article) => article.dataset.id === this.selected);
      if (card) {
        this.#shownSelected = this.selected;
        card.scrollIntoView({ block: 'center' });
        card.querySelector<HTMLElement>('h3')?.focus();
      }
    }
  }

  #target(): Storage | undefined {
    return this.storage ?? this.#context.value;
  }

  /** Lists the work orders again, sorted by title. */
  async reload(): Promise<void> {
    const storage = this.#target();
    if (!storage) return;
    const generation = ++this.#generation;
    try {
      const result = await storage.allDocs({ query: 'type:work_order', include_docs: true, sort_on: [['title', 'ascending']] });
      if (generation !== this.#generation) return;
      this.orders = result.rows.map((row) => ({ id: row.id, doc: row.doc!, order: workOrder(row.doc!, row.id) }));
      if (this.confirming && !this.orders.some((row) => row.id === this.confirming)) this.confirming = undefined;
      this.loadError = undefined;
    } catch (error) {
      if (generation === this.#generation) this.loadError = message(error);
    }
  }

  /** Runs one write, shows its error if it fails (and a toast either way), and lists again when it succeeds. */
  async #write(write: (storage: Storage) => Promise<unknown>, saved = 'Work order saved'): Promise<boolean> {
    const storage = this.#target();
    if (!storage) {
      this.writeError = 'No storage to write the work order to.';
      return false;
    }
    this.busy = true;
    try {
      await write(storage);
      this.writeError = undefined;
    } catch (error) {
      this.writeError = message(error);
      void toastFailed('Work order not saved', error);
      return false;
    } finally {
      this.busy = false;
    }
    void toastSaved(saved);
    await this.reload();
    return true;
  }

  #stamp(): Doc {
    return this.user ? { updated_by: this.user } : {};
  }

  async #create(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const title = String(data.get('title') ?? '').trim();
    const lists = this.#lists();
    const site = lists ? lists.site : String(data.get('site') ?? '').trim();
    const asset = lists ? lists.asset : '';
    if (!title || !site) {
      this.writeError = 'A work order needs a title and a site.';
      return;
    }
    const doc: Doc = { type: 'work_order', site, ...(asset ? { asset } : {}), title, status: 'open', notes: '', ...this.#stamp() };
    // A random id, not storage.post: every storage type can put, and sync needs ids unique across devices.
    if (await this.#write((storage) => storage.put(`work_order/${crypto.randomUUID()}`, doc), 'Work order created')) {
      form.reset();
      this.newAsset = '';
      this.#unsaved.delete('');
    }
  }

  /** Whether a card's form differs from its stored work order (read on every edit). */
  #edited(form: HTMLFormElement, row: WorkOrderRow): void {
    const data = new FormData(form);
    const changed = String(data.get('notes') ?? '') !== row.order.notes || (data.get('status') ?? row.order.status) !== row.order.status;
    if (changed) this.#unsaved.set(row.id, row.order.title);
    else this.#unsaved.delete(row.id);
  }

  #editedNew(form: HTMLFormElement): void {
    const data = new FormData(form);
    // A typed site counts as unsaved work; a site chosen from the list (preselected when it is the only one) does not.
    const typedSite = form.querySelector<HTMLInputElement>('input[name="site"]')?.value ?? '';
    if (String(data.get('title') ?? '').trim() || typedSite.trim()) this.#unsaved.set('', '');
    else this.#unsaved.delete('');
  }

  async #save(event: SubmitEvent, row: WorkOrderRow): Promise<void> {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const status = data.get('status');
    const notes = String(data.get('notes') ?? '');
    if (await this.#write((storage) => storage.put(row.id, { ...row.doc, status: isStatus(status) ? status : row.order.status, notes, ...this.#stamp() }))) this.#unsaved.delete(row.id);
  }

  async #delete(row: WorkOrderRow): Promise<void> {
    if (this.confirming !== row.id) {
      this.confirming = row.id;
      return;
    }
    this.confirming = undefined;
    if (await this.#write((storage) => storage.remove(row.id), 'Work order deleted')) this.#unsaved.delete(row.id);
  }

  #card(row: WorkOrderRow, index: number) {
    const { order } = row;
    const asking = this.confirming === row.id;
    // Labels point at their control by id (ids are scoped to this shadow root) instead of wrapping
    // it: a wrapping label's name would also include the chosen option or the typed text.
    const id = `work-order-${index}`;
    const alarm = typeof row.doc.alarm === 'string' ? row.doc.alarm : undefined;
    return html`<article aria-label=${`Work order: ${order.title}`} data-id=${row.id} data-status=${order.status} ?data-selected=${row.id === this.selected}>
      <h3 tabindex="-1">${order.title}</h3>
      ${alarm ? html`<a class="alarm-link" href=${hrefOf('alarms', alarm)} data-alarm-link><sl-icon name="bell" aria-hidden="true"></sl-icon>Open the alarm it was created from</a>` : nothing}
      <p class="meta">
        <span class="site">${titleOf(order.site, this.#sites.docs)}</span>${order.asset ? html` · <span class="asset">${titleOf(order.asset, this.#assets.docs)}</span>` : nothing} ·
        <span class="status">${statusLabels[order.status]}</span>${order.updated_by ? html` · by ${order.updated_by}` : nothing}
      </p>
      <form
        @submit=${(event: SubmitEvent) => void this.#save(event, row)}
        @input=${(event: Event) => this.#edited(event.currentTarget as HTMLFormElement, row)}
        @change=${(event: Event) => this.#edited(event.currentTarget as HTMLFormElement, row)}
      >
        <div class="field">
          <label for=${`${id}-status`}>Status</label>
          <select id=${`${id}-status`} name="status" .value=${order.status}>
            ${statuses.map((status) => html`<option value=${status} ?selected=${status === order.status}>${statusLabels[status]}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for=${`${id}-notes`}>Notes</label>
          <textarea id=${`${id}-notes`} name="notes" .value=${order.notes}></textarea>
        </div>
        <div class="row">
          <button type="submit" ?disabled=${this.busy}>Save</button>
          <button type="button" class=${asking ? 'really danger' : ''} ?disabled=${this.busy} @click=${() => void this.#delete(row)}>${asking ? 'Really delete?' : 'Delete'}</button>
          ${asking ? html`<button type="button" @click=${() => (this.confirming = undefined)}>Cancel</button>` : nothing}
        </div>
      </form>
    </article>`;
  }

  /**
   * The site and asset the New work order form has chosen, when this device holds sites to choose
   * from (undefined: none synced yet, the form asks for a typed site id instead). The only site is
   * chosen by itself; an asset is optional and must be one of the chosen site's.
   */
  #lists(): SiteAssetChoice | undefined {
    return siteAssetChoice(this.#sites.docs, this.#assets.docs, { site: this.newSite, asset: this.newAsset });
  }

  #placeFields() {
    const lists = this.#lists();
    if (!lists) return html`<div class="field"><label for="new-site">Site</label><input id="new-site" name="site" required autocomplete="off" /></div>`;
    return html`<sl-select label="Site" required value=${lists.site} @sl-change=${(event: Event) => ((this.newSite = (event.target as SlSelect).value as string), (this.newAsset = ''))}>
        ${lists.sites.map((site) => html`<sl-option value=${site.id}>${site.title}</sl-option>`)}
      </sl-select>
      <sl-select label="Asset" clearable placeholder="The whole site" value=${lists.asset} ?disabled=${!lists.site} @sl-change=${(event: Event) => (this.newAsset = (event.target as SlSelect).value as string)}>
        ${lists.assets.map((asset) => html`<sl-option value=${asset.id}>${asset.title}</sl-option>`)}
      </sl-select>`;
  }

  override render() {
    let list;
    const errors = [this.writeError, this.loadError].filter((error) => error !== undefined);
    if (!this.orders) list = this.loadError ? nothing : html`<p>Loading work orders…</p>`;
    else if (this.orders.length === 0) list = html`<p>No work orders on this device yet.</p>`;
    else list = repeat(this.orders, (row) => row.id, (row, index) => this.#card(row, index));
    return html`
      ${errors.length > 0 ? html`<div role="alert">${errors.map((error) => html`<p>${error}</p>`)}</div>` : nothing}
      <form
        aria-label="New work order"
        @submit=${(event: SubmitEvent) => void this.#create(event)}
        @input=${(event: Event) => this.#editedNew(event.currentTarget as HTMLFormElement)}
      >
        <fieldset>
          <legend>New work order</legend>
          <div class="row">
            <div class="field"><label for="new-title">Title</label><input id="new-title" name="title" required autocomplete="off" /></div>
            ${this.#placeFields()}
            <button type="submit" ?disabled=${this.busy}>Create</button>
          </div>
        </fieldset>
      </form>
      <section class="cards" aria-label="Work orders">${list}</section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-work-orders': FlWorkOrders;
  }
}
