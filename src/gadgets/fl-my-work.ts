import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import {
  DocsController,
  SyncStatusController,
  checklistProgress,
  dueLabel,
  dueState,
  formatBytes,
  hrefOf,
  localDay,
  myWork,
  photoCount,
  readDeviceData,
  statusInWords,
  waitingForReview,
  whereEquals,
  workSummary,
  type AssetDeviceData,
  type Listed,
  type Role,
  type WorkItem,
} from '../controllers';
import { workOrderPriorityLabels, type AssetDoc, type SiteDoc } from '../core';
import { baseStyles } from './design/styles';
import { ago, waitingText } from './fl-sync-status';

/** The engineers' review: the work order list filtered to done work. */
export const REVIEW_HREF = `${hrefOf('work-orders')}?q=${encodeURIComponent('status:done')}`;

/** How many done work orders My work lists for review before "Review all". */
const REVIEW_SHOWN = 5;

const statusVariant: Readonly<Record<string, 'neutral' | 'primary' | 'warning' | 'success'>> = Object.assign(Object.create(null) as Record<string, 'neutral' | 'primary' | 'warning' | 'success'>, { open: 'neutral', assigned: 'primary', in_progress: 'primary', on_hold: 'warning', done: 'success', verified: 'success' });
const priorityLabel: Readonly<Record<string, string>> = Object.assign(Object.create(null) as Record<string, string>, workOrderPriorityLabels);

/**
 * The technician's day: the work orders on this device assigned to the signed-in user and not done,
 * by site (overdue first, then due soon, then by due date and priority), each a compact card
 * linking to its page; a summary ("4 open, 1 overdue") with what waits to sync; the channel data
 * of their assets on this device; for engineers and admins the done work waiting for their review.
 * Offline like everything else: it reads the device's storage only. Gadget methods: properties
 * `username` and `userRole` (who is signed in, from the shell).
 */
export class FlMyWork extends LitElement {
  static override properties = { username: { attribute: false }, userRole: { attribute: false }, deviceData: { state: true } };

  declare username: string | undefined;
  declare userRole: Role | undefined;
  /** What channel data of an asset is on this device (undefined until the pins are read). */
  declare deviceData: ((asset: string, site: string) => AssetDeviceData | undefined) | undefined;

  readonly #sync = new SyncStatusController(this);
  readonly #mine = new DocsController<WorkItem>(this, { query: () => (this.username ? `type:work_order AND ${whereEquals('assignee', this.username)}` : undefined), prefixes: ['work_order/'] });
  readonly #review = new DocsController<WorkItem>(this, { query: () => (this.#reviews() ? 'type:work_order AND status:"done"' : undefined), prefixes: ['work_order/'] });
  readonly #sites = new DocsController<SiteDoc>(this, { query: () => 'type:site', prefixes: ['site/'] });
  readonly #assets = new DocsController<AssetDoc>(this, { query: () => 'type:asset', prefixes: ['asset/'] });
  #pinsRead: unknown;

  constructor() {
    super();
    this.username = undefined;
    this.userRole = undefined;
    this.deviceData = undefined;
  }

