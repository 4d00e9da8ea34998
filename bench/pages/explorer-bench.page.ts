/**
 * Runs in Chromium: the explorer's panels (<fl-explorer-panel>, the app's gadget) over three
 * channels of 1 M, 10 M and 100 M samples each in IndexedDB (ChannelArray, regular timing at
 * 1 kHz), against plain uPlot fed every raw point of the same arrays in the same run.
 *
 * This page only builds and measures what happens inside the page; the zoom/pan sequence is real
 * input sent by the bench (bench/explorer.bench.ts, Playwright's mouse and keyboard), and the
 * main-thread time per frame comes from Chromium's trace there. Here: filling the arrays, mounting
 * three stacked panels (or three uPlot plots) and telling when they are drawn, and where their
 * plots are for the input to aim at.
 */
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';
import { ChannelArray, CHUNK_SIZE } from '../../src/arrays';
import { keyAction, panBy, wheelAction, zoomAround, type TimeRange } from '../../src/controllers/explorer/panel-gestures';
import type { ExplorerSeries } from '../../src/controllers/explorer/series-loader';
import { defineGadgets } from '../../src/gadgets';
import { FlExplorerPanel } from '../../src/gadgets/fl-explorer-panel';
import { createStorage, type Storage } from '../../src/storage';

defineGadgets();
if (!customElements.get('fl-explorer-panel')) customElements.define('fl-explorer-panel', FlExplorerPanel);

/** The three channels of every size: what a wind turbine's engineer compares. */
export const channels = [
  { name: 'vibration', title: 'Gearbox acceleration X', unit: 'g' },
  { name: 'temperature', title: 'Gearbox temperature', unit: '°C' },
  { name: 'power', title: 'Active power', unit: 'kW' },
] as const;
type ChannelName = (typeof channels)[number]['name'];

/** Sampling: 1 kHz (a condition-monitoring rate) from 2026-11-01; 100 M samples span ~27.8 h. */
const T0 = Date.UTC(2026, 10, 1);
const DT = 1;
/** Samples per append: 16 chunks (4 MiB of Float32), the batches a backfill writes. */
const BATCH = CHUNK_SIZE * 16;
const PLOT_HEIGHT = 240;

export const arrayId = (size: string, channel: ChannelName): string => `array/bench/${size}/${channel}`;

/** A small fast PRNG (xorshift32): the same signals on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

/** Fills `values` with samples `from`… of a channel's signal; the generator keeps its state between calls. */
type Signal = (values: Float32Array, from: number) => void;

const NOISE_MASK = 2 ** 20 - 1;
let noiseValues: Float32Array | undefined;
/** 2^20 roughly normal values (sum of three uniforms, σ = 0.5), made once. */
function noiseTable(): Float32Array {
  if (!noiseValues) {
    const next = random(101);
    noiseValues = Float32Array.from({ length: NOISE_MASK + 1 }, () => next() + next() + next() - 1.5);
  }
  return noiseValues;
}

/** One sample on of a tone's phasor. */
function rotate(tone: { re: number; im: number; stepRe: number; stepIm: number }): void {
  const re = tone.re * tone.stepRe - tone.im * tone.stepIm;
  tone.im = tone.im * tone.stepRe + tone.re * tone.stepIm;
  tone.re = re;
}

/** Samples between updates of a signal's slow parts (amplitude, daily cycle): one second. */
const SLOW_STEP = 1000;

/**
 * A channel's signal. Tones come from rotating phasors (a complex multiply per sample instead of a
 * Math.sin), each set exactly from its phase at every call's first sample so nothing drifts; slow
 * parts change once a second (linearly in between): 300 M samples are generated in seconds, not minutes.
 */
