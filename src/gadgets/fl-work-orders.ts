import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import '@lit-labs/virtualizer';
import { ContextConsumer } from '@lit/context';
import type SlInput from '@shoelace-style/shoelace/dist/components/input/input.js';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import type SlTextarea from '@shoelace-style/shoelace/dist/components/textarea/textarea.js';
import type SlDialog from '@shoelace-style/shoelace/dist/components/dialog/dialog.js';
import { DocsController, hrefOf, siteAssetChoice, storageContext, UnsavedChangesController, type SiteAssetChoice } from '../controllers';
import { localDay } from '../controllers/maintenance/my-work';
import { queryOf } from '../controllers/route-controller';
import {
  chosenValue,
  filterWorkOrders,
  isOverdue,
  parseWorkOrderQuery,
  priorityLabels,
  sortLabels,
  sortWorkOrders,
  statusLabels,
  termOf,
  withTerm,
  workOrderRow,
  workOrderSorts,
  type QueryKey,
  type WorkOrderQuery,
  type WorkOrderRow,
  type WorkOrderSort,
} from '../controllers/maintenance/work-order-list';
import {
  newWorkOrder,
  workOrderKindLabels,
  workOrderKinds,
  workOrderPriorities,
  workOrderPriorityLabels,
  workOrderStatuses,
  type AssetDoc,
  type NewWorkOrderFields,
  type Role,
  type SiteDoc,
  type WorkOrder,
  type WorkOrderKind,
  type WorkOrderPriority,
  type WorkOrderStatus,
} from '../core';
import type { Doc } from '../storage';
import { baseStyles } from './design/styles';
import { toastFailed, toastSaved } from './design/toast';

/** Type and statuses live in the model (core); re-exported here for callers of the gadget. */
export type { WorkOrder, WorkOrderStatus };

/** Above this many rows the list is virtualized (only what is on screen is in the DOM). */
const VIRTUALIZE_FROM = 50;
/** The search is written into the address this long after the last keystroke (no history entries). */
const URL_DELAY_MS = 300;
const DEFAULT_SORT: WorkOrderSort = 'due';

const statusVariant: Readonly<Record<WorkOrderStatus, string>> = { open: 'primary', assigned: 'primary', in_progress: 'warning', on_hold: 'neutral', done: 'success', verified: 'success' };

