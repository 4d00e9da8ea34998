import { LitElement, css, html, unsafeCSS, type PropertyValues } from 'lit';
import { ContextConsumer } from '@lit/context';
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';
import { ChannelSeriesController, LiveController, storageContext } from '../controllers';
import { alignPending } from '../controllers/channel-series-controller';
import type { Storage } from '../storage';
import { formatAxisTimes, formatLegendTime, precisionOfSpan, timeAxisSpace } from './chart-time';
import { AXIS_FONT, measureAxisText } from './axis-text';

/** What the chart needs of an alarm to draw its band (a subset of an alarm document). */
export interface AlarmBand {
  raised_at: number;
  cleared_at?: number;
  severity: 'low' | 'medium' | 'high' | 'critical';
}

/** A touch drag shorter than this (CSS px) is a tap, not a range. */
const MIN_DRAG_PX = 8;
/** Two taps this close (ms) are a double tap: zoom out, as a double-click does. */
const DOUBLE_TAP_MS = 350;

/**
 * Plots one channel array with uPlot. It draws M4 points per pixel column from the array's
 * summaries (every sample once zoomed in far enough) and loads again for the new range after each
 * zoom (drag to zoom, double-click to zoom out to the whole array; on a touch screen, a
 * one-finger horizontal drag zooms and a double tap zooms out, while vertical drags still scroll
 * the page). Time labels follow the zoom (milliseconds when zoomed to milliseconds).
 * Gadget methods: properties `array` (array id), `label`, `unit`, `storage` (optional: where the
 * array is, instead of the app's local storage); `plot` (read only: the uPlot instance, for
 * tests and tools); `zoomOut()`; attributes `data-source` ('raw' | 'summary') and `data-points`
 * tell tests and tools what is drawn; `alarms` (optional): the channel's alarms, drawn as
 * translucent bands from raised to cleared (to the right edge while active) in the severity's
 * colour with a marker line at the raise; `data-alarm-bands` counts those in the visible range.
 * A manual-reading channel also shows the readings recorded on this device that the array does
 * not hold yet (not synced, or not applied by the server yet) as hollow points beside the line,
 * "Not synced yet" in the legend and the header (`data-pending-readings` counts them; not `data-pending`, which marks actions not synced yet on the alarm page around it); once the array has
 * them they are on the line only.
 */
export class FlChannelChart extends LitElement {
  static override properties = { array: { type: String }, label: { type: String }, unit: { type: String }, height: { type: Number }, storage: { attribute: false }, alarms: { attribute: false } };

  declare array: string;
  declare label: string;
  declare unit: string;
  /** Plot height in CSS px (default 220; the channel view draws it large). */
  declare height: number;
  /** Where the array lives, when not in the app's local storage (e.g. the server's). */
  declare storage: Storage | undefined;
  /** The channel's alarms, drawn as bands. */
  declare alarms: readonly AlarmBand[];

  readonly #storage = new ContextConsumer(this, { context: storageContext, subscribe: true, callback: () => void this.#load() });
  readonly #series = new ChannelSeriesController(this);
  #plot: uPlot | undefined;
  #resize: ResizeObserver | undefined;
  #zoomTimer: ReturnType<typeof setTimeout> | undefined;
  #drawn: unknown;
  #drawnPending: unknown;
  /** A refresh of the pending readings is due (a burst of writes asks once). */
  #pendingTimer: ReturnType<typeof setTimeout> | undefined;
  /** The storage whose writes (a reading recorded) refresh the pending readings. */
  #watched: EventTarget | undefined;
  #requested = '';
  /** The next series drawn replaces the x scale (a zoom out), instead of keeping the user's range. */
  #rescale = false;
  #touch: { id: number; x: number } | undefined;
  #lastTap = 0;
  #bands = '';

