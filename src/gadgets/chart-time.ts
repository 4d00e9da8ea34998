/**
 * Time labels of channel charts, chosen by the span shown. uPlot's defaults print minutes in the
 * legend at every zoom (and "NaN-NaN-NaN NaN:NaNam" when the cursor is on no sample), and give the
 * time axis a fixed label spacing that longer labels (seconds, milliseconds) overrun. Here the
 * legend shows as many digits as the visible span needs (milliseconds when zoomed to
 * milliseconds), axis labels as many as the tick step needs, and the spacing between ticks is
 * computed from the width of the labels it will get. Times are uPlot's: epoch seconds, shown in
 * the browser's time zone like the axis.
 */

/** How finely a time is written: milliseconds, seconds, minutes or days. */
export type TimePrecision = 'ms' | 's' | 'min' | 'day';

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** Precision that tells apart times `seconds` apart (a tick step, or a fraction of a span). */
export function precisionOfStep(seconds: number): TimePrecision {
  if (!(seconds >= 1)) return 'ms';
  if (seconds < 60) return 's';
  if (seconds < 86_400) return 'min';
  return 'day';
}

/**
 * Precision the legend needs for a visible span of `seconds`: a pixel column of a chart about a
 * thousand pixels wide is span/1000, so milliseconds show below ~16 minutes, seconds below ~16 h.
 */
export function precisionOfSpan(seconds: number): TimePrecision {
  if (!(seconds > 0)) return 'ms';
  const column = seconds / 1000;
  return column < 1 ? 'ms' : column < 60 ? 's' : 'min';
}

function datePart(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function clockPart(date: Date, precision: TimePrecision): string {
  const minutes = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  if (precision === 'min' || precision === 'day') return minutes;
  const seconds = `${minutes}:${pad(date.getSeconds())}`;
  return precision === 's' ? seconds : `${seconds}.${pad(date.getMilliseconds(), 3)}`;
}

/** The legend's time: date and clock at `precision`; '—' where there is no time (no sample under the cursor). */
export function formatLegendTime(seconds: number | null | undefined, precision: TimePrecision): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  // Seconds are floats (x in uPlot): 1793520100.124 * 1000 is …123.9999, so round to the millisecond.
  const date = new Date(Math.round(seconds * 1000));
  if (Number.isNaN(date.getTime())) return '—';
  return precision === 'day' ? datePart(date) : `${datePart(date)} ${clockPart(date, precision)}`;
}

/**
 * Axis labels for ticks at `splits` (epoch seconds) spaced `step` seconds: the clock at the step's
 * precision, with the date on a second line at the first tick and where the day changes.
 */
export function formatAxisTimes(splits: readonly (number | null)[], step: number): string[] {
  const precision = precisionOfStep(step);
  let lastDay = '';
  return splits.map((split) => {
    if (split === null || !Number.isFinite(split)) return '';
    const date = new Date(Math.round(split * 1000));
    const day = datePart(date);
    if (precision === 'day') return day;
    const label = day !== lastDay ? `${clockPart(date, precision)}\n${day}` : clockPart(date, precision);
    lastDay = day;
    return label;
  });
}

/** The widest line an axis label at `precision` can have (for measuring; digits are the widest characters). */
export function widestAxisLabel(precision: TimePrecision): string {
  // Dates appear on a second line, so every precision is at least as wide as a date.
  return precision === 'ms' ? '00:00:00.000' : '0000-00-00';
}

/**
 * Pixels between time ticks so their labels never touch: the smallest spacing whose labels (at the
 * precision the resulting step needs) fit in it with `gap` to spare. `measure` gives a text's width
 * in CSS pixels in the axis font. A larger spacing only makes the step coarser, and coarser labels
 * are never wider, so any step uPlot picks at or above this spacing fits.
 */
export function timeAxisSpace(spanSeconds: number, plotWidth: number, measure: (text: string) => number, gap = 16): number {
  const candidates = (['day', 'min', 's', 'ms'] as const).map((precision) => measure(widestAxisLabel(precision)) + gap).sort((a, b) => a - b);
  for (const space of candidates) {
    const step = plotWidth > 0 && spanSeconds > 0 ? (spanSeconds * space) / plotWidth : 0;
    if (measure(widestAxisLabel(precisionOfStep(step))) + gap <= space) return space;
  }
  return candidates[candidates.length - 1]!;
}
