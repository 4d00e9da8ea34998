import { html, nothing } from 'lit';
import { CanvasFigure, canvasFigureStyles } from './canvas-figure';
import { baseStyles } from './design/styles';
import { colourGradient, colourTable } from './colour-scale';
import { drawAxes, type PlotFrame } from './plot-axes';

/** What the gadget draws: analyzeXY's answer (pairs at the same times, and those times in ms). */
export interface XYPicture {
  x: Float32Array;
  y: Float32Array;
  t: Float64Array;
}

const HEIGHT = 360;
const MARGIN = { left: 72, right: 12, top: 8, bottom: 48 };
/** Point size (CSS px): thousands of points stay apart, one still shows. */
const DOT = 3;

/** The finite range of `values` (with a little room so edge points are not cut), or undefined. */
function extent(values: ArrayLike<number>): [number, number] | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (min > max) return undefined;
  if (min === max) return [min - 1, max + 1];
  const pad = (max - min) * 0.03;
  return [min - pad, max + pad];
}

function timeText(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—';
}

/**
 * A scatter of two series against each other (e.g. power against wind speed: the power curve), on a
 * canvas so thousands of points draw at once, each coloured by its time from old to new (legend
 * under the plot), the newest drawn on top. Properties: `picture` (analyzeXY's result), `xLabel`,
 * `yLabel` (titles with units). Attribute `data-points`: the points drawn (pairs with both values).
 */
export class FlExplorerXy extends CanvasFigure {
  static override properties = { picture: { attribute: false }, xLabel: { type: String, attribute: 'x-label' }, yLabel: { type: String, attribute: 'y-label' } };

  declare picture: XYPicture | undefined;
  declare xLabel: string;
  declare yLabel: string;

  constructor() {
    super();
    this.picture = undefined;
    this.xLabel = '';
    this.yLabel = '';
  }

  static override styles = [baseStyles, canvasFigureStyles(HEIGHT)];

  protected override draw(): void {
    const canvas = this.renderRoot.querySelector('canvas');
    if (!canvas) return;
    const width = Math.max(240, canvas.clientWidth || 600);
    const ratio = devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(HEIGHT * ratio);
    const context = canvas.getContext('2d');
    if (!context) return;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, HEIGHT);
    const picture = this.picture;
    const frame: PlotFrame = { left: MARGIN.left, top: MARGIN.top, width: width - MARGIN.left - MARGIN.right, height: HEIGHT - MARGIN.top - MARGIN.bottom };
    const xs = picture && extent(picture.x);
    const ys = picture && extent(picture.y);
    if (!picture || !xs || !ys) {
      this.dataset.points = '0';
      drawAxes(context, this, frame, { min: 0, max: 1, label: this.xLabel, ticks: [] }, { min: 0, max: 1, label: this.yLabel, ticks: [] });
      return;
    }
    const count = Math.min(picture.x.length, picture.y.length, picture.t.length);
    let oldest = Infinity;
    let newest = -Infinity;
    for (let i = 0; i < count; i++) {
      const t = picture.t[i]!;
      if (t < oldest) oldest = t;
      if (t > newest) newest = t;
    }
    const span = newest - oldest || 1;
    // Oldest first, so the newest points (the turbine now) lie on top; analyzeXY answers in time
    // order already, so the sort is only for other callers.
    let sorted = true;
    for (let i = 1; i < count && sorted; i++) sorted = picture.t[i]! >= picture.t[i - 1]!;
    const order = sorted ? undefined : Array.from({ length: count }, (_, i) => i).sort((a, b) => picture.t[a]! - picture.t[b]!);
    const table = colourTable();
    let drawn = 0;
    context.save();
    context.beginPath();
    context.rect(frame.left, frame.top, frame.width, frame.height);
    context.clip();
    context.globalAlpha = 0.85;
    // In time order the colour changes at most 256 times: set it only then (100 000 points).
    let colour = -1;
    for (let n = 0; n < count; n++) {
      const i = order ? order[n]! : n;
      const x = picture.x[i]!;
      const y = picture.y[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      const level = Math.round(((picture.t[i]! - oldest) / span) * 255) * 3;
      if (level !== colour) {
        colour = level;
        context.fillStyle = `rgb(${table[level]} ${table[level + 1]} ${table[level + 2]})`;
      }
      const px = frame.left + ((x - xs[0]) / (xs[1] - xs[0])) * frame.width;
      const py = frame.top + frame.height - ((y - ys[0]) / (ys[1] - ys[0])) * frame.height;
      context.fillRect(px - DOT / 2, py - DOT / 2, DOT, DOT);
      drawn++;
    }
    context.restore();
    drawAxes(context, this, frame, { min: xs[0], max: xs[1], label: this.xLabel }, { min: ys[0], max: ys[1], label: this.yLabel });
    this.dataset.points = String(drawn);
  }

  override render() {
    const picture = this.picture;
    let oldest = Infinity;
    let newest = -Infinity;
    if (picture) {
      for (const t of picture.t) {
        oldest = Math.min(oldest, t);
        newest = Math.max(newest, t);
      }
    }
    return html`
      <canvas role="img" aria-label=${`${this.yLabel} against ${this.xLabel}${picture ? `: ${picture.x.length.toLocaleString('en')} points coloured by time` : ''}`}></canvas>
      ${picture && picture.t.length > 0
        ? html`<div class="legend" role="group" aria-label="Colour scale: time of each point, old to new">
            <span>Colour = time</span>
            <span>Old: ${timeText(oldest)}</span>
            <span class="bar" style="background: ${colourGradient()}"></span>
            <span>New: ${timeText(newest)}</span>
          </div>`
        : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-explorer-xy': FlExplorerXy;
  }
}