  constructor() {
    super();
    // Live tail: the server's `samples` events extend a view that shows the end (the controller decides); `reset` reloads.
    new LiveController(this, (event) => void (event.type === 'samples' ? this.#series.follow(event) : event.type === 'reset' ? this.#series.reload() : undefined));
    this.array = '';
    this.label = '';
    this.unit = '';
    this.height = 220;
    this.storage = undefined;
    this.alarms = [];
  }

  /**
   * Draws the alarms' bands over the plotting area (uPlot's draw hook: after axes and series, on
   * every redraw, so zooms and live tails keep them in place). Canvas pixels, clipped to the plot.
   */
  #drawAlarms(plot: uPlot): void {
    const { left, top, width, height } = plot.bbox;
    const { min, max } = plot.scales.x!;
    let visible = 0;
    if (min !== undefined && max !== undefined && min !== null && max !== null) {
      const context = plot.ctx;
      const style = getComputedStyle(this);
      context.save();
      context.beginPath();
      context.rect(left, top, width, height);
      context.clip();
      for (const alarm of this.alarms) {
        const from = alarm.raised_at / 1000;
        const to = alarm.cleared_at === undefined ? Infinity : alarm.cleared_at / 1000;
        if (to < min || from > max) continue;
        visible++;
        const colour = style.getPropertyValue(`--fl-severity-${alarm.severity}`).trim() || '#b91c1c';
        const x0 = Math.max(left, plot.valToPos(from, 'x', true));
        const x1 = to === Infinity ? left + width : Math.min(left + width, plot.valToPos(to, 'x', true));
        context.fillStyle = colour;
        context.globalAlpha = 0.16;
        context.fillRect(x0, top, Math.max(1, x1 - x0), height);
        if (from >= min) {
          context.globalAlpha = 0.9;
          context.fillRect(plot.valToPos(from, 'x', true) - devicePixelRatio, top, 2 * devicePixelRatio, height);
        }
      }
      context.restore();
    }
    this.dataset.alarmBands = String(visible);
  }

  static override styles = [
    unsafeCSS(uPlotCss),
    css`
      /* Theme tokens, so the chart follows light and dark (a white card with light legend text in dark failed contrast). */
      :host { display: block; background: var(--fl-surface); color: var(--fl-text); border: 1px solid var(--fl-border); border-radius: 6px; padding: 0.5rem; }
      header { display: flex; justify-content: space-between; font-size: 0.875rem; color: var(--fl-text-muted); }
      .plot { min-height: 220px; }
      /* A horizontal touch drag is the chart's (zoom), not the browser's (back/forward swipe);
         vertical drags still scroll the page. */
      .plot .u-over { touch-action: pan-y; }
      .error { color: var(--fl-danger); }
      .pending { color: var(--fl-warn); font-weight: var(--sl-font-weight-semibold); }
    `,
  ];

  /**
   * A theme colour for the canvas, read when uPlot draws (it calls function strokes on every
   * redraw), so axes, grid and line follow a theme switch; canvas cannot use CSS variables itself.
   */
  #token(name: string, fallback: string): () => string {
    return () => getComputedStyle(this).getPropertyValue(name).trim() || fallback;
  }

