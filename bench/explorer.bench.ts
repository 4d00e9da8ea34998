/**
 * The explorer in Chromium (issue 16: "stays fluid at 100 M samples per channel"): three stacked
 * <fl-explorer-panel>s over three channels (vibration, temperature, power) of 1 M, 10 M and 100 M
 * samples each in IndexedDB, against plain uPlot fed every raw point of the same arrays, in the
 * same run (EXPLORER_BENCH_SIZES, e.g. "1M,10M", for a shorter run).
 *
 * fill: writing the three arrays (1 kHz regular timing, 1 M-sample appends) — time, MB/s of
 * samples, bytes stored.
 * first_chart_ms: from mounting the three panels (or starting to read for uPlot) to all three
 * drawn (the next frame after each drew the range, then one task); each open in a freshly loaded
 * page, median of 5, the two kinds alternated.
 * frame: a scripted zoom/pan sequence of real input events (Playwright's mouse and keyboard: wheel
 * zoom from the whole range to a few seconds and back, a cursor sweep, shift+wheel pans, arrows
 * and +/− on the focused panel, a drag to zoom) while Chromium traces the page. Per animation
 * frame (Chromium's trace event AnimationFrame: from the first task after the previous frame's
 * rendering to the end of this one's, as the Long Animation Frames API defines frames, but every
 * frame, not only those over 50 ms) the figure counts the main thread's busy time: the sum of the
 * renderer main thread's top-level tasks (ThreadControllerImpl::RunTask: input handling, the
 * gadgets' and uPlot's handlers, IndexedDB callbacks, promise jobs, rAF callbacks, style, layout,
 * paint) inside the frame. Idle time between tasks (waiting for IndexedDB) is not counted; work
 * of other threads (IndexedDB, the compositor) neither. Goal p95 ≤ 16 ms.
 * uPlot at 100 M: tried last, bounded (reading and first draw within FIRST_DRAW_BOUND_MS, the
 * sequence within SEQUENCE_BOUND_MS); out of memory or a crashed page is reported as the result.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright';
import type { Figures } from './harness';
import { openBenchPage } from './browser';
import type { ExplorerBenchApi } from './pages/explorer-bench.page';

type Api = { explorerBench: ExplorerBenchApi };
const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const sizeSamples: Record<string, number> = { '1M': 1_000_000, '10M': 10_000_000, '100M': 100_000_000 };
const OPENS = 5;
/** Bounds of plain uPlot at 100 M: past them it is not usable (measured, then stopped). */
const FIRST_DRAW_BOUND_MS = 180_000;
const SEQUENCE_BOUND_MS = 120_000;
/** The zoom-in target: a few seconds on screen. */
const ZOOMED_SPAN_MS = 5_000;
/** Milliseconds between wheel notches and key presses: a user turning a wheel briskly. */
const WHEEL_PACE_MS = 40;
const KEY_PACE_MS = 120;

const load = (): string => os.loadavg().map((value) => value.toFixed(2)).join(' ');
const log = (line: string) => process.stdout.write(`  explorer: ${line} (load ${load()})\n`);

const p95 = (samples: number[]): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * 0.95) - 1))] ?? Number.NaN;
};
const median = (samples: number[]): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  /** Thread (CPU) time of a complete event. */
  tdur?: number;
  pid: number;
  tid: number;
  id?: string | number;
  id2?: { local?: string; global?: string };
  args?: { name?: string };
}

export interface FrameFigures {
  /** Main-thread busy ms of each animation frame (wall time of its tasks). */
  busy: number[];
  /** The same tasks' thread CPU time (the trace's tdur): what the frame asked of a core, however loaded the machine. */
  cpu: number[];
  /** Each frame's duration (first task to end of rendering), as LoAF measures it. */
  durations: number[];
  longestTaskMs: number;
}

/**
 * Busy time per animation frame of the page's renderer main thread (the CrRendererMain with the
 * most AnimationFrame events): top-level tasks clipped to each frame's span, summed.
 */