/** 12345 → "12 345" (a narrow no-break space between thousands, as the count reads on a tablet). */
function grouped(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

/** The New work order form's fields as typed ('' while empty). */
interface Draft {
  site: string;
  asset: string;
  title: string;
  notes: string;
  kind: WorkOrderKind;
  priority: WorkOrderPriority;
  due: string;
  assignee: string;
}

const emptyDraft = (): Draft => ({ site: '', asset: '', title: '', notes: '', kind: 'corrective', priority: 'medium', due: '', assignee: '' });

/**
 * The work orders on this device (a technician's sites; offline first: it reads the local storage
 * only and sync moves the documents), as one compact virtualized list that stays smooth at 10 000:
 * title, asset and site titles, status, priority, due date (overdue in the danger colour) and
 * assignee; each row opens the work order's page (#/work-orders/<id>). A search field takes the
 * list's search syntax (src/controllers/maintenance/work-order-list.ts: words all matching any
 * field, "phrases", key:value terms), and the Status, Priority, Site and Assignee selects write
 * their term into it; the search and the sort live in the address (`#/work-orders?q=status%3Adone`,
 * rewritten in place), so a link opens the list filtered. "New work order" opens a form (site and
 * asset from lists) that writes through `newWorkOrder` and goes to the new work order's page; a
 * half-filled form is guarded against leaving. Lists again on sync and on `fl-data-changed`.
 * Properties: `username` (who creates; `assignee:me`) and `userRole`, set by the app.
 */
export class FlWorkOrders extends LitElement {
  static override properties = {
    username: { attribute: false },
    userRole: { attribute: false },
    plain: { type: Boolean },
    q: { state: true },
    sort: { state: true },
    creating: { state: true },
    draft: { state: true },
    busy: { state: true },
    formError: { state: true },
  };

  /** The signed-in user: `created_by`, and whom `assignee:me` means. */
  declare username: string | undefined;
  declare userRole: Role | undefined;
  /** Render every row instead of virtualizing (the benchmark's baseline; never set in the app). */
  declare plain: boolean;
  /** The search text as typed. */
  declare q: string;
  declare sort: WorkOrderSort;
  /** The New work order dialog is open. */
  declare creating: boolean;
  declare draft: Draft;
  declare busy: boolean;
  /** Why the New work order form was not saved (shown in the form). */
  declare formError: string | undefined;

  readonly #sites = new DocsController<SiteDoc>(this, { query: () => 'type:site', prefixes: ['site/'] });
  readonly #assets = new DocsController<AssetDoc>(this, { query: () => 'type:asset', prefixes: ['asset/'] });
  readonly #orders = new DocsController<Record<string, unknown>>(this, { query: () => 'type:work_order', prefixes: ['work_order/'] });
  readonly #storage = new ContextConsumer(this, { context: storageContext, subscribe: true });
  readonly #onDataChanged = () => void this.reload();
  #urlTimer: ReturnType<typeof setTimeout> | undefined;

  // What the list shows is derived in steps, each kept until its inputs change: rows (titles and
  // search text) once per listing, the order once per sort, the filter once per search text.
  #rowsOf: { orders: unknown; sites: unknown; assets: unknown; rows: WorkOrderRow[] } | undefined;
  #sortedOf: { rows: WorkOrderRow[]; sort: WorkOrderSort; sorted: WorkOrderRow[] } | undefined;
  #assignees: { rows: readonly WorkOrderRow[]; names: string[] } | undefined;
  #shownOf: { sorted: WorkOrderRow[]; q: string; me: string | undefined; today: string; query: WorkOrderQuery; shown: WorkOrderRow[] } | undefined;

  constructor() {
    super();
    this.username = undefined;
    this.userRole = undefined;
    this.plain = false;
    this.q = '';
    this.sort = DEFAULT_SORT;
    this.creating = false;
    this.draft = emptyDraft();
    this.busy = false;
    // Registers itself with this host (the guard needs no handle afterwards).
    new UnsavedChangesController(this, { dirty: () => this.#dirty(), describe: () => 'the new work order' });
  }

  static override styles = [
    baseStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-medium); }
      .bar { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small) var(--sl-spacing-medium); align-items: end; }
      .bar .search { flex: 1 1 20rem; }
      .filters { display: grid; grid-template-columns: repeat(auto-fill, minmax(10.5rem, 1fr)); gap: var(--sl-spacing-small) var(--sl-spacing-medium); }
      .count { color: var(--fl-text-muted); margin: 0; }
      .list { border: 1px solid var(--fl-border); border-radius: var(--fl-radius); background: var(--fl-surface); overflow: hidden; }
      ul.list { list-style: none; margin: 0; padding: 0; }
      lit-virtualizer { width: 100%; }
      a.order {
        display: grid; grid-template-columns: minmax(0, 1fr) auto; grid-template-areas: 'title status' 'where meta';
        gap: var(--sl-spacing-3x-small) var(--sl-spacing-medium); align-items: center; box-sizing: border-box; width: 100%;
        min-height: 3.5rem; padding: var(--sl-spacing-x-small) var(--sl-spacing-medium);
        color: var(--fl-text); text-decoration: none; border-bottom: 1px solid var(--fl-border);
      }
      a.order:hover { background: var(--sl-color-neutral-100); }
      a.order:focus-visible { outline: var(--sl-focus-ring); outline-offset: calc(-1 * var(--sl-focus-ring-width)); }
      .title { grid-area: title; font-weight: var(--sl-font-weight-semibold); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .where { grid-area: where; color: var(--fl-text-muted); font-size: var(--sl-font-size-small); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .status { grid-area: status; justify-self: end; }
      .meta { grid-area: meta; justify-self: end; display: flex; gap: var(--sl-spacing-small); font-size: var(--sl-font-size-small); color: var(--fl-text-muted); white-space: nowrap; }
      .priority[data-priority='high'], .priority[data-priority='urgent'] { color: var(--fl-warn); font-weight: var(--sl-font-weight-semibold); }
      .priority[data-priority='urgent'] { color: var(--fl-danger); }
      .due[data-overdue] { color: var(--fl-danger); font-weight: var(--sl-font-weight-semibold); }
      @media (min-width: 1000px) {
        a.order { grid-template-columns: minmax(0, 1fr) 6rem 9rem 8rem 7.5rem; grid-template-areas: 'title priority due assignee status' 'where priority due assignee status'; }
        .meta { display: contents; }
        .priority { grid-area: priority; }
        .due { grid-area: due; }
        .assignee { grid-area: assignee; overflow: hidden; text-overflow: ellipsis; }
      }
      sl-dialog::part(panel) { width: min(40rem, 96vw); }
      sl-dialog form { display: grid; gap: var(--sl-spacing-medium); }
      sl-dialog .pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); gap: var(--sl-spacing-medium); }
      .actions { display: flex; gap: var(--sl-spacing-small); justify-content: end; flex-wrap: wrap; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('fl-data-changed', this.#onDataChanged);
    window.addEventListener('hashchange', this.#readAddress);
    // A click that leaves the list (a row, the nav) comes before the hash changes: the search waiting to
    // be written goes into the address first, so Back returns to it.
    window.addEventListener('click', this.#flushAddress, true);
    this.#readAddress();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('fl-data-changed', this.#onDataChanged);
    window.removeEventListener('hashchange', this.#readAddress);
    window.removeEventListener('click', this.#flushAddress, true);
    clearTimeout(this.#urlTimer);
  }

  /** Lists the work orders (and the sites and assets they name) again. */
  async reload(): Promise<void> {
    await Promise.all([this.#orders.reload(), this.#sites.reload(), this.#assets.reload()]);
  }

  /** The search and sort a link asks for (`#/work-orders?q=…&sort=…`); only on the list's own address. */
  readonly #readAddress = (): void => {
    if (!/^#\/work-orders\/?(\?|$)/.test(location.hash)) return;
    const query = queryOf(location.hash);
    this.q = query.get('q') ?? '';
    const sort = query.get('sort');
    this.sort = workOrderSorts.includes(sort as WorkOrderSort) ? (sort as WorkOrderSort) : DEFAULT_SORT;
  };

  /** Writes the search and sort into the address in place (replaceState: Back leaves the list, not the keystrokes), after a pause in typing. */
  #writeAddress(): void {
    clearTimeout(this.#urlTimer);
    this.#urlTimer = setTimeout(this.#flushAddress, URL_DELAY_MS);
  }

  /** Writes a pending search and sort into the address now; nothing when none waits or the list is not shown. */
  readonly #flushAddress = (): void => {
    if (this.#urlTimer === undefined) return;
    clearTimeout(this.#urlTimer);
    this.#urlTimer = undefined;
    if (!/^#\/work-orders\/?(\?|$)/.test(location.hash)) return;
    const query = new URLSearchParams();
    if (this.q.trim() !== '') query.set('q', this.q);
    if (this.sort !== DEFAULT_SORT) query.set('sort', this.sort);
    const wanted = `#/work-orders${query.size > 0 ? `?${query.toString()}` : ''}`;
    if (location.hash !== wanted) history.replaceState(history.state, '', wanted);
  };

  #search(text: string): void {
    this.q = text;
    this.#writeAddress();
  }

  #setTerm(key: QueryKey, value: string): void {
    this.#search(withTerm(this.q, key, value));
  }

  #rows(): WorkOrderRow[] | undefined {
    const orders = this.#orders.docs;
    if (!orders) return undefined;
    const sites = this.#sites.docs;
    const assets = this.#assets.docs;
    const cached = this.#rowsOf;
    if (cached && cached.orders === orders && cached.sites === sites && cached.assets === assets) return cached.rows;
    const titles = {
      sites: new Map((sites ?? []).map((site) => [site.id, site.title])),
      assets: new Map((assets ?? []).map((asset) => [asset.id, asset.title])),
    };
    const rows = orders.map((doc) => workOrderRow(doc.id, doc, titles));
    this.#rowsOf = { orders, sites, assets, rows };
    return rows;
  }

  /** The rows the search lets through, in the chosen order (each step recomputed only when its inputs changed). */
  #shown(rows: WorkOrderRow[]): { shown: WorkOrderRow[]; query: WorkOrderQuery } {
    if (this.#sortedOf?.rows !== rows || this.#sortedOf.sort !== this.sort) this.#sortedOf = { rows, sort: this.sort, sorted: sortWorkOrders(rows, this.sort) };
    const sorted = this.#sortedOf.sorted;
    const today = localDay();
    const cached = this.#shownOf;
    if (cached && cached.sorted === sorted && cached.q === this.q && cached.me === this.username && cached.today === today) return cached;
    const query = parseWorkOrderQuery(this.q);
    const shown = filterWorkOrders(sorted, query, { today, ...(this.username ? { me: this.username } : {}) });
    this.#shownOf = { sorted, q: this.q, me: this.username, today, query, shown };
    return this.#shownOf;
  }

  /** The names work orders are assigned to (once per listing, not per keystroke). */
  #assigneesOf(rows: readonly WorkOrderRow[]): string[] {
    if (this.#assignees?.rows !== rows) this.#assignees = { rows, names: [...new Set(rows.map((row) => row.assignee).filter((name) => name !== undefined))].sort() };
    return this.#assignees.names;
  }

  readonly #row = (row: WorkOrderRow) => {
    const overdue = isOverdue(row, localDay());
    return html`<a class="order" href=${hrefOf('work-orders', row.id)} data-id=${row.id} data-status=${row.status}>
      <span class="title">${row.title}</span>
      <span class="where">${row.assetTitle ? `${row.assetTitle} · ` : ''}${row.siteTitle}</span>
      <sl-tag class="status" size="small" variant=${statusVariant[row.status]}>${statusLabels.get(row.status)}</sl-tag>
      <span class="meta">
        <span class="priority" data-priority=${row.priority}>${priorityLabels.get(row.priority)}</span>
        <span class="due" ?data-overdue=${overdue}>${row.due ? (overdue ? `Overdue ${row.due}` : `Due ${row.due}`) : 'No due date'}</span>
        <span class="assignee">${row.assignee ?? 'Unassigned'}</span>
      </span>
    </a>`;
  };

  #filters(query: WorkOrderQuery, rows: readonly WorkOrderRow[]) {
    const sites = this.#sites.docs ?? [];
    const siteTerm = termOf(query, 'site');
    const site = sites.find((candidate) => candidate.id.toLowerCase() === siteTerm || candidate.title.toLowerCase() === siteTerm)?.id ?? '';
    const assignees = this.#assigneesOf(rows).filter((name) => name !== this.username);
    const assigneeTerm = termOf(query, 'assignee');
    const assignee = assigneeTerm === 'me' || (this.username && assigneeTerm === this.username.toLowerCase()) ? 'me' : assigneeTerm === 'none' ? 'none' : (assignees.find((name) => name.toLowerCase() === assigneeTerm) ?? '');
    const choose = (key: QueryKey) => (event: Event) => this.#setTerm(key, (event.target as SlSelect).value as string);
    return html`<div class="filters" role="group" aria-label="Filter work orders">
      <sl-select label="Status" clearable placeholder="Any status" value=${chosenValue(query, 'status', workOrderStatuses)} @sl-change=${choose('status')}>
        ${workOrderStatuses.map((status) => html`<sl-option value=${status}>${statusLabels.get(status)}</sl-option>`)}
      </sl-select>
      <sl-select label="Priority" clearable placeholder="Any priority" value=${chosenValue(query, 'priority', workOrderPriorities)} @sl-change=${choose('priority')}>
        ${[...workOrderPriorities].reverse().map((priority) => html`<sl-option value=${priority}>${workOrderPriorityLabels[priority]}</sl-option>`)}
      </sl-select>
      <sl-select
        label="Site"
        clearable
        placeholder="Every site"
        value=${site}
        @sl-change=${(event: Event) => {
          const id = (event.target as SlSelect).value as string;
          this.#setTerm('site', sites.find((candidate) => candidate.id === id)?.title ?? id);
        }}
      >
        ${sites.map((candidate) => html`<sl-option value=${candidate.id}>${candidate.title}</sl-option>`)}
      </sl-select>
      <sl-select label="Assignee" clearable placeholder="Anyone" value=${assignee} @sl-change=${choose('assignee')}>
        ${this.username ? html`<sl-option value="me">Me (${this.username})</sl-option>` : nothing}
        <sl-option value="none">Unassigned</sl-option>
        ${assignees.map((name) => html`<sl-option value=${name}>${name}</sl-option>`)}
      </sl-select>
      <sl-select
        label="Sort by"
        value=${this.sort}
        @sl-change=${(event: Event) => {
          const sort = (event.target as SlSelect).value as WorkOrderSort;
          this.sort = workOrderSorts.includes(sort) ? sort : DEFAULT_SORT;
          this.#writeAddress();
        }}
      >
        ${workOrderSorts.map((sort) => html`<sl-option value=${sort}>${sortLabels.get(sort)}</sl-option>`)}
      </sl-select>
    </div>`;
  }

  // ---- New work order

  #dirty(): boolean {
    const draft = this.draft;
    return draft.title.trim() !== '' || draft.notes.trim() !== '' || draft.due !== '' || draft.assignee.trim() !== '' || draft.asset !== '';
  }

  #choice(): SiteAssetChoice | undefined {
    return siteAssetChoice(this.#sites.docs, this.#assets.docs, { site: this.draft.site, asset: this.draft.asset });
  }

  #edit(patch: Partial<Draft>): void {
    this.draft = { ...this.draft, ...patch };
    this.formError = undefined;
  }

  #open(): void {
    this.creating = true;
    this.formError = undefined;
  }

  #discard(): void {
    this.draft = emptyDraft();
    this.formError = undefined;
    this.creating = false;
  }

  /** Overlay clicks do not throw a half-filled form away (Cancel does; Escape closes and keeps it). */
  #onRequestClose(event: CustomEvent<{ source: string }>): void {
    if (event.target !== event.currentTarget) return; // a nested sl-select's own close
    if (event.detail.source === 'overlay' && this.#dirty()) event.preventDefault();
  }

  async #create(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const choice = this.#choice();
    const draft = this.draft;
    const title = draft.title.trim();
    const storage = this.#storage.value;
    if (!choice?.site) return void (this.formError = 'Choose the site of the work order.');
    if (!title) return void (this.formError = 'A work order needs a title.');
    if (!storage) return void (this.formError = 'No storage to write the work order to.');
    if (!this.username) return void (this.formError = 'Sign in to create work orders.');
    const fields: NewWorkOrderFields = {
      site: choice.site,
      title,
      notes: draft.notes,
      kind: draft.kind,
      priority: draft.priority,
      ...(choice.asset ? { asset: choice.asset } : {}),
      ...(draft.due ? { due: draft.due } : {}),
      ...(draft.assignee.trim() ? { assignee: draft.assignee.trim() } : {}),
    };
    this.busy = true;
    const id = `work_order/${crypto.randomUUID()}`;
    try {
      const doc = newWorkOrder(fields, { by: this.username, at: new Date().toISOString(), id: crypto.randomUUID(), ...(this.userRole ? { role: this.userRole } : {}) });
      // A random id, not storage.post: every storage type can put, and sync needs ids unique across devices.
      await storage.put(id, doc as unknown as Doc);
    } catch (error) {
      this.formError = error instanceof Error ? error.message : String(error);
      void toastFailed('Work order not saved', error);
      return;
    } finally {
      this.busy = false;
    }
    void toastSaved('Work order created');
    // Saved: nothing unsaved any more, so going to its page asks nothing.
    this.draft = emptyDraft();
    this.creating = false;
    void this.#orders.reload();
    this.#flushAddress();
    location.hash = hrefOf('work-orders', id);
  }

  #form() {
    // Only while open: a closed dialog's title would still be an h2 inside the view (the shell's heading is the view's h2).
    if (!this.creating) return nothing;
    const choice = this.#choice();
    const draft = this.draft;
    const value = (event: Event) => (event.target as SlInput | SlSelect | SlTextarea).value as string;
    return html`<sl-dialog label="New work order" open @sl-request-close=${(event: CustomEvent<{ source: string }>) => this.#onRequestClose(event)} @sl-after-hide=${(event: Event) => event.target === event.currentTarget && (this.creating = false)}>
      <form aria-label="New work order" @submit=${(event: SubmitEvent) => void this.#create(event)}>
        ${choice
          ? html`<div class="pair">
              <sl-select label="Site" required value=${choice.site} @sl-change=${(event: Event) => this.#edit({ site: value(event), asset: '' })}>
                ${choice.sites.map((site) => html`<sl-option value=${site.id}>${site.title}</sl-option>`)}
              </sl-select>
              <sl-select label="Asset" clearable placeholder="The whole site" value=${choice.asset} ?disabled=${!choice.site} @sl-change=${(event: Event) => this.#edit({ asset: value(event) })}>
                ${choice.assets.map((asset) => html`<sl-option value=${asset.id}>${asset.title}</sl-option>`)}
              </sl-select>
            </div>`
          : html`<p class="muted" data-no-sites>No sites on this device yet: they arrive with the first sync.</p>`}
        <sl-input label="Title" name="title" required autocomplete="off" .value=${draft.title} @sl-input=${(event: Event) => this.#edit({ title: value(event) })}></sl-input>
        <sl-textarea label="Description" name="notes" rows="3" .value=${draft.notes} @sl-input=${(event: Event) => this.#edit({ notes: value(event) })}></sl-textarea>
        <div class="pair">
          <sl-select label="Kind" value=${draft.kind} @sl-change=${(event: Event) => this.#edit({ kind: (value(event) || 'corrective') as WorkOrderKind })}>
            ${workOrderKinds.map((kind) => html`<sl-option value=${kind}>${workOrderKindLabels[kind]}</sl-option>`)}
          </sl-select>
          <sl-select label="Priority" value=${draft.priority} @sl-change=${(event: Event) => this.#edit({ priority: (value(event) || 'medium') as WorkOrderPriority })}>
            ${workOrderPriorities.map((priority) => html`<sl-option value=${priority}>${workOrderPriorityLabels[priority]}</sl-option>`)}
          </sl-select>
          <sl-input label="Due" type="date" name="due" .value=${draft.due} @sl-input=${(event: Event) => this.#edit({ due: value(event) })}></sl-input>
          <sl-input label="Assignee" name="assignee" autocomplete="off" help-text="A user name; empty: unassigned" .value=${draft.assignee} @sl-input=${(event: Event) => this.#edit({ assignee: value(event) })}></sl-input>
        </div>
        ${this.formError ? html`<p role="alert" class="error">${this.formError}</p>` : nothing}
        <div class="actions">
          <sl-button @click=${() => this.#discard()}>Cancel</sl-button>
          <sl-button type="submit" variant="primary" ?loading=${this.busy} ?disabled=${this.busy || !choice}>Create</sl-button>
        </div>
      </form>
    </sl-dialog>`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('creating') && this.creating) {
      // The dialog focuses its first control; the site is often chosen already: start at the title.
      const dialog = this.renderRoot.querySelector<SlDialog>('sl-dialog');
      void dialog?.updateComplete.then(() => this.renderRoot.querySelector<SlInput>('sl-input[name="title"]')?.focus());
    }
  }

  override render() {
    const rows = this.#rows();
    const error = this.#orders.error ?? this.#sites.error;
    let list;
    let count: unknown = nothing;
    let filters: unknown = nothing;
    if (!rows) list = error ? nothing : html`<p class="muted"><sl-spinner></sl-spinner> Reading the work orders…</p>`;
    else {
      const { shown, query } = this.#shown(rows);
      filters = this.#filters(query, rows);
      count = html`<p class="count" role="status" data-shown=${shown.length} data-total=${rows.length}>${shown.length === rows.length ? `${grouped(rows.length)} work order${rows.length === 1 ? '' : 's'}` : `${grouped(shown.length)} of ${grouped(rows.length)}`}</p>`;
      if (rows.length === 0) list = html`<p class="muted" data-empty>No work orders on this device yet.</p>`;
      else if (shown.length === 0) list = html`<p class="muted" data-empty>No work order matches the search.</p>`;
      else if (shown.length > VIRTUALIZE_FROM && !this.plain)
        list = html`<lit-virtualizer class="list" role="list" aria-label="Work orders" .items=${shown} .renderItem=${(row: WorkOrderRow) => html`<div role="listitem" style="width:100%">${this.#row(row)}</div>`}></lit-virtualizer>`;
      else list = html`<ul class="list" aria-label="Work orders">${shown.map((row) => html`<li>${this.#row(row)}</li>`)}</ul>`;
    }
    return html`
      <div class="bar">
        <sl-input
          class="search"
          type="search"
          label="Search"
          clearable
          autocomplete="off"
          placeholder="Words, or status:done site:north assignee:me due:overdue"
          .value=${this.q}
          @sl-input=${(event: Event) => this.#search((event.target as SlInput).value)}
          @sl-clear=${() => this.#search('')}
        ><sl-icon name="search" slot="prefix" aria-hidden="true"></sl-icon></sl-input>
        <sl-button variant="primary" @click=${() => this.#open()}><sl-icon name="plus-lg" slot="prefix" aria-hidden="true"></sl-icon>New work order</sl-button>
      </div>
      ${filters}
      ${error ? html`<p role="alert" class="error">${error}</p>` : nothing}
      ${count}
      ${list}
      ${this.#form()}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-work-orders': FlWorkOrders;
  }
}
