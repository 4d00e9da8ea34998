import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { ContextConsumer } from '@lit/context';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import {
  AlarmsController,
  activationBands,
  assetTimeline,
  ChannelStatusController,
  DocsController,
  filterTimeline,
  OnlineStatusController,
  hrefOf,
  serverStorageContext,
  statusInWords,
  storageContext,
  timelineKinds,
  whereEquals,
  worstOpenAlarm,
  type Listed,
  type TimelineDoc,
  type TimelineEntry,
  type TimelineKind,
} from '../controllers';
import { assetTree, type AssetDoc, type ChannelDoc, type DegradationDoc, type PredictionDoc, type PredictionModelDoc, type Severity, type SiteDoc, type WorkOrder } from '../core';
import type { Role } from '../controllers';
import { baseStyles } from './design/styles';
import { formatAge, formatValue, humanize } from './format';
import { mainChannels } from './fl-site';
import { alarmStateOfAssets, formatTime, severityChip, severityStyles } from './alarm-format';

type Channel = Listed<ChannelDoc>;

/** Statuses of closed work (not listed under open work orders). */
const closed: ReadonlySet<string> = new Set(['done', 'verified']);

const kindLabels: Record<TimelineKind, string> = { alarm: 'Alarms', work_order: 'Work orders', inspection: 'Inspections', prediction: 'Predictions', failure: 'Failures' };
const kindIcons: Record<TimelineKind, string> = { alarm: 'bell', work_order: 'clipboard-check', inspection: 'list-check', prediction: 'graph-up', failure: 'wrench' };
const severities: ReadonlySet<string> = new Set(['low', 'medium', 'high', 'critical']);
/** Timeline entries drawn at first and added by each "Show more". */
const TIMELINE_PAGE = 100;

/**
 * One asset: what it is (type, make/model, serial, commissioning, location, its site and parent),
 * its channels with their last values (live), a chart of one channel's recent data (chosen from
 * the list), its parts, the open work orders of it and its parts, and one timeline of what
 * happened to it and its parts (alarms, work orders, inspections, predictions, failures; newest
 * first, filter chips by kind), with its health (score, level, reasons: `<fl-asset-health>`), the
 * remaining useful life predicted for it and its parts (`<fl-rul-chart>`, one per prediction) and
 * its long-term degradation (`<fl-degradation-chart>`) when the server has assessed them. Gadget methods: property `asset` (the asset's id); fires
 * `fl-title` (bubbles, composed) with {title, trail} for the shell's heading and breadcrumb.
 */
export class FlAsset extends LitElement {
  static override properties = { asset: { type: String }, username: { attribute: false }, userRole: { attribute: false }, doc: { state: true }, site: { state: true }, parent: { state: true }, chosen: { state: true }, kinds: { state: true }, listed: { state: true } };

  declare asset: string;
  /** Who is signed in and their role (Record failure names them; the server's rules decide who may). */
  declare username: string | undefined;
  declare userRole: Role | undefined;
  declare doc: AssetDoc | null | undefined;
  declare site: SiteDoc | undefined;
  declare parent: AssetDoc | undefined;
  /** The channel the chart shows (array id), when the user chose one. */
  declare chosen: string | undefined;
  /** The timeline's chosen kinds (none: every kind). */
  declare kinds: ReadonlySet<TimelineKind>;
  /** How many timeline entries are drawn (more on "Show more": a busy asset has hundreds). */
  declare listed: number;

