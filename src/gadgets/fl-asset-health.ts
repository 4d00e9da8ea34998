import { LitElement, css, html, nothing } from 'lit';
import { DocsController, isShownHealth, whereEquals } from '../controllers';
import type { AssetHealthDoc, AssetHealthReasonKind } from '../core';
import { baseStyles } from './design/styles';
import { formatTime } from './alarm-format';
import { healthChip, healthStyles, reasonHref } from './health-format';

const kindLabels: Readonly<Record<AssetHealthReasonKind, string>> = { alarm: 'Alarm', anomaly: 'Anomaly', rul: 'Remaining life', degradation: 'Degradation' };
const kindIcons: Readonly<Record<AssetHealthReasonKind, string>> = { alarm: 'bell', anomaly: 'heart-pulse', rul: 'graph-up', degradation: 'graph-up-arrow' };

/**
 * An asset's health card: its score (0–100), its level (chip: icon and word), the top reason in
 * words and every reason with the points it took off, each linking to what it is about (the
 * alarm, the channel of an anomaly score, the page with the prediction's or degradation's
 * chart; on that page the link scrolls to the chart instead). From the asset's `asset_health/…`
 * document on this device (offline too), listed again after a sync and when the server says it
 * changed. Gadget methods: property `asset` (the asset's id).
 */
export class FlAssetHealth extends LitElement {
  static override properties = { asset: { type: String } };

  declare asset: string;

  readonly #health = new DocsController<AssetHealthDoc>(this, { query: () => (this.asset ? `type:asset_health AND ${whereEquals('asset', this.asset)}` : undefined), prefixes: ['asset_health/'], sortOn: 'asset' });

  constructor() {
    super();
    this.asset = '';
  }

  static override styles = [
    baseStyles,
    healthStyles,
    css`
      :host { display: block; }
      .card { display: grid; gap: var(--sl-spacing-small); padding: var(--sl-spacing-medium); background: var(--fl-surface); border: 1px solid var(--fl-border); border-radius: var(--fl-radius); }
      .head { display: flex; flex-wrap: wrap; align-items: center; gap: var(--sl-spacing-small) var(--sl-spacing-medium); }
      .score { font-size: var(--sl-font-size-2x-large); font-weight: var(--sl-font-weight-semibold); font-variant-numeric: tabular-nums; line-height: 1; }
      .score small { font-size: var(--sl-font-size-medium); color: var(--fl-text-muted); font-weight: normal; }
      .explanation { margin: 0; }
      ul { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--sl-spacing-2x-small); }
      li { display: grid; grid-template-columns: 1.5rem 1fr auto; gap: var(--sl-spacing-x-small); align-items: center; min-height: var(--fl-touch); }
      li sl-icon { color: var(--fl-text-muted); }
      li a, li .text { display: inline-flex; align-items: center; min-height: var(--fl-touch); }
      .penalty { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); font-variant-numeric: tabular-nums; white-space: nowrap; }
      .when { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); margin: 0; }
    `,
  ];

  /** A link to a chart drawn on this page (the prediction or degradation) scrolls to it instead of routing. */
  #follow(event: Event, ref: string | undefined): void {
    if (!ref) return;
    const root = this.getRootNode() as ShadowRoot | Document;
    const target = root.querySelector?.(`[data-ref="${CSS.escape(ref)}"]`);
    if (!target) return;
    event.preventDefault();
    target.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }

  override render() {
    if (this.#health.error) return html`<p role="alert" class="error">The asset's health could not be read: ${this.#health.error}</p>`;
    const docs = this.#health.docs;
    if (!docs) return html`<p class="muted"><sl-spinner></sl-spinner> Reading the asset's health…</p>`;
    const doc = docs.find(isShownHealth);
    if (!doc) return html`<p class="muted" data-empty>Not assessed yet: the server assesses every asset from its alarms, anomaly scores, predicted remaining life and degradation, and the assessment arrives with the next sync.</p>`;
    const reasons = Array.isArray(doc.reasons) ? [...doc.reasons].filter((reason) => reason && typeof reason.text === 'string').sort((a, b) => (b.penalty ?? 0) - (a.penalty ?? 0)) : [];
    return html`<div class="card" data-level=${doc.level}>
      <div class="head">
        <span class="score" data-score>${Math.round(doc.score)}<small> / 100</small></span>
        ${healthChip(doc.level)}
        <p class="explanation" data-explanation>${doc.explanation}</p>
      </div>
      ${reasons.length > 0
        ? html`<ul aria-label="Reasons">
            ${reasons.map((reason) => {
              const href = reasonHref(reason);
              const kind = kindLabels[reason.kind] ? reason.kind : 'alarm';
              return html`<li data-kind=${reason.kind}>
                <sl-icon name=${kindIcons[kind]} label=${kindLabels[kind]}></sl-icon>
                ${href ? html`<a href=${href} data-reason-ref=${reason.ref ?? ''} @click=${(event: Event) => this.#follow(event, reason.ref)}>${reason.text}</a>` : html`<span class="text">${reason.text}</span>`}
                <span class="penalty">${Number.isFinite(reason.penalty) ? html`−${Math.round(reason.penalty)} pts` : nothing}</span>
              </li>`;
            })}
          </ul>`
        : nothing}
      <p class="when">Assessed ${formatTime(doc.computed_at)}</p>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-asset-health': FlAssetHealth;
  }
}
