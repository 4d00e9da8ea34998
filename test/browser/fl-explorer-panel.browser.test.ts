/// <reference types="@vitest/browser-playwright" />
// <fl-explorer-panel> in real Chromium over a real IndexedDB storage: a y axis per unit, zoom
// and pan by wheel, keys and a two-finger pinch (real input through the DevTools protocol), the
// shared cursor's event and the values at it, raw samples once zoomed in, and the latest load winning.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cdp, page, userEvent } from 'vitest/browser';
import type uPlot from 'uplot';
import { ChannelArray, CHUNK_SIZE } from '../../src/arrays';
import type { ExplorerSeries } from '../../src/controllers/explorer/series-loader';
import { FlExplorerPanel, type ExplorerRangeDetail } from '../../src/gadgets/fl-explorer-panel';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

if (!customElements.get('fl-explorer-panel')) customElements.define('fl-explorer-panel', FlExplorerPanel);

const T0 = Date.UTC(2026, 10, 1, 8);
/** Power: 1 Hz, regular timing, value = sample number mod 1000 (kW). */
const POWER = 200_000;
/** Temperature: every 7 s from T0 + 0.5 s, explicit timing, value = 20 + sample number mod 50 (°C). */
const TEMPERATURE = 20_000;
const TEMPERATURE_DT = 7_000;
const WHOLE = { from: T0, to: T0 + (POWER - 1) * 1000 };
let storage: Storage;
let panel: FlExplorerPanel;
let ranges: ExplorerRangeDetail[];
let cursors: Array<number | null>;

const powerAt = (index: number): number => index % 1000;
const temperatureAt = (index: number): number => 20 + (index % 50);

beforeAll(async () => {
  await page.viewport(1100, 800);
  storage = createStorage({ type: 'indexeddb', database: uniqueName('explorer-panel') });
  const power = await ChannelArray.create(storage, 'array/power', { timing: 'regular', unit: 'kW' });
  for (let from = 0; from < POWER; from += CHUNK_SIZE) {
    const count = Math.min(CHUNK_SIZE, POWER - from);
    await power.append(Float32Array.from({ length: count }, (_, i) => powerAt(from + i)), { t0: T0 + from * 1000, dt: 1000 });
  }
  const temperature = await ChannelArray.create(storage, 'array/temperature', { timing: 'explicit', unit: '°C' });
  await temperature.append(
    Float32Array.from({ length: TEMPERATURE }, (_, i) => temperatureAt(i)),
    Float64Array.from({ length: TEMPERATURE }, (_, i) => T0 + 500 + i * TEMPERATURE_DT),
  );
}, 60_000);

function seriesOn(on: Storage): ExplorerSeries[] {
  return [
    { key: 'power', channel: 'channel/t01/power', title: 'Power', unit: 'kW', array: 'array/power', storage: on },
    { key: 'temperature', channel: 'channel/t01/gearbox_temp', title: 'Gearbox temperature', unit: '°C', array: 'array/temperature', storage: on },
  ];
}

async function mount(on: Storage, range = WHOLE): Promise<FlExplorerPanel> {
  const element = document.createElement('fl-explorer-panel');
  element.style.width = '1000px';
  element.series = seriesOn(on);
  element.range = range;
  element.addEventListener('fl-explorer-range', (event) => ranges.push((event as CustomEvent<ExplorerRangeDetail>).detail));
  element.addEventListener('fl-explorer-cursor', (event) => cursors.push((event as CustomEvent<{ x: number | null }>).detail.x));
  document.body.append(element);
  return element;
}

const drawn = (element = panel): number => Number(element.dataset.drawnAt ?? 0);
const plot = (): uPlot => panel.plot!;
const span = (range: { from: number; to: number }): number => range.to - range.from;
/** The last settled range event. */
const settled = (): ExplorerRangeDetail | undefined => ranges.filter((range) => range.settled).at(-1);

beforeEach(async () => {
  ranges = [];
  cursors = [];
  panel = await mount(storage);
  await expect.poll(() => drawn(), { timeout: 10_000 }).toBeGreaterThan(0);
});

afterEach(() => {
  panel.remove();
});

