import { css, html, nothing, unsafeCSS, type PropertyValues } from 'lit';
import type uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';
import { hrefOf, type Listed } from '../controllers';
import { rulChannelIds, type PredictionDoc } from '../core';
import { formatDay, formatNumber, rulInWords } from './health-format';
import { HealthChart } from './health-chart';
import { themeColour, themeFill, timePlotOptions } from './health-plot';

const MODEL_PREFIX = 'prediction_model/';
const trendWords: Readonly<Record<string, string>> = { rising: 'rising', falling: 'falling', steady: 'steady' };

/**
 * One part's remaining useful life over time: the estimate (line, days) with its interval's low
 * and high bounds as a filled band, and the lead time (when RUL falls to it, a work order is
 * proposed) as a dashed horizontal line; above the plot, the latest estimate in words ("fails in
 * 23 days (17–31), around 24 Dec"), what drives it and the proposed work order. The series are
 * the prediction's derived channels (`array/prediction/<slug>/<asset path>/rul|rul_low|rul_high`),
 * read with the shared series builder from `storage` (the server's when online) or this device's
 * (pinned copies, offline). Gadget methods: properties `prediction` (the prediction document with
 * its id), `partTitle`, `leadDays` (optional), `storage` (optional); `plot` (read only: the uPlot
 * instance, for tests and tools); attributes `data-points` and `data-lead`.
 */
export class FlRulChart extends HealthChart {
  static override properties = { prediction: { attribute: false }, partTitle: { type: String }, leadDays: { type: Number } };

  declare prediction: Listed<PredictionDoc> | undefined;
  declare partTitle: string;
  /** The model's lead time in days (no line without it). */
  declare leadDays: number | undefined;

  constructor() {
    super();
    this.prediction = undefined;
    this.partTitle = '';
    this.leadDays = undefined;
  }

  static override styles = [
    unsafeCSS(uPlotCss),
    css`
      :host { display: grid; gap: var(--sl-spacing-x-small); background: var(--fl-surface); color: var(--fl-text); border: 1px solid var(--fl-border); border-radius: var(--fl-radius); padding: var(--sl-spacing-small); }
      header { display: grid; gap: var(--sl-spacing-3x-small); }
      .words { font-size: var(--sl-font-size-large); font-weight: var(--sl-font-weight-semibold); margin: 0; }
      .meta { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); margin: 0; }
      .meta a { color: var(--fl-link); display: inline-flex; align-items: center; min-height: var(--fl-touch); }
      .plot { min-height: 220px; }
      .error { color: var(--fl-danger); margin: 0; }
    `,
  ];

  /** The arrays drawn: the estimate, its low and its high bound. */
  protected override arrays(): string[] {
    const prediction = this.prediction;
    if (!prediction || typeof prediction.model !== 'string' || !prediction.model.startsWith(MODEL_PREFIX)) return [];
    const { arrays } = rulChannelIds(prediction.model.slice(MODEL_PREFIX.length), prediction.asset);
    return [arrays.rul, arrays.low, arrays.high];
  }

  protected override rereads(changed: PropertyValues<this>): boolean {
    return changed.has('prediction');
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const lead = this.leadDays !== undefined && Number.isFinite(this.leadDays) && this.leadDays > 0 ? this.leadDays : undefined;
    this.dataset.lead = lead === undefined ? '' : String(lead);
    this.drawIfChanged(
      [lead],
      ([x, rul, low, high]) => [x, high!, low!, rul!, Array.from(x, () => lead ?? null)] as unknown as uPlot.AlignedData,
      (width, height) => this.#options(width, height, lead),
    );
  }

  #options(width: number, height: number, lead: number | undefined): uPlot.Options {
    const danger = themeColour(this, '--fl-severity-high', '#c2410c');
    const primary = themeColour(this, '--sl-color-primary-600', '#0f4c5c');
    return timePlotOptions(
      this,
      width,
      height,
      'days',
      [
        { label: 'High (90 %)', stroke: themeFill(this, '--sl-color-primary-600', '#0f4c5c', 0.5), width: 1, value: (_plot, value) => (value == null ? '—' : `${formatNumber(value)} d`) },
        { label: 'Low (90 %)', stroke: themeFill(this, '--sl-color-primary-600', '#0f4c5c', 0.5), width: 1, value: (_plot, value) => (value == null ? '—' : `${formatNumber(value)} d`) },
        { label: 'Remaining useful life', stroke: primary, width: 2, value: (_plot, value) => (value == null ? '—' : `${formatNumber(value)} d`) },
        { label: lead === undefined ? 'Lead time' : `Lead time (${formatNumber(lead)} d)`, stroke: danger, width: 1.5, dash: [6, 4], points: { show: false }, value: (_plot, value) => (value == null ? '—' : `${formatNumber(value)} d`) },
      ],
      {
        bands: [{ series: [1, 2], fill: themeFill(this, '--sl-color-primary-600', '#0f4c5c', 0.18) }],
        scales: { x: { time: true }, y: { range: (_plot, _min, max) => [0, Math.max(1, max, lead ?? 0) * 1.05] } },
      },
    );
  }

  #evidence(prediction: PredictionDoc) {
    const evidence = Array.isArray(prediction.evidence) ? prediction.evidence.filter((item) => item && typeof item.title === 'string').slice(0, 3) : [];
    if (evidence.length === 0) return nothing;
    return html`<p class="meta" data-evidence>Driven by ${evidence.map((item, index) => html`${index > 0 ? ', ' : ''}${item.title} ${trendWords[item.trend] ?? ''}${Number.isFinite(item.share) ? ` (${Math.round(item.share * 100)} %)` : ''}`)}</p>`;
  }

  override render() {
    const prediction = this.prediction;
    if (!prediction) return nothing;
    const valid = [prediction.failure_at, prediction.failure_low, prediction.failure_high].every(Number.isFinite);
    return html`<header>
        <p class="words" data-words>${this.partTitle ? `${this.partTitle}: ` : ''}${valid ? rulInWords(prediction) : 'no estimate'}</p>
        <p class="meta">
          Estimated from data up to ${Number.isFinite(prediction.at) ? formatDay(prediction.at) : '—'}, ${Number.isFinite(prediction.level) ? `${Math.round(prediction.level * 100)} %` : ''} interval
          shaded${this.leadDays !== undefined ? html`; a work order is proposed when it falls to the lead time of ${formatNumber(this.leadDays)} days (dashed)` : html`; the model's lead time is not on this device`}.
          ${prediction.work_order ? html`<a href=${hrefOf('work-orders', prediction.work_order)} data-work-order>Proposed work order</a>` : nothing}
        </p>
        ${this.#evidence(prediction)}
      </header>
      ${this.series.error ? html`<p class="error" role="alert">${this.series.error}</p>` : nothing}
      <div class="plot"></div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-rul-chart': FlRulChart;
  }
}