function signal(channel: ChannelName): Signal {
  const next = random(channel === 'vibration' ? 11 : channel === 'temperature' ? 23 : 37);
  // Noise from a table of 2^20 roughly normal values (σ = 0.5), walked from a channel's own offset:
  // three PRNG calls per sample made generating 300 M samples take minutes on a busy machine.
  const table = noiseTable();
  const noise = (sample: number) => table[(sample + channel.length * 104_729) & NOISE_MASK]!;
  const tau = 2 * Math.PI;
  if (channel === 'vibration') {
    // Gear mesh, shaft and bearing tones, amplitude breathing over 15 min, noise, and a 2 s ringing
    // impact burst every 10 min (what a CMS shows at a fault).
    const tones = [
      { hz: 29.6, amplitude: 0.3, phase: 0 },
      { hz: 118.4, amplitude: 0.12, phase: 1.3 },
      { hz: 341, amplitude: 0.05, phase: 0.4 },
    ];
    return (values, from) => {
      const state = tones.map(({ hz, amplitude, phase }) => {
        const step = (tau * hz * DT) / 1000;
        const start = (tau * hz * from * DT) / 1000 + phase;
        return { amplitude, re: Math.cos(start), im: Math.sin(start), stepRe: Math.cos(step), stepIm: Math.sin(step) };
      });
      const [a, b, c] = state as [(typeof state)[0], (typeof state)[0], (typeof state)[0]];
      let breathing = 1;
      for (let index = 0; index < values.length; index++) {
        const sample = from + index;
        if (index === 0 || sample % SLOW_STEP === 0) breathing = 1 + 0.4 * Math.sin((tau * sample * DT) / 1000 / 900);
        let value = breathing * (a.amplitude * a.im + b.amplitude * b.im + c.amplitude * c.im) + 0.12 * noise(sample);
        const t = (sample * DT) / 1000;
        const burst = t % 600;
        if (burst < 2) value += 0.8 * Math.exp(-3 * burst) * Math.sin(tau * 180 * t);
        values[index] = value;
        rotate(a);
        rotate(b);
        rotate(c);
      }
    };
  }
  if (channel === 'temperature') {
    // Daily cycle, a 90 min load cycle, a slow random drift (all once a second, linear between) and sensor noise.
    let drift = 0;
    const slow = (sample: number) => {
      const t = (sample * DT) / 1000;
      return 58 + 6 * Math.sin((tau * t) / 86_400) + 1.5 * Math.sin((tau * t) / 5400 + 0.7);
    };
    return (values, from) => {
      let level = 0;
      let slope = 0;
      for (let index = 0; index < values.length; index++) {
        const sample = from + index;
        if (index === 0 || sample % SLOW_STEP === 0) {
          const second = sample - (sample % SLOW_STEP);
          if (sample % SLOW_STEP === 0) drift = Math.max(-4, Math.min(4, drift + 0.04 * (next() - 0.5)));
          const start = slow(second);
          slope = (slow(second + SLOW_STEP) - start) / SLOW_STEP;
          level = start + slope * (sample - second);
        }
        values[index] = level + drift + 0.06 * noise(sample);
        level += slope;
      }
    };
  }
  // Power: wind speed as a mean-reverting random walk, through a 2 MW power curve, plus noise.
  let wind = 9;
  return (values, from) => {
    for (let index = 0; index < values.length; index++) {
      wind += (9 - wind) * 2e-6 + 0.008 * (next() - 0.5);
      const speed = Math.max(0, wind);
      const fraction = speed < 3 || speed > 25 ? 0 : Math.min(1, ((speed - 3) / 9) ** 3);
      values[index] = 2000 * fraction + 8 * noise(from + index);
    }
  };
}

export interface FillFigures {
  samples: number;
  ms: number;
  /** Attachment bytes the three arrays hold (values and summaries). */
  bytes: number;
  /** Growth of the origin's usage (navigator.storage.estimate) while filling. */
  usageBytes: number;
  generateMs: number;
}

const storages = new Map<string, Storage>();
function storageOf(database: string): Storage {
  let storage = storages.get(database);
  if (!storage) storages.set(database, (storage = createStorage({ type: 'indexeddb', database })));
  return storage;
}

/** Writes the three channels of `samples` each (concurrently: their IndexedDB writes overlap the generation of the others). */
async function fill(database: string, size: string, samples: number): Promise<FillFigures> {
  const storage = storageOf(database);
  const before = (await navigator.storage.estimate()).usage ?? 0;
  let generateMs = 0;
  const started = performance.now();
  await Promise.all(
    channels.map(async ({ name, unit }) => {
      const array = await ChannelArray.create(storage, arrayId(size, name), { timing: 'regular', unit });
      const generate = signal(name);
      for (let from = 0; from < samples; from += BATCH) {
        // A fresh buffer per batch: the storage may hold on to what it was given until written.
        const values = new Float32Array(Math.min(BATCH, samples - from));
        const generating = performance.now();
        generate(values, from);
        generateMs += performance.now() - generating;
        await array.append(values, { t0: T0 + from * DT, dt: DT });
      }
    }),
  );
  const ms = performance.now() - started;
  let bytes = 0;
  for (const { name } of channels) {
    for (const info of Object.values(await storage.allAttachments(arrayId(size, name)))) bytes += info.length;
  }
  const usageBytes = ((await navigator.storage.estimate()).usage ?? 0) - before;
  return { samples, ms, bytes, usageBytes, generateMs };
}

