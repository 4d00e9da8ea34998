/**
 * Runs the explorer's analyses of the visible range for <fl-explorer-analysis>: which run is
 * current, its progress, cancelling it, and whether a result is still of the range on screen.
 *
 * Lifecycle: statistics follow every change of the targets or the range by themselves (after a
 * short pause, so a drag-zoom asks once; the previous run is aborted). The heavier analyses
 * (histogram, spectrum, spectrogram, XY) run only while their tab is shown: on showing it when its
 * result is missing or of another range, and again when the range changes while it is shown.
 * Every run has its own AbortController; a newer run or Cancel aborts the older one, and a run's
 * outcome is written only while it is still the current run of its kind (a late answer of an
 * aborted run never overwrites a newer one). The computations themselves (analysis.ts) run on the
 * worker pool and read chunks out of core, so nothing here blocks the page. `hostDisconnected`
 * aborts everything.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ComputeEngine } from '../../compute';
import type { Storage } from '../../storage';
import { analyzeHistogram, analyzeSpectrogram, analyzeSpectrum, analyzeStats, analyzeXY, type AnalysisTarget, type SpectrumWindow } from './analysis';

/** A visible series the analyses can read (what the shell hands the analysis gadget). */
export type AnalysisSeries = AnalysisTarget & { key: string };
/** The analyses that run only while their tab is shown. */
export type HeavyAnalysis = 'histogram' | 'spectrum' | 'spectrogram' | 'xy';
export type AnalysisTab = 'stats' | HeavyAnalysis;
export const analysisTabs: readonly AnalysisTab[] = ['stats', 'histogram', 'spectrum', 'spectrogram', 'xy'];

export type RangeStats = Awaited<ReturnType<typeof analyzeStats>>;
export type HistogramResult = Awaited<ReturnType<typeof analyzeHistogram>>;
export type SpectrumResult = Awaited<ReturnType<typeof analyzeSpectrum>>;
export type SpectrogramResult = Awaited<ReturnType<typeof analyzeSpectrogram>>;
export type XYResult = Awaited<ReturnType<typeof analyzeXY>>;

/** One series' statistics (or why there are none). */
export interface StatsRow {
  key: string;
  title: string;
  unit: string;
  stats?: RangeStats;
  error?: string;
}

export interface AnalysisResults {
  stats: StatsRow[];
  histogram: HistogramResult & { key: string };
  spectrum: SpectrumResult & { key: string };
  spectrogram: SpectrogramResult & { key: string };
  xy: XYResult & { xKey: string; yKey: string };
}

export type RunStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'error';

/**
 * Where one analysis stands. `range` is the range of the latest run; `result` (kept on screen
 * while a newer run works) is of `resultRange`.
 */
export interface RunState<R> {
  status: RunStatus;
  range?: { from: number; to: number };
  result?: R;
  resultRange?: { from: number; to: number };
  error?: string;
  /** Batches done out of all, while running. */
  progress?: { done: number; total: number };
}

/** What the user chose for each analysis (series, sizes). Keys are series keys. */
export interface AnalysisChoices {
  histogram: { key: string; bins: number };
  spectrum: { key: string; size: number; window: SpectrumWindow };
  spectrogram: { key: string; size: number; columns: number };
  xy: { xKey: string; yKey: string; points: number };
}

export interface AnalysisControllerOptions {
  /** Pause after a change of the range or the targets before running (ms; default 250). */
  debounceMs?: number;
  /** The compute engine to hand the analyses (default: theirs). */
  engine?: () => ComputeEngine | undefined;
}

/** Spectrogram columns at most: more than a screen has pixels across would not show. */
const MAX_DRAWN_COLUMNS = 1_000;
/** The choices the gadget offers (analysis.ts checks every value again). */
export const spectrumSizes = [256, 512, 1024, 2048, 4096, 8192] as const;
export const histogramBinChoices = [10, 20, 40, 80, 160] as const;
export const xyPointChoices = [1_000, 5_000, 20_000, 50_000] as const;

