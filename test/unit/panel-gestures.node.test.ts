// The explorer panel's gesture maths (pure): wheel, keys, two-finger pinch/pan, drags.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_SPAN_MS, MIN_SPAN_MS, dragRange, isHorizontalDrag, keyAction, panBy, timeAt, twoFingerRange, wheelAction, zoomAround } from '../../src/controllers/explorer/panel-gestures';

const range = { from: 1_000_000, to: 2_000_000 };

describe('zoomAround', () => {
  it('keeps the time under the pointer under it, for any anchor inside and any factor', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.01, max: 100, noNaN: true }), (at, factor) => {
        const anchor = range.from + at * 1_000_000;
        const next = zoomAround(range, anchor, factor);
        const span = next.to - next.from;
        expect(span).toBeGreaterThanOrEqual(MIN_SPAN_MS);
        expect(span).toBeCloseTo(Math.max(MIN_SPAN_MS, 1_000_000 * factor), 3);
        expect((anchor - next.from) / span).toBeCloseTo(at, 6);
      }),
    );
  });

  it('never zooms below 10 ms or above the widest span, and ignores a bad factor', () => {
    expect(zoomAround({ from: 0, to: 20 }, 10, 0.001)).toEqual({ from: 5, to: 15 });
    const wide = zoomAround({ from: 0, to: MAX_SPAN_MS }, 0, 1000);
    expect(wide.to - wide.from).toBe(MAX_SPAN_MS);
    expect(zoomAround(range, 1_500_000, Number.NaN)).toEqual(range);
    expect(zoomAround(range, 1_500_000, -2)).toEqual(range);
  });

  it('an anchor off the range zooms around its nearest edge', () => {
    expect(zoomAround(range, 0, 0.5)).toEqual({ from: 1_000_000, to: 1_500_000 });
  });
});

describe('panBy and timeAt', () => {
  it('pans by a fraction of the span and maps pixels to times', () => {
    expect(panBy(range, 0.1)).toEqual({ from: 1_100_000, to: 2_100_000 });
    expect(panBy(range, -0.1)).toEqual({ from: 900_000, to: 1_900_000 });
    expect(timeAt(range, 250, 1000)).toBe(1_250_000);
  });
});

describe('wheelAction', () => {
  const wheel = (deltaX: number, deltaY: number, deltaMode = 0, shiftKey = false) => wheelAction({ deltaX, deltaY, deltaMode, shiftKey }, 1000);

  it('a vertical wheel zooms (down = out), bounded per event', () => {
    expect(wheel(0, 100)).toEqual({ kind: 'zoom', factor: Math.exp(0.2) });
    expect(wheel(0, -100)).toEqual({ kind: 'zoom', factor: Math.exp(-0.2) });
    expect(wheel(0, 100_000)).toEqual({ kind: 'zoom', factor: 4 });
    expect(wheel(0, -100_000)).toEqual({ kind: 'zoom', factor: 0.25 });
  });

  it('shift+wheel and a horizontal wheel pan by the delta across the width', () => {
    expect(wheel(0, 100, 0, true)).toEqual({ kind: 'pan', fraction: 0.1 });
    expect(wheel(-50, 10)).toEqual({ kind: 'pan', fraction: -0.05 });
    // Platforms that swap the deltas for shift themselves: still a pan.
    expect(wheel(100, 0, 0, true)).toEqual({ kind: 'pan', fraction: 0.1 });
  });

  it('line and page deltas count as 16 px and one width; no delta does nothing', () => {
    expect(wheel(0, 3, 1)).toEqual({ kind: 'zoom', factor: Math.exp(48 * 0.002) });
    expect(wheel(0, 1, 2, true)).toEqual({ kind: 'pan', fraction: 1 });
    expect(wheel(0, 0)).toEqual({ kind: 'none' });
  });
});

describe('keyAction', () => {
  it('arrows pan 10 %, + and − zoom 2×, Backspace and Escape go back, other keys do nothing', () => {
    expect(keyAction('ArrowLeft')).toEqual({ kind: 'pan', fraction: -0.1 });
    expect(keyAction('ArrowRight')).toEqual({ kind: 'pan', fraction: 0.1 });
    for (const key of ['+', '=']) expect(keyAction(key)).toEqual({ kind: 'zoom', factor: 0.5 });
    for (const key of ['-', '_']) expect(keyAction(key)).toEqual({ kind: 'zoom', factor: 2 });
    for (const key of ['Backspace', 'Escape']) expect(keyAction(key)).toEqual({ kind: 'back' });
    expect(keyAction('a')).toEqual({ kind: 'none' });
  });
});

describe('twoFingerRange', () => {
  it('keeps the times under both fingers under them (pinch and pan at once)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 450, noNaN: true }), fc.double({ min: 550, max: 1000, noNaN: true }), fc.double({ min: -300, max: 300, noNaN: true }), fc.double({ min: 20, max: 400, noNaN: true }), (a, b, shift, gap) => {
        const middle = (a + b) / 2 + shift;
        const now: [number, number] = [middle - gap / 2, middle + gap / 2];
        const next = twoFingerRange(range, [a, b], now, 1000);
        if (next.to - next.from <= MIN_SPAN_MS) return;
        expect(timeAt(next, now[0], 1000)).toBeCloseTo(timeAt(range, a, 1000), 0);
        expect(timeAt(next, now[1], 1000)).toBeCloseTo(timeAt(range, b, 1000), 0);
      }),
    );
  });

  it('fingers apart twice as far halve the span; both moved the same way pan', () => {
    const zoomed = twoFingerRange(range, [400, 600], [300, 700], 1000);
    expect(zoomed.to - zoomed.from).toBeCloseTo(500_000, 6);
    expect((zoomed.from + zoomed.to) / 2).toBeCloseTo(1_500_000, 6);
    expect(twoFingerRange(range, [400, 600], [500, 700], 1000)).toEqual({ from: 900_000, to: 1_900_000 });
  });

  it('fingers on top of each other keep the span (no division by zero)', () => {
    const next = twoFingerRange(range, [500, 501], [500, 700], 1000);
    expect(next.to - next.from).toBe(1_000_000);
  });
});

describe('drags', () => {
  it('a drag selects the range under it; a tap selects nothing; a tiny range widens to 10 ms', () => {
    expect(dragRange(range, 600, 200, 1000)).toEqual({ from: 1_200_000, to: 1_600_000 });
    expect(dragRange(range, 500, 505, 1000)).toBeUndefined();
    expect(dragRange(range, -100, 2000, 1000)).toEqual(range);
    expect(dragRange({ from: 0, to: 100 }, 100, 120, 1000)).toEqual({ from: 6, to: 16 });
  });

  it('a move is the panel\'s only when mostly horizontal and past the tap distance', () => {
    expect(isHorizontalDrag(20, 5)).toBe(true);
    expect(isHorizontalDrag(5, 1)).toBe(false);
    expect(isHorizontalDrag(20, 30)).toBe(false);
  });
});
