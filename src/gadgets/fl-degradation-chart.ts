import { css, html, nothing, unsafeCSS, type PropertyValues } from 'lit';
import type uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';
import { degradationTrend, type Listed } from '../controllers';
import { degradationArrayId, type DegradationDoc } from '../core';
import { formatDay, formatNumber, rateInWords } from './health-format';
import { HealthChart } from './health-chart';
import { themeColour, themeFill, timePlotOptions } from './health-plot';

const indicatorWords: Readonly<Record<string, string>> = {
  performance_ratio: 'temperature-corrected performance ratio',
  power_curve_residual: 'power against the power curve',
};

/**
 * An asset's long-term degradation: its daily normalised indicator (points, from the derived
 * channel `array/degradation/<asset path>/indicator`) with the trend line of the degradation
 * document's rate and the band between its confidence interval's bounds, and the rate in words
 * ("−0.9 %/yr (−1.1 to −0.7), year on year over 1 040 days"). Read with the shared series
 * builder from `storage` (the server's when online) or this device's (pinned copies, offline).
 * Gadget methods: properties `degradation` (the document with its id), `storage` (optional);
 * `plot` (read only: the uPlot instance); attribute `data-points`.
 */
export class FlDegradationChart extends HealthChart {
  static override properties = { degradation: { attribute: false } };

  declare degradation: Listed<DegradationDoc> | undefined;

  constructor() {
    super();
    this.degradation = undefined;
  }

  static override styles = [
    unsafeCSS(uPlotCss),
    css`
      :host { display: grid; gap: var(--sl-spacing-x-small); background: var(--fl-surface); color: var(--fl-text); border: 1px solid var(--fl-border); border-radius: var(--fl-radius); padding: var(--sl-spacing-small); }
      header { display: grid; gap: var(--sl-spacing-3x-small); }
      .words { font-size: var(--sl-font-size-large); font-weight: var(--sl-font-weight-semibold); margin: 0; }
      .meta { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); margin: 0; }
      .plot { min-height: 220px; }
      .error { color: var(--fl-danger); margin: 0; }
    `,
  ];

  protected override arrays(): string[] {
    const asset = this.degradation?.asset;
    return typeof asset === 'string' ? [degradationArrayId(asset)] : [];
  }

  protected override rereads(changed: PropertyValues<this>): boolean {
    return changed.has('degradation');
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const doc = this.degradation;
    if (!doc) return;
    this.drawIfChanged(
      [doc],
      ([x, indicator]) => {
        const trend = degradationTrend(doc, Array.from(x, (seconds) => seconds * 1000), indicator!);
        const none = () => Array.from(x, () => null);
        return [x, indicator!, trend ? Array.from(trend.high) : none(), trend ? Array.from(trend.low) : none(), trend ? Array.from(trend.trend) : none()] as unknown as uPlot.AlignedData;
      },
      (width, height) => this.#options(width, height, doc),
    );
  }

  #options(width: number, height: number, doc: DegradationDoc): uPlot.Options {
    const primary = themeColour(this, '--sl-color-primary-600', '#0f4c5c');
    const trendColour = themeColour(this, '--fl-severity-high', '#c2410c');
    const value = (_plot: uPlot, raw: number | null) => (raw == null ? '—' : formatNumber(raw, 3));
    return timePlotOptions(
      this,
      width,
      height,
      'normalised',
      [
        { label: 'Daily indicator', stroke: primary, paths: () => null, points: { show: true, size: 4, width: 1, stroke: primary, fill: themeFill(this, '--sl-color-primary-600', '#0f4c5c', 0.6) }, value },
        { label: `High (${Math.round((doc.confidence || 0.95) * 100)} %)`, stroke: themeFill(this, '--fl-severity-high', '#c2410c', 0.4), width: 1, points: { show: false }, value },
        { label: `Low (${Math.round((doc.confidence || 0.95) * 100)} %)`, stroke: themeFill(this, '--fl-severity-high', '#c2410c', 0.4), width: 1, points: { show: false }, value },
        { label: 'Trend', stroke: trendColour, width: 2, points: { show: false }, value },
      ],
      { bands: [{ series: [2, 3], fill: themeFill(this, '--fl-severity-high', '#c2410c', 0.16) }] },
    );
  }

  override render() {
    const doc = this.degradation;
    if (!doc) return nothing;
    const valid = [doc.rate_pct_per_year, doc.ci_low, doc.ci_high, doc.days_used].every(Number.isFinite);
    return html`<header>
        <p class="words" data-words>${valid ? rateInWords(doc) : 'no estimate'}</p>
        <p class="meta">
          ${indicatorWords[doc.indicator] ? `The ${indicatorWords[doc.indicator]}, one point a day` : 'One point a day'}, from ${Number.isFinite(doc.from) ? formatDay(doc.from) : '—'} to
          ${Number.isFinite(doc.to) ? formatDay(doc.to) : '—'}; the trend line at the estimated rate, shaded between its
          ${Math.round((doc.confidence || 0.95) * 100)} % confidence bounds.
        </p>
      </header>
      ${this.series.error ? html`<p class="error" role="alert">${this.series.error}</p>` : nothing}
      <div class="plot"></div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-degradation-chart': FlDegradationChart;
  }
}
