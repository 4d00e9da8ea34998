/**
 * The work order list in Chromium at 10 000 work orders in IndexedDB (issue 15: "lists of 10,000
 * work orders scroll and filter smoothly", goal filter p95 ≤ 100 ms): the app's gadget as it draws
 * (virtualized) against the same gadget drawing every row (the same rows, search and filter code),
 * in the same run. render_ms: opening the view to the list drawn; filter_p95_ms: typing a search
 * character by character, each keystroke to the next animation frame after the list was redrawn.
 */
import path from 'node:path';
import type { Figures } from './harness';
import { openBenchPage } from './browser';
import type { MaintenanceBenchApi } from './pages/maintenance-bench.page';

type Api = { maintenanceBench: MaintenanceBenchApi };
const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

export async function run(): Promise<Figures> {
  const bench = await openBenchPage(path.join(import.meta.dirname, 'pages', 'maintenance-bench.page.ts'));
  try {
    await bench.page.setViewportSize({ width: 768, height: 1024 });
    const figures = await bench.page.evaluate(() => (window as unknown as Api).maintenanceBench.run());
    for (const search of figures.shown) {
      if (search.virtual !== search.plain) throw new Error(`"${search.text}" left ${search.virtual} rows virtualized and ${search.plain} plain: not the same work`);
    }
    return {
      'maintenance.list10k.render_ms': { value: round(figures.render.virtual, 0), unit: 'ms', better: 'lower' },
      'maintenance.list10k.filter_p95_ms': { value: round(figures.filter.virtualP95), unit: 'ms', better: 'lower' },
      'maintenance.list10k.filter_median_ms': { value: round(figures.filter.virtualMedian), unit: 'ms', better: 'lower' },
      'maintenance.list10k.plain_render_ms': { value: round(figures.render.plain, 0), unit: 'ms', better: 'lower' },
      'maintenance.list10k.plain_filter_p95_ms': { value: round(figures.filter.plainP95), unit: 'ms', better: 'lower' },
      'maintenance.list10k.plain_filter_median_ms': { value: round(figures.filter.plainMedian), unit: 'ms', better: 'lower' },
      'maintenance.list10k.render_ratio_vs_plain': { value: round(figures.render.virtual / figures.render.plain, 2), unit: '×', better: 'lower' },
      'maintenance.list10k.filter_p95_ratio_vs_plain': { value: round(figures.filter.virtualP95 / figures.filter.plainP95, 2), unit: '×', better: 'lower' },
    };
  } finally {
    await bench.close();
  }
}
