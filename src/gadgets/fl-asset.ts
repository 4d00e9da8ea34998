import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { ContextConsumer } from '@lit/context';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import { AlarmsController, activationBands, ChannelStatusController, DocsController, OnlineStatusController, hrefOf, serverStorageContext, storageContext, whereEquals, worstOpenAlarm, type Listed } from '../controllers';
import type { AssetDoc, ChannelDoc, SiteDoc, WorkOrder } from '../core';
import { baseStyles } from './design/styles';
import { formatAge, formatValue, humanize } from './format';
import { mainChannels } from './fl-site';
import { alarmStateOfAssets, alarmsOfAsset, formatTime, severityChip, severityStyles, stateShort } from './alarm-format';

type Channel = Listed<ChannelDoc>;

const statusLabel: Record<string, string> = { open: 'Open', in_progress: 'In progress', done: 'Done' };

/**
 * One asset: what it is (type, make/model, serial, commissioning, location, its site and parent),
 * its channels with their last values (live), a chart of one channel's recent data (chosen from
 * the list), its child assets, its open work orders and its history (closed work orders; alarm
 * events join when alarms exist). Gadget methods: property `asset` (the asset's id); fires
 * `fl-title` (bubbles, composed) with {title, trail} for the shell's heading and breadcrumb.
 */
export class FlAsset extends LitElement {
  static override properties = { asset: { type: String }, doc: { state: true }, site: { state: true }, parent: { state: true }, chosen: { state: true } };

  declare asset: string;
  declare doc: AssetDoc | null | undefined;
  declare site: SiteDoc | undefined;
  declare parent: AssetDoc | undefined;
  /** The channel the chart shows (array id), when the user chose one. */
  declare chosen: string | undefined;

  readonly #storage = new ContextConsumer(this, { context: storageContext, subscribe: true, callback: () => void this.#load() });
  readonly #server = new ContextConsumer(this, { context: serverStorageContext, subscribe: true });
  readonly #online = new OnlineStatusController(this);
  readonly #channels = new DocsController<ChannelDoc>(this, { query: () => (this.asset ? `type:channel AND ${whereEquals('asset', this.asset)}` : undefined), prefixes: ['channel/'] });
  readonly #children = new DocsController<AssetDoc>(this, { query: () => (this.asset ? `type:asset AND ${whereEquals('parent', this.asset)}` : undefined), prefixes: ['asset/'] });
  readonly #orders = new DocsController<WorkOrder>(this, { query: () => (this.asset ? `type:work_order AND ${whereEquals('asset', this.asset)}` : undefined), prefixes: ['work_order/'] });
  readonly #status = new ChannelStatusController(this);
  readonly #alarms = new AlarmsController(this, { filter: () => ({ state: 'any', showHidden: true }) });

  constructor() {
    super();
    this.asset = '';
    this.doc = undefined;
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
      section { display: grid; gap: var(--sl-spacing-small); }
      td a { display: inline-flex; align-items: center; min-height: var(--fl-touch); }
      sl-select { max-width: 24rem; }
      ul.links { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small); }
      ul.links a { display: inline-flex; align-items: center; min-height: var(--fl-touch); padding: 0 var(--sl-spacing-medium); border: 1px solid var(--fl-border); border-radius: var(--fl-radius); background: var(--fl-surface); text-decoration: none; }
      ul.links.alarms { flex-direction: column; }
      ul.links.alarms a { gap: var(--sl-spacing-small); padding-block: var(--sl-spacing-x-small); }
      .columns { display: grid; gap: var(--sl-spacing-x-large); grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('asset')) {
      this.chosen = undefined;
      void this.#load();
      this.#channels.refreshIfChanged();
      this.#children.refreshIfChanged();
      this.#orders.refreshIfChanged();
    }
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
      ${fact('Health', 'Not assessed yet')}
      ${fact('Alarms', alarmStateOfAssets(worstOpenAlarm(this.#alarms.all, this.#assetAndParts(), Date.now()), this.asset))}
    </dl>`;
  }

  /** This asset and its parts: their alarms are this asset's too. */
  #assetAndParts(): Set<string> {
    return new Set([this.asset, ...(this.#children.docs ?? []).map((child) => child.id)]);
  }

  #alarmHistory() {
    const assets = this.#assetAndParts();
    const alarms = this.#alarms.all.filter((alarm) => assets.has(alarm.asset)).sort((a, b) => b.raised_at - a.raised_at);
    if (alarms.length === 0) return html`<p class="muted small">No alarms recorded for this asset.</p>`;
    return html`<ul class="links alarms" aria-label="Alarms of this asset">
        ${alarms.slice(0, 5).map(
          (alarm) => html`<li><a href=${hrefOf('alarms', alarm.id)}>${severityChip(alarm.severity)}<span>${alarm.message || alarm.rule_title}<br /><span class="muted small">${stateShort[alarm.state]} · ${formatTime(alarm.raised_at)}</span></span></a></li>`,
        )}
      </ul>
      ${alarms.length > 5 ? html`<a href=${`${alarmsOfAsset(this.asset)}&state=any`}>All ${alarms.length} alarms of this asset</a>` : nothing}`;
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

  #orderList(orders: Array<Listed<WorkOrder>>, empty: string) {
    if (orders.length === 0) return html`<p class="muted">${empty}</p>`;
    return html`<ul class="links">
      ${orders.map((order) => html`<li><a href=${hrefOf('work-orders')}>${order.title} <sl-tag size="small" variant=${order.status === 'done' ? 'success' : 'primary'} style="margin-inline-start: var(--sl-spacing-x-small)">${statusLabel[order.status] ?? order.status}</sl-tag></a></li>`)}
    </ul>`;
  }

  override render() {
    if (!this.asset) return html`<p>Choose an asset from its site.</p>`;
    if (this.doc === null) return html`<p role="alert" class="error">This asset is not on this device. It arrives with the next sync if you may see it.</p>`;
    if (!this.doc) return html`<p class="muted"><sl-spinner></sl-spinner> Reading the asset…</p>`;
    const channels = this.#channels.docs ?? [];
    this.#status.watch(channels.map((channel) => channel.array));
    const children = this.#children.docs ?? [];
    const orders = this.#orders.docs ?? [];
    return html`
      ${this.#facts(this.doc)}
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
          <h3 id="orders-heading">Work orders</h3>
          ${this.#orderList(orders.filter((order) => order.status !== 'done'), 'No open work orders.')}
        </section>
        <section aria-labelledby="history-heading">
          <h3 id="history-heading">History</h3>
          ${this.#orderList(orders.filter((order) => order.status === 'done'), 'No closed work orders yet.')}
          ${this.#alarmHistory()}
        </section>
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-asset': FlAsset;
  }
}