export function framesOf(events: TraceEvent[]): FrameFigures {
  const names = new Map<string, string>();
  for (const event of events) if (event.ph === 'M' && event.name === 'thread_name') names.set(`${event.pid}:${event.tid}`, event.args?.name ?? '');
  const byThread = new Map<string, TraceEvent[]>();
  for (const event of events) {
    const thread = `${event.pid}:${event.tid}`;
    if (names.get(thread) !== 'CrRendererMain') continue;
    let list = byThread.get(thread);
    if (!list) byThread.set(thread, (list = []));
    list.push(event);
  }
  let main: TraceEvent[] = [];
  for (const list of byThread.values()) {
    const count = (of: TraceEvent[]) => of.filter((event) => event.name === 'AnimationFrame' && event.ph === 'b').length;
    if (count(list) > count(main)) main = list;
  }
  // Top-level tasks only (a nested run loop's tasks are inside their parent's time already).
  const tasks = main.filter((event) => event.name === 'ThreadControllerImpl::RunTask' && event.ph === 'X' && event.dur !== undefined).sort((a, b) => a.ts - b.ts);
  const topLevel: TraceEvent[] = [];
  for (const task of tasks) {
    const last = topLevel.at(-1);
    if (last && task.ts < last.ts + last.dur!) continue;
    topLevel.push(task);
  }
  const open = new Map<string, number>();
  const spans: Array<[number, number]> = [];
  for (const event of main) {
    if (event.name !== 'AnimationFrame') continue;
    const key = JSON.stringify(event.id2 ?? event.id);
    if (event.ph === 'b') open.set(key, event.ts);
    else if (event.ph === 'e' && open.has(key)) {
      spans.push([open.get(key)!, event.ts]);
      open.delete(key);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  const busy: number[] = [];
  const cpu: number[] = [];
  const durations: number[] = [];
  let first = 0;
  for (const [from, to] of spans) {
    while (first < topLevel.length && topLevel[first]!.ts + topLevel[first]!.dur! <= from) first++;
    let wall = 0;
    let thread = 0;
    for (let index = first; index < topLevel.length && topLevel[index]!.ts < to; index++) {
      const task = topLevel[index]!;
      const overlap = Math.max(0, Math.min(to, task.ts + task.dur!) - Math.max(from, task.ts));
      wall += overlap;
      // A task cut by the frame's edge: its CPU time in proportion.
      thread += task.dur! > 0 ? ((task.tdur ?? task.dur!) * overlap) / task.dur! : 0;
    }
    busy.push(wall / 1000);
    cpu.push(thread / 1000);
    durations.push((to - from) / 1000);
  }
  return { busy, cpu, durations, longestTaskMs: topLevel.reduce((longest, task) => Math.max(longest, task.dur! / 1000), 0) };
}

const traceCategories = ['devtools.timeline', 'toplevel', 'disabled-by-default-devtools.timeline.frame'];

/**
 * Where an open's main-thread time went (logged, for looking into it): its top-level tasks' wall
 * and CPU time, and the trace's timeline events (FunctionCall, UpdateLayoutTree, Layout, Paint…)
 * on the page's main thread summed by name (nested events count inside their parents too).
 */
function openBreakdown(events: TraceEvent[]): string {
  const names = new Map<string, string>();
  for (const event of events) if (event.ph === 'M' && event.name === 'thread_name') names.set(`${event.pid}:${event.tid}`, event.args?.name ?? '');
  const counts = new Map<string, number>();
  for (const event of events) if (names.get(`${event.pid}:${event.tid}`) === 'CrRendererMain' && event.name === 'ThreadControllerImpl::RunTask') counts.set(`${event.pid}:${event.tid}`, (counts.get(`${event.pid}:${event.tid}`) ?? 0) + 1);
  const main = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  let wall = 0;
  let cpu = 0;
  const byName = new Map<string, number>();
  for (const event of events) {
    if (`${event.pid}:${event.tid}` !== main || event.ph !== 'X' || event.dur === undefined) continue;
    if (event.name === 'ThreadControllerImpl::RunTask') {
      wall += event.dur;
      cpu += event.tdur ?? event.dur;
    } else byName.set(event.name, (byName.get(event.name) ?? 0) + event.dur);
  }
  const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([name, dur]) => `${name} ${Math.round(dur / 1000)}`);
  return `tasks ${Math.round(wall / 1000)} ms wall, ${Math.round(cpu / 1000)} ms CPU; ${top.join(', ')}`;
}

interface SequenceResult {
  inputs: number;
  /** The sequence ran past its bound and was stopped there. */
  stopped: boolean;
  /** Milliseconds from each phase's last input until every panel drew its range. */
  settles: number[];
  narrowestSpanMs: number;
}

/**
 * The scripted session on the open view, as real input: wheel zoom in around a point until a few
 * seconds are on screen, a cursor sweep, shift+wheel pans, arrows and +/− on the focused plot, a
 * zoom back out part way and a drag to zoom, then wheel out to the whole range.
 */
async function sequence(page: Page, deadline: number): Promise<SequenceResult> {
  const boxes = await page.evaluate(() => (window as unknown as Api).explorerBench.plotBoxes());
  const whole = await page.evaluate(() => (window as unknown as Api).explorerBench.state());
  const wholeSpan = whole.to - whole.from;
  const result: SequenceResult = { inputs: 0, stopped: false, settles: [], narrowestSpanMs: wholeSpan };
  const span = async () => {
    const state = await page.evaluate(() => (window as unknown as Api).explorerBench.state());
    return state.to - state.from;
  };
  const late = () => {
    if (Date.now() > deadline) result.stopped = true;
    return result.stopped;
  };
  const settle = async () => {
    if (result.stopped) return;
    result.settles.push(await page.evaluate(() => (window as unknown as Api).explorerBench.settle()));
  };
  const [top, middle, bottom] = [boxes[0]!, boxes[1] ?? boxes[0]!, boxes[2] ?? boxes[0]!];
  const at = (box: typeof top, fraction: number) => ({ x: box.x + box.width * fraction, y: box.y + box.height / 2 });

  // 1. Wheel zoom in around a point right of the middle until a few seconds are on screen.
  let point = at(top, 0.62);
  await page.mouse.move(point.x, point.y);
  for (let notch = 0; notch < 120 && !late(); notch++) {
    await page.mouse.wheel(0, -100);
    result.inputs++;
    await sleep(WHEEL_PACE_MS);
    if (notch % 4 === 3) {
      const now = await span();
      result.narrowestSpanMs = Math.min(result.narrowestSpanMs, now);
      if (now <= ZOOMED_SPAN_MS) break;
    }
  }
  await settle();
  // 2. The cursor swept across the middle plot (the shared cursor and the readout).
  for (let step = 0; step <= 24 && !late(); step++) {
    point = at(middle, 0.05 + (0.9 * step) / 24);
    await page.mouse.move(point.x, point.y);
    result.inputs++;
    await sleep(16);
  }
  // 3. Pans with shift+wheel: later, then back.
  await page.keyboard.down('Shift');
  for (const delta of [100, 100, 100, 100, 100, 100, -100, -100, -100, -100, -100, -100]) {
    if (late()) break;
    await page.mouse.wheel(0, delta);
    result.inputs++;
    await sleep(WHEEL_PACE_MS);
  }
  await page.keyboard.up('Shift');
  await settle();
  // 4. The keyboard on the focused plot: arrows pan 10 %, + and − zoom 2×.
  await page.evaluate(() => (window as unknown as Api).explorerBench.focusFirst());
  for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowLeft', 'ArrowLeft', 'ArrowLeft', '-', '-', '=', '=']) {
    if (late()) break;
    await page.keyboard.press(key);
    result.inputs++;
    await sleep(KEY_PACE_MS);
  }
  await settle();
  // 5. Zoom out to about a twentieth of the whole, then drag across a quarter of the bottom plot to zoom in.
  point = at(bottom, 0.5);
  await page.mouse.move(point.x, point.y);
  for (let notch = 0; notch < 120 && !late(); notch++) {
    await page.mouse.wheel(0, 100);
    result.inputs++;
    await sleep(WHEEL_PACE_MS);
    if (notch % 4 === 3 && (await span()) >= wholeSpan / 20) break;
  }
  await settle();
  if (!late()) {
    const from = at(bottom, 0.3);
    const to = at(bottom, 0.55);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 12 });
    await page.mouse.up();
    result.inputs += 14;
    await settle();
  }
  // 6. Wheel out to the whole range.
  point = at(top, 0.4);
  await page.mouse.move(point.x, point.y);
  for (let notch = 0; notch < 120 && !late(); notch++) {
    await page.mouse.wheel(0, 100);
    result.inputs++;
    await sleep(WHEEL_PACE_MS);
    if (notch % 4 === 3 && (await span()) >= wholeSpan) break;
  }
  await settle();
  return result;
}

