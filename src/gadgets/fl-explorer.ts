import { LitElement, css, html, nothing } from 'lit';
import { ContextConsumer } from '@lit/context';
import type SlInput from '@shoelace-style/shoelace/dist/components/input/input.js';
import type SlRadioGroup from '@shoelace-style/shoelace/dist/components/radio-group/radio-group.js';
import type SlSwitch from '@shoelace-style/shoelace/dist/components/switch/switch.js';
import type SlMenuItem from '@shoelace-style/shoelace/dist/components/menu-item/menu-item.js';
import { DocsController, LiveController, queryOf, storageContext } from '../controllers';
import { ChannelCatalogController, type CatalogChannel } from '../controllers/explorer/channel-catalog';
import { ZoomHistory, decodeExplorerQuery, deleteExplorerView, encodeExplorerQuery, explorerViewIdOfQuery, openExplorerView, resolveRange, saveExplorerView } from '../controllers/explorer/explorer-state';
import { copyLink, exportCsv, exportNpy, exportPng, type VisibleSeries } from '../controllers/explorer/export';
import type { ExplorerSeries, LoadedSeries } from '../controllers/explorer/series-loader';
import { addSeries, dataEndOf, moveSeries, panelsOf, removePanel, removeSeries } from '../controllers/explorer/workspace';
import { MAX_EXPLORER_TITLE, explorerPresets, explorerViewProblem, type ExplorerRange, type ExplorerState, type ExplorerViewDoc } from '../core';
import { baseStyles } from './design/styles';
import { toast, toastFailed, toastSaved } from './design/toast';
import { formatValue } from './format';
import type { ExplorerPick } from './fl-explorer-picker';
import type { ExplorerRangeDetail } from './fl-explorer-panel';

/** How long the address waits after a change before it is rewritten (a drag of zooms writes once). */
const URL_DELAY_MS = 300;
/** Live: the range's end moves at most this often (samples arrive per channel, once a second or in bursts). */
const LIVE_STEP_MS = 1000;
/** Wide enough for the picker in a side column; narrower, it opens in a drawer. */
const WIDE_QUERY = '(min-width: 1200px)';
/** The cursor sync group every panel of one explorer shares (uPlot cursor sync key). */
let explorers = 0;

interface Readout {
  /** Epoch ms of the cursor, null when it is off every chart. */
  x: number | null;
  values: Map<string, number | null>;
}

/** What a panel element offers the shell (fl-explorer-panel, PANEL's gadget). */
interface PanelElement extends HTMLElement {
  series: ExplorerSeries[];
  valuesAt(ms: number): Array<{ key: string; value: number | null }>;
  canvas(): HTMLCanvasElement;
  visible(): Array<{ series: ExplorerSeries; loaded: LoadedSeries }>;
}

const isAbsolute = (range: ExplorerRange): range is { from: number; to: number } => 'from' in range;

