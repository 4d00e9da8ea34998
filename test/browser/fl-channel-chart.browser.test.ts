/// <reference types="@vitest/browser-playwright" />
// <fl-channel-chart> in real Chromium: zooming out, touch drags, the legend's time and the time
// axis's labels (bugs found trying the app as a new user would).
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cdp, page, userEvent } from 'vitest/browser';
import type uPlot from 'uplot';
import { ChannelArray, CHUNK_SIZE } from '../../src/arrays';
import { FlChannelChart } from '../../src/gadgets/fl-channel-chart';
import { createStorage, type Storage } from '../../src/storage';

if (!customElements.get('fl-channel-chart')) customElements.define('fl-channel-chart', FlChannelChart);

const T0 = Date.UTC(2026, 10, 1, 8);
/** As many samples as the chart that never zoomed out again held. */
const LENGTH = 314_972;
let storage: Storage;
let chart: FlChannelChart;

beforeAll(async () => {
  await page.viewport(1024, 768);
  storage = createStorage({ type: 'memory' });
  // 1 kHz vibration: ~315 s, every sample 1 ms apart.
  const array = await ChannelArray.create(storage, 'array/vib', { timing: 'regular', unit: 'mm/s' });
  for (let from = 0; from < LENGTH; from += CHUNK_SIZE) {
    const count = Math.min(CHUNK_SIZE, LENGTH - from);
    await array.append(Float32Array.from({ length: count }, (_, i) => Math.sin((from + i) / 50)), { t0: T0 + from, dt: 1 });
  }
});

beforeEach(async () => {
  chart = document.createElement('fl-channel-chart');
  chart.style.width = '1024px';
  chart.style.display = 'block';
  chart.storage = storage;
  chart.label = 'Vibration X';
  chart.array = 'array/vib';
  document.body.append(chart);
  await expect.poll(() => chart.plot !== undefined && samples() === LENGTH, { timeout: 10_000 }).toBe(true);
});

afterEach(() => {
  chart.remove();
});

/** The samples the header says are drawn. */
function samples(): number {
  const text = chart.shadowRoot?.querySelector('header span:last-child')?.textContent ?? '';
  const match = /^([\d,]+) samples/.exec(text);
  return match ? Number(match[1]!.replace(/,/g, '')) : -1;
}
const plot = (): uPlot => chart.plot!;

async function zoomTo(fromMs: number, toMs: number, expected: number): Promise<void> {
  plot().setScale('x', { min: fromMs / 1000, max: toMs / 1000 });
  await expect.poll(samples, { timeout: 10_000 }).toBe(expected);
}

describe('zooming out', () => {
  it('double-click never zoomed back out (stayed at the zoomed samples): it shows the whole array again', async () => {
    await zoomTo(T0 + 100_000, T0 + 110_000, 10_001);
    await userEvent.dblClick(plot().over);
    await expect.poll(samples, { timeout: 10_000 }).toBe(LENGTH);
    expect(plot().scales.x!.min).toBeCloseTo(T0 / 1000, 3);
    expect(plot().scales.x!.max).toBeCloseTo((T0 + LENGTH - 1) / 1000, 3);
    // And again after a second zoom (the first zoom out must not leave the chart stuck).
    await zoomTo(T0 + 5_000, T0 + 6_000, 1_001);
    await userEvent.dblClick(plot().over);
    await expect.poll(samples, { timeout: 10_000 }).toBe(LENGTH);
  });
});