const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
/** The next task: after the frame whose rAF just ran has done its style, layout and paint. */
const nextTask = () =>
  new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });

/** The whole time range of an array (first to last sample, inclusive). */
async function wholeRange(storage: Storage, id: string): Promise<TimeRange> {
  const array = await ChannelArray.open(storage, id);
  return { from: array.meta.segments[0]!.t0, to: array.meta.last_time! };
}

interface View {
  kind: 'explorer' | 'uplot';
  host: HTMLElement;
  /** The plot areas the input aims at (one per stacked panel). */
  plots(): HTMLElement[];
  /** The range shown now (the last one set on every panel). */
  range(): TimeRange;
  /** Every panel drew the range it was last given. */
  settled(): Promise<boolean>;
  /** What is drawn: per panel, points and source. */
  drawnState(): Array<{ points: number; source: string; samples: number }>;
  close(): void;
}

let current: View | undefined;

function panelsOf(host: HTMLElement): FlExplorerPanel[] {
  return [...host.querySelectorAll<FlExplorerPanel>('fl-explorer-panel')];
}

/**
 * Mounts three stacked <fl-explorer-panel>s over `size`'s channels showing the whole range, wired
 * as the explorer's shell wires them: a zoom or pan in one sets every panel's range; the shared
 * cursor asks every panel for its values (the readout).
 */
async function mountExplorer(database: string, size: string): Promise<View> {
  const storage = storageOf(database);
  const whole = await wholeRange(storage, arrayId(size, 'vibration'));
  const arrays = await Promise.all(channels.map(({ name }) => ChannelArray.open(storage, arrayId(size, name))));
  const host = document.createElement('div');
  host.className = 'bench-view';
  const readout = document.createElement('output');
  host.append(readout);
  let range = whole;
  const panels: FlExplorerPanel[] = channels.map(({ name, title, unit }) => {
    const panel = document.createElement('fl-explorer-panel') as FlExplorerPanel;
    const series: ExplorerSeries = { key: `channel/bench/${name}`, channel: `channel/bench/${name}`, title, unit, array: arrayId(size, name), storage };
    panel.series = [series];
    panel.range = range;
    panel.syncKey = 'explorer-bench';
    panel.height = PLOT_HEIGHT;
    return panel;
  });
  host.addEventListener('fl-explorer-range', (event) => {
    const next = (event as CustomEvent<TimeRange>).detail;
    range = { from: next.from, to: next.to };
    for (const panel of panels) panel.range = range;
  });
  host.addEventListener('fl-explorer-cursor', (event) => {
    const x = (event as CustomEvent<{ x: number | null }>).detail.x;
    readout.textContent = x === null ? '' : panels.map((panel) => panel.valuesAt(x).map(({ value }) => (value === null ? '–' : value.toFixed(2))).join(' ')).join(' · ');
  });
  host.append(...panels);
  document.body.append(host);
  return {
    kind: 'explorer',
    host,
    plots: () => panels.map((panel) => panel.shadowRoot?.querySelector<HTMLElement>('.u-over') ?? panel),
    range: () => range,
    settled: async () => {
      // Drawn when no load runs and what each panel loaded is the samples of the range on screen
      // (the panel loads 100 ms after the range stops moving: until then it shows the old data).
      const wanted = await Promise.all(arrays.map(async (array) => [await array.indexOfTime(range.from), await array.indexAfterTime(range.to)]));
      return panels.every((panel, index) => {
        if (panel.hasAttribute('data-loading') || panel.range !== range) return false;
        const loaded = panel.visible()[0]?.loaded;
        return loaded !== undefined && loaded.range[0] === wanted[index]![0] && loaded.range[1] === Math.max(wanted[index]![0]!, wanted[index]![1]!);
      });
    },
    drawnState: () =>
      panels.map((panel) => {
        const visible = panel.visible()[0];
        return { points: Number(panel.getAttribute('data-points') ?? 0), source: panel.getAttribute('data-source') ?? '', samples: visible?.loaded.samples ?? 0 };
      }),
    close: () => host.remove(),
  };
}

