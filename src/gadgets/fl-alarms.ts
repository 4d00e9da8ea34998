import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import '@lit-labs/virtualizer';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import type SlSwitch from '@shoelace-style/shoelace/dist/components/switch/switch.js';
import { AlarmsController, DocsController, hrefOf, isHidden, type AlarmFilter, type AlarmRow, type AlarmStateFilter, type Listed } from '../controllers';
import { assetTree, severities, type AssetDoc, type ChannelDoc, type Severity, type SiteDoc } from '../core';
import { baseStyles } from './design/styles';
import { formatTime, severityChip, severityLabels, severityStyles, stateLabels, stateShort } from './alarm-format';

/** Above this many rows the list is virtualized (only what is on screen is in the DOM). */
const VIRTUALIZE_FROM = 50;

const stateChoices: ReadonlyArray<[AlarmStateFilter, string]> = [
  ['open', 'Open (not normal)'],
  ['active_unacked', stateLabels.active_unacked],
  ['active_acked', stateLabels.active_acked],
  ['cleared_unacked', stateLabels.cleared_unacked],
  ['normal', 'Normal (closed)'],
  ['any', 'Any state'],
];

/** The filter a link asks for: `#/alarms?site=…&asset=…&severity=…&state=…`. */
function filterOfHash(hash: string): { site: string; asset: string; severity: string; state: string } {
  const query = new URLSearchParams(hash.split('?')[1] ?? '');
  return { site: query.get('site') ?? '', asset: query.get('asset') ?? '', severity: query.get('severity') ?? '', state: query.get('state') ?? '' };
}

/**
 * The alarms on this device (a technician's sites), live, most urgent first: one compact row each
 * with severity (colour, icon and word), state, asset and channel titles, when it was raised and
 * how often it activated; each row opens the alarm. Filters: site, asset (with its parts),
 * severity, state (open by default); shelved and out-of-service alarms are hidden unless the
 * switch shows them. Works offline: actions taken here show at once, marked "not synced".
 * Gadget methods: a link may preset the filters (`#/alarms?asset=asset%2F…`).
 */
export class FlAlarms extends LitElement {
  static override properties = { site: { state: true }, asset: { state: true }, severity: { state: true }, state: { state: true }, showHidden: { state: true } };

  declare site: string;
  declare asset: string;
  declare severity: Severity | '';
  declare state: AlarmStateFilter;
  declare showHidden: boolean;

  readonly #sites = new DocsController<SiteDoc>(this, { query: () => 'type:site', prefixes: ['site/'] });
  readonly #assets = new DocsController<AssetDoc>(this, { query: () => 'type:asset', prefixes: ['asset/'] });
  readonly #channels = new DocsController<ChannelDoc>(this, { query: () => 'type:channel', prefixes: ['channel/'] });
  readonly #alarms = new AlarmsController(this, { filter: () => this.#filter() });

  constructor() {
    super();
    this.site = '';
    this.asset = '';
    this.severity = '';
    this.state = 'open';
    this.showHidden = false;
  }

