import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { ContextConsumer } from '@lit/context';
import { AlarmsController, ChannelStatusController, DocsController, hrefOf, storageContext, whereEquals, worstOpenAlarm, type ChannelStatus, type Listed } from '../controllers';
import { assetTree, type AssetDoc, type AssetTree, type ChannelDoc, type SiteDoc } from '../core';
import { baseStyles } from './design/styles';
import { formatKind, formatValue, humanize } from './format';
import { alarmStateOfAssets, severityStyles } from './alarm-format';

type Asset = Listed<AssetDoc>;
type Channel = Listed<ChannelDoc>;

/** Channels shown on a tile: slow ones (status, not vibration bursts), power and wind first. */
export function mainChannels(channels: readonly Channel[], count = 3): Channel[] {
  // By the field's words, not substrings: "winding temperature" is no wind speed.
  const rank = (channel: Channel) => {
    const words = `${channel.field} ${channel.title}`.toLowerCase().split(/[^a-z0-9]+/);
    return words.includes('power') ? 0 : words.includes('wind') || words.includes('irradiance') ? 1 : 2;
  };
  return channels
    .filter((channel) => channel.rate === undefined || channel.rate <= 10)
    .sort((a, b) => rank(a) - rank(b) || a.title.localeCompare(b.title))
    .slice(0, count);
}

/**
 * A site: its assets as tiles with live status — last values of the main channels, a sparkline
 * of the first, and the health and alarm state (placeholders until alarms exist) — top-level
 * assets first with their children listed as a tree below. Values move as the server streams
 * samples. Gadget methods: property `site` (the site's id); fires `fl-title` (bubbles, composed)
 * with {title, trail} once known, for the shell's heading and breadcrumb.
 */
export class FlSite extends LitElement {
  static override properties = { site: { type: String }, siteDoc: { state: true } };

  declare site: string;
  declare siteDoc: SiteDoc | null | undefined;

  readonly #storage = new ContextConsumer(this, { context: storageContext, subscribe: true, callback: () => void this.#loadSite() });
  readonly #assets = new DocsController<AssetDoc>(this, { query: () => (this.site ? `type:asset AND ${whereEquals('site', this.site)}` : undefined), prefixes: ['asset/'] });
  readonly #channels = new DocsController<ChannelDoc>(this, { query: () => (this.site ? `type:channel AND ${whereEquals('site', this.site)}` : undefined), prefixes: ['channel/'] });
  readonly #status = new ChannelStatusController(this);
  readonly #alarms = new AlarmsController(this, { filter: () => ({ site: this.site }) });

  constructor() {
    super();
    this.site = '';
    this.siteDoc = undefined;
  }