describe('touch', () => {
  it('a touch drag navigated the page back instead of zooming: a horizontal drag zooms the chart', async () => {
    const over = plot().over;
    expect(getComputedStyle(over).touchAction).toBe('pan-y');
    // CDP takes coordinates in the top page; this test runs in Vitest's iframe.
    const frame = window.frameElement?.getBoundingClientRect() ?? { left: 0, top: 0, width: innerWidth };
    const scale = frame.width / innerWidth;
    const box = over.getBoundingClientRect();
    const at = (fraction: number) => ({ x: frame.left + (box.left + box.width * fraction) * scale, y: frame.top + (box.top + box.height / 2) * scale });
    const href = location.href;
    const historyLength = history.length;
    const session = cdp();
    await session.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
    try {
      await session.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(0.25)] });
      for (const fraction of [0.3, 0.4, 0.5]) await session.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [at(fraction)] });
      await session.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    } finally {
      await session.send('Emulation.setTouchEmulationEnabled', { enabled: false });
    }
    // A quarter of ~315 s: about 79 000 samples, every one of them drawn from the new range.
    await expect.poll(samples, { timeout: 10_000 }).toBeLessThan(LENGTH / 3);
    expect(samples()).toBeGreaterThan(LENGTH / 6);
    const { min, max } = plot().scales.x!;
    expect(min! * 1000).toBeGreaterThan(T0 + LENGTH * 0.2);
    expect(max! * 1000).toBeLessThan(T0 + LENGTH * 0.55);
    expect(location.href).toBe(href);
    expect(history.length).toBe(historyLength);
  });
});

describe('legend time', () => {
  const legendTime = (): string => chart.shadowRoot!.querySelector('.u-legend .u-series:first-child .u-value')?.textContent ?? '';

  it('the legend showed "NaN-NaN-NaN NaN:NaNam" at deep zoom and only minutes at millisecond zoom: milliseconds, never NaN', async () => {
    // 20 ms on screen: 21 samples, 1 ms apart.
    await zoomTo(T0 + 200_000, T0 + 200_020, 21);
    expect(legendTime()).not.toContain('NaN');
    const x = plot().data[0];
    const index = 7;
    await userEvent.hover(plot().over, { position: { x: plot().valToPos(x[index]!, 'x'), y: 50 } });
    await expect.poll(legendTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
    const shown = new Date(x[index]! * 1000);
    expect(legendTime().endsWith(`.${String(shown.getMilliseconds()).padStart(3, '0')}`)).toBe(true);
    // Off the samples (the cursor left the plot): a dash, not NaN.
    await userEvent.unhover(plot().over);
    await expect.poll(legendTime).not.toContain('NaN');
    // Zoomed out again, over a sample: a time, still no NaN.
    await userEvent.dblClick(plot().over);
    await expect.poll(samples, { timeout: 10_000 }).toBe(LENGTH);
    await userEvent.hover(plot().over, { position: { x: 100, y: 50 } });
    await expect.poll(legendTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(legendTime()).not.toContain('NaN');
  });
});

describe('time axis', () => {
  it('time-axis labels ran into each other at 1024 px: at every zoom, neighbouring labels keep apart', async () => {
    const ctx = document.createElement('canvas').getContext('2d')!;
    const axis = plot().axes[0] as uPlot.Axis & { _splits?: number[]; _values?: string[]; font?: [string, number] };
    // Spans from 5 ms to 90 days, 12 per decade: every tick step is met at its densest spacing somewhere.
    const spans = Array.from({ length: 85 }, (_, i) => Math.round(5 * 10 ** (i / 12)));
    const overlaps: string[] = [];
    const repeated: string[] = [];
    for (const span of spans) {
      const from = T0 + 100_000;
      plot().setScale('x', { min: from / 1000, max: (from + span) / 1000 });
      await new Promise(requestAnimationFrame);
      const splits = axis._splits ?? [];
      const values = axis._values ?? [];
      expect(splits.length, `ticks for a span of ${span} ms`).toBeGreaterThan(1);
      ctx.font = axis.font![0];
      const width = (label: string) => Math.max(...label.split('\n').map((line) => ctx.measureText(line).width)) / devicePixelRatio;
      for (let i = 1; i < splits.length; i++) {
        const gap = plot().valToPos(splits[i]!, 'x') - width(values[i]!) / 2 - (plot().valToPos(splits[i - 1]!, 'x') + width(values[i - 1]!) / 2);
        if (gap < 4) overlaps.push(`span ${span} ms: "${values[i - 1]}" and "${values[i]}" ${gap.toFixed(1)} px apart`);
      }
      // Neighbouring labels differ (the precision follows the zoom).
      const distinct = new Set(values.map((value) => value.split('\n')[0])).size;
      if (distinct !== values.length) repeated.push(`span ${span} ms: ${JSON.stringify(values)}`);
    }
    expect(overlaps).toEqual([]);
    expect(repeated).toEqual([]);
  });
});