interface SessionFigures extends FrameFigures, SequenceResult {}

/** Runs the sequence on the open view while Chromium traces the page. */
async function tracedSequence(browser: Browser, page: Page, boundMs: number): Promise<SessionFigures> {
  await browser.startTracing(page, { categories: traceCategories });
  // A sequence that throws ends the run (the browser closes with its trace).
  const result = await sequence(page, Date.now() + boundMs);
  const trace = await browser.stopTracing();
  const parsed = JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
  return { ...framesOf(Array.isArray(parsed) ? parsed : parsed.traceEvents), ...result };
}

/**
 * With EXPLORER_BENCH_PROFILE=<folder>, the CPU profile (Chromium's, through CDP) of `work` is
 * written there as <name>.cpuprofile (open it in DevTools' Performance panel): where the time goes.
 */
async function profiled<T>(page: Page, name: string, work: () => Promise<T>): Promise<T> {
  const folder = process.env.EXPLORER_BENCH_PROFILE;
  if (!folder) return work();
  const session = await page.context().newCDPSession(page);
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: 250 });
  await session.send('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.send('Profiler.stop');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, `${name}.cpuprofile`), JSON.stringify(profile));
    await session.detach();
  }
}

/** A freshly loaded page (code cold, memory of the previous view released), ready for the next view. */
async function reload(page: Page): Promise<void> {
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady === true);
}

