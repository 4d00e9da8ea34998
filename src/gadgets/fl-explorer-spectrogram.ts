import { html, nothing } from 'lit';
import { CanvasFigure, canvasFigureStyles } from './canvas-figure';
import { baseStyles } from './design/styles';
import { colourGradient, colourTable } from './colour-scale';
import { drawAxes, formatFrequency, niceTicks, tokenOf, type PlotFrame } from './plot-axes';

/** What the gadget draws: analyzeSpectrogram's answer (magnitudes: columns × bins, row-major by time). */
export interface SpectrogramPicture {
  times: number[];
  frequencies: number[];
  magnitudes: Float32Array;
  bins: number;
}

const HEIGHT = 320;
/** Room for the axes' labels around the heatmap (CSS px). */
const MARGIN = { left: 72, right: 12, top: 8, bottom: 48 };
/** The colour scale spans at most this many dB below the loudest cell (quieter cells are its bottom). */
const DYNAMIC_RANGE_DB = 90;

/** Magnitude to dB, with silence at the scale's floor instead of -Infinity. */
function decibels(magnitude: number): number {
  return magnitude > 0 && Number.isFinite(magnitude) ? 20 * Math.log10(magnitude) : -Infinity;
}

/**
 * A waterfall of a spectrogram on a canvas: time across, frequency up, each cell's magnitude (dB)
 * on the colour scale whose legend is under the plot. Properties: `picture` (analyzeSpectrogram's
 * result), `range` (the range analysed: the time axis), `label` (the series' title), `unit`. Attributes for tests and tools once drawn:
 * `data-columns`, `data-bins`, `data-drawn` ("<columns>x<bins>").
 */
export class FlExplorerSpectrogram extends CanvasFigure {
  static override properties = { picture: { attribute: false }, range: { attribute: false }, label: { type: String }, unit: { type: String } };

  declare picture: SpectrogramPicture | undefined;
  /** The range analysed (epoch ms): the time axis; without it, the columns' own span. */
  declare range: { from: number; to: number } | undefined;
  declare label: string;
  declare unit: string;
  #scale: { low: number; high: number } | undefined;

  constructor() {
    super();
    this.picture = undefined;
    this.range = undefined;
    this.label = '';
    this.unit = '';
  }

  static override styles = [baseStyles, canvasFigureStyles(HEIGHT)];

