import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ChannelArray } from '../arrays';
import { StorageError, type Storage } from '../storage';

/** What a chart draws: x in seconds (uPlot's time axis), y values; M4 shape per pixel column. */
export interface Series {
  x: number[];
  y: Array<number | null>;
  /** Samples the drawn range holds. */
  samples: number;
  /** 'raw' when every sample is drawn, 'summary' when M4 points per column come from summaries. */
  source: 'raw' | 'summary';
  range: [number, number];
}

/**
 * Loads what a chart of `width` pixels needs for a time range of one channel array: every sample
 * when there are few, otherwise first/min/max/last per pixel column from the array's summaries
 * (O(pixels) reads whatever the length). The latest request wins when zooming quickly.
 */
export class ChannelSeriesController implements ReactiveController {
  series: Series | undefined;
  error: string | undefined;
  readonly #host: ReactiveControllerHost;
  #request = 0;

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
      const columns = Math.max(1, Math.min(4096, Math.floor(width)));
      let series: Series;
      if (end - start <= columns * 4) {
        const { values, times } = await array.read(start, end);
        series = {
          x: Array.from(times, (time) => time / 1000),
          y: Array.from(values, (value) => (Number.isNaN(value) ? null : value)),
          samples: end - start,
          source: 'raw',
          range: [start, end],
        };
      } else {
        const summaries = await array.summaries(start, end, columns, { align: true });
        const edges = array.bucketEdges(start, end, columns, { align: true });
        // Time of each column's first and last sample, read in one pass.
        const times = await array.timesAt(edges.slice(0, -1).flatMap((edge, column) => [edge, Math.max(edge, edges[column + 1]! - 1)]));
        const x: number[] = [];
        const y: Array<number | null> = [];
        const span = end - start;
        for (let column = 0; column < columns; column++) {
          const summary = summaries[column]!;
          const a = times[2 * column]! / 1000;
          const b = times[2 * column + 1]! / 1000;
          if (summary.count === 0) {
            x.push(a);
            y.push(null);
            continue;
          }
          // M4: first, min, max, last; min and max share the column's middle.
          const middle = (a + b) / 2;
          x.push(a, middle, middle, b);
          y.push(summary.first, summary.min, summary.max, summary.last);
        }
        series = { x, y, samples: span, source: 'summary', range: [start, end] };
      }
      if (request !== this.#request) return;
      this.series = series;
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
}