/** Where a point of the plot is in the top page (CDP's coordinates; the test runs in Vitest's iframe). */
function inTopPage(fraction: number): { x: number; y: number } {
  const frame = window.frameElement?.getBoundingClientRect() ?? { left: 0, top: 0, width: innerWidth };
  const scale = frame.width / innerWidth;
  const box = plot().over.getBoundingClientRect();
  return { x: frame.left + (box.left + box.width * fraction) * scale, y: frame.top + (box.top + box.height / 2) * scale };
}

describe('axes', () => {
  it('two series of different units get a y axis each (left and right), labelled with the unit', () => {
    const axes = plot().axes;
    expect(axes).toHaveLength(3);
    expect([axes[1]!.side, axes[1]!.label]).toEqual([3, 'kW']);
    expect([axes[2]!.side, axes[2]!.label]).toEqual([1, '°C']);
    expect(plot().series[1]!.scale).toBe('unit:kW');
    expect(plot().series[2]!.scale).toBe('unit:°C');
    // The whole range: M4 columns, O(pixels) points, not 220 000 samples.
    expect(panel.dataset.source).toBe('summary');
    expect(Number(panel.dataset.points)).toBeGreaterThan(1000);
    expect(Number(panel.dataset.points)).toBeLessThanOrEqual(2 * 4 * 1000);
    expect(panel.dataset.loading).toBeUndefined();
  });
});

