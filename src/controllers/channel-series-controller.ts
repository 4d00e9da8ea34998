import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ChannelArray } from '../arrays';
import { StorageError, type Storage } from '../storage';
import { pendingReadingsOfArray } from './maintenance/readings';
import { MAX_COLUMNS, buildSeries } from './explorer/series-loader';

/** What a chart draws: x in seconds (uPlot's time axis), y values; M4 shape per pixel column. */
export interface Series {
  x: number[];
  y: Array<number | null>;
  /** Samples the drawn range holds. */
  samples: number;
  /** 'raw' when every sample is drawn, 'summary' when M4 points per column come from summaries. */
  source: 'raw' | 'summary';
  range: [number, number];
  /** Set when this series extends the previous one to the array's new end (a live tail): the chart follows it. */
  follows?: true;
}

/** A manual reading recorded on this device that the array does not hold yet: x in seconds. */
export interface PendingPoint {
  id: string;
  x: number;
  y: number;
}

/**
 * The chart's data with pending readings beside the array's line: x the sorted union of both,
 * the line's y undefined at a pending reading's x (uPlot spans undefined and breaks only at null,
 * so the line and its gaps stay as they were) and the pending series' y undefined elsewhere.
 */
export function alignPending(series: Pick<Series, 'x' | 'y'>, pending: readonly PendingPoint[]): [number[], Array<number | null | undefined>, Array<number | undefined>] {
  const x: number[] = [];
  const line: Array<number | null | undefined> = [];
  const points: Array<number | undefined> = [];
  let p = 0;
  for (let index = 0; index <= series.x.length; index++) {
    const at = index < series.x.length ? series.x[index]! : Infinity;
    while (p < pending.length && pending[p]!.x < at) {
      x.push(pending[p]!.x);
      line.push(undefined);
      points.push(pending[p]!.y);
      p++;
    }
    if (index === series.x.length) break;
    x.push(at);
    line.push(series.y[index]);
    points.push(undefined);
  }
  return [x, line, points];
}

/** What the last load asked for, so a live tail can extend it (and a reset load it again). */
interface View {
  storage: Storage;
  arrayId: string;
  width: number;
  fromMs: number | undefined;
  toMs: number | undefined;
  /** The array's last sample time when loaded: a view ending at or after it shows the end. */
  lastTime: number | null;
}

/** The samples a live event announces for an array (a `samples` event of the LiveService). */
export interface AppendedSamples {
  array: string;
  length: number;
}

/**
 * Loads what a chart of `width` pixels needs for a time range of one channel array: every sample
 * when there are few, otherwise first/min/max/last per pixel column from the array's summaries
 * (O(pixels) reads whatever the length). The latest request wins when zooming quickly.
 * Live tail: `follow` (given the server's `samples` events) extends a view that shows the end of
 * the data to the array's new end without loading it again — only the new samples are read
 * while every sample is drawn; once there are too many, the M4 columns are built again from the
 * summaries (still O(pixels)). A view zoomed into the past stays as it is.
 */