/**
 * Plain uPlot, as a page without the arrays' summaries would draw it: every sample of the three
 * channels read into typed arrays (x in seconds, uPlot's time unit; one x shared by the three),
 * three stacked plots with a synced cursor, zoomed with uPlot's own setScale by the same gestures
 * as the panels (the same gesture maths: drag to zoom, wheel around the pointer, shift+wheel pan,
 * arrows and +/− when focused).
 */
async function mountUplot(database: string, size: string): Promise<{ view: View; readMs: number; bytes: number }> {
  const storage = storageOf(database);
  const reading = performance.now();
  const arrays = await Promise.all(channels.map(({ name }) => ChannelArray.open(storage, arrayId(size, name))));
  const length = arrays[0]!.length;
  if (arrays.some((array) => array.length !== length || JSON.stringify(array.meta.segments) !== JSON.stringify(arrays[0]!.meta.segments))) throw new Error('the channels do not share one timing');
  const times = await arrays[0]!.times(0, length);
  for (let index = 0; index < length; index++) times[index] = times[index]! / 1000;
  const ys = await Promise.all(
    arrays.map(async (array) => {
      const values = new Float32Array(length);
      for await (const chunk of array.chunks()) values.set(chunk.values, chunk.offset);
      return values;
    }),
  );
  const readMs = performance.now() - reading;
  const host = document.createElement('div');
  host.className = 'bench-view';
  const style = document.createElement('style');
  style.textContent = uPlotCss;
  host.append(style);
  const width = Math.floor(document.documentElement.clientWidth - 16);
  let range: TimeRange = { from: times[0]! * 1000, to: times[length - 1]! * 1000 };
  const plots: uPlot[] = [];
  let applying = false;
  const setAll = (next: TimeRange) => {
    range = next;
    applying = true;
    try {
      for (const plot of plots) plot.setScale('x', { min: next.from / 1000, max: next.to / 1000 });
    } finally {
      applying = false;
    }
  };
  const wrappers: HTMLElement[] = [];
  for (const [index, { title, unit }] of channels.entries()) {
    const wrapper = document.createElement('div');
    wrapper.tabIndex = 0;
    host.append(wrapper);
    wrappers.push(wrapper);
    const plot = new uPlot(
      {
        width,
        height: PLOT_HEIGHT,
        series: [{}, { label: `${title} [${unit}]`, stroke: ['#2563eb', '#dc2626', '#059669'][index] }],
        scales: { x: { time: true } },
        cursor: { sync: { key: 'explorer-bench-uplot' }, drag: { x: true, y: false, setScale: true } },
        hooks: {
          setScale: [
            (self, key) => {
              // A drag zoomed this plot: the others follow (the shell's job for the panels).
              if (key !== 'x' || applying) return;
              const { min, max } = self.scales.x!;
              if (min !== undefined && max !== undefined) setAll({ from: min * 1000, to: max * 1000 });
            },
          ],
        },
      },
      [times, ys[index]!] as uPlot.AlignedData,
      wrapper,
    );
    plots.push(plot);
    const over = plot.over;
    over.addEventListener(
      'wheel',
      (event) => {
        event.preventDefault();
        const box = over.getBoundingClientRect();
        const action = wheelAction(event, box.width);
        if (action.kind === 'zoom') {
          const anchor = range.from + ((range.to - range.from) * (event.clientX - box.left)) / box.width;
          setAll(zoomAround(range, anchor, action.factor));
        } else if (action.kind === 'pan') setAll(panBy(range, action.fraction));
      },
      { passive: false },
    );
    wrapper.addEventListener('keydown', (event) => {
      const action = keyAction(event.key);
      if (action.kind === 'zoom') setAll(zoomAround(range, (range.from + range.to) / 2, action.factor));
      else if (action.kind === 'pan') setAll(panBy(range, action.fraction));
      else return;
      event.preventDefault();
    });
  }
  document.body.append(host);
  return {
    view: {
      kind: 'uplot',
      host,
      plots: () => plots.map((plot) => plot.over),
      range: () => range,
      settled: () => Promise.resolve(true), // uPlot draws within the task of setScale (a microtask)
      drawnState: () => plots.map(() => ({ points: length, source: 'raw', samples: length })),
      close: () => {
        for (const plot of plots) plot.destroy();
        host.remove();
      },
    },
    readMs,
    bytes: times.byteLength + ys.reduce((sum, y) => sum + y.byteLength, 0),
  };
}