function frameFigures(prefix: string, size: string, session: SessionFigures): Figures {
  return {
    [`${prefix}.frame.p95_ms.${size}`]: { value: round(p95(session.busy)), unit: 'ms main-thread busy per frame', better: 'lower' },
    [`${prefix}.frame.p95_cpu_ms.${size}`]: { value: round(p95(session.cpu)), unit: 'ms main-thread CPU per frame', better: 'lower' },
    [`${prefix}.frame.median_ms.${size}`]: { value: round(median(session.busy)), unit: 'ms', better: 'lower' },
    [`${prefix}.frame.max_ms.${size}`]: { value: round(Math.max(...session.busy)), unit: 'ms', better: 'lower' },
    [`${prefix}.frame.loaf_p95_ms.${size}`]: { value: round(p95(session.durations)), unit: 'ms frame duration (LoAF)', better: 'lower' },
    [`${prefix}.frames.${size}`]: { value: session.busy.length, unit: `frames (${session.inputs} inputs${session.stopped ? ', stopped at the bound' : ''})`, better: 'higher' },
    [`${prefix}.longest_task_ms.${size}`]: { value: round(session.longestTaskMs), unit: 'ms', better: 'lower' },
    [`${prefix}.settle_median_ms.${size}`]: { value: round(median(session.settles), 0), unit: 'ms last input to drawn', better: 'lower' },
  };
}

