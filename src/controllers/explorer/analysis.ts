/**
 * Analysis of the explorer's visible range of a channel: statistics, histogram, spectrum (Welch),
 * spectrogram and XY of two channels. This module decides what is read and where it is computed:
 *
 * - Figures that summaries give exactly (count, min, max, mean, peak-to-peak; the XY bucket means)
 *   come from the array's stored summary levels, O(log n) blocks, without touching raw samples.
 * - Everything else is one pass over raw samples, read out of core in batches of BATCH_CHUNKS
 *   chunks (the next batch is read while the engine folds the current one); each batch goes to the
 *   compute engine (the worker pool, or WebGPU for the kernels it has a shader for) and the batch
 *   states are merged in order here with the kernel's own merge. Between batches: progress
 *   (`onProgress(done, total)`) and the AbortSignal; an abort rejects at once with
 *   DOMException('AbortError') (a batch already handed to a worker finishes there, unseen).
 *
 * The engine: `options.engine` when given, else one engine per page (`analysisEngine()`, created
 * on first use by createEngine('auto'): WebGPU over a worker pool where there is an adapter, else
 * the worker pool), kept for the page's lifetime so that every analysis reuses its workers; call
 * `disposeAnalysisEngine()` to release it (the next analysis creates a new one).
 */
import { ArrayError, ChannelArray, CHUNK_SIZE, type Summary } from '../../arrays';
import { createEngine, type ComputeEngine } from '../../compute';
import {
  SPECTROGRAM_SEARCH,
  bucketMeans,
  continues,
  findPeaks,
  mainLobeBins,
  firstFullSegment,
  histogramEdges,
  joinNearest,
  kernels,
  median,
  medianSpacing,
  pairBuckets,
  spectrogramTargets,
  timeEdges,
  type Chunk,
  type KernelName,
  type SpectrumPeak,
} from '../../core';
import { StorageError, type Storage } from '../../storage';

export type AnalysisKind = 'stats' | 'histogram' | 'spectrum' | 'spectrogram' | 'xy';

/** A channel to analyse: its array in a storage (the server's online, the device's offline). */
export interface AnalysisTarget {
  storage: Storage;
  array: string;
  title: string;
  unit: string;
}

export interface AnalysisOptions {
  /** Aborting rejects the analysis with DOMException('AbortError') (checked between batches). */
  signal?: AbortSignal;
  /** Called after each batch: samples (columns for a spectrogram) done out of all. */
  onProgress?: (done: number, total: number) => void;
  /** The engine to run on (default: the page's, see `analysisEngine`). */
  engine?: ComputeEngine;
}

/** Chunks read (and handed to the engine) per batch: 16 × 65 536 samples = 4 MiB of values. */
export const BATCH_CHUNKS = 16;
/** Above this many samples a spectrum reads evenly spread chunks only (`sampled: true`). */
export const SPECTRUM_MAX_SAMPLES = 1 << 22;
/** Columns of a spectrogram at most. */
export const MAX_SPECTROGRAM_COLUMNS = 4096;
/** Points of an XY at most (the summaries limit of buckets). */
export const MAX_XY_POINTS = 100_000;
/** Bins of a histogram at most (the kernel's limit). */
export const MAX_BINS = 65_536;

let sharedEngine: Promise<ComputeEngine> | undefined;

/**
 * The page's analysis engine: created on the first call (createEngine('auto')), then the same one
 * for every later call until `disposeAnalysisEngine()`.
 */
export function analysisEngine(): Promise<ComputeEngine> {
  sharedEngine ??= createEngine('auto').catch((error: unknown) => {
    sharedEngine = undefined;
    throw error;
  });
  return sharedEngine;
}

/** Terminates the page's analysis engine (its workers, its GPU device); the next analysis makes a new one. */
export function disposeAnalysisEngine(): void {
  const engine = sharedEngine;
  sharedEngine = undefined;
  void engine?.then((ready) => ready.dispose(), () => undefined);
}