  #width(): number {
    return Math.max(200, (this.renderRoot.querySelector('.plot') as HTMLElement | null)?.clientWidth ?? 600);
  }

  /** Loads a range (the whole array without one); false when that is what was asked last. */
  #load(fromMs?: number, toMs?: number): boolean {
    const storage = this.storage ?? this.#storage.value;
    if (!storage || !this.array) return false;
    // Reading documents are this device's, wherever the array is read from.
    this.#series.readings = this.#storage.value;
    this.#watch(this.#storage.value);
    const width = this.#width();
    // The context arriving and the first render both ask: load once.
    const request = JSON.stringify([this.array, width, fromMs, toMs]);
    if (request === this.#requested) return false;
    this.#requested = request;
    void this.#series.load(storage, this.array, width, fromMs, toMs);
    return true;
  }

  readonly #refreshPending = (): void => {
    clearTimeout(this.#pendingTimer);
    this.#pendingTimer = setTimeout(() => void this.#series.refreshPending(), 150);
  };

  /** Follows the device storage's writes (the app's storage fires `localchange`), once per storage. */
  #watch(storage: Storage | undefined): void {
    const target = storage instanceof EventTarget ? storage : undefined;
    if (target === this.#watched) return;
    this.#watched?.removeEventListener('localchange', this.#refreshPending);
    this.#watched = target;
    target?.addEventListener('localchange', this.#refreshPending);
  }

  /** The uPlot instance once something is drawn (tests and tools read scales and axes from it). */
  get plot(): uPlot | undefined {
    return this.#plot;
  }

  /**
   * Back to the whole array. uPlot's own double-click only re-fits the x scale to the data loaded
   * now — the zoomed range — so the chart stayed zoomed in for ever.
   */
  zoomOut(): void {
    clearTimeout(this.#zoomTimer);
    this.#rescale = this.#load();
  }

  /** The series of readings not synced yet: hollow points in the warning colour, no line. */
  #pendingSeries(): uPlot.Series {
    return {
      label: 'Not synced yet',
      stroke: this.#token('--fl-warn', '#b45309'),
      width: 2,
      paths: () => null,
      points: { show: true, size: 10, width: 2, stroke: this.#token('--fl-warn', '#b45309'), fill: this.#token('--fl-surface', '#ffffff') },
    };
  }

  /** Touch and pen: a horizontal drag selects the range to zoom to (uPlot handles only the mouse). */
  readonly #onPointerDown = (event: PointerEvent): void => {
    if (event.pointerType === 'mouse' || !this.#plot || this.#touch) return;
    const over = this.#plot.over;
    over.setPointerCapture(event.pointerId);
    this.#touch = { id: event.pointerId, x: event.clientX - over.getBoundingClientRect().left };
  };

  readonly #onPointerMove = (event: PointerEvent): void => {
    const touch = this.#touch;
    const plot = this.#plot;
    if (!touch || !plot || event.pointerId !== touch.id) return;
    const x = Math.min(plot.over.clientWidth, Math.max(0, event.clientX - plot.over.getBoundingClientRect().left));
    plot.setSelect({ left: Math.min(touch.x, x), width: Math.abs(x - touch.x), top: 0, height: plot.over.clientHeight }, false);
  };

  readonly #onPointerUp = (event: PointerEvent): void => {
    const touch = this.#touch;
    const plot = this.#plot;
    if (!touch || !plot || event.pointerId !== touch.id) return;
    this.#touch = undefined;
    const x = Math.min(plot.over.clientWidth, Math.max(0, event.clientX - plot.over.getBoundingClientRect().left));
    plot.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
    if (Math.abs(x - touch.x) < MIN_DRAG_PX) {
      if (event.timeStamp - this.#lastTap < DOUBLE_TAP_MS) {
        this.#lastTap = 0;
        this.zoomOut();
      } else {
        this.#lastTap = event.timeStamp;
      }
      return;
    }
    plot.setScale('x', { min: plot.posToVal(Math.min(touch.x, x), 'x'), max: plot.posToVal(Math.max(touch.x, x), 'x') });
  };

  readonly #onPointerCancel = (event: PointerEvent): void => {
    if (event.pointerId !== this.#touch?.id) return;
    this.#touch = undefined;
    this.#plot?.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    // A sync that brought data: readings the array now holds are drawn on the line only.
    window.addEventListener('fl-data-changed', this.#refreshPending);
    if (this.#watched) this.#watched.addEventListener('localchange', this.#refreshPending);
    this.#resize = new ResizeObserver(() => this.#plot?.setSize({ width: this.#width(), height: this.height }));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('fl-data-changed', this.#refreshPending);
    this.#watched?.removeEventListener('localchange', this.#refreshPending);
    clearTimeout(this.#pendingTimer);
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
    if (changed.has('height') && changed.get('height') !== undefined) this.#plot?.setSize({ width: this.#width(), height: this.height });
    if (changed.has('alarms')) {
      // Parents hand a new array on every render of theirs: redraw only when the bands differ.
      const bands = this.alarms.map((alarm) => `${alarm.raised_at}:${alarm.cleared_at ?? ''}:${alarm.severity}`).join(',');
      if (bands !== this.#bands) {
        this.#bands = bands;
        this.#plot?.redraw(false);
      }
    }
    const series = this.#series.series;
    const pending = this.#series.pending;
    if (!series || (series === this.#drawn && pending === this.#drawnPending)) return;
    const onlyPending = series === this.#drawn;
    this.#drawn = series;
    this.#drawnPending = pending;
    this.dataset.source = series.source;
    this.dataset.points = String(series.x.length);
    this.dataset.pendingReadings = String(pending.length);
    const data = (pending.length > 0 ? alignPending(series, pending) : [series.x, series.y]) as uPlot.AlignedData;
    if (this.#plot) {
      const plot = this.#plot;
      // The "not synced yet" points are a series of their own while there are any.
      if (pending.length > 0 && plot.series.length < 3) plot.addSeries(this.#pendingSeries(), 2);
      if (pending.length === 0 && plot.series.length > 2) plot.delSeries(2);
      if (onlyPending) {
        // Only the pending points changed: a zoomed range stays in view; the whole array refits,
        // so points after its end show.
        const { min, max } = plot.scales.x!;
        const whole = min === series.x[0] && max === series.x[series.x.length - 1];
        if (whole || min === undefined || min === null || max === undefined || max === null) {
          plot.setData(data);
        } else {
          plot.setData(data, false);
          plot.setScale('x', { min, max });
        }
        return;
      }
      const { min, max } = plot.scales.x!;
      // A zoom out fits the scale to the whole array; a live tail (series.follows) fits it too, to
      // show the new end.
      if (this.#rescale || series.follows === true || min === undefined || min === null || max === undefined || max === null) {
        plot.setData(data);
      } else {
        // A zoom keeps the range the user chose. setData(data, false) alone neither redraws nor
        // re-finds the visible indices, so the cursor looked up the old data's positions in the
        // new data (the legend's "NaN-NaN-NaN NaN:NaNam"): setting the same range does both.
        plot.setData(data, false);
        plot.setScale('x', { min, max });
      }
      this.#rescale = false;
      return;
    }
    this.#rescale = false;
    this.#plot = new uPlot(
      {
        width: this.#width(),
        height: this.height,
        series: [
          {
            // The cursor's time, as precise as the visible span needs ('—' off the samples).
            value: (plot, raw) => formatLegendTime(raw, precisionOfSpan((plot.scales.x?.max ?? 0) - (plot.scales.x?.min ?? 0))),
          },
          { label: this.unit ? `${this.label} [${this.unit}]` : this.label, stroke: this.#token('--sl-color-primary-600', '#0f4c5c'), width: 1, spanGaps: false },
          ...(pending.length > 0 ? [this.#pendingSeries()] : []),
        ],
        scales: { x: { time: true } },
        axes: [
          {
            font: AXIS_FONT,
            stroke: this.#token('--fl-text-muted', '#4a5a63'),
            grid: { stroke: this.#token('--fl-border', '#d7dee2'), width: 1 },
            ticks: { stroke: this.#token('--fl-border', '#d7dee2'), width: 1 },
            space: (_plot, _axis, min, max, width) => timeAxisSpace(max - min, width, measureAxisText),
            values: (_plot, splits, _axis, _space, step) => formatAxisTimes(splits, step),
          },
          { stroke: this.#token('--fl-text-muted', '#4a5a63'), grid: { stroke: this.#token('--fl-border', '#d7dee2'), width: 1 }, ticks: { stroke: this.#token('--fl-border', '#d7dee2'), width: 1 } },
        ],
        cursor: {
          drag: { x: true, y: false },
          // Double-click zooms out to the whole array, not to the zoomed range loaded now.
          bind: {
            dblclick: () => () => {
              this.zoomOut();
              return null;
            },
          },
        },
        hooks: {
          draw: [(plot) => this.#drawAlarms(plot)],
          setScale: [
            (plot, key) => {
              if (key !== 'x') return;
              const { min, max } = plot.scales.x!;
              if (min === undefined || max === undefined || min === null || max === null) return;
              // Fitted to what is loaded (a zoom out arriving): nothing new to load.
              const x = this.#series.series?.x;
              if (x && x.length > 0 && min === x[0] && max === x[x.length - 1]) return;
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
    const over = this.#plot.over;
    over.addEventListener('pointerdown', this.#onPointerDown);
    over.addEventListener('pointermove', this.#onPointerMove);
    over.addEventListener('pointerup', this.#onPointerUp);
    over.addEventListener('pointercancel', this.#onPointerCancel);
  }

  override render() {
    const series = this.#series.series;
    const pending = this.#series.pending;
    return html`
      <header>
        <span>${this.label}${this.unit ? html` [${this.unit}]` : ''}</span>
        <span
          >${series ? `${series.samples.toLocaleString('en')} samples · ${series.source === 'raw' ? 'every sample' : 'M4 per pixel'}` : this.#series.error ? 'not available' : 'loading…'}${pending.length > 0
            ? html` · <span class="pending">${pending.length} reading${pending.length === 1 ? '' : 's'} not synced yet</span>`
            : ''}</span
        >
      </header>
      ${this.#series.error ? html`<p class="error" role="alert">${this.#series.error}</p>` : ''}
      <div class="plot" style="min-height: ${this.height}px"></div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-channel-chart': FlChannelChart;
  }
}
