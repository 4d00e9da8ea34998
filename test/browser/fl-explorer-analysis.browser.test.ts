/// <reference types="@vitest/browser-playwright" />
// <fl-explorer-analysis> in real Chromium over real IndexedDB arrays: the statistics table of the
// visible series (and following the range), the spectrum's peak at a generated sine's frequency,
// Cancel, the XY scatter's points, the spectrogram's cells, errors shown, and axe on the markup.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import axe from 'axe-core';
import { ChannelArray } from '../../src/arrays';
import '../../src/gadgets/design/components';
import { FlExplorerAnalysis } from '../../src/gadgets/fl-explorer-analysis';
import { FlExplorerSpectrogram } from '../../src/gadgets/fl-explorer-spectrogram';
import { FlExplorerXy } from '../../src/gadgets/fl-explorer-xy';
import type { AnalysisSeries } from '../../src/controllers/explorer/analysis-controller';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

for (const [tag, element] of [
  ['fl-explorer-analysis', FlExplorerAnalysis],
  ['fl-explorer-spectrogram', FlExplorerSpectrogram],
  ['fl-explorer-xy', FlExplorerXy],
] as const)
  if (!customElements.get(tag)) customElements.define(tag, element);

const T0 = Date.UTC(2026, 10, 1, 8);
/** Gearbox acceleration: 1 kHz, a 50 Hz sine of amplitude 2 g around 0.5 g. */
const VIB_RATE = 1000;
const VIB_LENGTH = 32_768;
const SINE_HZ = 50;
/** SCADA: 1 Hz wind speed and the power it makes, 20 minutes. */
const SCADA_LENGTH = 1200;

const vib = Float32Array.from({ length: VIB_LENGTH }, (_, i) => 0.5 + 2 * Math.sin((2 * Math.PI * SINE_HZ * i) / VIB_RATE));
const wind = Float32Array.from({ length: SCADA_LENGTH }, (_, i) => 3 + (9 * i) / SCADA_LENGTH + Math.sin(i / 7));
const power = Float32Array.from(wind, (speed) => Math.min(2000, 1.2 * speed ** 3));

let storage: Storage;
let targets: AnalysisSeries[];
let gadget: FlExplorerAnalysis;
const whole = { from: T0, to: T0 + (SCADA_LENGTH - 1) * 1000 };

beforeAll(async () => {
  await page.viewport(1440, 900);
  storage = createStorage({ type: 'indexeddb', database: uniqueName('explorer-analysis') });
  const vibArray = await ChannelArray.create(storage, 'array/t01.cms/acc_x', { timing: 'regular', unit: 'g' });
  await vibArray.append(vib, { t0: T0, dt: 1000 / VIB_RATE });
  const windArray = await ChannelArray.create(storage, 'array/t01.scada/wind_speed', { timing: 'regular', unit: 'm/s' });
  await windArray.append(wind, { t0: T0, dt: 1000 });
  const powerArray = await ChannelArray.create(storage, 'array/t01.scada/power', { timing: 'regular', unit: 'kW' });
  await powerArray.append(power, { t0: T0, dt: 1000 });
  targets = [
    { key: 'p0:acc_x', storage, array: 'array/t01.cms/acc_x', title: 'Gearbox acceleration X', unit: 'g' },
    { key: 'p1:wind', storage, array: 'array/t01.scada/wind_speed', title: 'Wind speed', unit: 'm/s' },
    { key: 'p1:power', storage, array: 'array/t01.scada/power', title: 'Active power', unit: 'kW' },
  ];
});

beforeEach(() => {
  gadget = document.createElement('fl-explorer-analysis');
  gadget.style.width = '1200px';
  gadget.style.display = 'block';
  gadget.targets = targets;
  gadget.range = whole;
  document.body.append(gadget);
});

afterEach(() => {
  gadget.remove();
});

const root = (): ShadowRoot => gadget.shadowRoot!;
const panel = (kind: string): HTMLElement | null => root().querySelector(`.analysis[data-kind='${kind}']`);
const status = (kind: string): string | undefined => panel(kind)?.dataset.status;
const cell = (key: string, field: string): HTMLTableCellElement | null => root().querySelector(`tr[data-key='${key}'] td[data-field='${field}']`);
const cellValue = (key: string, field: string): number => Number(cell(key, field)?.dataset.value ?? NaN);