/**
 * An analysis that cannot be made here: `raw_unavailable` when the range's raw samples are not in
 * this storage (a pinned copy keeps old chunks at summary level only; the server has them).
 */
export class AnalysisError extends Error {
  override name = 'AnalysisError';
  readonly code: 'raw_unavailable';
  readonly status = 404;

  constructor(code: 'raw_unavailable', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A missing chunk (404) of a raw read as an AnalysisError; anything else as it is. */
function rawReadError(error: unknown, array: ChannelArray): unknown {
  if (error instanceof StorageError && error.status === 404) {
    return new AnalysisError('raw_unavailable', `the raw samples of ${array.id} in this range are not on this device (only its summaries are): analyse it online`, { cause: error });
  }
  if (error instanceof ArrayError && error.code === 'gone') {
    return new AnalysisError('raw_unavailable', `the raw samples of ${array.id} in this range were dropped by retention (only its summaries remain)`, { cause: error });
  }
  return error;
}

function abortError(): DOMException {
  return new DOMException('The analysis was cancelled', 'AbortError');
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError();
}

/** `promise`, or an AbortError as soon as `signal` aborts (the work itself is not interrupted). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  checkAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function checkTimes(fromMs: number, toMs: number): void {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs) throw new RangeError(`bad time range [${fromMs}, ${toMs}]: finite epoch ms with from ≤ to`);
}

function checkInteger(value: number, name: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}`);
}

/** The array of a target and the sample numbers [start, end) stamped fromMs to toMs inclusive. */
async function openRange(target: AnalysisTarget, fromMs: number, toMs: number): Promise<{ array: ChannelArray; start: number; end: number }> {
  checkTimes(fromMs, toMs);
  const array = await ChannelArray.open(target.storage, target.array);
  const start = await array.indexOfTime(fromMs);
  const end = Math.max(start, await array.indexAfterTime(toMs));
  return { array, start, end };
}

/** The exact summary of samples [start, end) (summaries of a short range come from raw samples). */
function rangeSummary(array: ChannelArray, start: number, end: number): Promise<Summary> {
  return array.summaries(start, end, 1).then(
    (summaries) => summaries[0]!,
    (error: unknown) => Promise.reject(rawReadError(error, array)),
  );
}

/** Chunk-aligned spans [from, to) of [start, end): what one chunk read returns. */
function chunkSpans(start: number, end: number): Array<{ from: number; to: number }> {
  const spans: Array<{ from: number; to: number }> = [];
  for (let chunk = Math.floor(start / CHUNK_SIZE); chunk * CHUNK_SIZE < end; chunk++) spans.push({ from: Math.max(start, chunk * CHUNK_SIZE), to: Math.min(end, (chunk + 1) * CHUNK_SIZE) });
  return spans;
}

/** Batches of chunks of the given spans, read one span at a time (times too when asked). */
async function* readBatches(array: ChannelArray, spans: ReadonlyArray<{ from: number; to: number }>, withTimes: boolean): AsyncGenerator<Chunk[]> {
  for (let first = 0; first < spans.length; first += BATCH_CHUNKS) {
    const batch: Chunk[] = [];
    try {
      for (const span of spans.slice(first, first + BATCH_CHUNKS)) {
        if (withTimes) {
          const { values, times } = await array.read(span.from, span.to);
          batch.push({ values, times, offset: span.from });
        } else for await (const chunk of array.chunks(span.from, span.to)) batch.push(chunk);
      }
    } catch (error) {
      throw rawReadError(error, array);
    }
    yield batch;
  }
}

/**
 * Runs `handle` on every batch of `source` in order, reading the next batch while the current one
 * is handled; checks the signal between batches.
 */
async function eachBatch<B>(source: AsyncIterable<B>, signal: AbortSignal | undefined, handle: (batch: B) => Promise<void>): Promise<void> {
  checkAborted(signal);
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const item = await abortable(next, signal);
      if (item.done) return;
      next = iterator.next();
      await handle(item.value);
      checkAborted(signal);
    }
  } finally {
    // A read still in flight (an abort, a failed batch) is left to finish and then closed.
    next.then(
      () => void iterator.return?.(undefined),
      () => undefined,
    );
  }
}