  static override styles = [
    baseStyles,
    severityStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-medium); }
      .filters { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small) var(--sl-spacing-medium); align-items: end; }
      .filters sl-select { min-width: 11rem; flex: 1 1 11rem; max-width: 18rem; }
      .filters sl-switch { min-height: var(--fl-touch); display: inline-flex; align-items: center; }
      .count { color: var(--fl-text-muted); }
      ul.list { list-style: none; margin: 0; padding: 0; }
      lit-virtualizer { width: 100%; }
      .list { border: 1px solid var(--fl-border); border-radius: var(--fl-radius); background: var(--fl-surface); overflow: hidden; }
      a.alarm {
        display: grid; grid-template-columns: 7rem 1fr auto; gap: var(--sl-spacing-2x-small) var(--sl-spacing-medium); align-items: center;
        min-height: var(--fl-touch); padding: var(--sl-spacing-x-small) var(--sl-spacing-medium); box-sizing: border-box; width: 100%;
        color: var(--fl-text); text-decoration: none; border-bottom: 1px solid var(--fl-border);
      }
      a.alarm:hover { background: var(--sl-color-neutral-100); }
      a.alarm[data-state='normal'] .what { font-weight: normal; }
      .what { font-weight: var(--sl-font-weight-semibold); overflow-wrap: anywhere; }
      .where { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
      .when { text-align: end; font-size: var(--sl-font-size-small); color: var(--fl-text-muted); white-space: nowrap; }
      .body { display: grid; gap: var(--sl-spacing-3x-small); }
      .state { font-size: var(--sl-font-size-small); font-weight: var(--sl-font-weight-semibold); }
      .flags { display: flex; gap: var(--sl-spacing-x-small); flex-wrap: wrap; align-items: center; }
      @media (max-width: 600px) {
        a.alarm { grid-template-columns: 1fr auto; }
        a.alarm .when { grid-column: 1 / -1; text-align: start; }
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.#readHash();
    window.addEventListener('hashchange', this.#readHash);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.#readHash);
  }

  readonly #readHash = (): void => {
    if (!location.hash.startsWith('#/alarms')) return;
    const wanted = filterOfHash(location.hash);
    this.site = wanted.site;
    this.asset = wanted.asset;
    this.severity = severities.includes(wanted.severity as Severity) ? (wanted.severity as Severity) : '';
    this.state = stateChoices.some(([value]) => value === wanted.state) ? (wanted.state as AlarmStateFilter) : 'open';
  };

  protected override willUpdate(changed: PropertyValues<this>): void {
    // An asset link names no site: the asset's own site is the one chosen.
    if ((changed.has('asset') || changed.has('site')) && this.asset && !this.site) {
      const asset = this.#assets.docs?.find((doc) => doc.id === this.asset);
      if (asset) this.site = asset.site;
    }
  }

  #filter(): AlarmFilter {
    const assets = this.#assets.docs ?? [];
    let chosen: Set<string> | undefined;
    if (this.asset) {
      const tree = assetTree(assets);
      chosen = new Set([this.asset, ...tree.descendants(this.asset).map((asset) => asset.id)]);
    }
    return {
      ...(this.site ? { site: this.site } : {}),
      ...(chosen ? { assets: chosen } : {}),
      ...(this.severity ? { severity: this.severity } : {}),
      state: this.state,
      showHidden: this.showHidden,
    };
  }

  #title(id: string, docs: ReadonlyArray<Listed<{ title?: string }>> | undefined, fallback: string): string {
    return docs?.find((doc) => doc.id === id)?.title ?? fallback;
  }

  readonly #row = (row: AlarmRow) => {
    const now = Date.now();
    const asset = this.#title(row.asset, this.#assets.docs, 'Asset not on this device');
    const channel = this.#title(row.channel, this.#channels.docs, '');
    const shelved = row.shelved && row.shelved.until > now;
    return html`<a class="alarm" href=${hrefOf('alarms', row.id)} data-alarm=${row.id} data-severity=${row.severity} data-state=${row.state}>
      ${severityChip(row.severity)}
      <span class="body">
        <span class="what">${row.message || row.rule_title}</span>
        <span class="where">${asset}${channel ? ` · ${channel}` : ''}</span>
        <span class="flags">
          <span class="state" data-state-label>${stateShort[row.state]}</span>
          ${shelved ? html`<sl-tag size="small" variant="neutral"><sl-icon name="bell-slash" aria-hidden="true"></sl-icon>&nbsp;Shelved</sl-tag>` : nothing}
          ${row.out_of_service ? html`<sl-tag size="small" variant="neutral"><sl-icon name="slash-circle" aria-hidden="true"></sl-icon>&nbsp;Out of service</sl-tag>` : nothing}
          ${row.pending > 0 ? html`<sl-tag size="small" variant="warning" data-pending>Not synced yet</sl-tag>` : nothing}
          ${row.provisional ? html`<sl-tag size="small" variant="warning">Raised on this device</sl-tag>` : nothing}
        </span>
      </span>
      <span class="when">${formatTime(row.raised_at)}${row.count > 1 ? html`<br /><span data-count>${row.count}× active</span>` : nothing}</span>
    </a>`;
  };

  #filters() {
    const sites = this.#sites.docs ?? [];
    const assets = (this.#assets.docs ?? []).filter((asset) => !this.site || asset.site === this.site);
    return html`<div class="filters" role="group" aria-label="Filter alarms">
      <sl-select label="Site" clearable placeholder="Every site" value=${this.site} @sl-change=${(event: Event) => ((this.site = (event.target as SlSelect).value as string), (this.asset = ''))}>
        ${sites.map((site) => html`<sl-option value=${site.id}>${site.title}</sl-option>`)}
      </sl-select>
      <sl-select label="Asset" clearable placeholder="Every asset" value=${this.asset} @sl-change=${(event: Event) => (this.asset = (event.target as SlSelect).value as string)}>
        ${assets.map((asset) => html`<sl-option value=${asset.id}>${asset.title}</sl-option>`)}
      </sl-select>
      <sl-select label="Severity" clearable placeholder="Every severity" value=${this.severity} @sl-change=${(event: Event) => (this.severity = (event.target as SlSelect).value as Severity | '')}>
        ${[...severities].reverse().map((severity) => html`<sl-option value=${severity}>${severityLabels[severity]}</sl-option>`)}
      </sl-select>
      <sl-select label="State" value=${this.state} @sl-change=${(event: Event) => (this.state = ((event.target as SlSelect).value as AlarmStateFilter) || 'open')}>
        ${stateChoices.map(([value, label]) => html`<sl-option value=${value}>${label}</sl-option>`)}
      </sl-select>
      <sl-switch ?checked=${this.showHidden} @sl-change=${(event: Event) => (this.showHidden = (event.target as SlSwitch).checked)}>Show shelved and out of service</sl-switch>
    </div>`;
  }

  override render() {
    const alarms = this.#alarms;
    const shown = alarms.shown;
    const now = Date.now();
    const hidden = this.showHidden ? 0 : alarms.all.filter((row) => isHidden(row, now)).length;
    let list;
    if (!alarms.loaded) list = alarms.error ? nothing : html`<p class="muted"><sl-spinner></sl-spinner> Reading the alarms…</p>`;
    else if (shown.length === 0) list = html`<p class="muted" data-empty>No alarms match. ${alarms.all.length === 0 ? 'Alarms of your sites arrive with the sync.' : ''}</p>`;
    else if (shown.length > VIRTUALIZE_FROM)
      list = html`<lit-virtualizer class="list" role="list" aria-label="Alarms" .items=${shown} .renderItem=${(row: AlarmRow) => html`<div role="listitem" style="width:100%">${this.#row(row)}</div>`}></lit-virtualizer>`;
    else list = html`<ul class="list" aria-label="Alarms">${shown.map((row) => html`<li>${this.#row(row)}</li>`)}</ul>`;
    return html`
      ${this.#filters()}
      ${alarms.error ? html`<p role="alert" class="error">${alarms.error}</p>` : nothing}
      <p class="count" role="status" data-shown=${shown.length}>${shown.length === 1 ? '1 alarm' : `${shown.length} alarms`}${hidden > 0 ? ` · ${hidden} shelved or out of service hidden` : ''}</p>
      ${list}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-alarms': FlAlarms;
  }
}
