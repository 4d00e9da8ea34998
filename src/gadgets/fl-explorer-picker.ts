import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type SlInput from '@shoelace-style/shoelace/dist/components/input/input.js';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import { catalogTree, channelsBelow, searchCatalog, type Catalog, type CatalogAssetNode, type CatalogChannel, type CatalogSiteNode, type ServerCatalogState } from '../controllers/explorer/channel-catalog';
import { baseStyles, controlStyles } from './design/styles';

/** At most this many matches are drawn for a search (a one-letter search over a big fleet stays quick). */
const MAX_MATCHES = 150;

/** What a pick asks for: the channel, and the panel (index) to add it to, or null for a new panel. */
export interface ExplorerPick {
  channel: string;
  panel: number | null;
}

/**
 * The explorer's channel picker: a search box (every word must match the channel's title, unit,
 * field, asset or site) over the asset tree (site → asset → parts → channels), and where a chosen
 * channel goes (a panel or a new one). Properties: `catalog`, `server` (how the server's part
 * stands), `panels` (how many panels there are), `shown` (channel id → the panels showing it).
 * Fires `fl-explorer-pick` {channel, panel: number | null} (bubbles, composed).
 */
export class FlExplorerPicker extends LitElement {
  static override properties = {
    catalog: { attribute: false },
    server: { attribute: false },
    panels: { type: Number },
    shown: { attribute: false },
    search: { state: true },
    target: { state: true },
  };

  declare catalog: Catalog;
  declare server: ServerCatalogState;
  declare panels: number;
  declare shown: ReadonlyMap<string, readonly number[]>;
  declare search: string;
  /** 'new' or a panel index as text (sl-select values are strings). */
  declare target: string;

  /** Sites and assets opened (true) or closed (false) by hand; without a search the sites start open, assets closed. */
  readonly #opened = new Map<string, boolean>();

  constructor() {
    super();
    this.catalog = { channels: [], elsewhere: [], places: new Map() };
    this.server = 'none';
    this.panels = 0;
    this.shown = new Map();
    this.search = '';
    this.target = 'new';
  }

