// The maths of an explorer panel's zoom and pan gestures, apart from the DOM: a gesture maps the
// range on screen (epoch ms) and pointer positions (CSS px across the plot) to the next range.
// Pure functions, so every gesture is tested in Node and the panel only wires events to them.

/** A time range in epoch ms, from ≤ to. */
export interface TimeRange {
  from: number;
  to: number;
}

/** The narrowest range a gesture zooms to (ms): below it there is nothing more to see of ms timestamps. */
export const MIN_SPAN_MS = 10;
/** The widest range (ms): about 300 years, far past any data, so a zoom out never overflows. */
export const MAX_SPAN_MS = 1e13;
/** Pan step of the arrow keys, as a fraction of the span. */
export const KEY_PAN_FRACTION = 0.1;
/** Zoom step of the + and − keys. */
export const KEY_ZOOM_FACTOR = 2;
/** Wheel zoom per pixel of wheel delta: a 100 px notch zooms by e^0.2 ≈ 1.22. */
const WHEEL_ZOOM_PER_PX = 0.002;
/** One wheel event zooms by at most this factor (a fast trackpad flick sends deltas in the thousands). */
const WHEEL_MAX_FACTOR = 4;
/** A drag shorter than this (CSS px) is a tap, not a range. */
export const MIN_DRAG_PX = 8;

const clampSpan = (span: number): number => Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, span));

/**
 * The range zoomed by `factor` (> 1 zooms out, < 1 in) around `anchor` (ms): the time under the
 * pointer stays under it. The span stays within MIN_SPAN_MS..MAX_SPAN_MS.
 */
export function zoomAround(range: TimeRange, anchor: number, factor: number): TimeRange {
  const span = range.to - range.from;
  const next = clampSpan(span * (Number.isFinite(factor) && factor > 0 ? factor : 1));
  // Where the anchor is across the range (0 = left edge), kept; an anchor off the range counts as its nearest edge.
  const at = span > 0 ? Math.min(1, Math.max(0, (anchor - range.from) / span)) : 0.5;
  const from = range.from + at * span - at * next;
  return { from, to: from + next };
}

/** The range moved by `fraction` of its span (positive: later in time). */
export function panBy(range: TimeRange, fraction: number): TimeRange {
  const shift = (range.to - range.from) * fraction;
  return { from: range.from + shift, to: range.to + shift };
}

/** The time (ms) at `px` CSS px across a plot `width` px wide showing `range`. */
export function timeAt(range: TimeRange, px: number, width: number): number {
  return range.from + ((range.to - range.from) * px) / Math.max(1, width);
}

/** What a wheel event asks for: a zoom by `factor` around the pointer, or a pan by `fraction` of the span. */
export type WheelAction = { kind: 'zoom'; factor: number } | { kind: 'pan'; fraction: number } | { kind: 'none' };

/** What the panel needs of a WheelEvent. */
export interface WheelInput {
  deltaX: number;
  deltaY: number;
  /** 0 pixels, 1 lines, 2 pages (WheelEvent.DOM_DELTA_*). */
  deltaMode: number;
  shiftKey: boolean;
}

/**
 * A wheel event as a zoom or a pan: a vertical wheel zooms (down = out), shift+wheel or a mostly
 * horizontal wheel (a trackpad's sideways swipe) pans by the delta as a fraction of `width`.
 * Line and page deltas (Firefox, some mice) count as 16 px and one `width`.
 */
export function wheelAction(event: WheelInput, width: number): WheelAction {
  const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? Math.max(1, width) : 1;
  const dx = event.deltaX * unit;
  const dy = event.deltaY * unit;
  if (event.shiftKey || Math.abs(dx) > Math.abs(dy)) {
    // Shift turns a vertical wheel sideways (some platforms already swap the deltas themselves).
    const delta = Math.abs(dx) > Math.abs(dy) ? dx : dy;
    if (delta === 0) return { kind: 'none' };
    return { kind: 'pan', fraction: delta / Math.max(1, width) };
  }
  if (dy === 0) return { kind: 'none' };
  const factor = Math.exp(dy * WHEEL_ZOOM_PER_PX);
  return { kind: 'zoom', factor: Math.min(WHEEL_MAX_FACTOR, Math.max(1 / WHEEL_MAX_FACTOR, factor)) };
}

/** What a key does to the panel's range (Backspace/Escape: back in the zoom history). */
export type KeyAction = { kind: 'zoom'; factor: number } | { kind: 'pan'; fraction: number } | { kind: 'back' } | { kind: 'none' };

/** The action of a key (KeyboardEvent.key) pressed while the panel has the focus. */
export function keyAction(key: string): KeyAction {
  switch (key) {
    case 'ArrowLeft':
      return { kind: 'pan', fraction: -KEY_PAN_FRACTION };
    case 'ArrowRight':
      return { kind: 'pan', fraction: KEY_PAN_FRACTION };
    case '+':
    case '=':
    case 'Add':
      return { kind: 'zoom', factor: 1 / KEY_ZOOM_FACTOR };
    case '-':
    case '_':
    case 'Subtract':
      return { kind: 'zoom', factor: KEY_ZOOM_FACTOR };
    case 'Backspace':
    case 'Escape':
      return { kind: 'back' };
    default:
      return { kind: 'none' };
  }
}

/**
 * Two fingers: the range such that the times under both fingers at the start (`start` px, on
 * `range`) are under them now (`now` px). Pinching apart zooms in, together out; moving both
 * the same way pans; both at once in one formula. Fingers closer than a few px keep the span
 * (no division by ~0), and the span stays within MIN_SPAN_MS..MAX_SPAN_MS.
 */
export function twoFingerRange(range: TimeRange, start: readonly [number, number], now: readonly [number, number], width: number): TimeRange {
  const span = range.to - range.from;
  const w = Math.max(1, width);
  const startGap = Math.abs(start[1] - start[0]);
  const nowGap = Math.abs(now[1] - now[0]);
  const next = startGap < 4 || nowGap < 4 ? span : clampSpan((span * startGap) / nowGap);
  // The time under the fingers' midpoint at the start stays under their midpoint now.
  const anchor = timeAt(range, (start[0] + start[1]) / 2, w);
  const from = anchor - (((now[0] + now[1]) / 2) * next) / w;
  return { from, to: from + next };
}

/** The range a horizontal drag from `a` to `b` px selects, or undefined for a tap (< MIN_DRAG_PX). */
export function dragRange(range: TimeRange, a: number, b: number, width: number): TimeRange | undefined {
  if (Math.abs(b - a) < MIN_DRAG_PX) return undefined;
  const left = Math.max(0, Math.min(a, b));
  const right = Math.min(width, Math.max(a, b));
  const from = timeAt(range, left, width);
  const to = timeAt(range, right, width);
  if (to - from < MIN_SPAN_MS) {
    const middle = (from + to) / 2;
    return { from: middle - MIN_SPAN_MS / 2, to: middle + MIN_SPAN_MS / 2 };
  }
  return { from, to };
}

/** Whether a one-finger move of (dx, dy) px is a horizontal drag (the panel's) rather than a vertical scroll (the page's). */
export function isHorizontalDrag(dx: number, dy: number): boolean {
  return Math.abs(dx) >= MIN_DRAG_PX && Math.abs(dx) > Math.abs(dy);
}
