// Time labels of channel charts (src/gadgets/chart-time.ts): pure functions, no DOM.
import { describe, expect, it } from 'vitest';
import { formatAxisTimes, formatLegendTime, precisionOfSpan, precisionOfStep, timeAxisSpace, widestAxisLabel } from '../../src/gadgets/chart-time';

const t = Date.UTC(2026, 10, 1, 8, 1, 40, 123) / 1000;

describe('chart time labels', () => {
  it('the legend showed "NaN-NaN-NaN NaN:NaNam" where the cursor had no time: it shows a dash', () => {
    for (const value of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY, 1e300]) expect(formatLegendTime(value, 'ms')).toBe('—');
  });

  it('the legend showed only minutes at millisecond zoom: its precision follows the visible span', () => {
    expect(precisionOfSpan(0.02)).toBe('ms');
    expect(precisionOfSpan(300)).toBe('ms');
    expect(precisionOfSpan(3600)).toBe('s');
    expect(precisionOfSpan(30 * 86_400)).toBe('min');
    expect(formatLegendTime(t, 'ms')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.123$/);
    expect(formatLegendTime(t, 's')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(formatLegendTime(t, 'min')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    // Two samples a millisecond apart read differently.
    expect(formatLegendTime(t, 'ms')).not.toBe(formatLegendTime(t + 0.001, 'ms'));
  });

  it('axis labels carry the digits their step needs, and the date where the day changes', () => {
    expect(precisionOfStep(0.002)).toBe('ms');
    expect(precisionOfStep(5)).toBe('s');
    expect(precisionOfStep(600)).toBe('min');
    expect(precisionOfStep(2 * 86_400)).toBe('day');
    const labels = formatAxisTimes([t, t + 0.002, t + 0.004], 0.002);
    expect(labels[0]).toMatch(/^\d{2}:\d{2}:\d{2}\.123\n\d{4}-\d{2}-\d{2}$/);
    expect(labels.slice(1)).toEqual([labels[1]!.split('\n')[0], labels[2]!.split('\n')[0]]);
    expect(new Set(labels.map((label) => label.split('\n')[0])).size).toBe(3);
    expect(formatAxisTimes([null, Number.NaN], 1)).toEqual(['', '']);
  });

  it('the spacing between time ticks fits the widest label the resulting step gets', () => {
    const measure = (text: string) => text.length * 7;
    for (const span of [0.01, 0.5, 20, 300, 7200, 86_400, 30 * 86_400]) {
      for (const width of [300, 1000, 1400]) {
        const space = timeAxisSpace(span, width, measure);
        const step = (span * space) / width;
        expect(measure(widestAxisLabel(precisionOfStep(step))) + 16, `span ${span} s at ${width} px`).toBeLessThanOrEqual(space);
      }
    }
  });
});