/** A date-time input's value (local time, minutes) for epoch ms. */
function localInput(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A range in words: "2 Dec 2026, 05:00 – 06:00" (the date once when both ends share it). */
function rangeText(from: number, to: number): string {
  const day = (ms: number) => new Date(ms).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
  const clock = (ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', ...(to - from < 120_000 ? { second: '2-digit' } : {}) });
  return day(from) === day(to) ? `${day(from)}, ${clock(from)} – ${clock(to)}` : `${day(from)} ${clock(from)} – ${day(to)} ${clock(to)}`;
}

/** The cursor's time at the precision a readout needs (milliseconds when zoomed into a burst). */
function cursorText(ms: number, span: number): string {
  const date = new Date(ms);
  const base = date.toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return span < 60_000 ? `${base}.${String(date.getMilliseconds()).padStart(3, '0')}` : base;
}

/**
 * The engineer's channel explorer (#/explore): channels picked from the asset tree or by search
 * (fl-explorer-picker; a side column on wide screens, a drawer on tablets) into stacked
 * <fl-explorer-panel>s on one shared time range, with one readout of every channel's value at the
 * shared cursor; a time-range picker (last 1 h … 30 d, custom, live), zoom history (Back), the
 * state in the address (a link or a reload reopens the same view), saved views (documents that
 * sync and open offline), export (CSV, .npy, PNG, copy link), and places for the analysis and
 * algorithms gadgets. Online the series read the server's arrays; offline this device's pinned
 * copies. Properties: `username` (who saves views).
 */
export class FlExplorer extends LitElement {
  static override properties = {
    username: { attribute: false },
    state: { state: true },
    dataEnd: { state: true },
    readout: { state: true },
    pickerOpen: { state: true },
    viewsOpen: { state: true },
    customOpen: { state: true },
    wide: { state: true },
    busy: { state: true },
  };

  declare username: string | undefined;
  declare state: ExplorerState;
  /** The latest sample of the shown channels (a "last …" range ends there), undefined until known. */
  declare dataEnd: number | undefined;
  declare readout: Readout;
  declare pickerOpen: boolean;
  declare viewsOpen: boolean;
  declare customOpen: boolean;
  declare wide: boolean;
  /** An export or a save running (its button shows it). */
  declare busy: string | undefined;

  readonly #catalog = new ChannelCatalogController(this);
  readonly #storage = new ContextConsumer(this, { context: storageContext, subscribe: true });
  readonly #views = new DocsController<ExplorerViewDoc>(this, { query: () => 'type:explorer_view', prefixes: ['explorer_view/'] });
  readonly #history = new ZoomHistory();
  readonly #syncKey = `fl-explorer-${++explorers}`;
  readonly #wideQuery = window.matchMedia(WIDE_QUERY);
  /** Derived series (algorithm outputs) by panel, beside the panel's channels; never in the address. */
  #derived: ExplorerSeries[][] = [];
  /** ExplorerSeries kept by channel and storage, so an unchanged panel gets the same objects (no reload). */
  readonly #seriesCache = new Map<string, ExplorerSeries>();
  #urlTimer: ReturnType<typeof setTimeout> | undefined;
  /** The address this gadget wrote last (a hashchange to it is our own). */
  #written = '';
  #liveTimer: ReturnType<typeof setTimeout> | undefined;
  #liveEnd: number | undefined;
  #liveAt = 0;
  #endRequest = 0;
  #cursorFrame = 0;
  #pendingCursor: number | null = null;
  /** The saved view opened last (Save updates it); undefined: none. */
  #openedView: string | undefined;
  #viewTitle = '';
  #customFrom = '';
  #customTo = '';
  #resolved: { from: number; to: number } | undefined;
  readonly #openedAt = Date.now();
  #shownMemo: { state: ExplorerState; shown: Map<string, number[]> } | undefined;

  constructor() {
    super();
    this.username = undefined;
    this.state = { panels: [], range: { last: explorerPresets[1]!.last, live: false } };
    this.dataEnd = undefined;
    this.readout = { x: null, values: new Map() };
    this.pickerOpen = false;
    this.viewsOpen = false;
    this.customOpen = false;
    this.wide = this.#wideQuery.matches;
    this.busy = undefined;
    new LiveController(this, (event) => {
      if (event.type !== 'samples') return;
      const range = this.state.range;
      if (isAbsolute(range) || !range.live) return;
      if (!this.#shownSeries().some((series) => series.array === event.array)) return;
      this.#liveEnd = Math.max(this.#liveEnd ?? -Infinity, event.last.time);
      this.#stepLive();
    });
  }

  static override styles = [
    baseStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-medium); min-width: 0; }
      .workspace { display: grid; gap: var(--sl-spacing-medium); grid-template-columns: minmax(0, 1fr); align-items: start; }
      .workspace.wide { grid-template-columns: minmax(16rem, 20rem) minmax(0, 1fr); }
      aside.picker { position: sticky; top: var(--sl-spacing-small); max-height: calc(100vh - 2 * var(--sl-spacing-medium)); overflow: auto; padding: var(--sl-spacing-small); }
      .main { display: grid; gap: var(--sl-spacing-medium); min-width: 0; }
      .toolbar { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small); align-items: end; }
      .toolbar .spacer { flex: 1 1 0; }
      .range-text { font-variant-numeric: tabular-nums; }
      sl-radio-group::part(form-control-label) { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
      .custom { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small); align-items: end; }
      .custom sl-input { width: 15rem; }
      .readout, .readout dl { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-2x-small) var(--sl-spacing-large); margin: 0; align-items: baseline; }
      .readout { min-height: 2.5rem; }
      .readout .time { font-weight: var(--sl-font-weight-semibold); font-variant-numeric: tabular-nums; min-width: 12rem; }
      .readout div { display: flex; gap: var(--sl-spacing-x-small); align-items: baseline; }
      .readout dt { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
      .readout dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: var(--sl-font-weight-semibold); }
      .swatch { width: 0.75rem; height: 0.75rem; border-radius: 2px; align-self: center; background: var(--fl-border); }
      section.panel { display: grid; gap: var(--sl-spacing-x-small); padding: var(--sl-spacing-small); }
      .panel-head { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-x-small); align-items: center; }
      .panel-head h3 { font-size: var(--sl-font-size-medium); margin-inline-end: var(--sl-spacing-small); }
      .panel-head .spacer { flex: 1 1 0; }
      .chip { display: inline-flex; align-items: center; gap: var(--sl-spacing-2x-small); border: 1px solid var(--fl-border); border-radius: var(--sl-border-radius-pill); padding-inline-start: var(--sl-spacing-small); min-height: var(--fl-touch); }
      .chip .unit { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
      .chip sl-icon-button { font-size: 1.1rem; }
      sl-icon-button::part(base) { min-width: var(--fl-touch); min-height: var(--fl-touch); display: inline-flex; align-items: center; justify-content: center; }
      .note { font-size: var(--sl-font-size-small); }
      .empty { padding: var(--sl-spacing-large); text-align: center; }
      sl-drawer::part(panel) { width: min(26rem, 92vw); }
      sl-dialog::part(panel) { width: min(36rem, 96vw); }
      .views { display: grid; gap: var(--sl-spacing-x-small); list-style: none; padding: 0; margin: 0; }
      .views li { display: flex; align-items: center; gap: var(--sl-spacing-small); }
      .views li .title { flex: 1 1 auto; overflow: hidden; text-overflow: ellipsis; }
      form.save { display: flex; gap: var(--sl-spacing-small); align-items: end; flex-wrap: wrap; }
      form.save sl-input { flex: 1 1 14rem; }
    `,
  ];

  readonly #onWide = (): void => {
    this.wide = this.#wideQuery.matches;
    if (this.wide) this.pickerOpen = false;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.#readAddress);
    // A click that leaves the view comes before the hash changes: write the state first, so Back returns to it.
    window.addEventListener('click', this.#flushAddress, true);
    window.addEventListener('pagehide', this.#flushAddress);
    this.#wideQuery.addEventListener('change', this.#onWide);
    this.#readAddress();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#flushAddress();
    window.removeEventListener('hashchange', this.#readAddress);
    window.removeEventListener('click', this.#flushAddress, true);
    window.removeEventListener('pagehide', this.#flushAddress);
    this.#wideQuery.removeEventListener('change', this.#onWide);
    clearTimeout(this.#liveTimer);
    cancelAnimationFrame(this.#cursorFrame);
  }

  // ---- the address ----

  /** The state a link asks for (`#/explore?p=…&from=…&to=…`, or `&view=<id>`); only on the explorer's own address. */
  readonly #readAddress = (): void => {
    if (!/^#\/explore\/?(\?|$)/.test(location.hash)) return;
    if (location.hash === this.#written) return;
    const query = queryOf(location.hash);
    const view = explorerViewIdOfQuery(query);
    if (view) {
      void this.#openViewById(view);
      return;
    }
    this.#setState(decodeExplorerQuery(query), { history: false, address: false });
  };

  /** Writes the state into the address in place after a pause (replaceState: Back leaves the explorer, not each zoom). */
  #writeAddress(): void {
    clearTimeout(this.#urlTimer);
    this.#urlTimer = setTimeout(this.#flushAddress, URL_DELAY_MS);
  }

  /** Writes a pending state into the address now; nothing when none waits or the explorer is not shown. */
  readonly #flushAddress = (): void => {
    if (this.#urlTimer === undefined) return;
    clearTimeout(this.#urlTimer);
    this.#urlTimer = undefined;
    if (!/^#\/explore\/?(\?|$)/.test(location.hash)) return;
    const query = encodeExplorerQuery(this.state).toString();
    const wanted = `#/explore${query ? `?${query}` : ''}`;
    this.#written = wanted;
    if (location.hash !== wanted) history.replaceState(history.state, '', wanted);
  };

  /** The one way the state changes: optionally pushes the old range on the zoom history, writes the address. */
  #setState(next: ExplorerState, options: { history?: boolean; address?: boolean } = {}): void {
    if ((options.history ?? true) && JSON.stringify(next.range) !== JSON.stringify(this.state.range)) this.#history.push(this.state.range);
    this.state = next;
    if (options.address ?? true) this.#writeAddress();
  }

  // ---- series and ranges ----

  /** The ExplorerSeries of a channel as it is read now, or a reason it cannot be drawn. */
  #seriesOf(channel: string): ExplorerSeries | { missing: string } {
    const entry: CatalogChannel | undefined = this.#catalog.get(channel);
    if (!entry) return { missing: this.#catalog.loaded ? 'A channel of this view is not known here (removed, or of a site you do not see).' : '' };
    const storage = this.#catalog.storageFor(entry);
    if (!storage) {
      const name = `${entry.title} (${entry.assetTitle})`;
      const server = this.#catalog.server;
      if (server === 'signed_out') return { missing: `${name} is not on this device: sign in to read it from the server, or keep its site on this device (Sync).` };
      if (server === 'unreachable' || server === 'error') return { missing: `${name} cannot be read: the server is out of reach and it is not on this device.` };
      return { missing: `${name} is not on this device: keep its site on this device (Sync) to see it offline.` };
    }
    const where = storage === this.#storage.value ? 'device' : 'server';
    const key = `${channel}\u0000${where}`;
    let series = this.#seriesCache.get(key);
    if (!series || series.storage !== storage) {
      series = { key: channel, channel, title: `${entry.title} · ${entry.assetTitle}`, unit: entry.unit, array: entry.array, storage };
      this.#seriesCache.set(key, series);
    }
    return series;
  }

  /** Every drawable series of every panel (channels, then derived), for live events, readout and analysis. */
  #shownSeries(): ExplorerSeries[] {
    return this.#panelSeries().flatMap((panel) => panel.series);
  }

  /** Keyed by the panels (not the range): zooming keeps every series object, so nothing downstream starts again. */
  #panelsMemo: { state: ExplorerState; catalog: unknown; online: boolean; derived: unknown; panels: Array<{ series: ExplorerSeries[]; missing: string[] }> } | undefined;

  /** Per panel: the series it draws (the same array objects while nothing changed) and the notes of those it cannot. */
  #panelSeries(): Array<{ series: ExplorerSeries[]; missing: string[] }> {
    const memo = this.#panelsMemo;
    if (memo && memo.state.panels === this.state.panels && memo.catalog === this.#catalog.catalog && memo.online === this.#catalog.online && memo.derived === this.#derived) return memo.panels;
    const panels = this.state.panels.map((panel, index) => {
      const series: ExplorerSeries[] = [];
      const missing: string[] = [];
      for (const ref of panel.series) {
        const made = this.#seriesOf(ref.channel);
        if ('missing' in made) {
          if (made.missing) missing.push(made.missing);
        } else series.push(made);
      }
      series.push(...(this.#derived[index] ?? []));
      // Same series as before: keep the old array, so the panel sees no change and reads nothing again.
      const before = memo?.panels[index]?.series;
      const same = before && before.length === series.length && before.every((each, position) => each === series[position]);
      return { series: same ? before : series, missing };
    });
    this.#panelsMemo = { state: this.state, catalog: this.#catalog.catalog, online: this.#catalog.online, derived: this.#derived, panels };
    return panels;
  }

  /** Looks up where the shown data ends ("last …" ranges end there). */
  async #findDataEnd(): Promise<void> {
    const request = ++this.#endRequest;
    const end = (await dataEndOf(this.#shownSeries())) ?? Date.now();
    if (request !== this.#endRequest) return;
    this.dataEnd = end;
    this.#liveEnd = end;
  }

  /** Live: moves the range's end to the newest sample, at most once a LIVE_STEP_MS. */
  #stepLive(): void {
    if (this.#liveTimer !== undefined) return;
    const wait = Math.max(0, this.#liveAt + LIVE_STEP_MS - Date.now());
    this.#liveTimer = setTimeout(() => {
      this.#liveTimer = undefined;
      this.#liveAt = Date.now();
      if (this.#liveEnd !== undefined && this.#liveEnd !== this.dataEnd) this.dataEnd = this.#liveEnd;
    }, wait);
  }

  /** The range every panel shows now (ms), the same object while its ends are unchanged. */
  #range(): { from: number; to: number } {
    // Before the data's end is known, a "last …" range ends at the time the explorer opened (a stable value: the panels load once).
    const next = resolveRange(this.state.range, this.dataEnd ?? this.#openedAt);
    if (!this.#resolved || this.#resolved.from !== next.from || this.#resolved.to !== next.to) this.#resolved = { from: next.from, to: next.to };
    return this.#resolved;
  }

  override updated(): void {
    // A series became readable (the catalog arrived, on/offline changed, a channel was added): where does the data end now?
    const series = this.#shownSeries()
      .map((each) => `${each.key}@${each.storage === this.#storage.value ? 'd' : 's'}`)
      .join(',');
    if (series !== this.#endSeries) {
      this.#endSeries = series;
      void this.#findDataEnd();
    }
  }

  #endSeries = '';

  // ---- events from panels and the picker ----

  #onPick(event: CustomEvent<ExplorerPick>): void {
    const { state, refused } = addSeries(this.state, event.detail.channel, event.detail.panel);
    if (refused) {
      void toast(refused, { variant: 'warning' });
      return;
    }
    this.#setState(state, { history: false });
  }

  /**
   * A panel zoomed or panned: every panel follows at once. A gesture sends a range per frame
   * (settled false) and one at its end (settled true): the zoom history gets the range from
   * before the gesture once, and the address is written at the end.
   */
  #onRange(event: CustomEvent<ExplorerRangeDetail>): void {
    const { from, to, settled } = event.detail;
    if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) return;
    this.#gestureFrom ??= this.state.range;
    this.state = { ...this.state, range: { from, to } };
    if (settled === false) return;
    this.#history.push(this.#gestureFrom);
    this.#gestureFrom = undefined;
    this.#writeAddress();
  }

  /** The range shown when the current gesture began (undefined: no gesture running). */
  #gestureFrom: ExplorerRange | undefined;

  #back(): void {
    const previous = this.#history.back();
    if (!previous) return;
    this.#setState({ ...this.state, range: previous }, { history: false });
  }

  readonly #onCursor = (event: CustomEvent<{ x: number | null }>): void => {
    this.#pendingCursor = event.detail.x;
    // Pointer moves come faster than frames: one readout per frame.
    if (this.#cursorFrame) return;
    this.#cursorFrame = requestAnimationFrame(() => {
      this.#cursorFrame = 0;
      const x = this.#pendingCursor;
      const values = new Map<string, number | null>();
      if (x !== null) {
        for (const panel of this.renderRoot.querySelectorAll<PanelElement>('fl-explorer-panel')) {
          if (typeof panel.valuesAt !== 'function') continue;
          for (const { key, value } of panel.valuesAt(x)) values.set(`${panel.dataset.panel}\u0000${key}`, value);
        }
      }
      this.readout = { x, values };
    });
  };

  #onDerived(event: CustomEvent<{ panel: number; series: ExplorerSeries }>): void {
    const { panel, series } = event.detail;
    if (!series || typeof series.key !== 'string') return;
    const index = Number.isInteger(panel) && panel >= 0 && panel < this.state.panels.length ? panel : this.state.panels.length - 1;
    if (index < 0) return;
    const derived = this.#derived.map((list) => [...list]);
    while (derived.length <= index) derived.push([]);
    // A re-run replaces the output of the same key (the live re-runs of one algorithm).
    derived[index] = [...derived[index]!.filter((each) => each.key !== series.key), series];
    this.#derived = derived;
    this.requestUpdate();
  }

  #removeSeries(panel: number, series: ExplorerSeries | string): void {
    if (typeof series !== 'string' && series.derived) {
      this.#derived = this.#derived.map((list, index) => (index === panel ? list.filter((each) => each.key !== series.key) : list));
      this.requestUpdate();
      return;
    }
    const channel = typeof series === 'string' ? series : series.channel;
    const before = this.state.panels.length;
    const next = removeSeries(this.state, panel, channel);
    if (next.panels.length < before) this.#derived = this.#derived.filter((_, index) => index !== panel);
    this.#setState(next, { history: false });
  }

  #moveSeries(panel: number, channel: string, to: number | null): void {
    const before = this.state.panels.length;
    const { state, refused } = moveSeries(this.state, panel, channel, to);
    if (refused) {
      void toast(refused, { variant: 'warning' });
      return;
    }
    // A new panel is appended (the source keeps its index); the source, left empty, goes.
    const added = to === null ? 1 : 0;
    let derived = added ? [...this.#derived, ...Array.from({ length: Math.max(0, before + 1 - this.#derived.length) }, () => [])] : this.#derived;
    if (state.panels.length < before + added) derived = derived.filter((_, index) => index !== panel);
    this.#derived = derived;
    this.#setState(state, { history: false });
  }

  #removePanel(panel: number): void {
    this.#derived = this.#derived.filter((_, index) => index !== panel);
    this.#setState(removePanel(this.state, panel), { history: false });
  }

  // ---- the time-range picker ----

  #preset(value: string): void {
    if (value === 'custom') {
      const range = this.#range();
      this.#customFrom = localInput(range.from);
      this.#customTo = localInput(range.to);
      this.customOpen = true;
      return;
    }
    const last = Number(value);
    if (!Number.isFinite(last) || last <= 0) return;
    this.customOpen = false;
    const live = !isAbsolute(this.state.range) && this.state.range.live;
    this.#setState({ ...this.state, range: { last, live } });
  }

  #setLive(live: boolean): void {
    const range = this.state.range;
    if (!live) {
      // Stopping live keeps what is on screen: the window as it is now, fixed.
      this.#setState({ ...this.state, range: { ...this.#range() } });
      return;
    }
    const last = isAbsolute(range) ? Math.max(1000, range.to - range.from) : range.last;
    this.customOpen = false;
    this.#setState({ ...this.state, range: { last, live: true } });
  }

  #applyCustom(event: Event): void {
    event.preventDefault();
    const from = new Date(this.#customFrom).getTime();
    const to = new Date(this.#customTo).getTime();
    if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) {
      void toast('Choose a start before the end.', { variant: 'warning' });
      return;
    }
    this.customOpen = false;
    this.#setState({ ...this.state, range: { from, to } });
  }

  // ---- saved views ----

  async #openViewById(id: string): Promise<void> {
    const storage = this.#storage.value;
    if (!storage) return;
    try {
      this.#openView(id, await openExplorerView(storage, id));
    } catch (error) {
      void toastFailed('The saved view could not be opened', error);
    }
  }

  #openView(id: string, doc: ExplorerViewDoc): void {
    this.#openedView = id;
    this.#viewTitle = doc.title;
    this.#derived = [];
    this.viewsOpen = false;
    this.#history.clear();
    this.#setState({ panels: doc.panels.map((panel) => ({ series: panel.series.map((series) => ({ channel: series.channel })) })), range: doc.range }, { history: false });
    // The address names the state itself (a reload reopens exactly this), not the view id.
    this.#flushAddress();
    void toast(`Opened “${doc.title}”`, { variant: 'primary' });
  }

  async #saveView(event: Event): Promise<void> {
    event.preventDefault();
    const storage = this.#storage.value;
    const title = this.#viewTitle.trim();
    if (!storage) return;
    if (!this.username) return void toastFailed('View not saved', new Error('Sign in to save views.'));
    if (!title) return void toast('Give the view a title.', { variant: 'warning' });
    // Saving under the title of the view opened last overwrites it; another title makes a new view.
    const existing = this.#savedViews().find((view) => view.id === this.#openedView && view.title === title);
    this.busy = 'save';
    try {
      this.#openedView = await saveExplorerView(storage, { title, owner: this.username, state: this.state, ...(existing ? { id: existing.id } : {}) });
      void toastSaved(`View “${title}” saved`);
      await this.#views.reload();
    } catch (error) {
      void toastFailed('View not saved', error);
    } finally {
      this.busy = undefined;
    }
  }

  /** The saved views on this device that are valid (a document written past the checks is left out). */
  #savedViews(): Array<ExplorerViewDoc & { id: string }> {
    return (this.#views.docs ?? []).filter((view) => explorerViewProblem(view) === undefined);
  }

  async #deleteView(id: string, title: string): Promise<void> {
    const storage = this.#storage.value;
    if (!storage || !window.confirm(`Delete the saved view “${title}”?`)) return;
    try {
      await deleteExplorerView(storage, id);
      if (this.#openedView === id) this.#openedView = undefined;
      void toastSaved(`View “${title}” deleted`);
      await this.#views.reload();
    } catch (error) {
      void toastFailed('View not deleted', error);
    }
  }

  // ---- export ----

  #panelElements(): PanelElement[] {
    return [...this.renderRoot.querySelectorAll<PanelElement>('fl-explorer-panel')];
  }

  /** Exports what is on screen: CSV or NumPy of the visible range (raw samples or M4 columns, the file says which), the charts as PNG, or the link. */
  async #export(kind: 'csv' | 'npy' | 'png' | 'link'): Promise<void> {
    this.busy = kind;
    try {
      const range = this.#range();
      if (kind === 'link') {
        this.#flushAddress();
        const { url, copied } = await copyLink(range);
        if (copied) void toast('Link copied', { variant: 'primary' });
        else window.prompt('Copy this link', url);
        return;
      }
      const panels = this.#panelElements();
      if (kind === 'png') {
        download(await exportPng(panels, { caption: rangeText(range.from, range.to) }), `explorer-${new Date(range.from).toISOString().slice(0, 19).replace(/:/g, '')}.png`);
        return;
      }
      const visible: VisibleSeries[] = panels.flatMap((panel) => panel.visible());
      if (visible.length === 0) return void toast('Nothing is drawn yet to export.', { variant: 'warning' });
      const file = kind === 'csv' ? await exportCsv(visible, range) : await exportNpy(visible, range);
      download(file.blob, file.filename);
      void toast(file.kind === 'raw' ? `Exported the raw samples (${file.filename})` : `Exported M4 columns (${file.filename}): zoom in for raw samples`, { variant: 'primary' });
    } catch (error) {
      void toastFailed('Export failed', error);
    } finally {
      this.busy = undefined;
    }
  }

  // ---- render ----

  /** Channel → panels showing it, the same Map while the state is unchanged (the picker redraws only then). */
  #shownPanels(): Map<string, number[]> {
    if (this.#shownMemo?.state !== this.state) this.#shownMemo = { state: this.state, shown: panelsOf(this.state) };
    return this.#shownMemo.shown;
  }

  /** The picker: in the side column when wide, else in a drawer (rendered only while open, like the views dialog). */
  #picker() {
    return html`<fl-explorer-picker
      .catalog=${this.#catalog.catalog}
      .server=${this.#catalog.server}
      .panels=${this.state.panels.length}
      .shown=${this.#shownPanels()}
      @fl-explorer-pick=${(event: CustomEvent<ExplorerPick>) => this.#onPick(event)}
    ></fl-explorer-picker>`;
  }

  #rangeControls(range: { from: number; to: number }) {
    const current = this.state.range;
    const preset = this.customOpen ? 'custom' : isAbsolute(current) ? '' : String(current.last);
    const live = !isAbsolute(current) && current.live;
    return html`<div class="toolbar" role="group" aria-label="Time range">
        ${this.wide ? nothing : html`<sl-button @click=${() => (this.pickerOpen = true)}><sl-icon slot="prefix" name="search"></sl-icon>Channels</sl-button>`}
        <sl-button ?disabled=${!this.#history.canGoBack} @click=${() => this.#back()} data-action="back"><sl-icon slot="prefix" name="arrow-left"></sl-icon>Back</sl-button>
        <sl-radio-group label="Time range" name="range" .value=${preset} @sl-change=${(event: Event) => this.#preset(String((event.target as SlRadioGroup).value))}>
          ${explorerPresets.map((each) => html`<sl-radio-button value=${String(each.last)}>${each.label.replace('Last ', '')}</sl-radio-button>`)}
          <sl-radio-button value="custom">Custom</sl-radio-button>
        </sl-radio-group>
        <sl-switch ?checked=${live} @sl-change=${(event: Event) => this.#setLive((event.target as SlSwitch).checked)}>Live</sl-switch>
        <span class="range-text muted" aria-live="polite" data-from=${range.from} data-to=${range.to}>${rangeText(range.from, range.to)}</span>
        <span class="spacer"></span>
        <sl-button @click=${() => (this.viewsOpen = true)}><sl-icon slot="prefix" name="bookmark"></sl-icon>Views</sl-button>
        <sl-dropdown>
          <sl-button slot="trigger" caret ?loading=${this.busy !== undefined && this.busy !== 'save'} ?disabled=${this.state.panels.length === 0}><sl-icon slot="prefix" name="download"></sl-icon>Export</sl-button>
          <sl-menu @sl-select=${(event: CustomEvent<{ item: SlMenuItem }>) => void this.#export(event.detail.item.value as 'csv' | 'npy' | 'png' | 'link')}>
            <sl-menu-item value="csv"><sl-icon slot="prefix" name="download"></sl-icon>CSV of the visible range</sl-menu-item>
            <sl-menu-item value="npy"><sl-icon slot="prefix" name="download"></sl-icon>NumPy .npy of the visible range</sl-menu-item>
            <sl-menu-item value="png"><sl-icon slot="prefix" name="image"></sl-icon>Chart as PNG</sl-menu-item>
            <sl-menu-item value="link"><sl-icon slot="prefix" name="link-45deg"></sl-icon>Copy link</sl-menu-item>
          </sl-menu>
        </sl-dropdown>
      </div>
      ${this.customOpen
        ? html`<form class="custom" @submit=${(event: Event) => this.#applyCustom(event)}>
            <sl-input type="datetime-local" label="From" required .value=${this.#customFrom} @sl-input=${(event: Event) => (this.#customFrom = (event.target as SlInput).value)}></sl-input>
            <sl-input type="datetime-local" label="To" required .value=${this.#customTo} @sl-input=${(event: Event) => (this.#customTo = (event.target as SlInput).value)}></sl-input>
            <sl-button type="submit" variant="primary">Show</sl-button>
            <sl-button @click=${() => (this.customOpen = false)}>Cancel</sl-button>
          </form>`
        : nothing}`;
  }

  #readoutView(panels: Array<{ series: ExplorerSeries[] }>, range: { from: number; to: number }) {
    const { x, values } = this.readout;
    const rows = panels.flatMap((panel, index) => panel.series.map((series) => ({ panel: index, series })));
    if (rows.length === 0) return nothing;
    return html`<div class="readout" role="group" aria-label="Values at the cursor" data-cursor=${x ?? ''}>
      <span class="time">${x === null ? 'Point at a chart to read the values' : cursorText(x, range.to - range.from)}</span>
      <dl>
        ${rows.map(({ panel, series }) => {
          const value = x === null ? undefined : values.get(`${panel}\u0000${series.key}`);
          return html`<div data-key=${series.key}><dt>${series.derived?.label ?? series.title}</dt><dd data-value=${value ?? ''}>${x === null ? '' : formatValue(value ?? undefined, series.unit)}</dd></div>`;
        })}
      </dl>
    </div>`;
  }

  #seriesChip(panelIndex: number, series: ExplorerSeries) {
    const title = series.derived?.label ?? series.title;
    const others = this.state.panels.map((_, index) => index).filter((index) => index !== panelIndex);
    return html`<span class="chip" data-series=${series.key}>
      <span>${title}</span><span class="unit">${series.unit}</span>
      <sl-dropdown>
        <sl-icon-button slot="trigger" name="three-dots-vertical" label="Actions for ${title}"></sl-icon-button>
        <sl-menu
          @sl-select=${(event: CustomEvent<{ item: SlMenuItem }>) => {
            const value = event.detail.item.value;
            if (value === 'remove') this.#removeSeries(panelIndex, series);
            else this.#moveSeries(panelIndex, series.channel, value === 'new' ? null : Number(value));
          }}
        >
          ${series.derived ? nothing : others.map((index) => html`<sl-menu-item value=${String(index)}>Move to panel ${index + 1}</sl-menu-item>`)}
          ${series.derived ? nothing : html`<sl-menu-item value="new">Move to a new panel</sl-menu-item>`}
          <sl-menu-item value="remove"><sl-icon slot="prefix" name="x-lg"></sl-icon>Remove</sl-menu-item>
        </sl-menu>
      </sl-dropdown>
    </span>`;
  }

  #panelsView(panels: Array<{ series: ExplorerSeries[]; missing: string[] }>, range: { from: number; to: number }) {
    // A "last …" range ends at the data's end: until it is known, draw nothing rather than load a range twice.
    const waiting = !isAbsolute(this.state.range) && this.dataEnd === undefined;
    const height = Math.round(Math.max(180, Math.min(360, (window.innerHeight - 360) / Math.max(1, panels.length))));
    return panels.map(
      (panel, index) => html`<section class="panel" aria-labelledby="panel-${index}-title" data-panel=${index}>
        <div class="panel-head">
          <h3 id="panel-${index}-title">Panel ${index + 1}</h3>
          ${panel.series.map((series) => this.#seriesChip(index, series))}
          ${this.state.panels[index]!.series.filter((ref) => !panel.series.some((series) => series.channel === ref.channel)).map(
            (ref) => html`<span class="chip" data-series=${ref.channel} data-missing>
              <span class="muted">${this.#catalog.get(ref.channel)?.title ?? 'Unknown channel'}</span>
              <sl-icon-button name="x-lg" label="Remove ${this.#catalog.get(ref.channel)?.title ?? 'this channel'}" @click=${() => this.#removeSeries(index, ref.channel)}></sl-icon-button>
            </span>`,
          )}
          <span class="spacer"></span>
          <sl-icon-button name="trash" label="Remove panel ${index + 1}" @click=${() => this.#removePanel(index)}></sl-icon-button>
        </div>
        ${panel.missing.map((note) => html`<p class="note muted" data-note="missing">${note}</p>`)}
        ${panel.series.length && waiting ? html`<p class="muted"><sl-spinner></sl-spinner> Finding where the data ends…</p>` : nothing}
        ${panel.series.length && !waiting
          ? html`<fl-explorer-panel data-panel=${index} .series=${panel.series} .range=${range} .syncKey=${this.#syncKey} .height=${height}></fl-explorer-panel>`
          : nothing}
      </section>`,
    );
  }

  #viewsDialog() {
    const views = this.#savedViews();
    // Only while open: a closed dialog's title would still be an h2 inside the view (the shell's heading is the view's h2).
    return html`<sl-dialog label="Saved views" open @sl-after-hide=${(event: Event) => event.target === event.currentTarget && (this.viewsOpen = false)}>
      <form class="save" @submit=${(event: Event) => void this.#saveView(event)}>
        <sl-input label="Save this view as" name="title" maxlength=${MAX_EXPLORER_TITLE} required .value=${this.#viewTitle} @sl-input=${(event: Event) => (this.#viewTitle = (event.target as SlInput).value)}></sl-input>
        <sl-button type="submit" variant="primary" ?loading=${this.busy === 'save'} ?disabled=${this.state.panels.length === 0}><sl-icon slot="prefix" name="bookmark-plus"></sl-icon>Save</sl-button>
      </form>
      <h3>Open a saved view</h3>
      ${views.length === 0
        ? html`<p class="muted">No saved views yet.</p>`
        : html`<ul class="views">
            ${views.map(
              (view) => html`<li data-view=${view.id}>
                <span class="title">${view.title}<span class="muted small"> · ${view.owner}</span></span>
                <sl-button @click=${() => this.#openView(view.id, view)}><sl-icon slot="prefix" name="folder2-open"></sl-icon>Open</sl-button>
                <sl-icon-button name="trash" label="Delete ${view.title}" @click=${() => void this.#deleteView(view.id, view.title)}></sl-icon-button>
              </li>`,
            )}
          </ul>`}
    </sl-dialog>`;
  }

  #visibleMemo: { panels: unknown; visible: Array<ExplorerSeries & { panel: number }>; only: ExplorerSeries[][] } | undefined;

  /** Every drawn series with its panel (the same array while the panels are unchanged: the analysis runs again only then). */
  #visible(panels: Array<{ series: ExplorerSeries[] }>): Array<ExplorerSeries & { panel: number }> {
    if (this.#visibleMemo?.panels !== panels) {
      this.#visibleMemo = { panels, visible: panels.flatMap((panel, index) => panel.series.map((series) => ({ ...series, panel: index }))), only: panels.map((panel) => panel.series) };
    }
    return this.#visibleMemo.visible;
  }

  #panelsOnly(panels: Array<{ series: ExplorerSeries[] }>): ExplorerSeries[][] {
    this.#visible(panels);
    return this.#visibleMemo!.only;
  }

  override render() {
    const panels = this.#panelSeries();
    const range = this.#range();
    const visible = this.#visible(panels);
    const main = html`<div class="main">
      ${this.#rangeControls(range)}
      ${this.#readoutView(panels, range)}
      <div
        class="panels stack"
        @fl-explorer-range=${(event: CustomEvent<ExplorerRangeDetail>) => this.#onRange(event)}
        @fl-explorer-cursor=${this.#onCursor}
        @fl-explorer-back=${() => this.#back()}
      >
        ${panels.length === 0 ? html`<p class="empty muted panel">${this.#catalog.loaded ? 'Pick channels to explore: search or open an asset, then choose a channel.' : 'Listing the channels…'}</p>` : this.#panelsView(panels, range)}
      </div>
      ${customElements.get('fl-explorer-analysis') && visible.length ? html`<fl-explorer-analysis .targets=${visible} .range=${range}></fl-explorer-analysis>` : nothing}
      ${customElements.get('fl-explorer-algorithms') && visible.length
        ? html`<fl-explorer-algorithms .series=${visible} .panels=${this.#panelsOnly(panels)} .range=${range} .online=${this.#catalog.online} .username=${this.username}></fl-explorer-algorithms>`
        : nothing}
    </div>`;
    return html`<div class="workspace ${this.wide ? 'wide' : ''}" @fl-explorer-derived=${(event: CustomEvent<{ panel: number; series: ExplorerSeries }>) => this.#onDerived(event)}>
        ${this.wide ? html`<aside class="picker panel" aria-label="Channels">${this.#picker()}</aside>` : nothing}
        ${main}
      </div>
      ${this.wide || !this.pickerOpen ? nothing : html`<sl-drawer label="Channels" placement="start" open @sl-after-hide=${(event: Event) => event.target === event.currentTarget && (this.pickerOpen = false)}>${this.#picker()}</sl-drawer>`}
      ${this.viewsOpen ? this.#viewsDialog() : nothing}`;
  }

  override firstUpdated(): void {
    // The analysis and algorithms gadgets are separate modules: draw their places once they are defined.
    for (const tag of ['fl-explorer-panel', 'fl-explorer-analysis', 'fl-explorer-algorithms']) void customElements.whenDefined(tag).then(() => this.requestUpdate());
  }
}

/** Saves a blob under a file name (an anchor click: the browser's download). */
function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  anchor.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-explorer': FlExplorer;
  }
}