  readonly #storage = new ContextConsumer(this, { context: storageContext, subscribe: true, callback: () => void this.#load() });
  readonly #server = new ContextConsumer(this, { context: serverStorageContext, subscribe: true });
  readonly #online = new OnlineStatusController(this);
  readonly #channels = new DocsController<ChannelDoc>(this, { query: () => (this.asset ? `type:channel AND ${whereEquals('asset', this.asset)}` : undefined), prefixes: ['channel/'] });
  readonly #children = new DocsController<AssetDoc>(this, { query: () => (this.asset ? `type:asset AND ${whereEquals('parent', this.asset)}` : undefined), prefixes: ['asset/'] });
  /** The site's assets, for the asset's parts at every depth (the tree is built on the device). */
  readonly #siteAssets = new DocsController<AssetDoc>(this, { query: () => (this.doc ? `type:asset AND ${whereEquals('site', this.doc.site)}` : undefined), prefixes: ['asset/'] });
  /** What the timeline folds besides alarms: work orders, readings, predictions and failures of the asset and its parts. */
  readonly #records = new DocsController<TimelineDoc>(this, {
    query: () => {
      const assets = this.#assetAndParts();
      if (assets.size === 0) return undefined;
      return `(type:work_order OR type:reading OR type:prediction OR type:failure) AND (${[...assets].sort().map((asset) => whereEquals('asset', asset)).join(' OR ')})`;
    },
    prefixes: ['work_order/', 'reading/', 'prediction/', 'failure/'],
  });
  /** The asset's degradation estimate (the server's; a record of its site). */
  readonly #degradation = new DocsController<DegradationDoc>(this, { query: () => (this.asset ? `type:degradation AND ${whereEquals('asset', this.asset)}` : undefined), prefixes: ['degradation/'], sortOn: 'asset' });
  /** The prediction models' specs, for their lead times (engineers' and admins' devices only: specs belong to no site). */
  readonly #models = new DocsController<PredictionModelDoc>(this, { query: () => 'type:prediction_model', prefixes: ['prediction_model/'] });
  readonly #status = new ChannelStatusController(this);
  readonly #alarms = new AlarmsController(this, { filter: () => ({ state: 'any', showHidden: true }) });

  constructor() {
    super();
    this.asset = '';
    this.doc = undefined;
    this.kinds = new Set();
    this.listed = TIMELINE_PAGE;
  }

  static override styles = [
    baseStyles,
    severityStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-x-large); }
      .facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: var(--sl-spacing-small) var(--sl-spacing-large); margin: 0; }
      .facts div { display: grid; }
      .facts dt { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
      .facts dd { margin: 0; }
      section { display: grid; gap: var(--sl-spacing-small); align-content: start; }
      td a { display: inline-flex; align-items: center; min-height: var(--fl-touch); }
      sl-select { max-width: 24rem; }
      ul.links { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small); }
      ul.links a { display: inline-flex; align-items: center; min-height: var(--fl-touch); padding: 0 var(--sl-spacing-medium); border: 1px solid var(--fl-border); border-radius: var(--fl-radius); background: var(--fl-surface); text-decoration: none; }
      ul.links.alarms { flex-direction: column; }
      ul.links.alarms a { gap: var(--sl-spacing-small); padding-block: var(--sl-spacing-x-small); }
      .columns { display: grid; gap: var(--sl-spacing-x-large); grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); }
      .chips { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-x-small); }
      .chips button {
        min-height: var(--fl-touch); padding: 0 var(--sl-spacing-medium); border-radius: var(--sl-border-radius-pill); cursor: pointer;
        border: 1px solid var(--fl-border); background: var(--fl-surface); color: var(--fl-text); font: inherit;
      }
      .chips button[aria-pressed='true'] { background: var(--sl-color-primary-600); border-color: var(--sl-color-primary-600); color: var(--sl-color-neutral-0); font-weight: var(--sl-font-weight-semibold); }
      .chips button:focus-visible { outline: var(--sl-focus-ring); outline-offset: var(--sl-focus-ring-offset); }
      ol.timeline { list-style: none; margin: 0; padding: 0; display: grid; border-inline-start: 2px solid var(--fl-border); margin-inline-start: var(--sl-spacing-x-small); }
      ol.timeline li { display: grid; grid-template-columns: 2rem 1fr; gap: var(--sl-spacing-x-small); padding: var(--sl-spacing-x-small) 0 var(--sl-spacing-x-small) var(--sl-spacing-small); position: relative; }
      ol.timeline li > sl-icon { font-size: 1.25rem; color: var(--fl-text-muted); margin-top: 0.1rem; }
      ol.timeline li[data-kind='failure'] > sl-icon { color: var(--fl-danger); }
      ol.timeline li[data-kind='prediction'] > sl-icon { color: var(--fl-warn); }
      ol.timeline .what { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-2x-small) var(--sl-spacing-small); align-items: center; }
      ol.timeline a { display: inline-flex; align-items: center; min-height: var(--fl-touch); }
      ol.timeline .line { font-size: var(--sl-font-size-small); color: var(--fl-text-muted); }
      ol.timeline .detail { font-size: var(--sl-font-size-small); }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('asset')) {
      this.chosen = undefined;
      this.kinds = new Set();
      this.listed = TIMELINE_PAGE;
      void this.#load();
      this.#channels.refreshIfChanged();
      this.#children.refreshIfChanged();
      this.#degradation.refreshIfChanged();
    }
    this.#siteAssets.refreshIfChanged();
    this.#records.refreshIfChanged();
  }

  async #load(): Promise<void> {
    const storage = this.#storage.value;
    const id = this.asset;
    if (!storage || !id) return;
    const read = async <T>(docId: string | undefined): Promise<T | undefined> => (docId ? ((await storage.get(docId).catch(() => undefined)) as T | undefined) : undefined);
    const doc = await read<AssetDoc>(id);
    if (id !== this.asset) return;
    this.doc = doc ?? null;
    if (!doc) return;
    this.dispatchEvent(new CustomEvent('fl-title', { detail: { title: doc.title, trail: [{ label: 'Sites', href: hrefOf('sites') }] }, bubbles: true, composed: true }));
    const [site, parent] = await Promise.all([read<SiteDoc>(doc.site), read<AssetDoc>(doc.parent)]);
    if (id !== this.asset) return;
    this.site = site;
    this.parent = parent;
    // Up the tree for the breadcrumb (bounded: stored parents are not trusted to end).
    const ancestors: Array<{ id: string; doc: AssetDoc }> = [];
    for (let up = doc.parent; up && ancestors.length < 8 && !ancestors.some((known) => known.id === up); ) {
      const ancestor = up === doc.parent ? parent : await read<AssetDoc>(up);
      if (!ancestor) break;
      ancestors.unshift({ id: up, doc: ancestor });
      up = ancestor.parent;
    }
    if (id !== this.asset) return;
    const trail = [
      { label: 'Sites', href: hrefOf('sites') },
      ...(site ? [{ label: site.title, href: hrefOf('sites', doc.site) }] : []),
      ...ancestors.map((ancestor) => ({ label: ancestor.doc.title, href: hrefOf('assets', ancestor.id) })),
    ];
    this.dispatchEvent(new CustomEvent('fl-title', { detail: { title: doc.title, trail }, bubbles: true, composed: true }));
  }

  #facts(doc: AssetDoc) {
    const fact = (label: string, value: unknown) => (value ? html`<div><dt>${label}</dt><dd>${value}</dd></div>` : nothing);
    return html`<dl class="facts">
      ${fact('Type', humanize(doc.asset_type))}
      ${fact('Site', this.site ? html`<a href=${hrefOf('sites', doc.site)}>${this.site.title}</a>` : undefined)}
      ${fact('Part of', this.parent && doc.parent ? html`<a href=${hrefOf('assets', doc.parent)}>${this.parent.title}</a>` : undefined)}
      ${fact('Make and model', [doc.make, doc.model].filter(Boolean).join(' '))}
      ${fact('Serial number', doc.serial)}
      ${fact('Commissioned', doc.commissioned)}
      ${fact('Location', doc.location?.label)}
      ${fact('Alarms', alarmStateOfAssets(worstOpenAlarm(this.#alarms.all, this.#assetAndParts(), Date.now()), this.asset))}
    </dl>`;
  }

  /**
   * This asset and its parts at every depth (gearbox → main bearing): their alarms and work are
   * this asset's too. The direct children stand in until the site's assets are listed.
   */
  #assetAndParts(): Set<string> {
    if (!this.asset) return new Set();
    const siteAssets = this.#siteAssets.docs;
    if (siteAssets && this.doc) return new Set([this.asset, ...assetTree(siteAssets).descendants(this.asset).map((part) => part.id)]);
    return new Set([this.asset, ...(this.#children.docs ?? []).map((child) => child.id)]);
  }

  #toggleKind(kind: TimelineKind | undefined): void {
    if (kind === undefined) {
      this.kinds = new Set();
      return;
    }
    const next = new Set(this.kinds);
    if (next.has(kind)) next.delete(kind);
    else next.add(kind);
    this.kinds = next;
  }

  #timelineEntry(entry: TimelineEntry, partTitle: (asset: string) => string | undefined) {
    const part = entry.asset === this.asset ? undefined : partTitle(entry.asset);
    const severity = entry.severity && severities.has(entry.severity) ? (entry.severity as Severity) : undefined;
    return html`<li data-kind=${entry.kind} data-key=${entry.key}>
      <sl-icon name=${kindIcons[entry.kind]} label=${kindLabels[entry.kind]}></sl-icon>
      <div>
        <div class="what"><strong>${entry.what}</strong> ${severity ? html`${severityChip(severity)} ` : nothing}<a href=${entry.href}>${entry.title}</a></div>
        ${entry.detail ? html`<div class="detail">${entry.detail}</div>` : nothing}
        <div class="line">${entry.at === null ? 'date unknown' : html`<time datetime=${new Date(entry.at).toISOString()}>${formatTime(entry.at)}</time>`}${entry.by ? ` · ${entry.by}` : ''}${part ? ` · ${part}` : ''}</div>
      </div>
    </li>`;
  }

  #timeline() {
    const assets = this.#assetAndParts();
    const alarms = this.#alarms.all.filter((alarm) => assets.has(alarm.asset)) as unknown as TimelineDoc[];
    const { entries, omitted } = assetTimeline([...alarms, ...(this.#records.docs ?? [])], assets);
    const counts = new Map<TimelineKind, number>();
    for (const entry of entries) counts.set(entry.kind, (counts.get(entry.kind) ?? 0) + 1);
    const shown = filterTimeline(entries, this.kinds);
    const titles = new Map((this.#siteAssets.docs ?? this.#children.docs ?? []).map((asset) => [asset.id, asset.title]));
    return html`<section aria-labelledby="timeline-heading">
      <div class="row"><h3 id="timeline-heading" style="flex: 1">Timeline</h3><fl-failure-dialog .asset=${this.asset} .site=${this.doc?.site ?? ''} .assetTitle=${this.doc?.title} .username=${this.username} .userRole=${this.userRole} @fl-failure-recorded=${() => void this.#records.reload()}></fl-failure-dialog></div>
      <div class="chips" role="group" aria-label="Show in the timeline">
        <button type="button" aria-pressed=${String(this.kinds.size === 0)} @click=${() => this.#toggleKind(undefined)}>All (${entries.length})</button>
        ${timelineKinds.map(
          (kind) => html`<button type="button" data-kind=${kind} aria-pressed=${String(this.kinds.has(kind))} ?disabled=${!counts.get(kind) && !this.kinds.has(kind)} @click=${() => this.#toggleKind(kind)}>${kindLabels[kind]} (${counts.get(kind) ?? 0})</button>`,
        )}
      </div>
      ${this.#records.docs === undefined
        ? html`<p class="muted"><sl-spinner></sl-spinner> Reading the history…</p>`
        : shown.length === 0
          ? html`<p class="muted">Nothing recorded for this asset yet.</p>`
          : html`<ol class="timeline" aria-label="Timeline of this asset and its parts">${shown.slice(0, this.listed).map((entry) => this.#timelineEntry(entry, (asset) => titles.get(asset)))}</ol>`}
      ${shown.length > this.listed
        ? html`<sl-button data-show-more @click=${() => (this.listed += TIMELINE_PAGE)}>Show ${Math.min(TIMELINE_PAGE, shown.length - this.listed)} more of ${shown.length - this.listed}</sl-button>`
        : nothing}
      ${omitted > 0 ? html`<p class="muted small" data-omitted>${omitted} older entr${omitted === 1 ? 'y' : 'ies'} not shown.</p>` : nothing}
    </section>`;
  }

  #channelTable(channels: Channel[]) {
    if (channels.length === 0) return html`<p class="muted">No channels: data sources bound to this asset create them with their first data.</p>`;
    return html`<table>
      <thead><tr><th scope="col">Channel</th><th scope="col" class="numeric">Last value</th><th scope="col">Updated</th><th scope="col">Normal range</th></tr></thead>
      <tbody>
        ${channels.map((channel) => {
          const status = this.#status.status.get(channel.array);
          const normal = channel.normal;
          return html`<tr data-channel=${channel.id}>
            <td><a href=${hrefOf('channels', channel.id)}>${channel.title}</a></td>
            <td class="numeric" data-array=${channel.array}>${!status || status.state === 'loading' ? '…' : formatValue(status.last?.value, channel.unit)}</td>
            <td class="muted small">${formatAge(status?.last?.time) || '—'}</td>
            <td class="muted small">${normal && (normal.min !== undefined || normal.max !== undefined) ? `${normal.min ?? '…'} to ${normal.max ?? '…'} ${channel.unit ?? ''}` : '—'}</td>
          </tr>`;
        })}
      </tbody>
    </table>`;
  }

  #chart(channels: Channel[]) {
    if (channels.length === 0) return nothing;
    const shown = channels.find((channel) => channel.array === this.chosen) ?? mainChannels(channels, 1)[0] ?? channels[0]!;
    // Online, the server holds every sample; offline, a pinned channel's copy on this device.
    const storage = this.#online.online ? this.#server.value : undefined;
    return html`<section aria-labelledby="recent-heading">
      <h3 id="recent-heading">Recent data</h3>
      <sl-select label="Channel shown" value=${shown.array} @sl-change=${(event: Event) => (this.chosen = (event.target as SlSelect).value as string)}>
        ${channels.map((channel) => html`<sl-option value=${channel.array}>${channel.title}</sl-option>`)}
      </sl-select>
      <fl-channel-chart .array=${shown.array} .label=${shown.title} .unit=${shown.unit ?? ''} .storage=${storage} .alarms=${activationBands(this.#alarms.all.filter((alarm) => alarm.channel === shown.id))}></fl-channel-chart>
    </section>`;
  }

  /** The predictions of this asset and its parts (this asset's first, then by part title), with each part's title. */
  #predictions(): Array<{ prediction: Listed<PredictionDoc>; title: string }> {
    const titles = new Map((this.#siteAssets.docs ?? this.#children.docs ?? []).map((asset) => [asset.id, asset.title]));
    const predictions = (this.#records.docs ?? []).filter((record) => record.type === 'prediction' && typeof record.model === 'string' && typeof record.asset === 'string') as unknown as Array<Listed<PredictionDoc>>;
    return predictions
      .map((prediction) => ({ prediction, title: prediction.asset === this.asset ? (this.doc?.title ?? '') : (titles.get(prediction.asset) ?? 'Part') }))
      .sort((a, b) => Number(b.prediction.asset === this.asset) - Number(a.prediction.asset === this.asset) || a.title.localeCompare(b.title) || a.prediction.id.localeCompare(b.prediction.id));
  }

  /** A prediction's lead time: its own copy (a technician's device has no specs), else its model spec's. */
  #leadDays(prediction: PredictionDoc): number | undefined {
    const own = (prediction as { lead_days?: unknown }).lead_days;
    if (typeof own === 'number' && Number.isFinite(own)) return own;
    const spec = this.#models.docs?.find((model) => model.id === prediction.model);
    return typeof spec?.lead_days === 'number' && Number.isFinite(spec.lead_days) ? spec.lead_days : undefined;
  }

  #lifeAndDegradation() {
    // Online, the server holds every sample; offline, the pinned copies on this device.
    const storage = this.#online.online ? this.#server.value : undefined;
    const predictions = this.#predictions();
    const degradation = (this.#degradation.docs ?? []).find((doc) => doc.asset === this.asset);
    return html`${predictions.length > 0
      ? html`<section aria-labelledby="rul-heading" data-section="rul">
          <h3 id="rul-heading">Remaining useful life</h3>
          ${predictions.map(({ prediction, title }) => html`<fl-rul-chart data-ref=${prediction.id} .prediction=${prediction} .partTitle=${title} .leadDays=${this.#leadDays(prediction)} .storage=${storage}></fl-rul-chart>`)}
        </section>`
      : nothing}
    ${degradation
      ? html`<section aria-labelledby="degradation-heading" data-section="degradation">
          <h3 id="degradation-heading">Degradation</h3>
          <fl-degradation-chart data-ref=${degradation.id} .degradation=${degradation} .storage=${storage}></fl-degradation-chart>
        </section>`
      : nothing}`;
  }

  #orderList(orders: Array<Listed<WorkOrder>>, empty: string) {
    if (orders.length === 0) return html`<p class="muted">${empty}</p>`;
    return html`<ul class="links">
      ${orders.map((order) => html`<li><a href=${hrefOf('work-orders', order.id)}>${order.title} <sl-tag size="small" variant=${order.status === 'on_hold' ? 'warning' : 'primary'} style="margin-inline-start: var(--sl-spacing-x-small)">${statusInWords(order.status)}</sl-tag></a></li>`)}
    </ul>`;
  }

  override render() {
    if (!this.asset) return html`<p>Choose an asset from its site.</p>`;
    if (this.doc === null) return html`<p role="alert" class="error">This asset is not on this device. It arrives with the next sync if you may see it.</p>`;
    if (!this.doc) return html`<p class="muted"><sl-spinner></sl-spinner> Reading the asset…</p>`;
    const channels = this.#channels.docs ?? [];
    this.#status.watch(channels.map((channel) => channel.array));
    const children = this.#children.docs ?? [];
    const orders = (this.#records.docs ?? []).filter((record) => record.type === 'work_order' && typeof record.title === 'string' && !closed.has(String(record.status))) as unknown as Array<Listed<WorkOrder>>;
    return html`
      ${this.#facts(this.doc)}
      <section aria-labelledby="health-heading">
        <h3 id="health-heading">Health</h3>
        <fl-asset-health .asset=${this.asset}></fl-asset-health>
      </section>
      ${this.#lifeAndDegradation()}
      <section aria-labelledby="channels-heading">
        <h3 id="channels-heading">Channels</h3>
        ${this.#channelTable(channels)}
      </section>
      ${this.#chart(channels)}
      <div class="columns">
        <section aria-labelledby="parts-heading">
          <h3 id="parts-heading">Parts</h3>
          ${children.length === 0
            ? html`<p class="muted">No parts recorded.</p>`
            : html`<ul class="links">${children.map((child) => html`<li><a href=${hrefOf('assets', child.id)}>${child.title}</a></li>`)}</ul>`}
        </section>
        <section aria-labelledby="orders-heading">
          <h3 id="orders-heading">Open work orders</h3>
          ${this.#orderList(orders, 'No open work orders.')}
        </section>
      </div>
      ${this.#timeline()}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-asset': FlAsset;
  }
}