/** What the table must say, computed here in float64 over the float32 samples. */
function expected(values: Float32Array) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let squares = 0;
  for (const value of values) {
    min = Math.min(min, value);
    max = Math.max(max, value);
    sum += value;
    squares += value * value;
  }
  const mean = sum / values.length;
  let deviations = 0;
  for (const value of values) deviations += (value - mean) ** 2;
  return { count: values.length, min, max, mean, rms: Math.sqrt(squares / values.length), std: Math.sqrt(deviations / values.length), peak_to_peak: max - min };
}

async function done(kind: string): Promise<void> {
  await expect.poll(() => status(kind), { timeout: 20_000 }).toBe('done');
}

describe('statistics', () => {
  it('shows count, min, max, mean, RMS, std and peak-to-peak of every visible series, with units and where each came from', async () => {
    await done('stats');
    for (const [key, values] of [
      ['p0:acc_x', vib],
      ['p1:wind', wind],
      ['p1:power', power],
    ] as const) {
      const want = expected(values);
      expect(cellValue(key, 'count')).toBe(want.count);
      for (const field of ['min', 'max', 'peak_to_peak'] as const) expect(cellValue(key, field)).toBeCloseTo(want[field], 4);
      for (const field of ['mean', 'rms', 'std'] as const) expect(Math.abs(cellValue(key, field) - want[field])).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[field])));
    }
    // Titles and units, never ids.
    const row = root().querySelector("tr[data-key='p1:power']")!;
    expect(row.querySelector('th')!.textContent).toContain('Active power [kW]');
    expect(row.textContent).not.toContain('array/');
    expect(cell('p1:power', 'max')!.textContent).toContain('kW');
    // Where each value came from: every field says summaries or samples.
    for (const field of ['count', 'min', 'max', 'mean', 'rms', 'std', 'peak_to_peak']) expect(['summaries', 'raw']).toContain(cell('p0:acc_x', field)!.dataset.from);
    expect(panel('stats')!.querySelector('[data-sources]')!.textContent).toContain('Count, Min, Max, Mean, Peak-to-peak: summaries · RMS, Std: samples');
    // The result says which range it is of.
    expect(panel('stats')!.dataset.range).toBe(`${whole.from}-${whole.to}`);
    expect(panel('stats')!.textContent).toContain('2026-11-01 08:00:00 UTC to 2026-11-01 08:19:59 UTC');
  });

  it('follow the range by themselves: a zoom to 10 s gives the counts of those 10 s', async () => {
    await done('stats');
    const zoomed = { from: T0, to: T0 + 9_999 };
    gadget.range = zoomed;
    await expect.poll(() => panel('stats')?.dataset.range, { timeout: 20_000 }).toBe(`${zoomed.from}-${zoomed.to}`);
    await done('stats');
    expect(cellValue('p0:acc_x', 'count')).toBe(10_000);
    expect(cellValue('p1:wind', 'count')).toBe(10);
    expect(cellValue('p1:wind', 'max')).toBeCloseTo(expected(wind.subarray(0, 10)).max, 4);
  });

  it('a series that cannot be read says so in its row; the others still have their values', async () => {
    gadget.targets = [...targets, { key: 'p2:gone', storage, array: 'array/missing', title: 'Removed channel', unit: '°C' }];
    await done('stats');
    const row = root().querySelector("tr[data-key='p2:gone']")!;
    expect(row.querySelector('[role=alert]')?.textContent).toMatch(/Not available: .+/);
    expect(cellValue('p1:wind', 'count')).toBe(SCADA_LENGTH);
  });
});

