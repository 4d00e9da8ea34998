import { LitElement, css, html, nothing, unsafeCSS, type PropertyValues, type TemplateResult } from 'lit';
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import type SlSwitch from '@shoelace-style/shoelace/dist/components/switch/switch.js';
import type SlTabGroup from '@shoelace-style/shoelace/dist/components/tab-group/tab-group.js';
import type { ComputeEngine } from '../compute';
import {
  AnalysisController,
  analysisTabs,
  histogramBinChoices,
  spectrumSizes,
  xyPointChoices,
  type AnalysisResults,
  type AnalysisSeries,
  type AnalysisTab,
  type HeavyAnalysis,
  type RunState,
  type StatsRow,
} from '../controllers/explorer/analysis-controller';
import type { SpectrumWindow } from '../controllers/explorer/analysis';
import { baseStyles } from './design/styles';
import { formatValue } from './format';
import { formatFrequency, tokenOf } from './plot-axes';
// The sub-gadgets it renders (registered with the others in index.ts).
import type {} from './fl-explorer-spectrogram';
import type {} from './fl-explorer-xy';

const tabLabels: Record<AnalysisTab, string> = { stats: 'Statistics', histogram: 'Histogram', spectrum: 'Spectrum', spectrogram: 'Spectrogram', xy: 'XY' };
/** The statistics' columns, in the table's order. */
const statFields = [
  ['count', 'Count'],
  ['min', 'Min'],
  ['max', 'Max'],
  ['mean', 'Mean'],
  ['rms', 'RMS'],
  ['std', 'Std'],
  ['peak_to_peak', 'Peak-to-peak'],
] as const;
type StatField = (typeof statFields)[number][0];
/** Peaks listed and marked on the spectrum. */
const PEAKS_SHOWN = 5;
const PLOT_HEIGHT = 280;

/** A window chosen in the select (anything else: Hann). */
function windowOf(value: unknown): SpectrumWindow {
  return value === 'hamming' || value === 'rectangular' ? value : 'hann';
}

/** Where a statistic came from, in words. */
const sourceWords: Record<string, string> = { summaries: 'summaries', raw: 'samples', pending: 'samples (computing)', unavailable: 'samples not on this device' };

/** "2026-11-01 08:00:00 UTC" (seconds; milliseconds when the range is that short). */
function formatInstant(ms: number, withMs: boolean): string {
  const iso = new Date(ms).toISOString().replace('T', ' ');
  return `${withMs ? iso.slice(0, 23) : iso.slice(0, 19)} UTC`;
}