  static override styles = [
    baseStyles,
    severityStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-large); }
      .summary { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small) var(--sl-spacing-large); color: var(--fl-text-muted); }
      article { display: grid; gap: var(--sl-spacing-small); align-content: start; }
      article h3 a { color: var(--fl-text); text-decoration: none; display: inline-flex; align-items: center; min-height: var(--fl-touch); }
      article h3 a:hover { text-decoration: underline; }
      .type { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
      .states { display: flex; gap: var(--sl-spacing-x-small); flex-wrap: wrap; }
      dl { display: grid; grid-template-columns: 1fr auto; gap: var(--sl-spacing-2x-small) var(--sl-spacing-small); margin: 0; font-size: var(--sl-font-size-small); }
      dt { color: var(--fl-text-muted); }
      dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: var(--sl-font-weight-semibold); text-align: end; }
      ul.tree { list-style: none; margin: 0; padding: 0; border-top: 1px solid var(--fl-border); }
      ul.tree li a { display: flex; justify-content: space-between; gap: var(--sl-spacing-small); align-items: center; min-height: var(--fl-touch); color: var(--fl-link); }
      ul.tree li a { text-decoration: none; }
      ul.tree li a span:first-child { text-decoration: underline; text-underline-offset: 0.15em; }
      ul.tree .child-type { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('site')) {
      void this.#loadSite();
      this.#assets.refreshIfChanged();
      this.#channels.refreshIfChanged();
    }
  }

  async #loadSite(): Promise<void> {
    const storage = this.#storage.value;
    if (!storage || !this.site) return;
    const site = this.site;
    try {
      const doc = (await storage.get(site)) as unknown as SiteDoc;
      if (site !== this.site) return;
      this.siteDoc = doc;
      this.dispatchEvent(new CustomEvent('fl-title', { detail: { title: doc.title, trail: [{ label: 'Sites', href: hrefOf('sites') }] }, bubbles: true, composed: true }));
    } catch {
      if (site === this.site) this.siteDoc = null;
    }
  }

  #values(channels: Channel[]) {
    if (channels.length === 0) return html`<p class="muted small">No channels yet.</p>`;
    return html`<dl>
      ${channels.map((channel) => {
        const status: ChannelStatus | undefined = this.#status.status.get(channel.array);
        return html`<dt>${channel.title}</dt>
          <dd data-array=${channel.array}>${status?.state === 'loading' || !status ? '…' : formatValue(status.last?.value, channel.unit)}</dd>`;
      })}
    </dl>`;
  }

  #tile(asset: Asset, index: number, tree: AssetTree<Asset>, byAsset: Map<string, Channel[]>) {
    const main = mainChannels(byAsset.get(asset.id) ?? []);
    const first = main[0];
    const spark = first ? this.#status.status.get(first.array)?.spark : undefined;
    const below = tree.descendants(asset.id);
    return html`<article class="panel" aria-labelledby="tile-${index}" data-asset=${asset.id}>
      <div>
        <h3 id="tile-${index}"><a href=${hrefOf('assets', asset.id)}>${asset.title}</a></h3>
        <span class="type">${humanize(asset.asset_type)}${asset.model ? ` · ${asset.make ? `${asset.make} ` : ''}${asset.model}` : ''}</span>
      </div>
      <div class="states">
        <sl-tag size="small" variant="neutral" data-health>Health: not assessed</sl-tag>
        ${alarmStateOfAssets(worstOpenAlarm(this.#alarms.all, new Set([asset.id, ...below.map((child) => child.id)]), Date.now()), asset.id)}
      </div>
      ${this.#values(main)}
      ${first ? html`<fl-sparkline .values=${spark ?? []} label="${first.title}, last 24 hours"></fl-sparkline>` : nothing}
      ${below.length > 0
        ? html`<ul class="tree" aria-label="Parts of ${asset.title}">
            ${below.map((child) => {
              const depth = tree.ancestry(child.id).length - tree.ancestry(asset.id).length - 1;
              return html`<li style="padding-inline-start: ${depth * 1}rem">
                <a href=${hrefOf('assets', child.id)}><span>${child.title}</span><span class="child-type">${humanize(child.asset_type)}</span></a>
              </li>`;
            })}
          </ul>`
        : nothing}
    </article>`;
  }

  override render() {
    if (!this.site) return html`<p>Choose a site from the list of sites.</p>`;
    if (this.siteDoc === null) return html`<p role="alert" class="error">This site is not on this device. It arrives with the next sync if you may see it.</p>`;
    const assets = this.#assets.docs;
    const channels = this.#channels.docs ?? [];
    const tree = assetTree(assets ?? []);
    const byAsset = new Map<string, Channel[]>();
    for (const channel of channels) {
      const list = byAsset.get(channel.asset);
      if (list) list.push(channel);
      else byAsset.set(channel.asset, [channel]);
    }
    const roots = tree.children(undefined);
    this.#status.watch(roots.flatMap((asset) => mainChannels(byAsset.get(asset.id) ?? []).map((channel) => channel.array)));
    const site = this.siteDoc;
    return html`
      ${site
        ? html`<div class="summary">
            <span>${formatKind(site.kind)}</span>
            ${site.location?.label ? html`<span><sl-icon name="geo-alt" aria-hidden="true"></sl-icon> ${site.location.label}</span>` : nothing}
            <span>${assets ? `${assets.length} assets` : ''}</span>
            ${site.simulated ? html`<sl-tag size="small" variant="warning">Simulated data</sl-tag>` : nothing}
          </div>
          ${site.description ? html`<p>${site.description}</p>` : nothing}`
        : nothing}
      <section aria-labelledby="assets-heading" class="stack">
        <h3 id="assets-heading">Assets</h3>
        ${this.#assets.error ? html`<p role="alert" class="error">${this.#assets.error}</p>` : nothing}
        ${!assets
          ? html`<p class="muted"><sl-spinner></sl-spinner> Reading the assets…</p>`
          : roots.length === 0
            ? html`<p class="muted">No assets at this site yet.</p>`
            : html`<div class="tiles">${roots.map((asset, index) => this.#tile(asset, index, tree, byAsset))}</div>`}
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-site': FlSite;
  }
}
