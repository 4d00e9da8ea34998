import { LitElement, type PropertyDeclarations, type PropertyValues } from 'lit';
import { ContextConsumer } from '@lit/context';
import uPlot from 'uplot';
import { LiveController, SeriesSetController, storageContext } from '../controllers';
import type { Storage } from '../storage';

/** The plot's height in CSS pixels. */
const HEIGHT = 220;

/**
 * What the asset page's time charts of a prediction share (fl-rul-chart, fl-degradation-chart):
 * the arrays a subclass names (`arrays()`) read with the shared series builder from `storage` (the
 * server's when online) or this device's (pinned copies, offline), read again after a sync or a
 * `samples` event of one of them; one uPlot that follows the plot element's width and goes with a
 * disconnect (a reconnect draws again). A subclass renders an element of class `plot`, and in
 * `updated` calls `drawIfChanged` with what its drawing depends on besides the data.
 */
export abstract class HealthChart extends LitElement {
  static override properties: PropertyDeclarations = { storage: { attribute: false } };

  /** Where the arrays are, when not in the app's local storage (the server's). */
  declare storage: Storage | undefined;

  protected readonly series = new SeriesSetController(this);
  readonly #local = new ContextConsumer(this, { context: storageContext, subscribe: true, callback: () => this.#load() });
  #plot: uPlot | undefined;
  /** What the plot shows: the data and the subclass's inputs, by identity. */
  #drawn: readonly unknown[] | undefined;
  #width = 0;

  constructor() {
    super();
    new LiveController(this, (event) => {
      if (event.type === 'reset' || (event.type === 'samples' && this.arrays().includes(event.array))) this.#load(true);
    });
    this.storage = undefined;
  }

  /** The uPlot instance once something is drawn (tests read its data and series). */
  get plot(): uPlot | undefined {
    return this.#plot;
  }

  /** The array ids drawn, in the order of the data's series (none: nothing to read yet). */
  protected abstract arrays(): string[];

  /** Whether a property change means other arrays or another storage (read again). */
  protected abstract rereads(changed: PropertyValues<this>): boolean;

  #load(force = false): void {
    const storage = this.storage ?? this.#local.value;
    const arrays = this.arrays();
    if (!storage || arrays.length === 0) return;
    void this.series.load(storage, arrays, this.plotWidth(), { onDevice: !this.storage, force });
  }

  /** The plot's width in CSS pixels (at least 200). */
  protected plotWidth(): number {
    return Math.max(200, this.#width || ((this.renderRoot.querySelector('.plot') as HTMLElement | null)?.clientWidth ?? 600));
  }

  /** Follows the plot's width (one observer for the element's life; it observes while connected). */
  readonly #resize = new ResizeObserver((entries) => {
    const width = Math.round(entries[0]?.contentRect.width ?? 0);
    if (width <= 0 || width === this.#width) return;
    this.#width = width;
    this.#plot?.setSize({ width: this.plotWidth(), height: HEIGHT });
    this.#load();
  });

  override connectedCallback(): void {
    super.connectedCallback();
    // Moved in the page (reconnected): observe again and draw again (the plot went with the disconnect).
    if (this.hasUpdated) {
      this.#resize.observe(this.renderRoot.querySelector('.plot')!);
      this.#load();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize.disconnect();
    this.#plot?.destroy();
    this.#plot = undefined;
    this.#drawn = undefined;
  }

  protected override firstUpdated(): void {
    this.#resize.observe(this.renderRoot.querySelector('.plot')!);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (this.rereads(changed) || changed.has('storage')) this.#load();
  }

  /**
   * Draws when the data or one of `inputs` changed since the last draw: `aligned(data)` into the
   * plot there is, or a new plot of `options(width, height)`; nothing without data.
   */
  protected drawIfChanged(inputs: readonly unknown[], aligned: (data: NonNullable<SeriesSetController['data']>) => uPlot.AlignedData, options: (width: number, height: number) => uPlot.Options): void {
    const data = this.series.data;
    if (!data) return;
    const drawing = [data, ...inputs];
    if (this.#drawn && this.#drawn.length === drawing.length && this.#drawn.every((value, index) => value === drawing[index])) return;
    this.#drawn = drawing;
    this.dataset.points = String(data[0].length);
    const values = aligned(data);
    if (this.#plot) {
      this.#plot.setData(values);
      return;
    }
    this.#plot = new uPlot(options(this.plotWidth(), HEIGHT), values, this.renderRoot.querySelector('.plot') as HTMLElement);
  }
}