describe('wheel', () => {
  it('a wheel turn zooms around the pointer and fires fl-explorer-range with the narrower range', async () => {
    const session = cdp();
    const at = inTopPage(0.25);
    const before = { ...WHOLE };
    const anchor = before.from + span(before) * 0.25;
    await session.send('Input.dispatchMouseEvent', { type: 'mouseWheel', x: at.x, y: at.y, deltaX: 0, deltaY: -500 });
    await expect.poll(settled, { timeout: 5_000 }).toBeDefined();
    const range = settled()!;
    // e^(-500 · 0.002): about 0.37 of the span; the time under the pointer stays under it.
    expect(span(range) / span(before)).toBeCloseTo(Math.exp(-1), 2);
    expect((anchor - range.from) / span(range)).toBeCloseTo(0.25, 1);
    expect(plot().scales.x!.min! * 1000).toBeCloseTo(range.from, -3);
    // The new range's data are loaded in the background and drawn.
    await expect.poll(() => panel.visible()[0]?.loaded.range[0] ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(panel.visible()[0]!.loaded.range[0]).toBe(Math.ceil((range.from - T0) / 1000));
  });

  it('shift+wheel pans instead of zooming', async () => {
    const session = cdp();
    const at = inTopPage(0.5);
    await session.send('Input.dispatchMouseEvent', { type: 'mouseWheel', x: at.x, y: at.y, deltaX: 0, deltaY: 100, modifiers: 8 });
    await expect.poll(settled, { timeout: 5_000 }).toBeDefined();
    const range = settled()!;
    expect(span(range)).toBeCloseTo(span(WHOLE), -3);
    expect(range.from).toBeGreaterThan(WHOLE.from);
  });
});

describe('keyboard', () => {
  it('← → pan by 10 %, + − zoom 2× around the middle, Backspace asks to go back', async () => {
    const backs: Event[] = [];
    panel.addEventListener('fl-explorer-back', (event) => backs.push(event));
    (panel.shadowRoot!.querySelector('.plot') as HTMLElement).focus();
    const expectRange = async (expected: { from: number; to: number }) => {
      await expect.poll(() => ranges.at(-1), { timeout: 5_000 }).toBeDefined();
      const range = ranges.at(-1)!;
      expect(range.from).toBeCloseTo(expected.from, -1);
      expect(range.to).toBeCloseTo(expected.to, -1);
      ranges = [];
      return range;
    };
    const whole = span(WHOLE);
    await userEvent.keyboard('{ArrowRight}');
    let range = await expectRange({ from: WHOLE.from + whole / 10, to: WHOLE.to + whole / 10 });
    await userEvent.keyboard('{ArrowLeft}');
    range = await expectRange(WHOLE);
    await userEvent.keyboard('+');
    range = await expectRange({ from: WHOLE.from + whole / 4, to: WHOLE.to - whole / 4 });
    await userEvent.keyboard('-');
    range = await expectRange(WHOLE);
    expect(range.settled).toBe(true);
    await userEvent.keyboard('{Backspace}');
    expect(backs).toHaveLength(1);
    expect(backs[0]!.bubbles && backs[0]!.composed).toBe(true);
  });
});

describe('mouse', () => {
  it('a drag selects the range to zoom to; a middle-button drag pans the range along', async () => {
    const session = cdp();
    const mouse = async (type: 'mousePressed' | 'mouseReleased' | 'mouseMoved', fraction: number, button: 'left' | 'middle', buttons: number) => {
      const at = inTopPage(fraction);
      await session.send('Input.dispatchMouseEvent', { type, x: at.x, y: at.y, button, buttons, clickCount: 1 });
    };
    await mouse('mouseMoved', 0.3, 'left', 0);
    await mouse('mousePressed', 0.3, 'left', 1);
    for (const fraction of [0.35, 0.45, 0.55]) await mouse('mouseMoved', fraction, 'left', 1);
    await mouse('mouseReleased', 0.55, 'left', 0);
    await expect.poll(settled, { timeout: 5_000 }).toBeDefined();
    const selected = settled()!;
    expect((selected.from - WHOLE.from) / span(WHOLE)).toBeCloseTo(0.3, 1);
    expect((selected.to - WHOLE.from) / span(WHOLE)).toBeCloseTo(0.55, 1);
    // The selection is gone once zoomed.
    expect(plot().select.width).toBe(0);
    ranges = [];
    await mouse('mousePressed', 0.6, 'middle', 4);
    for (const fraction of [0.55, 0.5, 0.4]) await mouse('mouseMoved', fraction, 'middle', 4);
    await mouse('mouseReleased', 0.4, 'middle', 0);
    await expect.poll(settled, { timeout: 5_000 }).toBeDefined();
    const panned = settled()!;
    // Dragged a fifth of the width to the left: the range moves a fifth of its span later.
    expect(span(panned)).toBeCloseTo(span(selected), -2);
    expect((panned.from - selected.from) / span(selected)).toBeCloseTo(0.2, 1);
  });
});

describe('touch', () => {
  it('a two-finger pinch apart zooms in around the fingers (the span halves when their gap doubles)', async () => {
    const session = cdp();
    await session.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 2 });
    try {
      const steps = [
        [0.4, 0.6],
        [0.37, 0.63],
        [0.33, 0.67],
        [0.3, 0.7],
      ];
      const points = (pair: number[]) => pair.map((fraction, id) => ({ ...inTopPage(fraction), id }));
      await session.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: points(steps[0]!) });
      for (const pair of steps.slice(1)) await session.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: points(pair) });
      await session.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    } finally {
      await session.send('Emulation.setTouchEmulationEnabled', { enabled: false });
    }
    await expect.poll(settled, { timeout: 5_000 }).toBeDefined();
    const range = settled()!;
    expect(span(range) / span(WHOLE)).toBeCloseTo(0.5, 2);
    // Fingers moved apart symmetrically about the middle: the middle stays.
    expect((range.from + range.to) / 2 / 1000).toBeCloseTo((WHOLE.from + WHOLE.to) / 2 / 1000, -2);
    // Frames while the fingers moved were not settled yet.
    expect(ranges.some((one) => !one.settled)).toBe(true);
  });

  it('a one-finger horizontal drag selects the range to zoom to', async () => {
    const session = cdp();
    await session.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
    try {
      await session.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [inTopPage(0.2)] });
      for (const fraction of [0.25, 0.35, 0.45]) await session.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [inTopPage(fraction)] });
      await session.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    } finally {
      await session.send('Emulation.setTouchEmulationEnabled', { enabled: false });
    }
    await expect.poll(settled, { timeout: 5_000 }).toBeDefined();
    const range = settled()!;
    expect((range.from - WHOLE.from) / span(WHOLE)).toBeCloseTo(0.2, 1);
    expect((range.to - WHOLE.from) / span(WHOLE)).toBeCloseTo(0.45, 1);
  });
});