/** Waits (polling each frame, at most `boundMs`) until the view settles, then one more frame and task: drawn. */
async function drawn(view: View, boundMs = 60_000): Promise<void> {
  const started = performance.now();
  while (!(await view.settled())) {
    if (performance.now() - started > boundMs) throw new Error(`the ${view.kind} view did not settle within ${boundMs} ms: ${JSON.stringify(view.drawnState())}`);
    await frame();
  }
  await frame();
  await nextTask();
}

/** Mounts the explorer's three panels; milliseconds from mounting to all three drawn. */
async function openExplorer(database: string, size: string): Promise<{ ms: number; drawn: ReturnType<View['drawnState']> }> {
  current?.close();
  const started = performance.now();
  current = await mountExplorer(database, size);
  await drawn(current);
  return { ms: performance.now() - started, drawn: current.drawnState() };
}

/** Mounts plain uPlot over every sample; milliseconds from starting to read to all three drawn. */
async function openUplot(database: string, size: string): Promise<{ ms: number; readMs: number; bytes: number }> {
  current?.close();
  current = undefined;
  const started = performance.now();
  const { view, readMs, bytes } = await mountUplot(database, size);
  current = view;
  await drawn(view);
  return { ms: performance.now() - started, readMs, bytes };
}

/** Opens either view (the bench alternates them): milliseconds to drawn. */
async function open(database: string, size: string, kind: 'explorer' | 'uplot'): Promise<{ ms: number }> {
  return kind === 'explorer' ? openExplorer(database, size) : openUplot(database, size);
}

/** Where the open view's plots are (viewport CSS px), for the input to aim at. */
function plotBoxes(): Array<{ x: number; y: number; width: number; height: number }> {
  return (current?.plots() ?? []).map((plot) => {
    const box = plot.getBoundingClientRect();
    return { x: box.left, y: box.top, width: box.width, height: box.height };
  });
}

/** The range on screen and whether every panel drew it. */
async function state(): Promise<{ from: number; to: number; settled: boolean; drawn: ReturnType<View['drawnState']> }> {
  if (!current) throw new Error('no view is open');
  return { ...current.range(), settled: await current.settled(), drawn: current.drawnState() };
}

/** Resolves once the open view drew its latest range (at most `boundMs`). */
async function settle(boundMs = 30_000): Promise<number> {
  if (!current) throw new Error('no view is open');
  const started = performance.now();
  await drawn(current, boundMs);
  return performance.now() - started;
}

/** Focuses the first plot (the keyboard part of the sequence). */
function focusFirst(): void {
  if (!current) return;
  // The panel takes keys on its plot (tabindex 0 in its shadow root); uPlot's wrapper here.
  const target = current.kind === 'explorer' ? panelsOf(current.host)[0]?.shadowRoot?.querySelector<HTMLElement>('.plot') : current.host.querySelector<HTMLElement>('[tabindex]');
  target?.focus();
}

function close(): void {
  current?.close();
  current = undefined;
}

export interface ExplorerBenchApi {
  fill: typeof fill;
  openExplorer: typeof openExplorer;
  openUplot: typeof openUplot;
  open: typeof open;
  plotBoxes: typeof plotBoxes;
  state: typeof state;
  settle: typeof settle;
  focusFirst: typeof focusFirst;
  close: typeof close;
}

const style = document.createElement('style');
style.textContent = 'body { margin: 8px; font: 14px system-ui; } .bench-view { display: flex; flex-direction: column; gap: 4px; }';
document.head.append(style);
Object.assign(window, { explorerBench: { fill, openExplorer, openUplot, open, plotBoxes, state, settle, focusFirst, close } satisfies ExplorerBenchApi, benchReady: true });