/** "5 min 15 s", "2 h 3 min", "3 d 4 h", "250 ms". */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  const parts: Array<[number, string]> = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'min'],
    [seconds % 60, 's'],
  ];
  const first = parts.findIndex(([value]) => value > 0);
  return parts
    .slice(first, first + 2)
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value} ${unit}`)
    .join(' ');
}

/** "From … to … (duration)": what a result is of. */
export function describeRange(range: { from: number; to: number }): string {
  const withMs = range.to - range.from < 10_000;
  return `${formatInstant(range.from, withMs)} to ${formatInstant(range.to, withMs)} (${formatDuration(range.to - range.from)})`;
}

type StatsLike = Record<StatField, number | null | undefined> & { from?: Record<string, string | undefined> };

/** Which figures came from where, in words ("Count, Min, Max: summaries · RMS, Std: samples"). */
function sourcesText(stats: StatsLike): string {
  const sources = new Map<string, string[]>();
  for (const [field, name] of statFields) {
    const source = sourceWords[stats.from?.[field] ?? ''];
    if (source) sources.set(source, [...(sources.get(source) ?? []), name]);
  }
  return [...sources].map(([source, names]) => `${names.join(', ')}: ${source}`).join(' · ');
}

/** A statistic for the table: counts as integers, the rest with the unit. */
function formatStat(field: StatField, value: number | undefined, unit: string): string {
  if (field === 'count') return value === undefined ? '—' : Math.round(value).toLocaleString('en');
  return formatValue(value, unit);
}

/**
 * The analysis of the visible range (issue 16, item 2), in tabs: Statistics (every visible series:
 * count, min, max, mean, RMS, std, peak-to-peak, and whether each came from the summaries or a pass
 * over the samples), Histogram, Spectrum (Welch, log axis option, top peaks marked and listed),
 * Spectrogram (waterfall) and XY (two series against each other, coloured by time).
 *
 * Properties: `targets` (the visible series: `{ key, storage, array, title, unit }`), `range`
 * (`{from, to}` epoch ms, what is on screen), `engine` (optional compute engine), `tab` (attribute
 * too: 'stats' | 'histogram' | 'spectrum' | 'spectrogram' | 'xy'; the tab shown). Statistics follow
 * the range by themselves; the other analyses run while their tab is shown. The logic (runs,
 * cancel, progress, staleness) is AnalysisController's; this gadget draws.
 * Attributes for tests and tools: each tab panel's `.analysis[data-kind]` has `data-status`
 * ('idle' | 'running' | 'done' | 'cancelled' | 'error'), `data-range` ("from-to" of the result
 * shown) and `data-stale` while the result is of another range; stats cells
 * `td[data-field][data-value][data-from]` in rows `tr[data-key]`; spectrum peaks
 * `li[data-frequency]`; `fl-explorer-spectrogram[data-drawn]`, `fl-explorer-xy[data-points]`.
 */
export class FlExplorerAnalysis extends LitElement {
  static override properties = { targets: { attribute: false }, range: { attribute: false }, engine: { attribute: false }, tab: { type: String, reflect: true }, logMagnitude: { state: true } };

  declare targets: AnalysisSeries[];
  declare range: { from: number; to: number } | undefined;
  declare engine: ComputeEngine | undefined;
  declare tab: AnalysisTab;
  declare logMagnitude: boolean;

  readonly #analysis = new AnalysisController(this, { engine: () => this.engine });
  readonly #plots = new Map<'histogram' | 'spectrum', { plot: uPlot; drawn: readonly unknown[] }>();
  #resize: ResizeObserver | undefined;
  /** Follows the theme switch (a class on <html>): the plots repaint in the new colours (read from tokens as they draw). */
  #theme: MutationObserver | undefined;

  constructor() {
    super();
    this.targets = [];
    this.range = undefined;
    this.engine = undefined;
    this.tab = 'stats';
    this.logMagnitude = true;
  }

  /** The uPlot of the histogram or spectrum once drawn (tests and tools read its scales). */
  plotOf(kind: 'histogram' | 'spectrum'): uPlot | undefined {
    return this.#plots.get(kind)?.plot;
  }

  /** The controller (tests and tools: run, cancel, state). */
  get analysis(): AnalysisController {
    return this.#analysis;
  }

  static override styles = [
    baseStyles,
    unsafeCSS(uPlotCss),
    css`
      :host { display: block; }
      section { display: grid; gap: var(--sl-spacing-small); }
      .range { margin: 0; }
      .controls { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small); align-items: end; }
      .controls sl-select { min-width: 11rem; }
      .controls sl-select[data-choice] { min-width: 17rem; max-width: 100%; }
      .controls sl-switch { min-height: var(--fl-touch); display: inline-flex; align-items: center; }
      .status { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small); align-items: center; min-height: var(--fl-touch); }
      .status sl-progress-bar { flex: 1 1 12rem; --height: 0.75rem; }
      .analysis { display: grid; gap: var(--sl-spacing-small); }
      .table-wrap { overflow-x: auto; }
      td.numeric, th.numeric { white-space: nowrap; }
      td[data-from='summaries'] { font-variant-numeric: tabular-nums; }
      tbody th { color: var(--fl-text); font-size: var(--sl-font-size-medium); font-weight: var(--sl-font-weight-normal); min-width: 10rem; }
      .plot { min-height: ${PLOT_HEIGHT}px; }
      .peaks { margin: 0; padding-inline-start: 1.5rem; display: grid; gap: var(--sl-spacing-2x-small); }
      .stale { color: var(--fl-warn); }
      sl-tab-group { --indicator-color: var(--sl-color-primary-600); }
      sl-tab::part(base) { min-height: var(--fl-touch); }
      .u-legend { color: var(--fl-text); }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.#resize = new ResizeObserver(() => {
      for (const [kind, { plot }] of this.#plots) {
        const width = this.#plotWidth(kind);
        if (width > 0) plot.setSize({ width, height: PLOT_HEIGHT });
      }
    });
    this.#theme = new MutationObserver(() => {
      for (const { plot } of this.#plots.values()) plot.redraw(false);
    });
    this.#theme.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize?.disconnect();
    this.#theme?.disconnect();
    for (const { plot } of this.#plots.values()) plot.destroy();
    this.#plots.clear();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('targets') || changed.has('range')) this.#analysis.setInputs(this.targets ?? [], this.range);
    if (changed.has('tab')) {
      const tab = analysisTabs.includes(this.tab) ? this.tab : 'stats';
      if (tab !== this.#analysis.tab) this.#analysis.show(tab);
    }
  }

  protected override firstUpdated(): void {
    this.#resize?.observe(this);
  }

  protected override updated(): void {
    // The `tab` property (set from outside) shows its tab in the group.
    const group = this.renderRoot.querySelector('sl-tab-group') as SlTabGroup | null;
    const active = group?.querySelector('sl-tab[active]')?.getAttribute('panel');
    if (group && active && active !== this.#analysis.tab) group.show(this.#analysis.tab);
    this.#drawHistogram();
    this.#drawSpectrum();
  }

  #plotWidth(kind: 'histogram' | 'spectrum'): number {
    return (this.renderRoot.querySelector(`.plot[data-plot='${kind}']`) as HTMLElement | null)?.clientWidth ?? 0;
  }

  #token(name: string, fallback: string): () => string {
    return () => tokenOf(this, name, fallback);
  }

  #axes(xLabel: string, yLabel: string, y?: Partial<uPlot.Axis>): uPlot.Axis[] {
    const stroke = this.#token('--fl-text-muted', '#4a5a63');
    const grid = { stroke: this.#token('--fl-border', '#d7dee2'), width: 1 };
    return [
      { label: xLabel, stroke, grid, ticks: grid },
      { label: yLabel, stroke, grid, ticks: grid, size: 64, ...y },
    ];
  }

  /**
   * (Re)creates a uPlot when what it draws (`drawn`: the result and any display option) changed or
   * its container is new (a tab shown); any other update of the host leaves it alone.
   */
  #place(kind: 'histogram' | 'spectrum', result: unknown, drawn: readonly unknown[], make: (width: number, into: HTMLElement) => uPlot): void {
    const into = this.renderRoot.querySelector(`.plot[data-plot='${kind}']`) as HTMLElement | null;
    const existing = this.#plots.get(kind);
    if (!into || !result) {
      if (existing && !into) {
        existing.plot.destroy();
        this.#plots.delete(kind);
      }
      return;
    }
    const width = into.clientWidth;
    // A hidden tab has no width: drawn when shown.
    if (width === 0) return;
    if (existing && existing.drawn.length === drawn.length && existing.drawn.every((item, index) => item === drawn[index]) && into.contains(existing.plot.root)) return;
    existing?.plot.destroy();
    into.replaceChildren();
    this.#plots.set(kind, { plot: make(width, into), drawn });
  }

  #drawHistogram(): void {
    const state = this.#analysis.state('histogram');
    const result = state.result;
    const target = result && this.targets.find((candidate) => candidate.key === result.key);
    this.#place('histogram', result, [result, target], (width, into) => {
      const edges = result!.edges;
      const centres = result!.counts.map((_, i) => (edges[i]! + edges[i + 1]!) / 2);
      const label = target ? (target.unit ? `${target.title} [${target.unit}]` : target.title) : '';
      return new uPlot(
        {
          width,
          height: PLOT_HEIGHT,
          legend: { show: false },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: false, range: [edges[0]!, edges[edges.length - 1]!] } },
          series: [{ label }, { label: 'Samples', stroke: this.#token('--sl-color-primary-700', '#0f4c5c'), fill: this.#token('--sl-color-primary-500', '#3d8e9e'), paths: uPlot.paths.bars!({ size: [1, Infinity], gap: 1 }), points: { show: false } }],
          axes: this.#axes(label, 'Samples'),
        },
        [centres, result!.counts],
        into,
      );
    });
  }

  #drawSpectrum(): void {
    const state = this.#analysis.state('spectrum');
    const result = state.result;
    const target = result && this.targets.find((candidate) => candidate.key === result.key);
    const log = this.logMagnitude;
    this.#place('spectrum', result, [result, log, target], (width, into) => {
      const r = result!;
      // A log axis cannot show zero: the floor is a little below the smallest magnitude above it.
      let floor = Infinity;
      for (const magnitude of r.magnitudes) if (magnitude > 0 && magnitude < floor) floor = magnitude;
      const magnitudes = log ? r.magnitudes.map((magnitude) => (magnitude > 0 ? magnitude : Number.isFinite(floor) ? floor : 1e-12)) : r.magnitudes;
      const unit = target?.unit ?? '';
      const peaks = r.peaks.slice(0, PEAKS_SHOWN);
      return new uPlot(
        {
          width,
          height: PLOT_HEIGHT,
          cursor: { drag: { x: true, y: false } },
          // Headroom above the strongest peak, so its marker and rank stay inside the plot.
          scales: {
            x: { time: false },
            y: log ? { distr: 3, range: (_plot, min, max) => uPlot.rangeLog(min, max * 4, 10, true) } : { range: (_plot, _min, max) => [0, (max || 1) * 1.15] },
          },
          series: [
            { label: 'Frequency', value: (_plot, value) => (value === null || value === undefined ? '—' : formatFrequency(value)) },
            { label: unit ? `Magnitude [${unit}]` : 'Magnitude', stroke: this.#token('--sl-color-primary-600', '#0f766e'), width: 1.5, points: { show: false } },
          ],
          axes: this.#axes('Frequency [Hz]', unit ? `Magnitude [${unit}]` : 'Magnitude'),
          hooks: {
            // The top peaks: a marker and its rank above each.
            draw: [
              (plot) => {
                const context = plot.ctx;
                const { left, top, width: w, height: h } = plot.bbox;
                context.save();
                context.beginPath();
                context.rect(left, top, w, h);
                context.clip();
                context.fillStyle = tokenOf(this, '--fl-danger', '#b91c1c');
                context.font = `${Math.round(12 * devicePixelRatio)}px system-ui, sans-serif`;
                context.textAlign = 'center';
                context.textBaseline = 'bottom';
                peaks.forEach((peak, index) => {
                  const value = log ? Math.max(peak.magnitude, Number.isFinite(floor) ? floor : 1e-12) : peak.magnitude;
                  const x = plot.valToPos(peak.frequency, 'x', true);
                  const y = plot.valToPos(value, 'y', true);
                  const size = 5 * devicePixelRatio;
                  context.beginPath();
                  context.moveTo(x, y - 2 * devicePixelRatio);
                  context.lineTo(x - size, y - 2 * devicePixelRatio - 1.6 * size);
                  context.lineTo(x + size, y - 2 * devicePixelRatio - 1.6 * size);
                  context.closePath();
                  context.fill();
                  context.fillText(String(index + 1), x, y - 4 * devicePixelRatio - 1.6 * size);
                });
                context.restore();
              },
            ],
          },
        },
        [r.frequencies, magnitudes],
        into,
      );
    });
  }

  readonly #onTabShow = (event: CustomEvent<{ name: string }>): void => {
    // sl-tab-show bubbles from inner Shoelace parts too (sl-select's own popups do not fire it, but be strict).
    if (event.target !== event.currentTarget) return;
    const tab = event.detail.name as AnalysisTab;
    if (!analysisTabs.includes(tab)) return;
    this.tab = tab;
    this.#analysis.show(tab);
  };

  #seriesSelect(kind: HeavyAnalysis, label: string, value: string, choose: (key: string) => void): TemplateResult {
    return html`<sl-select
      label=${label}
      value=${value}
      data-choice=${kind}
      @sl-change=${(event: Event) => choose(String((event.target as SlSelect).value))}
      >${this.targets.map((target) => html`<sl-option value=${target.key}>${target.unit ? `${target.title} [${target.unit}]` : target.title}</sl-option>`)}</sl-select
    >`;
  }

  /** Progress and Cancel while running; what the result is of; errors; Run again. */
  #status(kind: AnalysisTab, state: RunState<unknown>, runLabel = 'Run again'): TemplateResult {
    const stale = this.#analysis.stale(kind);
    const progress = state.progress;
    const percent = progress && progress.total > 0 ? Math.round((progress.done / progress.total) * 100) : undefined;
    return html`<div class="status" aria-live="polite">
      ${state.status === 'running'
        ? html`<sl-progress-bar
              label=${`${tabLabels[kind]}: computing`}
              value=${percent ?? 0}
              ?indeterminate=${percent === undefined}
              >${percent === undefined ? '' : `${percent} %`}</sl-progress-bar
            >
            <sl-button data-action="cancel" @click=${() => this.#analysis.cancel(kind)}>Cancel</sl-button>`
        : nothing}
      ${state.status === 'cancelled' ? html`<span data-outcome="cancelled">Cancelled.</span>` : nothing}
      ${state.status === 'error' ? html`<span class="error" role="alert" data-outcome="error">${tabLabels[kind]} failed: ${state.error}</span>` : nothing}
      ${state.resultRange ? html`<span class="range small ${stale ? 'stale' : 'muted'}">${stale ? 'Shown: ' : 'Of '}${describeRange(state.resultRange)}${stale ? ' (the range changed)' : ''}</span>` : nothing}
      ${state.status === 'cancelled' || state.status === 'error' || (state.status === 'idle' && kind !== 'stats' && this.range)
        ? html`<sl-button data-action="run" @click=${() => void this.#analysis.run(kind)}>${runLabel}</sl-button>`
        : nothing}
    </div>`;
  }

  #frame(kind: AnalysisTab, state: RunState<unknown>, body: unknown): TemplateResult {
    const range = state.resultRange;
    return html`<div class="analysis" data-kind=${kind} data-status=${state.status} data-range=${range ? `${range.from}-${range.to}` : ''} ?data-stale=${this.#analysis.stale(kind)}>${body}</div>`;
  }

  #statsPanel(): TemplateResult {
    const state = this.#analysis.state('stats');
    const rows: StatsRow[] = state.result ?? [];
    // Where the figures came from: one note when every series says the same (the usual case),
    // else a column per row.
    const sources = rows.filter((row) => row.stats).map((row) => sourcesText(row.stats as StatsLike));
    const shared = sources.length > 0 && sources.every((text) => text === sources[0]) ? sources[0] : undefined;
    const column = sources.length > 0 && shared === undefined;
    return this.#frame(
      'stats',
      state,
      html`${this.#status('stats', state)}
        <div class="table-wrap" tabindex="0" role="region" aria-label="Statistics table">
          <table>
            <thead>
              <tr>
                <th scope="col">Series</th>
                ${statFields.map(([, label]) => html`<th scope="col" class="numeric">${label}</th>`)}
                ${column ? html`<th scope="col">From</th>` : nothing}
              </tr>
            </thead>
            <tbody>
              ${rows.length === 0
                ? html`<tr>
                    <td colspan=${statFields.length + 1} class="muted">${this.targets.length === 0 ? 'No series on screen.' : state.status === 'running' ? 'Computing…' : 'Nothing yet.'}</td>
                  </tr>`
                : rows.map((row) => this.#statsRow(row, column))}
            </tbody>
          </table>
        </div>
        <p class="small muted" data-sources>
          ${shared ? html`${shared}. ` : nothing}"Summaries": exact, from the array's stored summaries, at once; "samples": one pass over the raw samples.
        </p>`,
    );
  }

  #statsRow(row: StatsRow, column: boolean): TemplateResult {
    const stats = row.stats as StatsLike | undefined;
    const label = row.unit ? `${row.title} [${row.unit}]` : row.title;
    if (!stats) {
      return html`<tr data-key=${row.key}>
        <th scope="row">${label}</th>
        <td colspan=${statFields.length + (column ? 1 : 0)} class="error" role="alert">Not available: ${row.error ?? 'no answer'}</td>
      </tr>`;
    }
    return html`<tr data-key=${row.key}>
      <th scope="row">${label}</th>
      ${statFields.map(([field]) => {
        const value = stats[field];
        const source = stats.from?.[field] ?? '';
        return html`<td class="numeric" data-field=${field} data-value=${value === undefined || value === null ? '' : String(value)} data-from=${source} title=${source ? `From the ${sourceWords[source] ?? source}` : ''}>
          ${source === 'pending' ? html`<span class="muted" aria-label="computing">…</span>` : formatStat(field, value ?? undefined, row.unit)}
        </td>`;
      })}
      ${column ? html`<td class="from small muted">${sourcesText(stats)}</td>` : nothing}
    </tr>`;
  }

  #histogramPanel(): TemplateResult {
    const state = this.#analysis.state('histogram');
    const choice = this.#analysis.choices.histogram;
    return this.#frame(
      'histogram',
      state,
      html`<div class="controls">
          ${this.#seriesSelect('histogram', 'Series', choice.key, (key) => this.#analysis.choose('histogram', { key }))}
          <sl-select label="Bins" value=${String(choice.bins)} @sl-change=${(event: Event) => this.#analysis.choose('histogram', { bins: Number((event.target as SlSelect).value) })}>
            ${histogramBinChoices.map((bins) => html`<sl-option value=${String(bins)}>${bins}</sl-option>`)}
          </sl-select>
        </div>
        ${this.#status('histogram', state, 'Run')}
        <div class="plot" data-plot="histogram" role="img" aria-label=${state.result ? `Histogram: ${state.result.counts.length} bins` : 'Histogram: nothing yet'}></div>`,
    );
  }

  #spectrumPanel(): TemplateResult {
    const state = this.#analysis.state('spectrum');
    const choice = this.#analysis.choices.spectrum;
    const result = state.result;
    const unit = (result && this.targets.find((target) => target.key === result.key)?.unit) ?? '';
    return this.#frame(
      'spectrum',
      state,
      html`<div class="controls">
          ${this.#seriesSelect('spectrum', 'Series', choice.key, (key) => this.#analysis.choose('spectrum', { key }))}
          <sl-select label="Segment size" value=${String(choice.size)} @sl-change=${(event: Event) => this.#analysis.choose('spectrum', { size: Number((event.target as SlSelect).value) })}>
            ${spectrumSizes.map((size) => html`<sl-option value=${String(size)}>${size} samples</sl-option>`)}
          </sl-select>
          <sl-select label="Window" value=${choice.window} @sl-change=${(event: Event) => this.#analysis.choose('spectrum', { window: windowOf((event.target as SlSelect).value) })}>
            <sl-option value="hann">Hann</sl-option>
            <sl-option value="hamming">Hamming</sl-option>
            <sl-option value="rectangular">Rectangular</sl-option>
          </sl-select>
          <sl-switch ?checked=${this.logMagnitude} @sl-change=${(event: Event) => (this.logMagnitude = (event.target as SlSwitch).checked)}>Log magnitude</sl-switch>
        </div>
        ${this.#status('spectrum', state, 'Run')}
        <div class="plot" data-plot="spectrum" role="img" aria-label=${result ? `Spectrum: ${result.frequencies.length} frequencies up to ${formatFrequency(result.sampleRate / 2)}` : 'Spectrum: nothing yet'}></div>
        ${result
          ? html`<p class="small muted">
                ${result.segments === 0
                  ? `No run of ${choice.size} steady samples in the range: zoom out, or choose a smaller segment size.`
                  : `Welch: ${result.segments.toLocaleString('en')} segment${result.segments === 1 ? '' : 's'} of ${choice.size} samples at ${formatFrequency(result.sampleRate)}${result.sampled ? `, from evenly spread parts of the range (${result.samples.toLocaleString('en')} samples read)` : ''}.`}
              </p>
              <h4>Top peaks</h4>
              ${result.peaks.length === 0
                ? html`<p class="muted">No peaks.</p>`
                : html`<ol class="peaks">
                    ${result.peaks.slice(0, PEAKS_SHOWN).map((peak) => html`<li data-frequency=${String(peak.frequency)} data-magnitude=${String(peak.magnitude)}>${formatFrequency(peak.frequency)} — ${formatValue(peak.magnitude, unit)}</li>`)}
                  </ol>`}`
          : nothing}`,
    );
  }

  #spectrogramPanel(): TemplateResult {
    const state = this.#analysis.state('spectrogram');
    const choice = this.#analysis.choices.spectrogram;
    const result = state.result;
    const target = result && this.targets.find((candidate) => candidate.key === result.key);
    return this.#frame(
      'spectrogram',
      state,
      html`<div class="controls">
          ${this.#seriesSelect('spectrogram', 'Series', choice.key, (key) => this.#analysis.choose('spectrogram', { key }))}
          <sl-select label="Segment size" value=${String(choice.size)} @sl-change=${(event: Event) => this.#analysis.choose('spectrogram', { size: Number((event.target as SlSelect).value) })}>
            ${spectrumSizes.slice(0, 5).map((size) => html`<sl-option value=${String(size)}>${size} samples</sl-option>`)}
          </sl-select>
        </div>
        ${this.#status('spectrogram', state, 'Run')}
        <fl-explorer-spectrogram .picture=${result} .range=${state.resultRange} .label=${target?.title ?? ''} .unit=${target?.unit ?? ''}></fl-explorer-spectrogram>`,
    );
  }

  #xyPanel(): TemplateResult {
    const state = this.#analysis.state('xy');
    const choice = this.#analysis.choices.xy;
    const result = state.result;
    const labelOf = (key: string | undefined): string => {
      const target = this.targets.find((candidate) => candidate.key === key);
      return target ? (target.unit ? `${target.title} [${target.unit}]` : target.title) : '';
    };
    return this.#frame(
      'xy',
      state,
      html`<div class="controls">
          ${this.#seriesSelect('xy', 'Across (x)', choice.xKey, (xKey) => this.#analysis.choose('xy', { xKey }))}
          ${this.#seriesSelect('xy', 'Up (y)', choice.yKey, (yKey) => this.#analysis.choose('xy', { yKey }))}
          <sl-select label="Points" value=${String(choice.points)} @sl-change=${(event: Event) => this.#analysis.choose('xy', { points: Number((event.target as SlSelect).value) })}>
            ${xyPointChoices.map((points) => html`<sl-option value=${String(points)}>${points.toLocaleString('en')}</sl-option>`)}
          </sl-select>
        </div>
        ${this.#status('xy', state, 'Run')}
        <fl-explorer-xy .picture=${result} .xLabel=${labelOf(result?.xKey ?? choice.xKey)} .yLabel=${labelOf(result?.yKey ?? choice.yKey)}></fl-explorer-xy>`,
    );
  }

  override render() {
    const tab = this.#analysis.tab;
    const panels: Record<AnalysisTab, () => TemplateResult> = {
      stats: () => this.#statsPanel(),
      histogram: () => this.#histogramPanel(),
      spectrum: () => this.#spectrumPanel(),
      spectrogram: () => this.#spectrogramPanel(),
      xy: () => this.#xyPanel(),
    };
    return html`<section aria-labelledby="analysis-heading">
      <h3 id="analysis-heading">Analysis of the visible range</h3>
      <p class="range muted small">${this.range ? `Visible: ${describeRange(this.range)}` : 'No range on screen.'}</p>
      <sl-tab-group @sl-tab-show=${this.#onTabShow}>
        ${analysisTabs.map((kind) => html`<sl-tab slot="nav" panel=${kind} ?active=${kind === tab} data-tab=${kind}>${tabLabels[kind]}</sl-tab>`)}
        ${analysisTabs.map((kind) => html`<sl-tab-panel name=${kind} ?active=${kind === tab}>${kind === tab ? panels[kind]() : nothing}</sl-tab-panel>`)}
      </sl-tab-group>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-explorer-analysis': FlExplorerAnalysis;
  }
}

/** The results the analysis gadget shows, by kind (re-exported for the shell and tests). */
export type { AnalysisResults };