/** Folds the raw samples of `spans` with `kernel` on the engine, batch by batch, merged in order. */
async function foldRaw<State>(array: ChannelArray, spans: ReadonlyArray<{ from: number; to: number }>, name: KernelName, params: unknown, options: AnalysisOptions): Promise<State> {
  const kernel = kernels[name] as unknown as { init(params: unknown): State; merge(a: State, b: State, params: unknown): State; params(raw: unknown): unknown };
  const checked = kernel.params(params);
  const engine = options.engine ?? (await analysisEngine());
  const total = spans.reduce((sum, span) => sum + span.to - span.from, 0);
  let state = kernel.init(checked);
  let done = 0;
  await eachBatch(readBatches(array, spans, false), options.signal, async (batch) => {
    // Counted first: the worker pool takes the chunks' buffers (transferred, left empty here).
    const samples = batch.reduce((sum, chunk) => sum + chunk.values.length, 0);
    const batchState = (await abortable(engine.state(name, checked, batch), options.signal)) as State;
    state = kernel.merge(state, batchState, checked);
    done += samples;
    options.onProgress?.(done, total);
  });
  return state;
}

// ---------------------------------------------------------------------------------------------
// Statistics

export type StatsFigure = 'count' | 'min' | 'max' | 'mean' | 'peak_to_peak' | 'rms' | 'std';
/**
 * Where a figure came from: the stored summaries, one raw pass, not yet (`pending`, in what
 * `onSummaries` gets), or nowhere (`unavailable`: the raw samples are not in this storage).
 */
export type StatsSource = 'summaries' | 'raw' | 'pending' | 'unavailable';

export interface RangeStats {
  /** Samples with a value (NaN = missing is not counted). */
  count: number;
  /** Samples in the range, missing ones included. */
  samples: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Root mean square: √(variance + mean²) of the raw pass (both figures exact to float64). */
  rms: number | null;
  /** Population standard deviation (divide by n: the figure of the recorded signal). */
  std: number | null;
  peak_to_peak: number | null;
  /** Times (epoch ms) of the range's first and last sample. */
  first_time: number | null;
  last_time: number | null;
  from: Record<StatsFigure, StatsSource>;
}

/**
 * Statistics of the samples stamped fromMs to toMs (inclusive). Count, min, max, mean and
 * peak-to-peak come from the summaries at once (`onSummaries` gets them before the raw pass);
 * RMS and std from one raw pass of the variance kernel (Welford, merged exactly) on the engine.
 * Rejects with DOMException('AbortError') when aborted, RangeError for a bad range, ArrayError
 * (404) when the array does not exist. Where the raw samples are not in the storage (a pinned
 * copy's old chunks), RMS and std are null and `from` says 'unavailable'.
 */
