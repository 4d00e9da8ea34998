import { LitElement, css, html, unsafeCSS, type PropertyValues } from 'lit';
import { ContextConsumer } from '@lit/context';
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';
import { ChannelSeriesController, LiveController, storageContext } from '../controllers';
import type { Storage } from '../storage';

/**
 * Plots one channel array with uPlot. It draws M4 points per pixel column from the array's
 * summaries (every sample once zoomed in far enough) and loads again for the new range after each
 * zoom (drag to zoom, double-click to zoom out).
 * Gadget methods: properties `array` (array id), `label`, `unit`, `storage` (optional: where the
 * array is, instead of the app's local storage); attributes `data-source`
 * ('raw' | 'summary') and `data-points` tell tests and tools what is drawn.
 */
export class FlChannelChart extends LitElement {
  static override properties = { array: { type: String }, label: { type: String }, unit: { type: String }, storage: { attribute: false } };

  declare array: string;
  declare label: string;
  declare unit: string;
  /** Where the array lives, when not in the app's local storage (e.g. the server's). */
  declare storage: Storage | undefined;

  readonly #storage = new ContextConsumer(this, { context: storageContext, subscribe: true, callback: () => this.#load() });
  readonly #series = new ChannelSeriesController(this);
  #plot: uPlot | undefined;
  #resize: ResizeObserver | undefined;
  #zoomTimer: ReturnType<typeof setTimeout> | undefined;
  #drawn: unknown;
  #requested = '';

  constructor() {
    super();
    // Live tail: the server's `samples` events extend a view that shows the end (the controller decides); `reset` reloads.
    new LiveController(this, (event) => void (event.type === 'samples' ? this.#series.follow(event) : event.type === 'reset' ? this.#series.reload() : undefined));
    this.array = '';
    this.label = '';
    this.unit = '';
    this.storage = undefined;
  }

  static override styles = [
    unsafeCSS(uPlotCss),
    css`
      :host { display: block; background: #fff; border: 1px solid #d7dee2; border-radius: 6px; padding: 0.5rem; }
      header { display: flex; justify-content: space-between; font-size: 0.875rem; color: #4a5a63; }
      .plot { min-height: 220px; }
      .error { color: #b3261e; }
    `,
  ];

  #width(): number {
    return Math.max(200, (this.renderRoot.querySelector('.plot') as HTMLElement | null)?.clientWidth ?? 600);
  }

  #load(fromMs?: number, toMs?: number): void {
    const storage = this.storage ?? this.#storage.value;
    if (!storage || !this.array) return;
    const width = this.#width();
    // The context arriving and the first render both ask: load once.
    const request = JSON.stringify([this.array, width, fromMs, toMs]);
    if (request === this.#requested) return;
    this.#requested = request;
    void this.#series.load(storage, this.array, width, fromMs, toMs);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#resize = new ResizeObserver(() => this.#plot?.setSize({ width: this.#width(), height: 220 }));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize?.disconnect();
    this.#plot?.destroy();
    this.#plot = undefined;
    clearTimeout(this.#zoomTimer);
  }

  protected override firstUpdated(): void {
    this.#resize?.observe(this.renderRoot.querySelector('.plot')!);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('array') || changed.has('storage')) this.#load();
    const series = this.#series.series;
    if (!series || series === this.#drawn) return;
    this.#drawn = series;
    this.dataset.source = series.source;
    this.dataset.points = String(series.x.length);
    const data: uPlot.AlignedData = [series.x, series.y];
    if (this.#plot) {
      // A live tail (series.follows) fits the scale to show the new end; a zoom keeps the user's range.
      this.#plot.setData(data, series.follows === true);
      return;
    }
    this.#plot = new uPlot(
      {
        width: this.#width(),
        height: 220,
        series: [{}, { label: this.unit ? `${this.label} [${this.unit}]` : this.label, stroke: '#0f4c5c', width: 1, spanGaps: false }],
        scales: { x: { time: true } },
        cursor: { drag: { x: true, y: false } },
        hooks: {
          setScale: [
            (plot, key) => {
              if (key !== 'x') return;
              const { min, max } = plot.scales.x!;
              if (min === undefined || max === undefined || min === null || max === null) return;
              // Wait until the user stops zooming, then load the new range at full resolution.
              clearTimeout(this.#zoomTimer);
              this.#zoomTimer = setTimeout(() => this.#load(min * 1000, max * 1000), 120);
            },
          ],
        },
      },
      data,
      this.renderRoot.querySelector('.plot') as HTMLElement,
    );
  }

  override render() {
    const series = this.#series.series;
    return html`
      <header>
        <span>${this.label}${this.unit ? html` [${this.unit}]` : ''}</span>
        <span>${series ? `${series.samples.toLocaleString('en')} samples · ${series.source === 'raw' ? 'every sample' : 'M4 per pixel'}` : this.#series.error ? 'not available' : 'loading…'}</span>
      </header>
      ${this.#series.error ? html`<p class="error" role="alert">${this.#series.error}</p>` : ''}
      <div class="plot"></div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-channel-chart': FlChannelChart;
  }
}