export class ChannelSeriesController implements ReactiveController {
  series: Series | undefined;
  /** Readings recorded on this device that the array does not hold yet, within the view (oldest first). */
  pending: PendingPoint[] = [];
  /** Where this device's reading documents are (the app's storage); unset: no pending readings. */
  readings: Storage | undefined;
  error: string | undefined;
  readonly #host: ReactiveControllerHost;
  #request = 0;
  #view: View | undefined;
  /** A follow is running; `#followAgain`: another event came meanwhile (one more pass, not one per event). */
  #following = false;
  #followAgain = false;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.#request++; // drop answers still on their way
  }

  /** Loads [fromMs, toMs] (or the whole array when absent) at `width` pixel columns. */
  async load(storage: Storage, arrayId: string, width: number, fromMs?: number, toMs?: number): Promise<void> {
    const request = ++this.#request;
    try {
      const array = await ChannelArray.open(storage, arrayId);
      const start = fromMs === undefined ? 0 : await array.indexOfTime(fromMs);
      // Samples stamped up to `toMs` inclusive: indexOfTime(toMs) + 1 also took the first sample
      // after `toMs` whenever none fell exactly on it (a point outside the range, one too many counted).
      const end = toMs === undefined ? array.length : await array.indexAfterTime(toMs);
      const series = await ChannelSeriesController.#build(array, start, end, width);
      const pending = await this.#pendingIn(array, fromMs, toMs);
      if (request !== this.#request) return;
      this.#view = { storage, arrayId, width, fromMs, toMs, lastTime: array.meta.last_time };
      this.series = series;
      this.pending = pending;
      this.error = undefined;
    } catch (error) {
      if (request !== this.#request) return;
      // Samples of a pinned channel older than its window stay on the server (summaries came down).
      this.error =
        error instanceof StorageError && error.status === 404 && fromMs !== undefined
          ? 'These samples are not on this device (older data is kept at summary level): zoom out, or go online and view it from the server.'
          : error instanceof Error
            ? error.message
            : String(error);
    }
    this.#host.requestUpdate();
  }

  /**
   * The pending readings of the array's manual channel inside [fromMs, toMs]; a view that shows the
   * end of the data also shows those after it (readings taken since, not in the array yet).
   */
  async #pendingIn(array: ChannelArray, fromMs: number | undefined, toMs: number | undefined): Promise<PendingPoint[]> {
    if (!this.readings) return [];
    const toEnd = toMs === undefined || array.meta.last_time === null || toMs >= array.meta.last_time;
    const readings = await pendingReadingsOfArray(this.readings, array).catch(() => []);
    return readings.filter((reading) => (fromMs === undefined || reading.at >= fromMs) && (toEnd || reading.at <= toMs!)).map((reading) => ({ id: reading.id, x: reading.at / 1000, y: reading.value }));
  }

  /**
   * Reads the pending readings again (a reading was recorded, or a sync brought the array's new
   * samples: those are drawn once, on the line) and extends a view of the end to the array's new end.
   */
  async refreshPending(): Promise<void> {
    const view = this.#view;
    if (!view || !this.series) return;
    const request = this.#request;
    try {
      const array = await ChannelArray.open(view.storage, view.arrayId);
      if (array.length > this.series.range[1]) await this.follow({ array: view.arrayId, length: array.length });
      const pending = await this.#pendingIn(array, view.fromMs, view.toMs);
      if (request !== this.#request || this.#view !== view) return;
      if (JSON.stringify(pending) === JSON.stringify(this.pending)) return;
      this.pending = pending;
      this.#host.requestUpdate();
    } catch {
      // The next load says what is wrong.
    }
  }

  /** Loads the last view again (the live stream said `reset`: what it shows may be stale). */
  async reload(): Promise<void> {
    const view = this.#view;
    if (view) await this.load(view.storage, view.arrayId, view.width, view.fromMs, view.toMs);
  }

  /**
   * Extends the view to the array's new end when `appended` (a live `samples` event) is about
   * this view's array, goes past what is drawn, and the view shows the end of the data (it was
   * loaded to the end, or to a time at or after its last sample); a view of the past stays as it
   * is. Bursts of events cost one extension at a time (and one more for those that came
   * meanwhile). A load started meanwhile (a zoom) wins over the extension.
   */
  async follow(appended: AppendedSamples): Promise<void> {
    const view = this.#view;
    if (!view || appended.array !== view.arrayId || !this.series || appended.length <= this.series.range[1]) return;
    if (view.toMs !== undefined && (view.lastTime === null || view.toMs < view.lastTime)) return;
    if (this.#following) {
      this.#followAgain = true;
      return;
    }
    this.#following = true;
    try {
      do {
        this.#followAgain = false;
        await this.#extend(view);
      } while (this.#followAgain && this.#view === view);
    } catch {
      // The next event tries again; a chart that cannot read its array says so at its next load.
    } finally {
      this.#following = false;
    }
  }

  async #extend(view: View): Promise<void> {
    const request = this.#request;
    const current = this.series;
    const array = await ChannelArray.open(view.storage, view.arrayId);
    if (!current || array.length <= current.range[1]) return;
    const [start, drawnEnd] = current.range;
    const end = array.length;
    const columns = Math.max(1, Math.min(MAX_COLUMNS, Math.floor(view.width)));
    let series: Series;
    // Samples merged in before the end (a manual reading applied in time order rewrites the
    // array's tail) moved the drawn ones: the last drawn sample is no longer where it was.
    const lastDrawn = current.x.length > 0 && drawnEnd > start ? (await array.timesAt([drawnEnd - 1]))[0]! / 1000 : undefined;
    const rewritten = lastDrawn !== undefined && lastDrawn !== current.x[current.x.length - 1];
    if (current.source === 'raw' && end - start <= columns * 4 && !rewritten) {
      // Only the new samples are read; the drawn ones stay.
      const { values, times } = await array.read(drawnEnd, end);
      series = {
        x: current.x.concat(Array.from(times, (time) => time / 1000)),
        y: current.y.concat(Array.from(values, (value) => (Number.isNaN(value) ? null : value))),
        samples: end - start,
        source: 'raw',
        range: [start, end],
      };
    } else {
      series = await ChannelSeriesController.#build(array, start, end, view.width);
    }
    const pending = await this.#pendingIn(array, view.fromMs, undefined);
    if (request !== this.#request || this.#view !== view) return;
    this.series = { ...series, follows: true };
    this.pending = pending;
    // From now on the view is "from its start to the end": the next samples extend it again.
    view.toMs = undefined;
    view.lastTime = array.meta.last_time;
    this.error = undefined;
    this.#host.requestUpdate();
  }

  /** The series of samples [start, end) for `width` pixel columns (the shared M4 builder), x in seconds. */
  static async #build(array: ChannelArray, start: number, end: number, width: number): Promise<Series> {
    const built = await buildSeries(array, start, end, width);
    return { x: Array.from(built.x, (time) => time / 1000), y: built.y, samples: built.samples, source: built.source, range: built.range };
  }
}
