/**
 * Chunked arrays on IndexedDB in Chromium, at 100 M samples (ARRAYS_BENCH_SAMPLES to
 * change): append MB/s, metadata overhead, out-of-core max vs raw chunk reading (throughput
 * ratio, goal ≥ 0.5) and one-chunk read time at 100 M vs 1 M samples (goal ≤ 1.5).
 */
import path from 'node:path';
import type { Figures } from './harness';
import { openBenchPage } from './browser';
import type { ArraysBenchApi } from './pages/arrays-bench.page';

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

export async function run(): Promise<Figures> {
  const samples = Number(process.env.ARRAYS_BENCH_SAMPLES ?? 100_000_000);
  const bench = await openBenchPage(path.join(import.meta.dirname, 'pages', 'arrays-bench.page.ts'));
  try {
    bench.page.setDefaultTimeout(0);
    const figures = await bench.page.evaluate((count) => (window as unknown as { arraysBench: ArraysBenchApi }).arraysBench.run(count), samples);
    return {
      'arrays.append.mbps': { value: round(figures.appendMBps, 1), unit: 'MB/s', better: 'higher' },
      'arrays.overhead_ratio': { value: round(figures.overheadRatio, 6), unit: 'metadata bytes / data bytes', better: 'lower' },
      'arrays.outofcore_max.ms': { value: round(figures.outOfCoreMaxMs, 0), unit: 'ms', better: 'lower' },
      'arrays.outofcore_max.raw_read_ms': { value: round(figures.rawReadMs, 0), unit: 'ms', better: 'lower' },
      'arrays.outofcore_max.ratio_vs_raw_read': { value: round(figures.rawReadMs / figures.outOfCoreMaxMs), unit: '× raw read throughput', better: 'higher' },
      'arrays.chunk_read.1M_ms': { value: round(figures.chunkRead1M, 3), unit: 'ms', better: 'lower' },
      'arrays.chunk_read.100M_ms': { value: round(figures.chunkRead100M, 3), unit: 'ms', better: 'lower' },
      'arrays.chunk_read.ratio_100M_vs_1M': { value: round(figures.chunkRead100M / figures.chunkRead1M), unit: '×', better: 'lower' },
    };
  } finally {
    await bench.close();
  }
}