export async function run(): Promise<Figures> {
  const sizes = (process.env.EXPLORER_BENCH_SIZES ?? '1M,10M,100M').split(',').map((size) => size.trim());
  for (const size of sizes) if (!(size in sizeSamples)) throw new Error(`EXPLORER_BENCH_SIZES: unknown size ${size} (1M, 10M, 100M)`);
  // A profiled run keeps the code's names (unminified), so the profile says which function it is.
  const bench = await openBenchPage(path.join(import.meta.dirname, 'pages', 'explorer-bench.page.ts'), { minify: !process.env.EXPLORER_BENCH_PROFILE, onDisk: true });
  const figures: Figures = {};
  const page = bench.page;
  const browser = page.context().browser()!;
  page.setDefaultTimeout(0);
  const database = `explorer-bench-${Date.now()}`;
  try {
    await page.setViewportSize({ width: 1440, height: 900 });
    log(`start, ${os.cpus().length} cores, ${Math.round(os.freemem() / 2 ** 30)} GiB free`);
    // Fill every size first (one database, as the app keeps its arrays).
    for (const size of sizes) {
      const fill = await page.evaluate(([db, label, samples]) => (window as unknown as Api).explorerBench.fill(db, label, samples), [database, size, sizeSamples[size]!] as const);
      log(`filled ${size} × 3 in ${Math.round(fill.ms)} ms (generating ${Math.round(fill.generateMs)} ms), ${(fill.bytes / 2 ** 20).toFixed(1)} MiB attachments, usage +${(fill.usageBytes / 2 ** 20).toFixed(1)} MiB`);
      figures[`explorer.fill.ms.${size}`] = { value: round(fill.ms, 0), unit: 'ms for 3 channels', better: 'lower' };
      figures[`explorer.fill.mbps.${size}`] = { value: round((3 * fill.samples * 4) / fill.ms / 1000), unit: 'MB/s of Float32 samples', better: 'higher' };
      figures[`explorer.fill.stored_mib.${size}`] = { value: round(fill.bytes / 2 ** 20), unit: 'MiB attachments (values + summaries)', better: 'lower' };
      figures[`explorer.fill.usage_mib.${size}`] = { value: round(fill.usageBytes / 2 ** 20), unit: 'MiB origin usage growth', better: 'lower' };
    }
    // First chart: each open in a freshly loaded page; explorer and uPlot alternated (uPlot at 100 M apart, below).
    for (const size of sizes) {
      const times = { explorer: [] as number[], uplot: [] as number[] };
      for (let run = 0; run < OPENS; run++) {
        for (const kind of run % 2 ? (['uplot', 'explorer'] as const) : (['explorer', 'uplot'] as const)) {
          if (kind === 'uplot' && size === '100M') continue;
          await reload(page);
          const opening = () => page.evaluate(([db, label, which]) => (window as unknown as Api).explorerBench.open(db, label, which), [database, size, kind] as const);
          let opened: { ms: number };
          if (run === 0 && kind === 'explorer' && process.env.EXPLORER_BENCH_PROFILE) {
            // Looking into it: the first open of each size is traced too, where its time goes in the log.
            await browser.startTracing(page, { categories: traceCategories });
            opened = await profiled(page, `open-${size}`, opening);
            const parsed = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
            log(`open ${size} traced: ${Math.round(opened.ms)} ms; ${openBreakdown(Array.isArray(parsed) ? parsed : parsed.traceEvents)}`);
          } else opened = await opening();
          times[kind].push(opened.ms);
        }
      }
      log(`first chart ${size}: explorer ${times.explorer.map(Math.round).join(' ')} ms; uPlot ${times.uplot.map(Math.round).join(' ')} ms`);
      figures[`explorer.first_chart_ms.${size}`] = { value: round(median(times.explorer), 0), unit: 'ms mount to 3 panels drawn', better: 'lower' };
      if (times.uplot.length > 0) figures[`explorer.baseline_uplot.first_chart_ms.${size}`] = { value: round(median(times.uplot), 0), unit: 'ms read every sample to 3 plots drawn', better: 'lower' };
    }
    // The zoom/pan sequence, explorer then uPlot at each size (uPlot at 100 M last of all).
    for (const size of sizes) {
      for (const kind of ['explorer', 'uplot'] as const) {
        if (kind === 'uplot' && size === '100M') continue;
        await reload(page);
        await page.evaluate(([db, label, which]) => (window as unknown as Api).explorerBench.open(db, label, which), [database, size, kind] as const);
        const session = await profiled(page, `sequence-${kind}-${size}`, () => tracedSequence(browser, page, SEQUENCE_BOUND_MS));
        log(`${kind} ${size}: ${session.busy.length} frames, ${session.inputs} inputs, busy p95 ${round(p95(session.busy))} ms (CPU ${round(p95(session.cpu))}), median ${round(median(session.busy))}, max ${round(Math.max(...session.busy))}, narrowest ${Math.round(session.narrowestSpanMs)} ms${session.stopped ? ', STOPPED at the bound' : ''}`);
        Object.assign(figures, frameFigures(kind === 'explorer' ? 'explorer' : 'explorer.baseline_uplot', size, session));
      }
    }
    if (sizes.includes('100M')) Object.assign(figures, await uplotAt100M(browser, page, database));
  } finally {
    await bench.close().catch(() => undefined);
  }
  return figures;
}