export async function analyzeStats(target: AnalysisTarget, fromMs: number, toMs: number, options: AnalysisOptions & { onSummaries?: (stats: RangeStats) => void } = {}): Promise<RangeStats> {
  const { array, start, end } = await openRange(target, fromMs, toMs);
  checkAborted(options.signal);
  const summary = end > start ? await abortable(rangeSummary(array, start, end), options.signal) : undefined;
  const count = summary?.count ?? 0;
  const times = end > start ? await array.timesAt([start, end - 1]) : undefined;
  const stats: RangeStats = {
    count,
    samples: end - start,
    min: count > 0 ? summary!.min : null,
    max: count > 0 ? summary!.max : null,
    mean: count > 0 ? summary!.sum / count : null,
    rms: null,
    std: null,
    peak_to_peak: count > 0 ? summary!.max - summary!.min : null,
    first_time: times ? times[0]! : null,
    last_time: times ? times[1]! : null,
    from: { count: 'summaries', min: 'summaries', max: 'summaries', mean: 'summaries', peak_to_peak: 'summaries', rms: 'pending', std: 'pending' },
  };
  options.onSummaries?.({ ...stats, from: { ...stats.from } });
  if (count > 0) {
    let moments: { count: number; mean: number; m2: number };
    try {
      moments = await foldRaw<{ count: number; mean: number; m2: number }>(array, chunkSpans(start, end), 'variance', {}, options);
    } catch (error) {
      // Offline over a pinned copy's old data: the summary figures stand, RMS and std cannot be had.
      if (!(error instanceof AnalysisError)) throw error;
      return { ...stats, from: { ...stats.from, rms: 'unavailable', std: 'unavailable' } };
    }
    if (!Number.isFinite(summary!.min) || !Number.isFinite(summary!.max)) {
      // The variance kernel folds finite values only; an infinite sample makes RMS infinite.
      stats.rms = Infinity;
      stats.std = Number.NaN;
    } else if (moments.count > 0) {
      const variance = moments.m2 / moments.count;
      stats.std = Math.sqrt(variance);
      stats.rms = Math.sqrt(variance + moments.mean * moments.mean);
    }
  } else options.onProgress?.(end - start, end - start);
  stats.from.rms = 'raw';
  stats.from.std = 'raw';
  return stats;
}

// ---------------------------------------------------------------------------------------------
// Histogram

export interface HistogramResult {
  /** bins + 1 edges (float32 values, as every engine compares them); the last bin includes its upper edge. */
  edges: number[];
  counts: number[];
}

/**
 * Histogram of the samples stamped fromMs to toMs over `bins` equal bins from the range's min to
 * its max (from the summaries; a constant range gets one unit around its value), counted in one
 * raw pass on the engine (WebGPU has a histogram shader). The counts sum to the range's count.
 */
export async function analyzeHistogram(target: AnalysisTarget, fromMs: number, toMs: number, bins: number, options: AnalysisOptions = {}): Promise<HistogramResult> {
  checkInteger(bins, 'bins', 1, MAX_BINS);
  const { array, start, end } = await openRange(target, fromMs, toMs);
  const summary = end > start ? await abortable(rangeSummary(array, start, end), options.signal) : undefined;
  if (!summary || summary.count === 0) {
    options.onProgress?.(end - start, end - start);
    return { edges: [], counts: [] };
  }
  if (!Number.isFinite(summary.min) || !Number.isFinite(summary.max)) throw new RangeError('the range holds infinite values: a histogram needs finite bounds');
  const params = summary.max > summary.min ? { min: summary.min, max: summary.max, bins } : { min: summary.min - 0.5, max: summary.min + 0.5, bins };
  const state = await foldRaw<{ counts: number[] }>(array, chunkSpans(start, end), 'histogram', params, options);
  return { edges: Array.from(histogramEdges(params)), counts: state.counts };
}

// ---------------------------------------------------------------------------------------------
// Spectrum

export type SpectrumWindow = 'hann' | 'hamming' | 'rectangular' | 'rect';

export interface SpectrumAnalysis {
  frequencies: number[];
  magnitudes: number[];
  /** Segments averaged (Welch); 0 when no run of `size` steady samples is in the range. */
  segments: number;
  /** Samples per second, from the median spacing of the samples read. */
  sampleRate: number;
  /** The strongest peaks, strongest first (frequency interpolated between bins). */
  peaks: SpectrumPeak[];
  /** Only evenly spread chunks were read (the range held more than SPECTRUM_MAX_SAMPLES). */
  sampled: boolean;
  /** Samples read. */
  samples: number;
}

/** Picks `count` of `spans` evenly spread (all of them when there are no more). */
function spreadSpans<T>(spans: readonly T[], count: number): T[] {
  if (spans.length <= count) return [...spans];
  return Array.from({ length: count }, (_, index) => spans[Math.round((index * (spans.length - 1)) / Math.max(1, count - 1))]!);
}

/** Median of the median spacings of a batch's chunks (a chunk's own, never across chunks). */
function periodOf(batch: readonly Chunk[]): number {
  return median(batch.map((chunk) => medianSpacing(chunk.times ?? [])));
}