type Kind = AnalysisTab;

/** The message of an error for the page (never an object dump). */
function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException ? error.name === 'AbortError' : error instanceof Error && error.name === 'AbortError';
}

function sameRange(a: { from: number; to: number } | undefined, b: { from: number; to: number } | undefined): boolean {
  return a !== undefined && b !== undefined && a.from === b.from && a.to === b.to;
}

/** True when ranges `a` and `b` share at least half of the longer one (a window that moved on, not a zoom). */
export function mostlyOverlaps(a: { from: number; to: number } | undefined, b: { from: number; to: number } | undefined): boolean {
  if (!a || !b) return false;
  const shared = Math.min(a.to, b.to) - Math.max(a.from, b.from);
  const longer = Math.max(a.to - a.from, b.to - b.from);
  return longer > 0 && shared >= longer / 2;
}

/** Runs, cancels and tracks the analyses of the visible range (see the module comment). */
export class AnalysisController implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #debounceMs: number;
  readonly #engine: (() => ComputeEngine | undefined) | undefined;
  #targets: AnalysisSeries[] = [];
  #targetsSignature = '';
  #storageIds = new WeakMap<Storage, number>();
  #nextStorageId = 1;
  #range: { from: number; to: number } | undefined;
  #tab: Kind = 'stats';
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #runs = new Map<Kind, AbortController>();
  readonly #states = new Map<Kind, RunState<unknown>>();
  /** The input each kind's latest run is of (targets, choices), so a result of other inputs reruns. */
  readonly #inputs = new Map<Kind, string>();
  /** The input each kind's shown result is of. */
  readonly #resultInputs = new Map<Kind, string>();
  /** Kinds whose running run goes on to its end before one more over the newest range (a live window moving on). */
  readonly #followUps = new Set<Kind>();
  choices: AnalysisChoices = {
    histogram: { key: '', bins: 40 },
    spectrum: { key: '', size: 1024, window: 'hann' },
    spectrogram: { key: '', size: 256, columns: 240 },
    xy: { xKey: '', yKey: '', points: 5_000 },
  };

  constructor(host: ReactiveControllerHost, options: AnalysisControllerOptions = {}) {
    this.#host = host;
    this.#debounceMs = options.debounceMs ?? 250;
    this.#engine = options.engine;
    host.addController(this);
  }

  hostConnected(): void {
    // Reconnected (moved in the page): pick up where the inputs are.
    if (this.#range && this.#targets.length > 0) this.#schedule();
  }

  hostDisconnected(): void {
    clearTimeout(this.#timer);
    this.#followUps.clear();
    for (const run of this.#runs.values()) run.abort();
    this.#runs.clear();
    for (const [kind, state] of this.#states) if (state.status === 'running') this.#states.set(kind, { ...state, status: 'idle', progress: undefined });
  }

  get targets(): readonly AnalysisSeries[] {
    return this.#targets;
  }

  get range(): { from: number; to: number } | undefined {
    return this.#range;
  }

  get tab(): Kind {
    return this.#tab;
  }

  /** Where an analysis stands (idle before its first run). */
  state<K extends Kind>(kind: K): RunState<AnalysisResults[K]> {
    return (this.#states.get(kind) ?? { status: 'idle' }) as RunState<AnalysisResults[K]>;
  }

  /** True when the analysis's result is of another range or other inputs than those shown now. */
  stale(kind: Kind): boolean {
    const state = this.#states.get(kind);
    if (!state?.result) return false;
    return !sameRange(state.resultRange, this.#range) || this.#resultInputs.get(kind) !== this.#inputOf(kind);
  }

  #storageId(storage: Storage): number {
    let id = this.#storageIds.get(storage);
    if (id === undefined) {
      id = this.#nextStorageId++;
      this.#storageIds.set(storage, id);
    }
    return id;
  }

  /**
   * New visible series and range (the shell hands new arrays on every render: only a real change
   * reruns). Statistics rerun after the pause; the shown heavy analysis too.
   */
  setInputs(targets: readonly AnalysisSeries[], range: { from: number; to: number } | undefined): void {
    const signature = JSON.stringify(targets.map((target) => [target.key, target.array, target.title, target.unit, this.#storageId(target.storage)]));
    const validRange = range && Number.isFinite(range.from) && Number.isFinite(range.to) && range.to >= range.from ? { from: range.from, to: range.to } : undefined;
    const changed = signature !== this.#targetsSignature || !sameRange(validRange, this.#range) || (validRange === undefined) !== (this.#range === undefined);
    if (!changed) return;
    this.#targets = [...targets];
    this.#targetsSignature = signature;
    this.#range = validRange;
    this.#fixChoices();
    this.#schedule();
    this.#host.requestUpdate();
  }

  /** Keeps each choice on a series that is still shown (the first, or for XY a sensible pair). */
  #fixChoices(): void {
    const keys = new Set(this.#targets.map((target) => target.key));
    const first = this.#targets[0]?.key ?? '';
    const c = this.choices;
    if (!keys.has(c.histogram.key)) c.histogram = { ...c.histogram, key: first };
    if (!keys.has(c.spectrum.key)) c.spectrum = { ...c.spectrum, key: first };
    if (!keys.has(c.spectrogram.key)) c.spectrogram = { ...c.spectrogram, key: first };
    if (!keys.has(c.xy.xKey) || !keys.has(c.xy.yKey)) {
      // The power curve: wind speed across, power up, when both are on screen.
      const wind = this.#targets.find((target) => target.unit === 'm/s');
      const power = this.#targets.find((target) => target.unit === 'kW' || target.unit === 'W' || target.unit === 'MW');
      const xKey = keys.has(c.xy.xKey) ? c.xy.xKey : (wind?.key ?? first);
      const yKey = keys.has(c.xy.yKey) ? c.xy.yKey : (power && power.key !== xKey ? power.key : (this.#targets.find((target) => target.key !== xKey)?.key ?? xKey));
      c.xy = { ...c.xy, xKey, yKey };
    }
  }

  /** Shows a tab: its analysis runs now when it has no result of the current inputs. */
  show(tab: Kind): void {
    if (!analysisTabs.includes(tab)) return;
    this.#tab = tab;
    if (tab !== 'stats' && this.#needsRun(tab)) void this.run(tab);
    this.#host.requestUpdate();
  }

  /** Changes a choice (series, size) of one analysis; it reruns when its tab is shown. */
  choose<K extends HeavyAnalysis>(kind: K, change: Partial<AnalysisChoices[K]>): void {
    this.choices = { ...this.choices, [kind]: { ...this.choices[kind], ...change } };
    this.#fixChoices();
    if (this.#tab === kind) void this.run(kind);
    this.#host.requestUpdate();
  }

  /**
   * A shown tab runs when it has nothing of the current range and inputs yet. A run the user
   * cancelled, or one that failed, of the same range and inputs waits for "Run" (showing the tab
   * again must not undo a Cancel).
   */
  #needsRun(kind: Kind): boolean {
    const state = this.#states.get(kind);
    if (!state || state.status === 'idle') return true;
    return !sameRange(state.range, this.#range) || this.#inputs.get(kind) !== this.#inputOf(kind);
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#follow('stats');
      // The shown analysis follows too, unless showing its tab already ran it on these inputs.
      if (this.#tab !== 'stats' && this.#needsRun(this.#tab)) this.#follow(this.#tab);
    }, this.#debounceMs);
  }

  /**
   * Runs `kind` over the new range — except while a run of the same inputs is on its way over a
   * range that mostly overlaps the new one (a live window moving on with new samples): aborting it
   * on every move would never let a run longer than the moves' interval finish, so it finishes,
   * and one more run over the newest range follows. A zoom or a pan elsewhere aborts at once.
   */
  #follow(kind: Kind): void {
    const state = this.#states.get(kind);
    if (this.#runs.has(kind) && state?.status === 'running' && this.#inputs.get(kind) === this.#inputOf(kind) && mostlyOverlaps(state.range, this.#range)) {
      this.#followUps.add(kind);
      return;
    }
    void this.run(kind);
  }

  /** True while a run of `kind` over a newer range waits for the running one to end (see #follow). */
  waiting(kind: Kind): boolean {
    return this.#followUps.has(kind);
  }

  /** After a run of `kind` ended by itself: the run over the newest range it made wait. */
  #afterRun(kind: Kind): void {
    if (!this.#followUps.delete(kind)) return;
    if ((kind === 'stats' || kind === this.#tab) && this.#needsRun(kind)) void this.run(kind);
  }

  /** What a kind's run reads, as a string: a result of another input is stale. */
  #inputOf(kind: Kind): string {
    const c = this.choices;
    switch (kind) {
      case 'stats':
        return this.#targetsSignature;
      case 'histogram':
        return JSON.stringify([this.#signatureOf(c.histogram.key), c.histogram.bins]);
      case 'spectrum':
        return JSON.stringify([this.#signatureOf(c.spectrum.key), c.spectrum.size, c.spectrum.window]);
      case 'spectrogram':
        return JSON.stringify([this.#signatureOf(c.spectrogram.key), c.spectrogram.size, c.spectrogram.columns]);
      case 'xy':
        return JSON.stringify([this.#signatureOf(c.xy.xKey), this.#signatureOf(c.xy.yKey), c.xy.points]);
    }
  }

  #signatureOf(key: string): string {
    const target = this.#targets.find((candidate) => candidate.key === key);
    return target ? `${this.#storageId(target.storage)}:${target.array}` : '';
  }

  #target(key: string): AnalysisSeries | undefined {
    return this.#targets.find((target) => target.key === key);
  }

  /** Aborts the running analysis of `kind`; its state says cancelled. */
  cancel(kind: Kind): void {
    this.#followUps.delete(kind);
    const run = this.#runs.get(kind);
    if (!run) return;
    run.abort();
    this.#runs.delete(kind);
    const state = this.#states.get(kind);
    this.#states.set(kind, { ...state, status: 'cancelled', progress: undefined });
    this.#host.requestUpdate();
  }

  /**
   * Starts `kind` over the current range now (aborting its previous run). Resolves when the run
   * ends, whatever its outcome (the state says which); never rejects.
   */
  run(kind: Kind): Promise<void> {
    this.#followUps.delete(kind);
    this.#runs.get(kind)?.abort();
    this.#runs.delete(kind);
    const range = this.#range;
    if (!range || this.#targets.length === 0) {
      this.#states.set(kind, { status: 'idle' });
      this.#host.requestUpdate();
      return Promise.resolve();
    }
    const controller = new AbortController();
    this.#runs.set(kind, controller);
    const input = this.#inputOf(kind);
    this.#inputs.set(kind, input);
    const previous = this.#states.get(kind);
    // The previous result stays on screen (marked stale) until the new one arrives.
    this.#states.set(kind, { status: 'running', range, result: previous?.result, resultRange: previous?.resultRange, progress: { done: 0, total: 0 } });
    this.#host.requestUpdate();
    const progressOf = (done: number, total: number): void => {
      if (this.#runs.get(kind) !== controller) return;
      const state = this.#states.get(kind);
      if (state) this.#states.set(kind, { ...state, progress: { done, total } });
      this.#host.requestUpdate();
    };
    const options = { signal: controller.signal, onProgress: progressOf, engine: this.#engine?.() };
    return this.#compute(kind, range, options).then(
      (result) => {
        if (this.#runs.get(kind) !== controller) return;
        this.#runs.delete(kind);
        this.#resultInputs.set(kind, input);
        this.#states.set(kind, { status: 'done', range, result, resultRange: range });
        this.#host.requestUpdate();
        this.#afterRun(kind);
      },
      (error: unknown) => {
        if (this.#runs.get(kind) !== controller) return;
        this.#runs.delete(kind);
        const kept = { result: previous?.result, resultRange: previous?.resultRange };
        this.#states.set(kind, isAbort(error) ? { status: 'cancelled', range, ...kept } : { status: 'error', range, error: messageOf(error), ...kept });
        this.#host.requestUpdate();
        if (!isAbort(error)) this.#afterRun(kind);
      },
    );
  }

  async #compute(kind: Kind, range: { from: number; to: number }, options: { signal: AbortSignal; onProgress: (done: number, total: number) => void; engine: ComputeEngine | undefined }): Promise<unknown> {
    const { from, to } = range;
    const c = this.choices;
    const need = (key: string): AnalysisSeries => {
      const target = this.#target(key);
      if (!target) throw new Error('Choose a series first.');
      return target;
    };
    switch (kind) {
      case 'stats':
        return this.#stats(range, options);
      case 'histogram':
        return { key: c.histogram.key, ...(await analyzeHistogram(need(c.histogram.key), from, to, c.histogram.bins, options)) };
      case 'spectrum':
        return { key: c.spectrum.key, ...(await analyzeSpectrum(need(c.spectrum.key), from, to, { size: c.spectrum.size, window: c.spectrum.window }, options)) };
      case 'spectrogram': {
        const columns = Math.max(8, Math.min(MAX_DRAWN_COLUMNS, Math.round(c.spectrogram.columns)));
        return { key: c.spectrogram.key, ...(await analyzeSpectrogram(need(c.spectrogram.key), from, to, { size: c.spectrogram.size, columns }, options)) };
      }
      case 'xy':
        return { xKey: c.xy.xKey, yKey: c.xy.yKey, ...(await analyzeXY(need(c.xy.xKey), need(c.xy.yKey), from, to, { points: c.xy.points }, options)) };
    }
  }

  /** Every series' statistics at once; one series failing is its row's error, not the table's. */
  async #stats(range: { from: number; to: number }, options: { signal: AbortSignal; onProgress: (done: number, total: number) => void; engine: ComputeEngine | undefined }): Promise<StatsRow[]> {
    const progress = new Map<string, [number, number]>();
    const early = new Map<string, StatsRow>();
    const onRow = (row: StatsRow): void => {
      if (options.signal.aborted) return;
      early.set(row.key, row);
      const state = this.#states.get('stats');
      if (state?.status !== 'running') return;
      // The rows known so far, in the targets' order, of the range being computed.
      const rows = this.#targets.flatMap((target) => early.get(target.key) ?? []);
      this.#states.set('stats', { ...state, result: rows, resultRange: range });
      this.#resultInputs.set('stats', this.#inputOf('stats'));
      this.#host.requestUpdate();
    };
    const report = (): void => {
      let done = 0;
      let total = 0;
      for (const [d, t] of progress.values()) {
        done += d;
        total += t;
      }
      options.onProgress(done, total);
    };
    const rows = await Promise.all(
      this.#targets.map(async (target): Promise<StatsRow> => {
        const row = { key: target.key, title: target.title, unit: target.unit };
        try {
          const stats = await analyzeStats(target, range.from, range.to, {
            signal: options.signal,
            engine: options.engine,
            // Count, min, max, mean and peak-to-peak are exact from the summaries: shown at once,
            // while RMS and std need the raw pass.
            onSummaries: (early) => onRow({ ...row, stats: early }),
            onProgress: (done, total) => {
              progress.set(target.key, [done, total]);
              report();
            },
          });
          return { ...row, stats };
        } catch (error) {
          if (isAbort(error)) throw error;
          return { ...row, error: messageOf(error) };
        }
      }),
    );
    return rows;
  }
}