  static override styles = [
    baseStyles,
    controlStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-small); align-content: start; min-width: 0; }
      .tree { display: grid; gap: var(--sl-spacing-2x-small); }
      ul { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--sl-spacing-2x-small); }
      ul ul, details details, details ul { padding-inline-start: var(--sl-spacing-medium); }
      summary {
        min-height: var(--fl-touch); display: flex; align-items: center; gap: var(--sl-spacing-x-small);
        cursor: pointer; font-weight: var(--sl-font-weight-semibold); border-radius: var(--sl-border-radius-small);
      }
      summary::marker { content: ''; }
      summary::before { content: '▸'; color: var(--fl-text-muted); width: 1em; flex: none; }
      details[open] > summary::before { content: '▾'; }
      summary .count { font-weight: normal; }
      .site > summary { font-size: var(--sl-font-size-medium); }
      button.channel {
        width: 100%; justify-content: space-between; text-align: start; font-weight: normal;
        border-color: transparent; background: transparent; padding: var(--sl-spacing-2x-small) var(--sl-spacing-small);
      }
      button.channel:hover { background: var(--sl-color-neutral-100); }
      button.channel .name { overflow: hidden; text-overflow: ellipsis; }
      button.channel .where { display: block; font-size: var(--sl-font-size-small); color: var(--fl-text-muted); }
      button.channel .unit { flex: none; color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
      button.channel[data-shown] { background: var(--sl-color-primary-50); }
      .state { margin: 0; }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    // A panel went away: a target beyond the last panel falls back to a new panel.
    if (changed.has('panels') && this.target !== 'new' && Number(this.target) >= this.panels) this.target = 'new';
  }

  #pick(channel: CatalogChannel): void {
    const panel = this.target === 'new' ? null : Number(this.target);
    this.dispatchEvent(new CustomEvent<ExplorerPick>('fl-explorer-pick', { detail: { channel: channel.id, panel }, bubbles: true, composed: true }));
  }

  #channel(channel: CatalogChannel, where: boolean) {
    const panels = this.shown.get(channel.id) ?? [];
    const on = panels.length ? `, on panel ${panels.map((panel) => panel + 1).join(' and ')}` : '';
    return html`<li>
      <button class="channel" data-channel=${channel.id} ?data-shown=${panels.length > 0} aria-label="${channel.title}${channel.unit ? ` (${channel.unit})` : ''}, ${channel.assetTitle}${on}" @click=${() => this.#pick(channel)}>
        <span class="name">${channel.title}${where ? html`<span class="where">${channel.assetTitle} · ${channel.siteTitle}</span>` : nothing}</span>
        <span class="unit">${channel.unit}</span>
      </button>
    </li>`;
  }

  #toggle(key: string, event: Event): void {
    this.#opened.set(key, (event.target as HTMLDetailsElement).open);
    this.requestUpdate();
  }

  #asset(node: CatalogAssetNode, searching: boolean): unknown {
    const key = node.asset.id;
    const open = searching || (this.#opened.get(key) ?? false);
    const count = channelsBelow(node).length;
    return html`<details class="asset" data-asset=${key} ?open=${open} @toggle=${(event: Event) => this.#toggle(key, event)}>
      <summary>${node.asset.title} <span class="count muted small">${count}</span></summary>
      ${open
        ? html`${node.channels.length ? html`<ul>${node.channels.map((channel) => this.#channel(channel, false))}</ul>` : nothing}
          ${node.parts.map((part) => this.#asset(part, searching))}`
        : nothing}
    </details>`;
  }

  #site(node: CatalogSiteNode, searching: boolean) {
    const key = node.site.id;
    const open = searching || (this.#opened.get(key) ?? true);
    return html`<details class="site" data-site=${key} ?open=${open} @toggle=${(event: Event) => this.#toggle(key, event)}>
      <summary>${node.site.title}</summary>
      ${open
        ? html`${node.assets.map((asset) => this.#asset(asset, searching))}
          ${node.channels.length ? html`<ul>${node.channels.map((channel) => this.#channel(channel, false))}</ul>` : nothing}`
        : nothing}
    </details>`;
  }

  #serverNote() {
    switch (this.server) {
      case 'loading':
        return html`<p class="state muted small"><sl-spinner></sl-spinner> Asking the server for its channels…</p>`;
      case 'offline':
        return html`<p class="state muted small">Offline: the channels kept on this device.</p>`;
      case 'signed_out':
        return html`<p class="state muted small">Signed out: only the channels kept on this device. Sign in to see the server's.</p>`;
      case 'unreachable':
        return html`<p class="state muted small">The server is out of reach: the channels kept on this device.</p>`;
      case 'error':
        return html`<p class="state error small" role="alert">The server's channels could not be listed.</p>`;
      default:
        return nothing;
    }
  }

  override render() {
    const searching = this.search.trim() !== '';
    const matches = searchCatalog(this.catalog.channels, this.search);
    const drawn = matches.slice(0, MAX_MATCHES);
    const tree = catalogTree(this.catalog, drawn);
    let body;
    if (this.catalog.channels.length === 0) body = html`<p class="muted">No channels here yet.</p>`;
    else if (matches.length === 0) body = html`<p class="muted" role="status">No channel matches “${this.search.trim()}”.</p>`;
    else body = html`<div class="tree">${tree.map((site) => this.#site(site, searching))}</div>`;
    return html`
      <sl-input label="Search channels" type="search" clearable placeholder="e.g. T01 power, gearbox acc" .value=${this.search} @sl-input=${(event: Event) => (this.search = (event.target as SlInput).value)}></sl-input>
      <sl-select label="Add to" .value=${this.target} @sl-change=${(event: Event) => (this.target = String((event.target as SlSelect).value))}>
        ${Array.from({ length: this.panels }, (_, index) => html`<sl-option value=${String(index)}>Panel ${index + 1}</sl-option>`)}
        <sl-option value="new">A new panel</sl-option>
      </sl-select>
      ${this.#serverNote()}
      ${searching ? html`<p class="muted small" role="status">${matches.length} channel${matches.length === 1 ? '' : 's'}${matches.length > drawn.length ? `, the first ${drawn.length} shown: add words to narrow it` : ''}</p>` : nothing}
      ${body}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-explorer-picker': FlExplorerPicker;
  }
}