/**
 * Cuts chunks into whole segments of `size` consecutive samples of one steady run: a gap (or a
 * change of rate) drops the unfinished segment, so no segment straddles one; chunks that do not
 * follow each other (a sampled read) never share a segment.
 */
class Segmenter {
  readonly #size: number;
  readonly #buffer: Float32Array;
  #filled = 0;
  #lastTime = Number.NaN;
  #nextIndex = -1;
  segments = 0;

  constructor(size: number) {
    this.#size = size;
    this.#buffer = new Float32Array(size);
  }

  /** The whole segments completed by `batch`, back to back (their count × size samples). */
  cut(batch: readonly Chunk[], period: number): Float32Array[] {
    const out: Float32Array[] = [];
    for (const chunk of batch) {
      const times = chunk.times!;
      if (chunk.offset !== this.#nextIndex) this.#filled = 0;
      for (let index = 0; index < chunk.values.length; index++) {
        const time = times[index]!;
        if (this.#filled > 0 && !continues(time - this.#lastTime, period)) this.#filled = 0;
        this.#buffer[this.#filled++] = chunk.values[index]!;
        this.#lastTime = time;
        if (this.#filled === this.#size) {
          out.push(this.#buffer.slice());
          this.#filled = 0;
        }
      }
      this.#nextIndex = chunk.offset + chunk.values.length;
    }
    this.segments += out.length;
    return out;
  }
}

function kernelWindow(window: SpectrumWindow | undefined): 'hann' | 'hamming' | 'rectangular' {
  if (window === undefined || window === 'hann') return 'hann';
  if (window === 'rect' || window === 'rectangular') return 'rectangular';
  if (window === 'hamming') return 'hamming';
  throw new RangeError('window must be hann, hamming or rectangular');
}

/**
 * Welch magnitude spectrum of the samples stamped fromMs to toMs: the average of windowed FFTs of
 * non-overlapping segments of `size` samples (the spectrum kernel on the engine). Segments lie
 * inside steady runs only: bursts with gaps between them (1 kHz for 10 s every 10 min) are never
 * treated as one continuous signal. The sample rate is the median spacing of the samples read.
 * Over more than `maxSamples` (default and at most SPECTRUM_MAX_SAMPLES) samples, only that many
 * are read, in whole chunks evenly spread over the range (`sampled`).
 */
export async function analyzeSpectrum(
  target: AnalysisTarget,
  fromMs: number,
  toMs: number,
  settings: { size: number; window?: SpectrumWindow; peaks?: number; maxSamples?: number },
  options: AnalysisOptions = {},
): Promise<SpectrumAnalysis> {
  const cap = settings.maxSamples ?? SPECTRUM_MAX_SAMPLES;
  checkInteger(cap, 'maxSamples', CHUNK_SIZE, SPECTRUM_MAX_SAMPLES);
  const params = kernels.spectrum.params({ size: settings.size, window: kernelWindow(settings.window), sampleRate: 1 });
  const { array, start, end } = await openRange(target, fromMs, toMs);
  const all = chunkSpans(start, end);
  const spans = end - start > cap ? spreadSpans(all, Math.ceil(cap / CHUNK_SIZE)) : all;
  const total = spans.reduce((sum, span) => sum + span.to - span.from, 0);
  const engine = options.engine ?? (await analysisEngine());
  const segmenter = new Segmenter(params.size);
  // Segments go to the engine in pieces of about one chunk, so the pool's workers share a batch.
  const perPiece = Math.max(1, Math.floor(CHUNK_SIZE / params.size));
  let state = kernels.spectrum.init(params);
  let period = Number.NaN;
  let done = 0;
  await eachBatch(readBatches(array, spans, true), options.signal, async (batch) => {
    const samples = batch.reduce((sum, chunk) => sum + chunk.values.length, 0);
    if (!(period > 0)) period = periodOf(batch);
    if (period > 0) {
      const segments = segmenter.cut(batch, period);
      const first = segmenter.segments - segments.length;
      const pieces: Chunk[] = [];
      for (let index = 0; index < segments.length; index += perPiece) {
        const group = segments.slice(index, index + perPiece);
        const values = new Float32Array(group.length * params.size);
        group.forEach((segment, at) => values.set(segment, at * params.size));
        // Offsets on a segment grid of their own: every piece holds whole segments, none partial.
        pieces.push({ values, offset: (first + index) * params.size });
      }
      if (pieces.length > 0) state = kernels.spectrum.merge(state, (await abortable(engine.state('spectrum', params, pieces), options.signal)) as typeof state, params);
    }
    done += samples;
    options.onProgress?.(done, total);
  });
  const sampleRate = period > 0 ? 1000 / period : 0;
  const sampled = spans.length < all.length;
  if (state.segments === 0) return { frequencies: [], magnitudes: [], segments: 0, sampleRate, peaks: [], sampled, samples: total };
  const result = kernels.spectrum.finish(state, { ...params, sampleRate });
  return { ...result, sampleRate, peaks: findPeaks(result.frequencies, result.magnitudes, { count: settings.peaks ?? 5, lowestBin: mainLobeBins(params.window) }), sampled, samples: total };
}

// ---------------------------------------------------------------------------------------------
// Spectrogram

export interface SpectrogramAnalysis {
  /** Time (epoch ms) of each column: its segment's middle sample. */
  times: number[];
  frequencies: number[];
  /** columns × bins, row-major by time (column c's bin k at c · bins + k). */
  magnitudes: Float32Array;
  bins: number;
  sampleRate: number;
}

/**
 * Spectrogram of the samples stamped fromMs to toMs: at most `columns` short-time spectra (one
 * segment of `size` samples each, the spectrum kernel on the engine) spread evenly over the
 * range; each column's segment is the first whole one of a steady run at or after its target
 * time (within SPECTROGRAM_SEARCH segments), so over bursts every column lies in a burst, and two
 * targets finding the same segment give one column. Follows core `spectrogram` step for step (the
 * reference it is tested against), reading only the columns' samples. Progress counts columns.
 */
export async function analyzeSpectrogram(
  target: AnalysisTarget,
  fromMs: number,
  toMs: number,
  settings: { size: number; columns: number; window?: SpectrumWindow },
  options: AnalysisOptions = {},
): Promise<SpectrogramAnalysis> {
  checkInteger(settings.columns, 'columns', 1, MAX_SPECTROGRAM_COLUMNS);
  const params = kernels.spectrum.params({ size: settings.size, window: kernelWindow(settings.window), sampleRate: 1 });
  const bins = params.size / 2 + 1;
  const { array, start, end } = await openRange(target, fromMs, toMs);
  const engine = options.engine ?? (await analysisEngine());
  const targets = spectrogramTargets(fromMs, toMs, settings.columns);
  const indices = await array.indicesOfTimes(targets);
  const columnTimes: number[] = [];
  const columns: Float32Array[] = [];
  let period = Number.NaN;
  let previous = -1;
  let done = 0;
  // Windows of the next BATCH_CHUNKS columns are read while the engine computes the current ones.
  async function* windows(): AsyncGenerator<Array<{ at: number; values: Float32Array; times: Float64Array }>> {
    for (let first = 0; first < indices.length; first += BATCH_CHUNKS * 2) {
      const batch: Array<{ at: number; values: Float32Array; times: Float64Array }> = [];
      for (const index of indices.slice(first, first + BATCH_CHUNKS * 2)) {
        const at = Math.max(start, index);
        const read = array.read(at, Math.min(end, at + SPECTROGRAM_SEARCH * params.size)).catch((error: unknown) => Promise.reject(rawReadError(error, array)));
        batch.push({ at, ...(await read) });
      }
      yield batch;
    }
  }
  await eachBatch(windows(), options.signal, async (batch) => {
    if (!(period > 0)) period = median(batch.map((window) => medianSpacing(window.times)));
    const chosen: Array<{ time: number; values: Float32Array }> = [];
    for (const window of batch) {
      const offset = period > 0 ? firstFullSegment(window.times, 0, params.size, period) : -1;
      if (offset < 0 || window.at + offset === previous) continue;
      previous = window.at + offset;
      chosen.push({ time: window.times[offset + params.size / 2]!, values: window.values.slice(offset, offset + params.size) });
    }
    const results = await abortable(Promise.all(chosen.map((column) => engine.run('spectrum', params, [{ values: column.values, offset: 0 }]))), options.signal);
    results.forEach((result, index) => {
      columnTimes.push(chosen[index]!.time);
      columns.push(Float32Array.from((result as { magnitudes: number[] }).magnitudes));
    });
    done += batch.length;
    options.onProgress?.(done, indices.length);
  });
  const sampleRate = period > 0 ? 1000 / period : 0;
  const magnitudes = new Float32Array(columns.length * bins);
  columns.forEach((column, index) => magnitudes.set(column, index * bins));
  return { times: columnTimes, frequencies: Array.from({ length: bins }, (_, k) => (k * sampleRate) / params.size), magnitudes, bins, sampleRate };
}

// ---------------------------------------------------------------------------------------------
// XY

export interface XYAnalysis {
  x: Float32Array;
  y: Float32Array;
  /** Time (epoch ms) of each point: its bucket's middle, or (raw) the x sample's time. */
  t: Float64Array;
  /** 'summaries': bucket means; 'raw': samples paired by nearest time. */
  source: 'summaries' | 'raw';
}

/**
 * XY of two channels over fromMs to toMs (the power curve: y = power against x = wind speed). When
 * both channels hold at most `points` samples there, their raw samples are paired by nearest time
 * (within the larger sampling period); otherwise `points` equal time buckets, and each channel's
 * exact mean per bucket from its summaries (bucket edges moved to summary block boundaries where
 * buckets are wide, see ChannelArray.summariesBetween); buckets where either channel has no sample
 * are left out.
 */
export async function analyzeXY(x: AnalysisTarget, y: AnalysisTarget, fromMs: number, toMs: number, settings: { points: number }, options: AnalysisOptions = {}): Promise<XYAnalysis> {
  checkInteger(settings.points, 'points', 1, MAX_XY_POINTS);
  const [xr, yr] = await Promise.all([openRange(x, fromMs, toMs), openRange(y, fromMs, toMs)]);
  checkAborted(options.signal);
  if (xr.end - xr.start <= settings.points && yr.end - yr.start <= settings.points) {
    const raw = (range: { array: ChannelArray; start: number; end: number }) => range.array.read(range.start, range.end).catch((error: unknown) => Promise.reject(rawReadError(error, range.array)));
    const [xs, ys] = await abortable(Promise.all([raw(xr), raw(yr)]), options.signal);
    const tolerance = Math.max(medianSpacing(xs.times) || 0, medianSpacing(ys.times) || 0);
    options.onProgress?.(1, 1);
    return { ...joinNearest(xs.times, xs.values, ys.times, ys.values, tolerance), source: 'raw' };
  }
  const edges = timeEdges(fromMs, toMs, settings.points);
  const means = async (range: { array: ChannelArray; start: number; end: number }): Promise<Float64Array> => {
    const inner = await range.array.indicesOfTimes(edges.slice(1, -1));
    const cut = [range.start, ...inner.map((index) => Math.min(range.end, Math.max(range.start, index))), range.end];
    const summaries: Summary[] = await range.array.summariesBetween(cut, { align: true }).catch((error: unknown) => Promise.reject(rawReadError(error, range.array)));
    return bucketMeans(summaries);
  };
  const xMeans = await abortable(means(xr), options.signal);
  options.onProgress?.(1, 2);
  const yMeans = await abortable(means(yr), options.signal);
  options.onProgress?.(2, 2);
  return { ...pairBuckets(xMeans, yMeans, edges), source: 'summaries' };
}