describe('spectrum', () => {
  it('lists the top peak at the generated sine frequency and marks it', async () => {
    gadget.tab = 'spectrum';
    await done('spectrum');
    const peaks = [...root().querySelectorAll<HTMLLIElement>('.peaks li')];
    expect(peaks.length).toBeGreaterThan(0);
    const first = Number(peaks[0]!.dataset.frequency);
    expect(Math.abs(first - SINE_HZ)).toBeLessThan(1.5);
    expect(peaks[0]!.textContent).toMatch(/Hz/);
    expect(panel('spectrum')!.textContent).toContain('Welch');
    // Drawn by uPlot on a log magnitude axis; other updates of the gadget leave the plot alone.
    await expect.poll(() => gadget.plotOf('spectrum')).toBeDefined();
    const plot = gadget.plotOf('spectrum')!;
    expect(plot.scales.y!.distr).toBe(3);
    gadget.requestUpdate();
    await gadget.updateComplete;
    expect(gadget.plotOf('spectrum')).toBe(plot);
    // Switching the log axis off redraws on a linear one.
    (panel('spectrum')!.querySelector('sl-switch') as HTMLElement).click();
    await expect.poll(() => gadget.plotOf('spectrum')?.scales.y?.distr).toBe(1);
  });

  it('Cancel stops a running spectrum: it says cancelled, and Run gives the result', async () => {
    gadget.tab = 'spectrum';
    await gadget.updateComplete;
    // The run started as the tab showed; it has not read its first chunk yet (IndexedDB answers in later tasks).
    expect(status('spectrum')).toBe('running');
    expect(root().querySelector('sl-progress-bar')).not.toBeNull();
    (root().querySelector("[data-kind='spectrum'] sl-button[data-action='cancel']") as HTMLElement).click();
    await gadget.updateComplete;
    expect(status('spectrum')).toBe('cancelled');
    expect(panel('spectrum')!.querySelector("[data-outcome='cancelled']")?.textContent).toBe('Cancelled.');
    // The range changing or time passing must not undo the cancel by itself (the debounced stats run ends first).
    await expect.poll(() => gadget.analysis.state('stats').status, { timeout: 20_000 }).toBe('done');
    expect(status('spectrum')).toBe('cancelled');
    (root().querySelector("[data-kind='spectrum'] sl-button[data-action='run']") as HTMLElement).click();
    await done('spectrum');
    expect(root().querySelectorAll('.peaks li').length).toBeGreaterThan(0);
  });

  it('reruns when the range changes while shown, and says the shown result is stale meanwhile', async () => {
    gadget.tab = 'spectrum';
    await done('spectrum');
    const zoomed = { from: T0 + 2_000, to: T0 + 12_000 };
    gadget.range = zoomed;
    await gadget.updateComplete;
    expect(panel('spectrum')!.hasAttribute('data-stale')).toBe(true);
    await expect.poll(() => panel('spectrum')?.dataset.range, { timeout: 20_000 }).toBe(`${zoomed.from}-${zoomed.to}`);
    await done('spectrum');
    expect(panel('spectrum')!.hasAttribute('data-stale')).toBe(false);
  });
});

