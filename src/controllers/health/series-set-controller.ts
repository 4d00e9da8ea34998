import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ChannelArray } from '../../arrays';
import type { Storage } from '../../storage';
import { buildSeries, type LoadedSeries } from '../explorer/series-loader';
import { joinSeries, type JoinedData } from '../explorer/series-join';

/**
 * Loads the whole of several channel arrays for one chart of `width` pixel columns — the
 * remaining-life estimate with its interval's bounds, a daily indicator — with the shared builder
 * (every sample when few, M4 per column from the summaries otherwise: O(pixels) reads whatever
 * the length) and joins them on one x (epoch seconds, uPlot's time unit). The latest request
 * wins. An array missing where it is read (not pinned on this device, not written yet) is an
 * error in words, not a blank chart.
 */
export class SeriesSetController implements ReactiveController {
  /** Each array's series (epoch ms), in the order asked; undefined until loaded. */
  series: LoadedSeries[] | undefined;
  /** The series joined on one x in seconds. */
  data: JoinedData | undefined;
  error: string | undefined;
  readonly #host: ReactiveControllerHost;
  #request = 0;
  #asked = '';

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.#request++; // answers still on their way are dropped
    this.#asked = '';
  }

  /**
   * Loads `arrays` from `storage` for `width` columns, unless that is what was loaded or asked
   * last (`force`: again anyway, e.g. a sync brought new days). `onDevice`: `storage` is this
   * device's (a missing array is then one not pinned here, rather than one not written yet).
   */
  async load(storage: Storage, arrays: readonly string[], width: number, options: { onDevice?: boolean; force?: boolean } = {}): Promise<void> {
    const { onDevice = false, force = false } = options;
    const asked = JSON.stringify([arrays, Math.round(width), onDevice]);
    if (!force && asked === this.#asked) return;
    this.#asked = asked;
    const request = ++this.#request;
    try {
      const series = await Promise.all(
        arrays.map(async (id) => {
          const array = await ChannelArray.open(storage, id);
          return buildSeries(array, 0, array.length, width);
        }),
      );
      if (request !== this.#request) return;
      this.series = series;
      this.data = joinSeries(series);
      this.error = undefined;
    } catch (error) {
      if (request !== this.#request) return;
      this.series = undefined;
      this.data = undefined;
      this.error =
        // A missing array: the storage's 404, or the array layer's not_found (no array document).
        (error as { status?: unknown } | null)?.status === 404
          ? onDevice
            ? 'The data of this chart is not on this device: pin the site or the asset (Offline data) to see it offline.'
            : 'No data recorded for this chart yet.'
          : error instanceof Error
            ? error.message
            : String(error);
    }
    this.#host.requestUpdate();
  }
}
