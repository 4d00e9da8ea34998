import { LitElement, css, html, nothing, unsafeCSS, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';
import { loadSeries, type ExplorerSeries, type LoadedSeries } from '../controllers/explorer/series-loader';
import { joinSeries, valueAt } from '../controllers/explorer/series-join';
import { dragRange, isHorizontalDrag, keyAction, panBy, timeAt, twoFingerRange, wheelAction, zoomAround, type TimeRange } from '../controllers/explorer/panel-gestures';
import type { Storage } from '../storage';
import { baseStyles } from './design/styles';
import { formatAxisTimes, timeAxisSpace } from './chart-time';
import { AXIS_FONT, measureAxisText } from './axis-text';

/** Series colours, in order: theme tokens (Shoelace's palette follows light and dark). */
const PALETTE = ['--sl-color-primary-600', '--sl-color-orange-600', '--sl-color-violet-600', '--sl-color-sky-600', '--sl-color-pink-600', '--sl-color-lime-700', '--sl-color-amber-700', '--sl-color-indigo-600'];
const FALLBACKS = ['#0d9488', '#ea580c', '#7c3aed', '#0284c7', '#db2777', '#4d7c0f', '#b45309', '#4f46e5'];
/** After the range stops moving this long (ms), the new range's series are loaded (one load per burst). */
const LOAD_DEBOUNCE_MS = 100;
/** Width of a y axis (CSS px) unless its labels need more: the same in every panel, so stacked panels' time axes line up. */
const Y_AXIS_SIZE = 64;
/** Room of a y axis's unit label (CSS px). */
const AXIS_LABEL_SIZE = 18;
/** Most ranges remembered as sent while the parent has not handed the latest back. */
const MAX_SENT = 256;
/** A wheel gesture counts as over once no wheel event came for this long (ms): its range is then "settled". */
const WHEEL_SETTLE_MS = 250;

/** Detail of `fl-explorer-range`: the range the user zoomed or panned to; `settled` false while the gesture goes on. */
export interface ExplorerRangeDetail {
  from: number;
  to: number;
  settled: boolean;
}

/** A touch pointer on the plot: where it went down and where it is (CSS px in the plot). */
interface Touch {
  x0: number;
  y0: number;
  x: number;
  y: number;
}

/**
 * One panel of the explorer: several series on one time axis (uPlot), a y axis per unit (left,
 * right, left…), colours from theme tokens, no legend of its own (the shell shows the readout).
 * Fluid at any array length: a gesture frame only moves the x scale over what is drawn (one redraw
 * per animation frame); the new range's series (M4 per pixel column, O(pixels)) load in the
 * background 100 ms after the range stops moving, the latest load wins, and the data are then set.
 *
 * Properties: `series` (ExplorerSeries[]), `range` ({from, to} epoch ms), `syncKey` (uPlot cursor
 * sync group of the panels), `height` (CSS px of the plot).
 * Events (bubbling, composed): `fl-explorer-range` {from, to, settled} on the user's zoom or pan
 * (once per animation frame while a gesture runs, settled true at its end: the parent hands each
 * back as `range`, at once or late — a late frame the gesture has left is not drawn); `fl-explorer-cursor`
 * {x: ms | null} while the pointer is over this panel; `fl-explorer-back` (Backspace/Escape).
 * Gestures: drag (mouse) or one-finger horizontal drag (touch) selects a range; wheel zooms
 * around the pointer, shift+wheel or a horizontal wheel pans; keys when focused: ← → pan 10 %,
 * + − zoom 2×, Backspace/Escape back; two fingers pinch-zoom and pan. Vertical touch drags
 * scroll the page.
 * Methods: `valuesAt(ms)`, `canvas()`, `visible()`.
 * Attributes (tests, benchmarks): `data-source` ('raw' | 'summary' | 'mixed'), `data-points`
 * (points drawn, all series), `data-loading` (present while a load runs), `data-drawn-at` (bumped
 * on each draw of newly loaded data).
 */
export class FlExplorerPanel extends LitElement {
  static override properties = {
    series: { attribute: false },
    range: { attribute: false },
    syncKey: { type: String, attribute: 'sync-key' },
    height: { type: Number },
    errors: { state: true },
    loading: { state: true },
  };

  declare series: ExplorerSeries[];
  declare range: TimeRange | undefined;
  declare syncKey: string;
  declare height: number;
  /** Series that could not be loaded: their title and why. */
  declare errors: Array<{ title: string; message: string }>;
  /** A load runs (shown after a moment, so quick loads do not flash). */
  declare loading: boolean;

  #plot: uPlot | undefined;
  /** The keys and units the plot was built for: a new plot when they change. */
  #shape = '';
  /** What is on screen now (runs ahead of `range` while a gesture goes on). */
  #view: TimeRange | undefined;
  /** What is loaded, per series key, and for which view. */
  #loaded = new Map<string, LoadedSeries>();
  #frame: number | undefined;
  #loadTimer: ReturnType<typeof setTimeout> | undefined;
  #wheelTimer: ReturnType<typeof setTimeout> | undefined;
  /** A range event is due at the next frame (`settled` when the gesture ended meanwhile). */
  #emit: { settled: boolean } | undefined;
  /**
   * Ranges sent since the parent last handed back the one on screen: a parent that sets `range`
   * a little late hands back a frame the gesture has already left, which must not pull the view
   * back. (The shell hands each back at once, so this stays short.)
   */
  #sent: TimeRange[] = [];
  /** The cursor's time to send at the next frame (undefined: nothing to send). */
  #cursor: { x: number | null } | undefined;
  #cursorFrame: number | undefined;
  /** A middle-button drag pans: where it started and the view then. */
  #pan: { id: number; x: number; range: TimeRange } | undefined;
  #request = 0;
  #abort: AbortController | undefined;
  /** The width the last load asked for: a resize to another width loads again (the first observation of the size does not). */
  #loadedWidth = 0;
  #drawn = 0;
  #resize: ResizeObserver | undefined;
  /** The plot's width as last observed (undefined: not measured yet). */
  #plotWidth: number | undefined;
  /** Follows the theme switch (a class on <html>): the canvas is repainted in the new colours. */
  #theme: MutationObserver | undefined;
  /** Theme colours read for the canvas, by token name; emptied when the theme changes. */
  readonly #tokens = new Map<string, string>();
  /** The arrays (and their storages) the loaded data are of: a new load when they change. */
  #sources: Array<[Storage, string]> = [];
  #hovering = false;
  readonly #touches = new Map<number, Touch>();
  /** Two fingers: the view and their positions when the second one went down. */
  #pinch: { range: TimeRange; ids: [number, number]; start: [number, number] } | undefined;
  /** One finger dragging sideways: the range is being selected. */
  #selecting = false;

  constructor() {
    super();
    this.series = [];
    this.range = undefined;
    this.syncKey = 'fl-explorer';
    this.height = 240;
    this.errors = [];
    this.loading = false;
  }

  static override styles = [
    baseStyles,
    unsafeCSS(uPlotCss),
    css`
      :host { display: block; background: var(--fl-surface); color: var(--fl-text); border: 1px solid var(--fl-border); border-radius: var(--fl-radius); padding: var(--sl-spacing-x-small); }
      .legend { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-2x-small) var(--sl-spacing-medium); font-size: var(--sl-font-size-small); color: var(--fl-text-muted); margin: 0 0 var(--sl-spacing-2x-small); padding: 0; list-style: none; }
      .legend li { display: inline-flex; align-items: center; gap: var(--sl-spacing-2x-small); }
      .swatch { width: 0.9rem; height: 0.2rem; border-radius: 2px; display: inline-block; }
      /* contain: the plot's width follows the panel's, never the canvas's (a grid or flex parent would grow to the canvas and never shrink it). */
      .plot { position: relative; contain: inline-size; }
      .plot:focus-visible { outline: 2px solid var(--sl-color-primary-600); outline-offset: 2px; }
      /* A horizontal one-finger drag and two-finger gestures are the panel's; vertical drags scroll the page. */
      .plot .u-over { touch-action: pan-y; }
      .plot .u-select { background: color-mix(in srgb, var(--sl-color-primary-600) 18%, transparent); }
      .error { color: var(--fl-danger); font-size: var(--sl-font-size-small); margin: 0; }
      .legend .loading { margin-left: auto; animation: appear 0s 300ms both; }
      @keyframes appear { from { visibility: hidden; } to { visibility: visible; } }
    `,
  ];

  /** A theme colour for the canvas, read when uPlot draws, so a theme switch repaints in the new colours. */
  #token(name: string, fallback: string): () => string {
    return () => {
      // Read once per theme (a style read per stroke per redraw would cost a style recalculation in every gesture frame).
      let value = this.#tokens.get(name);
      if (value === undefined) {
        value = getComputedStyle(this).getPropertyValue(name).trim() || fallback;
        this.#tokens.set(name, value);
      }
      return value;
    };
  }

  #colour(index: number): () => string {
    return this.#token(PALETTE[index % PALETTE.length]!, FALLBACKS[index % FALLBACKS.length]!);
  }

  /** The plot's width in CSS px (its pixel columns: what a load asks for). */
  #width(): number {
    // Kept from the resize observer (it runs after layout): reading clientWidth in a gesture frame or
    // a load would force a layout of the page each time.
    this.#plotWidth ??= this.#measureWidth();
    return this.#plotWidth;
  }

  #measureWidth(): number {
    return Math.max(200, Math.floor((this.renderRoot.querySelector('.plot') as HTMLElement | null)?.clientWidth ?? 600));
  }

  /** The units in order of first appearance: one y axis (and scale) each. */
  #units(): string[] {
    const units: string[] = [];
    for (const one of this.series) if (!units.includes(one.unit)) units.push(one.unit);
    return units;
  }

  /** The value of every series at `ms` (epoch ms): the nearest drawn point; null where there is none. */
  valuesAt(ms: number): Array<{ key: string; value: number | null }> {
    return this.series.map((one) => {
      const loaded = this.#loaded.get(one.key);
      return { key: one.key, value: loaded ? valueAt(loaded, ms) : null };
    });
  }

  /** The plot's canvas (PNG export); throws before the panel is drawn. */
  canvas(): HTMLCanvasElement {
    if (!this.#plot) throw new Error('The panel is not drawn yet');
    return this.#plot.ctx.canvas;
  }

  /** The series drawn now with what is loaded of each (CSV/.npy export). */
  visible(): Array<{ series: ExplorerSeries; loaded: LoadedSeries }> {
    const result: Array<{ series: ExplorerSeries; loaded: LoadedSeries }> = [];
    for (const one of this.series) {
      const loaded = this.#loaded.get(one.key);
      if (loaded) result.push({ series: one, loaded });
    }
    return result;
  }

  /** The uPlot instance (tests and tools). */
  get plot(): uPlot | undefined {
    return this.#plot;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#resize = new ResizeObserver(() => {
      this.#plotWidth = this.#measureWidth();
      if (!this.#plot) return;
      this.#plot.setSize({ width: this.#width(), height: this.height });
      if (this.#width() !== this.#loadedWidth) this.#scheduleLoad();
    });
    const plot = this.renderRoot.querySelector('.plot');
    if (plot) this.#resize.observe(plot);
    this.#theme = new MutationObserver(() => {
      this.#tokens.clear();
      this.#plot?.redraw(false);
    });
    this.#theme.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize?.disconnect();
    this.#theme?.disconnect();
    this.#plot?.destroy();
    this.#plot = undefined;
    this.#shape = '';
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    this.#frame = undefined;
    if (this.#cursorFrame !== undefined) cancelAnimationFrame(this.#cursorFrame);
    this.#cursorFrame = undefined;
    clearTimeout(this.#loadTimer);
    clearTimeout(this.#wheelTimer);
    this.#request++;
    this.#abort?.abort();
  }

  protected override firstUpdated(): void {
    this.#resize?.observe(this.renderRoot.querySelector('.plot')!);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('series') || changed.has('syncKey')) {
      const shape = JSON.stringify([this.syncKey, this.series.map((one) => [one.key, one.unit, one.title])]);
      if (shape !== this.#shape) {
        this.#shape = shape;
        this.#build();
        this.#loaded = new Map([...this.#loaded].filter(([key]) => this.series.some((one) => one.key === key)));
      }
      // A parent that hands a new but equal array on each render (every gesture frame) loads nothing.
      const sources = this.series.map((one): [Storage, string] => [one.storage, one.array]);
      if (sources.length !== this.#sources.length || sources.some(([storage, array], index) => storage !== this.#sources[index]![0] || array !== this.#sources[index]![1])) {
        this.#sources = sources;
        this.#scheduleLoad(0);
      }
    }
    if (changed.has('height') && changed.get('height') !== undefined) this.#plot?.setSize({ width: this.#width(), height: this.height });
    if (changed.has('range') && this.range) {
      const range = this.range;
      const same = (one: TimeRange) => one.from === range.from && one.to === range.to;
      if (this.#view && same(this.#view)) {
        // The echo of our own event (the shell sets every panel's range): on screen already.
        this.#sent = [];
      } else if (!this.#sent.some(same)) {
        // A range from outside (another panel, the time picker, Back); an echo of a frame the
        // running gesture has left behind is dropped instead.
        this.#sent = [];
        // A wheel gesture still settling is over: its range is gone.
        clearTimeout(this.#wheelTimer);
        this.#view = { from: range.from, to: range.to };
        // At once, not at the next frame: a range set by another panel's gesture frame is drawn in that same frame.
        this.#plot?.setScale('x', { min: range.from / 1000, max: range.to / 1000 });
        this.#scheduleLoad(this.#loaded.size === 0 ? 0 : LOAD_DEBOUNCE_MS);
      }
    }
  }

  /** A new plot for the series (their keys or units changed); the data come with the next load. */
  #build(): void {
    this.#plot?.destroy();
    this.#plot = undefined;
    const container = this.renderRoot.querySelector('.plot') as HTMLElement | null;
    if (!container || this.series.length === 0) return;
    const units = this.#units();
    const muted = this.#token('--fl-text-muted', '#4a5a63');
    const border = this.#token('--fl-border', '#d7dee2');
    const axes: uPlot.Axis[] = [
      {
        font: AXIS_FONT,
        stroke: muted,
        grid: { stroke: border, width: 1 },
        ticks: { stroke: border, width: 1 },
        space: (_plot, _axis, min, max, width) => timeAxisSpace(max - min, width, measureAxisText),
        values: (_plot, splits, _axis, _space, step) => formatAxisTimes(splits, step),
      },
      ...units.map((unit, index): uPlot.Axis => {
        const first = this.series.findIndex((one) => one.unit === unit);
        return {
          scale: `unit:${unit}`,
          side: index % 2 === 0 ? 3 : 1,
          label: unit,
          labelSize: AXIS_LABEL_SIZE,
          font: AXIS_FONT,
          labelFont: AXIS_FONT,
          size: (_plot, values) => Math.max(Y_AXIS_SIZE, 20 + Math.max(0, ...(values ?? []).map((value) => measureAxisText(value)))),
          // The axis in its first series' colour says which lines it measures.
          stroke: units.length > 1 ? this.#colour(first) : muted,
          grid: { show: index === 0, stroke: border, width: 1 },
          ticks: { stroke: border, width: 1 },
        };
      }),
      // One unit: an empty right gutter as wide as a right axis, so this panel's plot lines up with those that have one.
      ...(units.length === 1 ? [{ scale: `unit:${units[0]!}`, side: 1, size: Y_AXIS_SIZE + AXIS_LABEL_SIZE, values: () => [], grid: { show: false }, ticks: { show: false } } satisfies uPlot.Axis] : []),
    ];
    const scales: uPlot.Scales = { x: { time: true, auto: false } };
    for (const unit of units) scales[`unit:${unit}`] = { auto: true };
    const view = this.#view;
    const empty: uPlot.AlignedData = [new Float64Array(0), ...this.series.map(() => [])] as unknown as uPlot.AlignedData;
    this.#plot = new uPlot(
      {
        width: this.#width(),
        height: this.height,
        legend: { show: false },
        series: [
          {},
          ...this.series.map(
            (one, index): uPlot.Series => ({
              label: one.derived?.label ?? one.title,
              scale: `unit:${one.unit}`,
              stroke: this.#colour(index),
              width: 1,
              // `undefined` (no point of this series at another's time) is stepped over; null is a real gap.
              spanGaps: false,
            }),
          ),
        ],
        scales,
        axes,
        cursor: {
          drag: { x: true, y: false, setScale: false },
          sync: { key: this.syncKey, setSeries: false, scales: ['x', null] },
          // uPlot's double-click fits x to the loaded data: the shell owns the range, so nothing here.
          bind: { dblclick: () => () => null },
        },
        hooks: {
          setSelect: [(plot) => this.#onSelect(plot)],
          setCursor: [(plot) => this.#onCursor(plot)],
        },
      },
      empty,
      container,
    );
    if (view) this.#plot.setScale('x', { min: view.from / 1000, max: view.to / 1000 });
    const over = this.#plot.over;
    over.addEventListener('wheel', this.#onWheel, { passive: false });
    over.addEventListener('pointerdown', this.#onPointerDown);
    over.addEventListener('pointermove', this.#onPointerMove);
    over.addEventListener('pointerup', this.#onPointerUp);
    over.addEventListener('pointercancel', this.#onPointerCancel);
    // No autoscroll (Chromium on Windows/Linux) under a middle-button pan.
    over.addEventListener('mousedown', (event) => event.button === 1 && event.preventDefault());
    over.addEventListener('pointerenter', this.#onEnter);
    over.addEventListener('pointerleave', this.#onLeave);
  }

  /** The user moved the range: on screen at the next frame, an event then, the load after it settles. */
  #move(range: TimeRange, settled: boolean): void {
    // A settled move ends a wheel gesture too (its own settling would send this range again).
    if (settled) clearTimeout(this.#wheelTimer);
    this.#view = range;
    this.#emit = { settled: settled || (this.#emit?.settled ?? false) };
    this.#requestFrame();
    this.#scheduleLoad();
  }

  /** One redraw per animation frame however many gesture events came: only the x scale moves over what is drawn. */
  #requestFrame(): void {
    if (this.#frame !== undefined) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = undefined;
      const view = this.#view;
      if (!view) return;
      this.#plot?.setScale('x', { min: view.from / 1000, max: view.to / 1000 });
      const emit = this.#emit;
      this.#emit = undefined;
      if (!emit) return;
      this.#sent.push(view);
      if (this.#sent.length > MAX_SENT) this.#sent.shift();
      this.dispatchEvent(new CustomEvent<ExplorerRangeDetail>('fl-explorer-range', { detail: { from: view.from, to: view.to, settled: emit.settled }, bubbles: true, composed: true }));
    });
  }

  #scheduleLoad(delay = LOAD_DEBOUNCE_MS): void {
    clearTimeout(this.#loadTimer);
    this.#loadTimer = setTimeout(() => void this.#load(), delay);
  }

  /** Loads every series for the view at the plot's width; a newer load makes this one's answers stale (dropped). */
  async #load(): Promise<void> {
    const view = this.#view;
    if (!view || this.series.length === 0 || !this.#plot) return;
    const request = ++this.#request;
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    const width = this.#width();
    this.#loadedWidth = width;
    const series = this.series;
    this.dataset.loading = '';
    this.loading = true;
    const results = await Promise.allSettled(series.map((one) => loadSeries(one.storage, one.array, view.from, view.to, width, { signal: abort.signal })));
    if (request !== this.#request || series !== this.series) return;
    delete this.dataset.loading;
    this.loading = false;
    const loaded = new Map<string, LoadedSeries>();
    const errors: Array<{ title: string; message: string }> = [];
    results.forEach((result, index) => {
      const one = series[index]!;
      if (result.status === 'fulfilled') loaded.set(one.key, result.value);
      else errors.push({ title: one.derived?.label ?? one.title, message: result.reason instanceof Error ? result.reason.message : String(result.reason) });
    });
    this.#loaded = loaded;
    this.errors = errors;
    this.#draw();
  }

  /** Sets the loaded data on the plot, keeping the view (which may have moved on meanwhile). */
  #draw(): void {
    const plot = this.#plot;
    if (!plot) return;
    const empty = { x: new Float64Array(0), y: [] };
    const parts = this.series.map((one) => this.#loaded.get(one.key) ?? empty);
    const data = joinSeries(parts) as unknown as uPlot.AlignedData;
    // setData(data, false) alone neither redraws nor finds the visible indices again: setting the view does both.
    plot.setData(data, false);
    const view = this.#view;
    if (view) plot.setScale('x', { min: view.from / 1000, max: view.to / 1000 });
    const sources = new Set([...this.#loaded.values()].map((one) => one.source));
    if (sources.size === 0) delete this.dataset.source;
    else this.dataset.source = sources.size === 1 ? [...sources][0]! : 'mixed';
    let points = 0;
    for (const one of this.#loaded.values()) points += one.x.length;
    this.dataset.points = String(points);
    this.dataset.drawnAt = String(++this.#drawn);
  }

  /** A mouse drag selected a range (uPlot draws the selection): zoom to it. */
  #onSelect(plot: uPlot): void {
    const view = this.#view;
    const { left, width } = plot.select;
    if (!view || width <= 0 || this.#selecting) return;
    plot.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
    const range = dragRange(view, left, left + width, plot.over.clientWidth);
    if (range) this.#move(range, true);
  }

  #onCursor(plot: uPlot): void {
    if (!this.#hovering) return;
    const left = plot.cursor.left;
    this.#sendCursor(left === undefined || left < 0 ? null : plot.posToVal(left, 'x') * 1000);
  }

  /** The cursor's time at most once per animation frame (a mouse sends more moves than the screen shows). */
  #sendCursor(x: number | null): void {
    this.#cursor = { x };
    if (this.#cursorFrame !== undefined) return;
    this.#cursorFrame = requestAnimationFrame(() => {
      this.#cursorFrame = undefined;
      const cursor = this.#cursor;
      this.#cursor = undefined;
      if (cursor) this.dispatchEvent(new CustomEvent<{ x: number | null }>('fl-explorer-cursor', { detail: cursor, bubbles: true, composed: true }));
    });
  }

  readonly #onEnter = (): void => {
    this.#hovering = true;
  };

  readonly #onLeave = (): void => {
    if (!this.#hovering) return;
    this.#hovering = false;
    this.#sendCursor(null);
  };

  readonly #onWheel = (event: WheelEvent): void => {
    const view = this.#view;
    const plot = this.#plot;
    if (!view || !plot) return;
    const width = plot.over.clientWidth;
    const action = wheelAction(event, width);
    if (action.kind === 'none') return;
    // The page does not scroll under a zooming chart.
    event.preventDefault();
    const px = event.clientX - plot.over.getBoundingClientRect().left;
    this.#move(action.kind === 'zoom' ? zoomAround(view, timeAt(view, px, width), action.factor) : panBy(view, action.fraction), false);
    clearTimeout(this.#wheelTimer);
    this.#wheelTimer = setTimeout(() => this.#move(this.#view ?? view, true), WHEEL_SETTLE_MS);
  };

  readonly #onKey = (event: KeyboardEvent): void => {
    const view = this.#view;
    if (!view || event.altKey || event.ctrlKey || event.metaKey) return;
    const action = keyAction(event.key);
    if (action.kind === 'none') return;
    event.preventDefault();
    if (action.kind === 'back') {
      this.dispatchEvent(new CustomEvent('fl-explorer-back', { bubbles: true, composed: true }));
      return;
    }
    const middle = (view.from + view.to) / 2;
    this.#move(action.kind === 'zoom' ? zoomAround(view, middle, action.factor) : panBy(view, action.fraction), true);
  };

  /** Position of a pointer in the plot (CSS px). */
  #at(event: PointerEvent): { x: number; y: number } {
    const box = this.#plot!.over.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  }

  // Touch and pen (uPlot handles only the mouse): one finger sideways selects, two fingers pinch and pan.
  readonly #onPointerDown = (event: PointerEvent): void => {
    if (!this.#plot || !this.#view) return;
    if (event.pointerType === 'mouse') {
      // The middle button drags the range along (the left one selects, in uPlot).
      if (event.button !== 1) return;
      event.preventDefault();
      this.#plot.over.setPointerCapture(event.pointerId);
      this.#pan = { id: event.pointerId, x: this.#at(event).x, range: this.#view };
      return;
    }
    const { x, y } = this.#at(event);
    this.#plot.over.setPointerCapture(event.pointerId);
    this.#touches.set(event.pointerId, { x0: x, y0: y, x, y });
    if (this.#touches.size === 2) {
      // A second finger: the selection (if any) gives way to the pinch.
      this.#selecting = false;
      this.#plot.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
      const [a, b] = [...this.#touches.entries()];
      this.#pinch = { range: this.#view, ids: [a![0], b![0]], start: [a![1].x, b![1].x] };
    }
  };

  readonly #onPointerMove = (event: PointerEvent): void => {
    const pan = this.#pan;
    if (pan && event.pointerId === pan.id && this.#plot) {
      this.#move(panBy(pan.range, -(this.#at(event).x - pan.x) / Math.max(1, this.#plot.over.clientWidth)), false);
      return;
    }
    const touch = this.#touches.get(event.pointerId);
    const plot = this.#plot;
    if (!touch || !plot) return;
    const { x, y } = this.#at(event);
    touch.x = x;
    touch.y = y;
    const pinch = this.#pinch;
    if (pinch) {
      const a = this.#touches.get(pinch.ids[0]);
      const b = this.#touches.get(pinch.ids[1]);
      if (a && b) this.#move(twoFingerRange(pinch.range, pinch.start, [a.x, b.x], plot.over.clientWidth), false);
      return;
    }
    if (this.#touches.size !== 1) return;
    if (!this.#selecting && isHorizontalDrag(x - touch.x0, y - touch.y0)) this.#selecting = true;
    if (!this.#selecting) return;
    const clamped = Math.min(plot.over.clientWidth, Math.max(0, x));
    plot.setSelect({ left: Math.min(touch.x0, clamped), width: Math.abs(clamped - touch.x0), top: 0, height: plot.over.clientHeight }, false);
  };

  readonly #onPointerUp = (event: PointerEvent): void => {
    if (this.#pan?.id === event.pointerId) {
      this.#pan = undefined;
      if (this.#view) this.#move(this.#view, true);
      return;
    }
    const touch = this.#touches.get(event.pointerId);
    const plot = this.#plot;
    if (!touch || !plot) return;
    this.#touches.delete(event.pointerId);
    if (this.#pinch) {
      // The pinch ends with its first finger up; the other finger does nothing more until it is up too.
      if (this.#pinch.ids.includes(event.pointerId)) {
        this.#pinch = undefined;
        if (this.#view) this.#move(this.#view, true);
      }
      return;
    }
    if (!this.#selecting || !this.#view) return;
    this.#selecting = false;
    plot.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
    const range = dragRange(this.#view, touch.x0, Math.min(plot.over.clientWidth, Math.max(0, touch.x)), plot.over.clientWidth);
    if (range) this.#move(range, true);
  };

  readonly #onPointerCancel = (event: PointerEvent): void => {
    if (this.#pan?.id === event.pointerId) {
      this.#pan = undefined;
      if (this.#view) this.#move(this.#view, true);
    }
    // The browser took the touch (a vertical scroll): no selection.
    this.#touches.delete(event.pointerId);
    if (this.#pinch?.ids.includes(event.pointerId)) {
      this.#pinch = undefined;
      if (this.#view) this.#move(this.#view, true);
    }
    if (this.#touches.size === 0 && this.#selecting) {
      this.#selecting = false;
      this.#plot?.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
    }
  };

  override render() {
    const titles = this.series.map((one) => (one.derived?.label ?? one.title) + (one.unit ? ` [${one.unit}]` : ''));
    const label = titles.length > 0 ? `Chart of ${titles.join(', ')}. Arrow keys pan, plus and minus zoom, Backspace goes back.` : 'Empty chart';
    return html`
      <ul class="legend">
        ${this.series.map(
          (_one, index) =>
            html`<li><span class="swatch" style="background: var(${PALETTE[index % PALETTE.length]!})"></span>${titles[index]}</li>`,
        )}
        ${this.loading ? html`<li class="loading">Loading…</li>` : nothing}
      </ul>
      ${this.errors.length > 0 ? html`<p class="error" role="alert">${this.errors.map((error) => `${error.title}: ${error.message}`).join(' · ')}</p>` : nothing}
      <div class="plot" tabindex="0" role="group" aria-label=${label} style="min-height: ${this.height}px" @keydown=${this.#onKey}></div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-explorer-panel': FlExplorerPanel;
  }
}