describe('a live window moving on', () => {
  /** The test's storage with attachment reads held while `held` is set (released by `open()`). */
  function gatedStorage() {
    let gate: Promise<void> | undefined;
    let release: () => void = () => {};
    const storageView = new Proxy(storage, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (key === 'getAttachment') await gate;
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
    return {
      storage: storageView,
      hold: () => (gate = new Promise<void>((resolve) => (release = resolve))),
      open: () => {
        gate = undefined;
        release();
      },
    };
  }

  it('a run over a range that moved on by a little finishes, then one more runs over the newest range; a zoom aborts at once', async () => {
    const gated = gatedStorage();
    gadget.targets = [{ ...targets[0]!, storage: gated.storage }];
    const first = { from: T0, to: T0 + 20_000 };
    gadget.range = first;
    gadget.tab = 'spectrum';
    await done('spectrum');
    // Held in its reads, the next run over a window moved on by 2 s (live) is running...
    gated.hold();
    const moved = { from: T0 + 2_000, to: T0 + 22_000 };
    gadget.range = moved;
    await expect.poll(() => gadget.analysis.state('spectrum').range?.from, { timeout: 10_000 }).toBe(moved.from);
    expect(status('spectrum')).toBe('running');
    // ...and moving on again does not abort it (before: aborted and restarted on every move, so a
    // run longer than the moves' interval never finished).
    const again = { from: T0 + 4_000, to: T0 + 24_000 };
    gadget.range = again;
    await expect.poll(() => gadget.analysis.waiting('spectrum'), { timeout: 10_000 }).toBe(true);
    expect(gadget.analysis.state('spectrum')).toMatchObject({ status: 'running', range: moved });
    gated.open();
    // It ends over its own range, then the newest range runs by itself.
    await expect.poll(() => panel('spectrum')?.dataset.range, { timeout: 20_000 }).toBe(`${again.from}-${again.to}`);
    await done('spectrum');
    expect(gadget.analysis.waiting('spectrum')).toBe(false);
    // A zoom (a range sharing less than half with the running one) aborts it at once, reads held or not.
    gated.hold();
    const far = { from: T0 + 10_000, to: T0 + 20_000 };
    gadget.range = far;
    await expect.poll(() => gadget.analysis.state('spectrum').range?.from, { timeout: 10_000 }).toBe(far.from);
    const zoomed = { from: T0 + 15_000, to: T0 + 16_000 };
    gadget.range = zoomed;
    await expect.poll(() => gadget.analysis.state('spectrum').range?.from, { timeout: 10_000 }).toBe(zoomed.from);
    expect(gadget.analysis.waiting('spectrum')).toBe(false);
    gated.open();
    await expect.poll(() => panel('spectrum')?.dataset.range, { timeout: 20_000 }).toBe(`${zoomed.from}-${zoomed.to}`);
  });
});

describe('errors', () => {
  it('a spectrum of a series that cannot be read says why, and offers to run again', async () => {
    gadget.targets = [{ key: 'p2:gone', storage, array: 'array/missing', title: 'Removed channel', unit: 'g' }];
    gadget.tab = 'spectrum';
    await expect.poll(() => status('spectrum'), { timeout: 20_000 }).toBe('error');
    expect(panel('spectrum')!.querySelector('[role=alert]')?.textContent).toMatch(/^Spectrum failed: .+/);
    expect(panel('spectrum')!.querySelector("sl-button[data-action='run']")).not.toBeNull();
  });
});

describe('histogram', () => {
  it('counts every sample of the chosen series into its bins', async () => {
    gadget.tab = 'histogram';
    await done('histogram');
    const result = gadget.analysis.state('histogram').result!;
    expect(result.counts.reduce((sum, count) => sum + count, 0)).toBe(VIB_LENGTH);
    expect(root().querySelector(".plot[data-plot='histogram'] .uplot")).not.toBeNull();
  });
});

describe('XY', () => {
  it('draws power against wind speed by default, one point per pair, coloured by time with a legend', async () => {
    gadget.tab = 'xy';
    await done('xy');
    const xy = root().querySelector('fl-explorer-xy')!;
    await expect.poll(() => xy.dataset.points).toBe(String(SCADA_LENGTH));
    expect(xy.xLabel).toBe('Wind speed [m/s]');
    expect(xy.yLabel).toBe('Active power [kW]');
    expect(xy.shadowRoot!.querySelector('.legend')!.textContent).toMatch(/Old: 2026-11-01 08:00:00 UTC[\s\S]*New: 2026-11-01 08:19:59 UTC/);
  });

  it('a theme switch repaints the frame in the new theme colours (canvas cannot follow CSS by itself)', async () => {
    gadget.tab = 'xy';
    await done('xy');
    const xy = root().querySelector('fl-explorer-xy')!;
    const canvas = xy.shadowRoot!.querySelector('canvas')!;
    // The frame's left edge, halfway down (the axes are drawn in --fl-border / --fl-text-muted).
    const edge = (): string => {
      const ratio = canvas.width / canvas.clientWidth;
      return canvas.getContext('2d')!.getImageData(Math.floor(72.5 * ratio), Math.round(canvas.height / 2), 1, 1).data.join(',');
    };
    const html = document.documentElement;
    const before = html.className;
    try {
      html.className = 'sl-theme-light';
      await expect.poll(edge).not.toBe('0,0,0,0');
      const light = edge();
      html.className = 'sl-theme-dark';
      await expect.poll(edge).not.toBe(light);
    } finally {
      html.className = before;
    }
  });
});

describe('spectrogram', () => {
  it('draws a waterfall of the burst: columns × bins cells and a colour legend', async () => {
    gadget.tab = 'spectrogram';
    await done('spectrogram');
    const result = gadget.analysis.state('spectrogram').result!;
    const columns = result.magnitudes.length / result.bins;
    expect(columns).toBeGreaterThan(1);
    expect(result.times.length).toBe(columns);
    const picture = root().querySelector('fl-explorer-spectrogram')!;
    await expect.poll(() => picture.dataset.drawn).toBe(`${columns}x${result.bins}`);
    expect(picture.shadowRoot!.querySelector('.legend')!.textContent).toMatch(/-?\d+ dB[\s\S]*-?\d+ dB/);
    // Cells painted (opaque), not a blank canvas.
    const canvas = picture.shadowRoot!.querySelector('canvas')!;
    const pixel = canvas.getContext('2d')!.getImageData(Math.round(canvas.width / 2), Math.round(canvas.height / 3), 1, 1).data;
    expect(pixel[3]).toBe(255);
  });
});

describe('accessibility', () => {
  it('has no serious axe findings in each tab', async () => {
    for (const tab of ['stats', 'spectrum', 'xy'] as const) {
      gadget.tab = tab;
      await done(tab);
      const results = await axe.run(gadget, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
      const serious = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
      expect(serious.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
    }
  });
});