describe('cursor and values', () => {
  it('zoomed in to 10 minutes every sample is drawn (raw), and the cursor event and valuesAt give the samples at the cursor', async () => {
    const from = T0 + 50_000_000;
    const before = drawn();
    panel.range = { from, to: from + 600_000 };
    await expect.poll(() => drawn(), { timeout: 10_000 }).toBeGreaterThan(before);
    expect(panel.dataset.source).toBe('raw');
    // 601 power samples (1 s apart, both ends included) and the temperatures 7 s apart.
    const temperatures = panel.visible()[1]!.loaded.x.length;
    expect(Math.abs(temperatures - 600 / 7)).toBeLessThanOrEqual(1);
    expect(Number(panel.dataset.points)).toBe(601 + temperatures);
    await userEvent.hover(plot().over, { position: { x: 300, y: 40 } });
    await expect.poll(() => cursors.at(-1), { timeout: 5_000 }).toBeTypeOf('number');
    const x = cursors.at(-1)!;
    const width = plot().over.clientWidth;
    // Where the pointer is, within 2 px (uPlot rounds the cursor to device pixels).
    expect(Math.abs(x - (from + (600_000 * 300) / width))).toBeLessThan((2 * 600_000) / width);
    const values = new Map(panel.valuesAt(x).map(({ key, value }) => [key, value]));
    expect(values.get('power')).toBe(powerAt(Math.round((x - T0) / 1000)));
    expect(values.get('temperature')).toBe(temperatureAt(Math.round((x - T0 - 500) / TEMPERATURE_DT)));
    await userEvent.unhover(plot().over);
    await expect.poll(() => cursors.at(-1), { timeout: 5_000 }).toBeNull();
    // Outside the data: no value.
    expect(panel.valuesAt(T0 - 3_600_000).map(({ value }) => value)).toEqual([null, null]);
  });
});

describe('several panels', () => {
  it('the cursor is shared across panels of one sync key, and only the panel under the pointer sends it', async () => {
    const second = await mount(storage);
    try {
      await expect.poll(() => drawn(second), { timeout: 10_000 }).toBeGreaterThan(0);
      let fromSecond = 0;
      // A leave (x null) may come from the second if the pointer was over it before.
      second.addEventListener('fl-explorer-cursor', (event) => (event as CustomEvent<{ x: number | null }>).detail.x !== null && fromSecond++);
      cursors = [];
      await userEvent.hover(plot().over, { position: { x: 400, y: 40 } });
      await expect.poll(() => second.plot!.cursor.left ?? -1, { timeout: 5_000 }).toBeGreaterThan(0);
      // Both plots are the same width and range: the same place.
      expect(Math.abs(second.plot!.cursor.left! - plot().cursor.left!)).toBeLessThanOrEqual(1);
      await expect.poll(() => cursors.length, { timeout: 5_000 }).toBeGreaterThan(0);
      // `cursors` listens on both panels: every event came from the first.
      expect(fromSecond).toBe(0);
    } finally {
      second.remove();
    }
  });

  it('a range handed back late (a frame the gesture has left) does not pull the view back; a new range from outside does', async () => {
    const session = cdp();
    const at = inTopPage(0.5);
    await session.send('Input.dispatchMouseEvent', { type: 'mouseWheel', x: at.x, y: at.y, deltaX: 0, deltaY: -200 });
    await expect.poll(() => ranges.length, { timeout: 5_000 }).toBeGreaterThan(0);
    const first = ranges[0]!;
    expect(first.settled).toBe(false);
    await session.send('Input.dispatchMouseEvent', { type: 'mouseWheel', x: at.x, y: at.y, deltaX: 0, deltaY: -200 });
    await expect.poll(() => ranges.some((range) => range.from !== first.from), { timeout: 5_000 }).toBe(true);
    const second = ranges.find((range) => range.from !== first.from)!;
    // The parent sets the first frame's range after the second frame.
    panel.range = { from: first.from, to: first.to };
    await panel.updateComplete;
    await new Promise(requestAnimationFrame);
    expect(plot().scales.x!.min! * 1000).toBeCloseTo(second.from, -1);
    // A range the panel never sent (the shell's time picker, Back): shown.
    const picked = { from: T0 + 3_600_000, to: T0 + 7_200_000 };
    panel.range = picked;
    await panel.updateComplete;
    await expect.poll(() => plot().scales.x!.min! * 1000, { timeout: 5_000 }).toBeCloseTo(picked.from, -1);
    // A parent that hands every range back at once (the shell), then goes Back to an earlier one: shown.
    panel.addEventListener('fl-explorer-range', (event) => (panel.range = { from: (event as CustomEvent<ExplorerRangeDetail>).detail.from, to: (event as CustomEvent<ExplorerRangeDetail>).detail.to }));
    ranges = [];
    (panel.shadowRoot!.querySelector('.plot') as HTMLElement).focus();
    await userEvent.keyboard('{ArrowRight}');
    await expect.poll(() => ranges.length, { timeout: 5_000 }).toBe(1);
    await userEvent.keyboard('{ArrowRight}');
    await expect.poll(() => ranges.length, { timeout: 5_000 }).toBe(2);
    panel.range = { from: ranges[0]!.from, to: ranges[0]!.to };
    await expect.poll(() => plot().scales.x!.min! * 1000, { timeout: 5_000 }).toBeCloseTo(ranges[0]!.from, -1);
  });
});