  static override styles = [
    baseStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-large); }
      .summary { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-x-small) var(--sl-spacing-large); align-items: center; }
      .summary strong { font-size: var(--sl-font-size-large); }
      .summary a { display: inline-flex; align-items: center; gap: var(--sl-spacing-2x-small); min-height: var(--fl-touch); }
      .waiting { display: inline-flex; align-items: center; gap: var(--sl-spacing-2x-small); padding: 0 var(--sl-spacing-small); border-radius: var(--sl-border-radius-pill); background: var(--sl-color-warning-100); color: var(--sl-color-warning-900); font-weight: var(--sl-font-weight-semibold); }
      section { display: grid; gap: var(--sl-spacing-small); }
      ul.cards { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--sl-spacing-small); grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); }
      a.card {
        display: grid; gap: var(--sl-spacing-2x-small); min-height: var(--fl-touch); padding: var(--sl-spacing-small) var(--sl-spacing-medium);
        background: var(--fl-surface); border: 1px solid var(--fl-border); border-radius: var(--fl-radius); color: var(--fl-text); text-decoration: none;
      }
      a.card:hover { border-color: var(--sl-color-primary-600); }
      a.card[data-due='overdue'] { border-inline-start: 4px solid var(--fl-danger); }
      a.card[data-due='soon'] { border-inline-start: 4px solid var(--fl-warn); }
      .card .title { font-weight: var(--sl-font-weight-semibold); color: var(--fl-link); }
      .card .meta, .card .progress { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-2x-small) var(--sl-spacing-small); align-items: center; font-size: var(--sl-font-size-small); color: var(--fl-text-muted); }
      .card .due[data-due='overdue'] { color: var(--fl-danger); font-weight: var(--sl-font-weight-semibold); }
      .card .due[data-due='soon'] { color: var(--fl-text); font-weight: var(--sl-font-weight-semibold); }
      .card .priority[data-priority='urgent'], .card .priority[data-priority='high'] { color: var(--fl-danger); font-weight: var(--sl-font-weight-semibold); }
      .empty { display: grid; gap: var(--sl-spacing-x-small); }
      table { width: 100%; }
    `,
  ];

  #reviews(): boolean {
    return this.userRole === 'engineer' || this.userRole === 'admin';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('username') || changed.has('userRole')) {
      this.#mine.refreshIfChanged();
      this.#review.refreshIfChanged();
    }
    // The pins are read again whenever a sync finished (a pin may have come or grown).
    const service = this.#sync.service;
    const read = `${service ? 'sync' : 'none'}:${service?.status.lastSync ?? ''}`;
    if (read !== this.#pinsRead) {
      this.#pinsRead = read;
      void readDeviceData(service?.pins)
        .then((data) => (this.deviceData = data))
        .catch(() => (this.deviceData = () => undefined));
    }
  }

  #siteTitle = (site: string): string => (this.#sites.docs ?? []).find((doc) => doc.id === site)?.title ?? 'Site not on this device';

  #assetTitles(): Map<string, Listed<AssetDoc>> {
    return new Map((this.#assets.docs ?? []).map((asset) => [asset.id, asset]));
  }

  #card(order: Listed<WorkItem>, today: string, assets: Map<string, Listed<AssetDoc>>, review = false) {
    const due = dueState(order.due, today);
    const progress = checklistProgress(order);
    const photos = photoCount(order);
    const priority = order.priority ?? 'medium';
    const asset = order.asset ? (assets.get(order.asset)?.title ?? 'Asset not on this device') : undefined;
    return html`<li>
      <a class="card" href=${hrefOf('work-orders', order.id)} data-work-order=${order.id} data-due=${due}>
        <span class="title">${order.title}</span>
        <span class="meta">
          ${asset ? html`<span class="asset">${asset}</span>` : nothing}
          <sl-tag size="small" variant=${statusVariant[order.status] ?? 'neutral'} data-status=${order.status}>${statusInWords(order.status)}</sl-tag>
          <span class="priority" data-priority=${priority}>${priorityLabel[priority] ?? priority} priority</span>
          ${!review && order.due ? html`<span class="due" data-due=${due}>${dueLabel(order.due, today)}</span>` : nothing}
          ${review ? html`<span data-done-by>${[order.assignee ? `by ${order.assignee}` : '', order.completed_at && Number.isFinite(Date.parse(order.completed_at)) ? `done ${ago(Date.parse(order.completed_at), Date.now())}` : ''].filter(Boolean).join(', ')}</span>` : nothing}
        </span>
        ${progress.total > 0 || photos > 0
          ? html`<span class="progress">
              ${progress.total > 0 ? html`<span data-checklist><sl-icon name="list-check" aria-hidden="true"></sl-icon> ${progress.done} / ${progress.total} done</span>` : nothing}
              ${photos > 0 ? html`<span data-photos><sl-icon name="camera" aria-hidden="true"></sl-icon> ${photos} photo${photos === 1 ? '' : 's'}</span>` : nothing}
            </span>`
          : nothing}
      </a>
    </li>`;
  }

  #summary(summary: string) {
    const status = this.#sync.service?.status;
    const waiting = status ? waitingText(status) : '';
    return html`<div class="panel summary" role="status" aria-label="Summary">
      <strong data-summary>${summary}</strong>
      ${status
        ? html`<a href=${hrefOf('sync')} data-sync>
            ${waiting ? html`<span class="waiting" data-waiting><sl-icon name="cloud-arrow-up" aria-hidden="true"></sl-icon>${waiting} to sync</span>` : html`<span>Nothing waiting to sync</span>`}
            <span class="muted small">${status.lastSync === null ? 'never synced' : `last sync ${ago(status.lastSync, Date.now())}`}</span>
          </a>`
        : nothing}
    </div>`;
  }

  #deviceData(orders: Array<Listed<WorkItem>>, assets: Map<string, Listed<AssetDoc>>) {
    const wanted = new Map<string, string>();
    for (const order of orders) if (order.asset && !wanted.has(order.asset)) wanted.set(order.asset, order.site);
    if (wanted.size === 0) return nothing;
    const data = this.deviceData;
    const rows = [...wanted].map(([asset, site]) => ({ asset, site, title: assets.get(asset)?.title ?? 'Asset not on this device', data: data?.(asset, site) }));
    rows.sort((a, b) => a.title.localeCompare(b.title));
    return html`<section aria-labelledby="device-data-heading">
      <h3 id="device-data-heading">Data on this device</h3>
      <table aria-label="Channel data of your assets on this device">
        <thead><tr><th scope="col">Asset</th><th scope="col">On this device</th><th scope="col">Last sync</th></tr></thead>
        <tbody>
          ${rows.map(
            (row) => html`<tr data-asset=${row.asset}>
              <td><a href=${hrefOf('assets', row.asset)}>${row.title}</a></td>
              <td data-device-data=${row.data ? row.data.by : 'none'}>${!data
                ? '…'
                : row.data
                  ? `${row.data.bytes === undefined ? (row.data.by === 'site' ? "The site's channel data" : 'Channel data') : row.data.expected ? `About ${formatBytes(row.data.bytes)} coming with the next sync` : formatBytes(row.data.bytes)}${row.data.days ? `, last ${row.data.days} days` : ''}${row.data.auto ? ' (follows your assignments)' : ''}`
                  : 'Not on this device yet'}</td>
              <td class="muted small">${row.data?.lastSync ? ago(row.data.lastSync, Date.now()) : '—'}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${rows.some((row) => data && !row.data) ? html`<p class="muted small">Pin a site's data on the <a href=${hrefOf('sync')}>Sync</a> page to have it offline.</p>` : nothing}
    </section>`;
  }

  #reviewSection(today: string, assets: Map<string, Listed<AssetDoc>>) {
    if (!this.#reviews()) return nothing;
    const done = waitingForReview(this.#review.docs ?? []);
    return html`<section aria-labelledby="review-heading" data-review>
      <h3 id="review-heading">Done, waiting for your review</h3>
      ${this.#review.docs === undefined
        ? html`<p class="muted"><sl-spinner></sl-spinner> Reading work orders…</p>`
        : done.length === 0
          ? html`<p class="muted">No done work waiting for review.</p>`
          : html`<ul class="cards">${done.slice(0, REVIEW_SHOWN).map((order) => this.#card(order, today, assets, true))}</ul>`}
      <p><a class="touch" href=${REVIEW_HREF} data-review-all>${done.length > 1 ? `Review all ${done.length} done work orders` : 'Open the review list'}</a></p>
    </section>`;
  }

  override render() {
    if (!this.username) return html`<div class="panel"><fl-sign-in legend="Sign in to see the work assigned to you"></fl-sign-in></div>`;
    const today = localDay();
    const assets = this.#assetTitles();
    const mine = this.#mine.docs;
    const work = myWork(mine ?? [], this.username, today, this.#siteTitle);
    const open = work.groups.flatMap((group) => group.orders);
    const reviews = this.#reviews() && this.#review.docs !== undefined ? waitingForReview(this.#review.docs).length : 0;
    const summary = mine === undefined ? 'Reading your work…' : `${workSummary(work)}${reviews ? `; ${reviews} done, waiting for your review` : ''}`;
    return html`
      ${this.#summary(summary)}
      ${this.#mine.error ? html`<p role="alert" class="error">${this.#mine.error}</p>` : nothing}
      ${mine !== undefined && work.open === 0 && !this.#reviews()
        ? html`<div class="panel empty" data-empty>
            <strong>Nothing is assigned to you right now.</strong>
            <span class="muted">Work orders assigned to you arrive with the next sync. <a href=${hrefOf('work-orders')}>All work orders</a></span>
          </div>`
        : nothing}
      ${work.groups.map(
        (group, index) => html`<section aria-labelledby=${`site-${index}`} data-site=${group.site}>
          <h3 id=${`site-${index}`}>${this.#siteTitle(group.site)} <span class="muted small">(${group.orders.length})</span></h3>
          <ul class="cards">${group.orders.map((order) => this.#card(order, today, assets))}</ul>
        </section>`,
      )}
      ${this.#reviewSection(today, assets)}
      ${this.#deviceData(open, assets)}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-my-work': FlMyWork;
  }
}
