/**
 * Storage library in Chromium: our `indexeddb` storage against raw `idb` code doing the
 * same work in the same run; the ratios are the figures that hold on any machine (goal ≤ 1.2).
 * put10k: 10k concurrent puts against raw per-put transactions (the same calls) and against one
 * hand-written bulk transaction. query100k: a two-term query over 100k documents against getAll +
 * a hand-written filter. attach100mb: write and read back 100 MB against the same 1 MiB Blob
 * pieces by hand, plus the time of storing it as one Blob (no piece-wise range reads).
 */
import path from 'node:path';
import type { Figures } from './harness';
import { openBenchPage } from './browser';
import type { StorageBenchApi } from './pages/storage-bench.page';

type Api = { storageBench: StorageBenchApi };
const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

export async function run(): Promise<Figures> {
  const bench = await openBenchPage(path.join(import.meta.dirname, 'pages', 'storage-bench.page.ts'));
  try {
    const put = await bench.page.evaluate(() => (window as unknown as Api).storageBench.put10k());
    const query = await bench.page.evaluate(() => (window as unknown as Api).storageBench.query100k());
    const attach = await bench.page.evaluate(() => (window as unknown as Api).storageBench.attach100mb());
    return {
      'storage.put10k.ms': { value: round(put.ours, 0), unit: 'ms', better: 'lower' },
      'storage.put10k.idb_ms': { value: round(put.raw, 0), unit: 'ms', better: 'lower' },
      'storage.put10k.ratio_vs_idb': { value: round(put.ours / put.raw), unit: '×', better: 'lower' },
      'storage.put10k.idb_one_transaction_ms': { value: round(put.rawOneTransaction, 0), unit: 'ms', better: 'lower' },
      'storage.put10k.ratio_vs_idb_one_transaction': { value: round(put.ours / put.rawOneTransaction), unit: '×', better: 'lower' },
      'storage.query100k.ms': { value: round(query.ours, 0), unit: 'ms', better: 'lower' },
      'storage.query100k.idb_ms': { value: round(query.raw, 0), unit: 'ms', better: 'lower' },
      'storage.query100k.ratio_vs_idb': { value: round(query.ours / query.raw), unit: '×', better: 'lower' },
      'storage.attach100mb.ms': { value: round(attach.ours, 0), unit: 'ms', better: 'lower' },
      'storage.attach100mb.idb_ms': { value: round(attach.raw, 0), unit: 'ms', better: 'lower' },
      'storage.attach100mb.ratio_vs_idb': { value: round(attach.ours / attach.raw), unit: '×', better: 'lower' },
      'storage.attach100mb.idb_whole_blob_ms': { value: round(attach.rawBlob, 0), unit: 'ms', better: 'lower' },
    };
  } finally {
    await bench.close();
  }
}