describe('loads', () => {
  it('a parent handing an equal series array again (each render) loads nothing; a new array of another storage loads', async () => {
    let opened = 0;
    const counted = new Proxy(storage, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (typeof value !== 'function') return value;
        if (key !== 'get') return value.bind(target);
        return (...args: unknown[]) => {
          opened++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const other = await mount(counted);
    try {
      await expect.poll(() => drawn(other), { timeout: 10_000 }).toBeGreaterThan(0);
      // What one load opens (measured: a resize just after mounting may add a load of its own).
      let before = opened;
      let drawnBefore = drawn(other);
      other.range = { from: T0 + 1_000_000, to: T0 + 2_000_000 };
      await expect.poll(() => drawn(other), { timeout: 10_000 }).toBeGreaterThan(drawnBefore);
      const oneLoad = opened - before;
      expect(oneLoad).toBeGreaterThan(0);
      before = opened;
      drawnBefore = drawn(other);
      // One render per frame, as a parent that renders on each gesture frame does.
      for (let render = 0; render < 5; render++) {
        other.series = other.series.map((one) => ({ ...one }));
        await other.updateComplete;
        await new Promise(requestAnimationFrame);
        await new Promise(requestAnimationFrame);
      }
      // The positive signal: a new range loads and draws; the renders opened nothing more.
      other.range = { from: T0 + 3_000_000, to: T0 + 4_000_000 };
      await expect.poll(() => drawn(other), { timeout: 10_000 }).toBeGreaterThan(drawnBefore);
      expect(opened - before).toBeLessThanOrEqual(oneLoad);
      drawnBefore = drawn(other);
      other.series = seriesOn(storage);
      await expect.poll(() => drawn(other), { timeout: 10_000 }).toBeGreaterThan(drawnBefore);
    } finally {
      other.remove();
    }
  });

  it('the latest load wins: an older range answering after a newer one is dropped', async () => {
    // Attachment reads of the real storage held per phase (the phase when the read began), so
    // the older load can be made to answer last; every storage call counted while it runs.
    let phase = 'A';
    const held: Array<{ phase: string; release: () => void }> = [];
    const open = new Set<string>();
    let running = 0;
    const gated = new Proxy(storage, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const mine = phase;
          running++;
          try {
            if (key === 'getAttachment' && !open.has(mine)) await new Promise<void>((release) => held.push({ phase: mine, release }));
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            running--;
          }
        };
      },
    });
    const release = (which: string) => {
      open.add(which);
      for (const hold of held.filter((one) => one.phase === which)) hold.release();
    };
    const rangeA = { from: T0 + 10_000_000, to: T0 + 20_000_000 };
    const rangeB = { from: T0 + 100_000_000, to: T0 + 100_600_000 };
    const other = await mount(gated, rangeA);
    try {
      await expect.poll(() => held.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(other.dataset.loading).toBe('');
      phase = 'B';
      other.range = rangeB;
      await expect.poll(() => held.filter((one) => one.phase === 'B').length, { timeout: 10_000 }).toBeGreaterThan(0);
      release('B');
      await expect.poll(() => drawn(other), { timeout: 10_000 }).toBe(1);
      expect(other.dataset.loading).toBeUndefined();
      const drawnB = other.visible().map(({ loaded }) => loaded.range.join('-'));
      expect(other.visible()[0]!.loaded.range[0]).toBe((rangeB.from - T0) / 1000);
      // Now the older load answers: nothing of it is drawn.
      release('A');
      // No storage call runs any more: A's load went to its end (loads await nothing else; each
      // poll is a task later, so what A did with its answers has run too).
      await expect.poll(() => running, { timeout: 10_000 }).toBe(0);
      expect(drawn(other)).toBe(1);
      expect(other.visible().map(({ loaded }) => loaded.range.join('-'))).toEqual(drawnB);
      expect(other.dataset.source).toBe('raw');
    } finally {
      other.remove();
    }
  });
});