  /** Paints the cells into an image of columns × bins pixels, then scales it onto the frame. */
  protected override draw(): void {
    const canvas = this.renderRoot.querySelector('canvas');
    const picture = this.picture;
    if (!canvas) return;
    const width = Math.max(240, canvas.clientWidth || 600);
    const ratio = devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(HEIGHT * ratio);
    const context = canvas.getContext('2d');
    if (!context) return;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, HEIGHT);
    const frame: PlotFrame = { left: MARGIN.left, top: MARGIN.top, width: width - MARGIN.left - MARGIN.right, height: HEIGHT - MARGIN.top - MARGIN.bottom };
    const bins = picture?.bins ?? 0;
    const columns = picture && bins > 0 ? Math.floor(picture.magnitudes.length / bins) : 0;
    if (!picture || columns === 0) {
      delete this.dataset.drawn;
      return;
    }
    let high = -Infinity;
    for (const magnitude of picture.magnitudes) high = Math.max(high, decibels(magnitude));
    if (!Number.isFinite(high)) high = 0;
    const low = high - DYNAMIC_RANGE_DB;
    const table = colourTable();
    const image = new ImageData(columns, bins);
    for (let column = 0; column < columns; column++) {
      for (let bin = 0; bin < bins; bin++) {
        const db = decibels(picture.magnitudes[column * bins + bin]!);
        const level = Math.round(Math.min(1, Math.max(0, (db - low) / (high - low))) * 255);
        // Frequency up: the highest bin is the image's top row.
        const pixel = ((bins - 1 - bin) * columns + column) * 4;
        image.data[pixel] = table[level * 3]!;
        image.data[pixel + 1] = table[level * 3 + 1]!;
        image.data[pixel + 2] = table[level * 3 + 2]!;
        image.data[pixel + 3] = 255;
      }
    }
    const cells = document.createElement('canvas');
    cells.width = columns;
    cells.height = bins;
    cells.getContext('2d')!.putImageData(image, 0, 0);
    context.fillStyle = tokenOf(this, '--fl-surface', '#ffffff');
    context.fillRect(frame.left, frame.top, frame.width, frame.height);
    context.imageSmoothingEnabled = false;
    // Columns at their times: each reaches halfway to its neighbours (over bursts, a burst's
    // columns fill the pause until the next), the ends by half the nearest spacing.
    const times = picture.times.slice(0, columns);
    // A segment lasts size / rate = 2 (bins - 1) / (2 · Nyquist) seconds.
    const segmentMs = ((bins - 1) * 1000) / Math.max(1e-9, picture.frequencies[bins - 1] ?? 0.5);
    const firstGap = columns > 1 ? times[1]! - times[0]! : 0;
    const lastGap = columns > 1 ? times[columns - 1]! - times[columns - 2]! : 0;
    // The axis is the analysed range when known (as every other view of it), else the columns'.
    const start = this.range?.from ?? times[0]! - (Math.max(segmentMs, firstGap) / 2 || 500);
    const end = Math.max(start + 1, this.range?.to ?? times[columns - 1]! + (Math.max(segmentMs, lastGap) / 2 || 500));
    const toX = (time: number): number => frame.left + ((time - start) / Math.max(1, end - start)) * frame.width;
    for (let column = 0; column < columns; column++) {
      const left = column === 0 ? start : (times[column - 1]! + times[column]!) / 2;
      const right = column === columns - 1 ? end : (times[column]! + times[column + 1]!) / 2;
      const x0 = toX(left);
      context.drawImage(cells, column, 0, 1, bins, x0, frame.top, Math.max(1, toX(right) - x0), frame.height);
    }
    const seconds = Math.max(0.001, (end - start) / 1000);
    const top = picture.frequencies[picture.frequencies.length - 1] ?? 0;
    const bottom = picture.frequencies[0] ?? 0;
    drawAxes(
      context,
      this,
      frame,
      { min: 0, max: seconds, label: `Seconds from ${new Date(start).toISOString().replace('T', ' ').slice(0, 19)} UTC` },
      { min: bottom, max: top, label: 'Frequency [Hz]', ticks: niceTicks(bottom, top, 5) },
    );
    this.#scale = { low, high };
    this.dataset.columns = String(columns);
    this.dataset.bins = String(bins);
    this.dataset.drawn = `${columns}x${bins}`;
    // The legend's numbers follow the drawn scale.
    const legend = this.renderRoot.querySelector('.legend');
    if (legend) {
      legend.querySelector('.low')!.textContent = `${Math.round(low)} dB`;
      legend.querySelector('.high')!.textContent = `${Math.round(high)} dB`;
    }
  }

  override render() {
    const picture = this.picture;
    const bins = picture?.bins ?? 0;
    const columns = picture && bins > 0 ? Math.floor(picture.magnitudes.length / bins) : 0;
    const top = picture?.frequencies[picture.frequencies.length - 1];
    const description = picture
      ? `Spectrogram of ${this.label}: ${columns} time columns, ${bins} frequency bins up to ${top === undefined ? '—' : formatFrequency(top)}`
      : `Spectrogram of ${this.label}: nothing drawn yet`;
    return html`
      <canvas role="img" aria-label=${description}></canvas>
      ${picture
        ? html`<div class="legend" role="group" aria-label="Colour scale: magnitude in dB${this.unit ? ` re 1 ${this.unit}` : ''}">
            <span>Magnitude [dB${this.unit ? ` re 1 ${this.unit}` : ''}]</span>
            <span class="low">${this.#scale ? `${Math.round(this.#scale.low)} dB` : ''}</span>
            <span class="bar" style="background: ${colourGradient()}"></span>
            <span class="high">${this.#scale ? `${Math.round(this.#scale.high)} dB` : ''}</span>
          </div>`
        : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-explorer-spectrogram': FlExplorerSpectrogram;
  }
}
