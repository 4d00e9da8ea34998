/**
 * Axes for the explorer's own canvas plots (spectrogram, XY), where uPlot does not fit (a heatmap,
 * a scatter of thousands of points coloured one by one): round tick values and drawing them in the
 * theme's colours (read from CSS tokens at draw time, so light and dark both work).
 */

/** About `count` round tick values (1, 2, 5 × 10ⁿ steps) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max === min) return [min];
  const span = Math.abs(max - min);
  const rough = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const low = Math.min(min, max);
  const high = Math.max(min, max);
  const ticks: number[] = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9 && ticks.length < 100; value += step) ticks.push(Math.abs(value) < step * 1e-9 ? 0 : value);
  return ticks;
}

/** A tick label: as few digits as the step needs. */
export function formatTick(value: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : Math.abs(value) || 1;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step))));
  return value.toLocaleString('en', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A frequency for people: "12.5 Hz", "1.20 kHz". */
export function formatFrequency(hz: number): string {
  if (!Number.isFinite(hz)) return '—';
  if (Math.abs(hz) >= 1000) return `${(hz / 1000).toLocaleString('en', { maximumFractionDigits: 2, minimumFractionDigits: 2 })} kHz`;
  if (Math.abs(hz) >= 10) return `${hz.toLocaleString('en', { maximumFractionDigits: 1 })} Hz`;
  if (Math.abs(hz) >= 0.1) return `${hz.toLocaleString('en', { maximumFractionDigits: 3 })} Hz`;
  return `${hz.toPrecision(3)} Hz`;
}

/** A CSS token's value on `element` (canvas cannot use CSS variables itself). */
export function tokenOf(element: Element, name: string, fallback: string): string {
  return getComputedStyle(element).getPropertyValue(name).trim() || fallback;
}

/** The plot's frame inside a canvas (CSS px), leaving room for the axes' labels. */
export interface PlotFrame {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Where an axis maps its values: [min, max] onto the frame. */
export interface AxisSpec {
  min: number;
  max: number;
  label: string;
  /** Tick label text (default: round numbers). */
  format?: (value: number, ticks: readonly number[]) => string;
  ticks?: number[];
}

/** Draws the frame, grid, ticks and labels of both axes in the host's theme colours. */
export function drawAxes(context: CanvasRenderingContext2D, host: Element, frame: PlotFrame, x: AxisSpec, y: AxisSpec): void {
  const text = tokenOf(host, '--fl-text-muted', '#4a5a63');
  const grid = tokenOf(host, '--fl-border', '#d7dee2');
  context.save();
  context.font = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  context.fillStyle = text;
  context.strokeStyle = grid;
  context.lineWidth = 1;
  const xTicks = x.ticks ?? niceTicks(x.min, x.max, Math.max(2, Math.floor(frame.width / 90)));
  const yTicks = y.ticks ?? niceTicks(y.min, y.max, Math.max(2, Math.floor(frame.height / 50)));
  const xFormat = x.format ?? formatTick;
  const yFormat = y.format ?? formatTick;
  context.textAlign = 'center';
  context.textBaseline = 'top';
  for (const value of xTicks) {
    const px = frame.left + ((value - x.min) / (x.max - x.min || 1)) * frame.width;
    if (px < frame.left - 0.5 || px > frame.left + frame.width + 0.5) continue;
    context.beginPath();
    context.moveTo(Math.round(px) + 0.5, frame.top + frame.height);
    context.lineTo(Math.round(px) + 0.5, frame.top + frame.height + 5);
    context.stroke();
    context.fillText(xFormat(value, xTicks), px, frame.top + frame.height + 7);
  }
  context.textAlign = 'right';
  context.textBaseline = 'middle';
  for (const value of yTicks) {
    const py = frame.top + frame.height - ((value - y.min) / (y.max - y.min || 1)) * frame.height;
    if (py < frame.top - 0.5 || py > frame.top + frame.height + 0.5) continue;
    context.beginPath();
    context.moveTo(frame.left - 5, Math.round(py) + 0.5);
    context.lineTo(frame.left, Math.round(py) + 0.5);
    context.stroke();
    context.fillText(yFormat(value, yTicks), frame.left - 7, py);
  }
  context.strokeRect(frame.left + 0.5, frame.top + 0.5, frame.width - 1, frame.height - 1);
  context.textAlign = 'center';
  context.textBaseline = 'bottom';
  context.fillText(x.label, frame.left + frame.width / 2, frame.top + frame.height + 38);
  context.translate(14, frame.top + frame.height / 2);
  context.rotate(-Math.PI / 2);
  context.textBaseline = 'middle';
  context.fillText(y.label, 0, 0);
  context.restore();
}
