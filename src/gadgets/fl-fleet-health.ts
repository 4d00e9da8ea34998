import { LitElement, css, html, nothing } from 'lit';
import '@lit-labs/virtualizer';
import { DocsController, countLevels, hrefOf, rankHealth, type Listed } from '../controllers';
import { assetHealthLevelLabels, assetHealthLevels, type AssetDoc, type AssetHealthDoc } from '../core';
import { baseStyles } from './design/styles';
import { healthChip, healthStyles } from './health-format';

/** Rows shown before "Show all": the worst of the fleet fit on a tablet's first screen. */
const FIRST_ROWS = 8;

type Ranked = Listed<AssetHealthDoc>;

/**
 * The fleet's assets by risk, worst first: each with its health level (chip: icon and word), its
 * score, the top reason in words, its site and title, and a link to the asset. From the
 * `asset_health/…` documents on this device (offline too; a technician has their sites' only),
 * listed again after a sync and when the server says one changed. The worst few first, "Show all"
 * for the rest (virtualized: a fleet of thousands scrolls smoothly). Gadget methods: property
 * `siteTitles` (site id → title, from the list of sites around it); `reload()`.
 */
export class FlFleetHealth extends LitElement {
  static override properties = { siteTitles: { attribute: false }, all: { state: true } };

  /** Site titles by id (the sites page has them listed already). */
  declare siteTitles: ReadonlyMap<string, string>;
  /** Every ranked asset is listed (after "Show all"). */
  declare all: boolean;

  readonly #health = new DocsController<AssetHealthDoc>(this, { query: () => 'type:asset_health', prefixes: ['asset_health/'], sortOn: 'asset' });
  readonly #assets = new DocsController<AssetDoc>(this, { query: () => 'type:asset', prefixes: ['asset/'] });

  constructor() {
    super();
    this.siteTitles = new Map();
    this.all = false;
  }

  static override styles = [
    baseStyles,
    healthStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-small); }
      .summary { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-x-small) var(--sl-spacing-medium); margin: 0; color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
      lit-virtualizer { width: 100%; }
      a.asset {
        display: grid; grid-template-columns: 6.5rem 3.5rem 1fr auto; gap: var(--sl-spacing-small) var(--sl-spacing-medium); align-items: center;
        min-height: var(--fl-touch); box-sizing: border-box; width: 100%;
        padding: var(--sl-spacing-x-small) var(--sl-spacing-medium); margin-block-end: var(--sl-spacing-x-small);
        background: var(--fl-surface); border: 1px solid var(--fl-border); border-radius: var(--fl-radius);
        color: var(--fl-text); text-decoration: none;
      }
      a.asset:hover { border-color: var(--sl-color-primary-600); }
      a.asset:focus-visible { outline: var(--sl-focus-ring); outline-offset: var(--sl-focus-ring-offset); }
      .score { font-variant-numeric: tabular-nums; font-weight: var(--sl-font-weight-semibold); text-align: end; }
      .score small { color: var(--fl-text-muted); font-weight: normal; }
      .what { display: grid; min-width: 0; }
      .title { font-weight: var(--sl-font-weight-semibold); }
      .title .site { color: var(--fl-text-muted); font-weight: normal; }
      .explanation { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); overflow-wrap: anywhere; }
      a.asset > sl-icon { color: var(--fl-text-muted); }
      a.asset > .health { justify-self: start; }
      sl-button { justify-self: start; }
    `,
  ];

  /** Lists the assessments again (the sites page calls it after a sign-in). */
  reload(): Promise<void> {
    return Promise.all([this.#health.reload(), this.#assets.reload()]).then(() => undefined);
  }

  #row(doc: Ranked, titles: ReadonlyMap<string, string>) {
    const site = this.siteTitles.get(doc.site);
    return html`<a class="asset" href=${hrefOf('assets', doc.asset)} data-asset=${doc.asset} data-level=${doc.level}>
      ${healthChip(doc.level)}
      <span class="score" data-score>${Math.round(doc.score)}<small>/100</small></span>
      <span class="what">
        <span class="title">${titles.get(doc.asset) ?? 'Untitled asset'}${site ? html`<span class="site"> · ${site}</span>` : nothing}</span>
        <span class="explanation">${doc.explanation}</span>
      </span>
      <sl-icon name="chevron-right" aria-hidden="true"></sl-icon>
    </a>`;
  }

  override render() {
    const docs = this.#health.docs;
    if (this.#health.error) return html`<p role="alert" class="error">The assets' health could not be read: ${this.#health.error}</p>`;
    if (!docs) return html`<p class="muted"><sl-spinner></sl-spinner> Reading the assets' health…</p>`;
    const ranked = rankHealth(docs);
    if (ranked.length === 0) {
      return html`<p class="muted" data-empty>No health assessments on this device yet. The server assesses every asset from its open alarms, anomaly scores, predicted remaining life and degradation; the assessments arrive with the next sync.</p>`;
    }
    const titles = new Map((this.#assets.docs ?? []).map((asset) => [asset.id, asset.title]));
    const counts = countLevels(ranked);
    const shown = this.all ? ranked : ranked.slice(0, FIRST_ROWS);
    return html`<p class="summary" data-summary>
        ${[...assetHealthLevels]
          .reverse()
          .filter((level) => counts[level] > 0)
          .map((level) => `${counts[level]} ${assetHealthLevelLabels[level].toLowerCase()}`)
          .join(' · ')}
      </p>
      <lit-virtualizer role="list" aria-label="Assets by risk, worst first" .items=${shown} .renderItem=${(doc: Ranked) => html`<div role="listitem" style="width:100%">${this.#row(doc, titles)}</div>`}></lit-virtualizer>
      ${ranked.length > shown.length ? html`<sl-button data-show-all @click=${() => (this.all = true)}>Show all ${ranked.length} assets</sl-button>` : nothing}
      ${this.all && ranked.length > FIRST_ROWS ? html`<sl-button data-show-fewer @click=${() => (this.all = false)}>Show the worst ${FIRST_ROWS} only</sl-button>` : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-fleet-health': FlFleetHealth;
  }
}
