/**
 * What the remaining-life and degradation charts share: a uPlot over time in the theme's colours
 * (read when uPlot draws, so a theme switch follows), the channel chart's time axis labels and a
 * legend showing the cursor's day. Each chart adds its own series and bands.
 */
import type uPlot from 'uplot';
import { formatAxisTimes, formatLegendTime, timeAxisSpace } from './chart-time';
import { AXIS_FONT, measureAxisText } from './axis-text';

/** A theme colour for the canvas, read at draw time from `element`'s CSS tokens. */
export function themeColour(element: Element, name: string, fallback: string): () => string {
  return () => getComputedStyle(element).getPropertyValue(name).trim() || fallback;
}

let probe: CanvasRenderingContext2D | null | undefined;

/** `colour` (any CSS colour a canvas takes) at `alpha`: the canvas writes it back as #rrggbb, which takes an alpha pair. */
export function withAlpha(colour: string, alpha: number): string {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return colour;
  probe.fillStyle = '#000000';
  probe.fillStyle = colour;
  const hex = String(probe.fillStyle);
  if (!/^#[0-9a-f]{6}$/i.test(hex)) return colour;
  return `${hex}${Math.round(Math.min(1, Math.max(0, alpha)) * 255).toString(16).padStart(2, '0')}`;
}

/** A theme colour at `alpha` (uPlot band fills), read at draw time. */
export function themeFill(element: Element, name: string, fallback: string, alpha: number): () => string {
  const colour = themeColour(element, name, fallback);
  return () => withAlpha(colour(), alpha);
}

/** uPlot options over time for `element`: the x series and both axes; the y axis labelled `yLabel`. */
export function timePlotOptions(element: Element, width: number, height: number, yLabel: string, series: uPlot.Series[], extra: Partial<uPlot.Options> = {}): uPlot.Options {
  const muted = themeColour(element, '--fl-text-muted', '#4a5a63');
  const border = themeColour(element, '--fl-border', '#d7dee2');
  return {
    width,
    height,
    series: [{ value: (_plot, raw) => formatLegendTime(raw, 'day') }, ...series],
    scales: { x: { time: true } },
    axes: [
      {
        font: AXIS_FONT,
        stroke: muted,
        grid: { stroke: border, width: 1 },
        ticks: { stroke: border, width: 1 },
        space: (_plot, _axis, min, max, plotWidth) => timeAxisSpace(max - min, plotWidth, measureAxisText),
        values: (_plot, splits, _axis, _space, step) => formatAxisTimes(splits, step),
      },
      { font: AXIS_FONT, labelFont: AXIS_FONT, label: yLabel, stroke: muted, grid: { stroke: border, width: 1 }, ticks: { stroke: border, width: 1 } },
    ],
    cursor: { drag: { x: false, y: false } },
    ...extra,
  };
}
