/**
 * Compute engines in Chromium: max and M4 over 100 M samples in memory with the CPU,
 * Web Worker pool and WebGPU engines, against the same run's copy bandwidth. GB/s are bytes of
 * input (4 per sample) per second; memory.copy.gbps is bytes copied per second.
 */
import path from 'node:path';
import type { Figures } from './harness';
import { openBenchPage } from './browser';
import type { ComputeBenchApi } from './pages/compute-bench.page';

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

export async function run(): Promise<Figures> {
  const bench = await openBenchPage(path.join(import.meta.dirname, 'pages', 'compute-bench.page.ts'));
  try {
    const figures = await bench.page.evaluate(() => (window as unknown as { computeBench: ComputeBenchApi }).computeBench.run());
    console.log(`  chromium: ${figures.workers} cores, cross-origin isolated: ${figures.isolated}, WebGPU: ${figures.gpu}`);
    const result: Figures = { 'memory.copy.gbps': { value: round(figures.copyGBps), unit: 'GB/s', better: 'higher' } };
    for (const [engine, { maxGBps, m4GBps }] of Object.entries(figures.engines)) {
      result[`compute.max.${engine}.gbps`] = { value: round(maxGBps), unit: 'GB/s', better: 'higher' };
      result[`compute.m4.${engine}.gbps`] = { value: round(m4GBps), unit: 'GB/s', better: 'higher' };
    }
    const cpu = figures.engines.cpu!;
    result['compute.max.cpu.ratio_vs_copy'] = { value: round(cpu.maxGBps / figures.copyGBps, 3), unit: '×', better: 'higher' };
    result['compute.m4.cpu.ratio_vs_copy'] = { value: round(cpu.m4GBps / figures.copyGBps, 3), unit: '×', better: 'higher' };
    if (figures.engines.worker) result['compute.max.worker.ratio_vs_cpu'] = { value: round(figures.engines.worker.maxGBps / cpu.maxGBps), unit: '×', better: 'higher' };
    return result;
  } finally {
    await bench.close();
  }
}
