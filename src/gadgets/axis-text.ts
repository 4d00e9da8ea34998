/**
 * The charts' axis font and the width of a label in it: uPlot asks for the widths of the same few
 * labels on every redraw (time ticks, y values), so each width is measured once and kept.
 */

/** The axis font, set explicitly so label widths can be measured in the same font. */
export const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif';

/** Widths kept at most (labels are short and repeat; a bound keeps a long session's memory flat). */
const KEPT = 2048;

let measuring: CanvasRenderingContext2D | null | undefined;
const widths = new Map<string, number>();

/** Width of `text` in the axis font (CSS px); an estimate where no canvas can measure. */
export function measureAxisText(text: string): number {
  const known = widths.get(text);
  if (known !== undefined) return known;
  measuring ??= document.createElement('canvas').getContext('2d');
  if (!measuring) return text.length * 7.5;
  measuring.font = AXIS_FONT;
  const width = measuring.measureText(text).width;
  if (widths.size >= KEPT) widths.clear();
  widths.set(text, width);
  return width;
}