/**
 * Plain uPlot at 100 M samples × 3, bounded: the read and first draw within FIRST_DRAW_BOUND_MS,
 * then the sequence within SEQUENCE_BOUND_MS. What stops it (out of memory, a crashed page, the
 * bound) is the result, in the figure's unit.
 */
async function uplotAt100M(browser: Browser, page: Page, database: string): Promise<Figures> {
  const figures: Figures = {};
  let crashed = false;
  page.on('crash', () => (crashed = true));
  try {
    await reload(page);
    const opening = page.evaluate(([db]) => (window as unknown as Api).explorerBench.openUplot(db, '100M'), [database] as const);
    const bound = sleep(FIRST_DRAW_BOUND_MS).then(() => 'bound' as const);
    const opened = await Promise.race([opening, bound]);
    if (opened === 'bound') {
      log(`uPlot 100M: not drawn within ${FIRST_DRAW_BOUND_MS} ms`);
      figures['explorer.baseline_uplot.outcome.100M'] = { value: 0, unit: `not drawn within ${FIRST_DRAW_BOUND_MS / 1000} s (stopped)`, better: 'higher' };
      return figures;
    }
    log(`uPlot 100M: drawn in ${Math.round(opened.ms)} ms (read ${Math.round(opened.readMs)} ms, ${(opened.bytes / 2 ** 30).toFixed(2)} GiB of arrays)`);
    figures['explorer.baseline_uplot.first_chart_ms.100M'] = { value: round(opened.ms, 0), unit: 'ms read every sample to 3 plots drawn', better: 'lower' };
    const session = await tracedSequence(browser, page, SEQUENCE_BOUND_MS);
    log(`uplot 100M: ${session.busy.length} frames, ${session.inputs} inputs, busy p95 ${round(p95(session.busy))} ms, max ${round(Math.max(...session.busy))}${session.stopped ? ', STOPPED at the bound' : ''}`);
    Object.assign(figures, frameFigures('explorer.baseline_uplot', '100M', session));
    figures['explorer.baseline_uplot.outcome.100M'] = { value: 1, unit: session.stopped ? `drawn; sequence stopped at the ${SEQUENCE_BOUND_MS / 1000} s bound` : 'drawn; sequence completed', better: 'higher' };
  } catch (error) {
    const reason = crashed ? 'the page crashed' : error instanceof Error ? error.message.split('\n')[0]! : String(error);
    log(`uPlot 100M failed: ${reason}`);
    figures['explorer.baseline_uplot.outcome.100M'] = { value: 0, unit: `failed: ${reason}`, better: 'higher' };
  }
  return figures;
}
