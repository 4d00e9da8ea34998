/**
 * The worker thread one remaining-life training runs in (training-job.ts starts it): trainRul is
 * synchronous and takes seconds to minutes, which must not hold the job worker's event loop (its
 * lease renewal, its database connection) nor the server's. It holds no database connection: the
 * job reads the training set and sends it here, this sends back progress and the model.
 *
 * Messages to the parent: {kind:'progress', done, total, phase} (at most every PROGRESS_MS),
 * {kind:'done', model, seconds, peak_mib}, {kind:'error', message}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import v8 from 'node:v8';
import { trainRul, type RulTrainOptions, type UnitSeries } from '../../core/predict';

/** What the job sends (workerData): the units with their arrays transferred, not copied. */
export interface TrainingThreadInput {
  units: UnitSeries[];
  inputs: string[];
  options: Omit<RulTrainOptions, 'onProgress'>;
}

const PROGRESS_MS = 250;

const heapBytes = (): number => {
  const stats = v8.getHeapStatistics();
  return stats.used_heap_size + stats.malloced_memory;
};

const { units, inputs, options } = workerData as TrainingThreadInput;
const inputBytes = units.reduce((sum, unit) => sum + unit.times.byteLength + unit.values.reduce((total, values) => total + values.byteLength, 0), 0);
let peak = heapBytes();
let said = 0;
const started = performance.now();
try {
  const model = trainRul(units, inputs, {
    ...options,
    onProgress(done, total, phase) {
      peak = Math.max(peak, heapBytes());
      const now = performance.now();
      if (now - said < PROGRESS_MS && done < total) return;
      said = now;
      parentPort?.postMessage({ kind: 'progress', done, total, phase });
    },
  });
  peak = Math.max(peak, heapBytes());
  // The units are counted apart: they arrive as transferred buffers outside the heap.
  parentPort?.postMessage({ kind: 'done', model, seconds: (performance.now() - started) / 1000, peak_mib: (peak + inputBytes) / 1_048_576 });
} catch (error) {
  parentPort?.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
}
