/**
 * A pool of Web Workers (one per core): chunks are handed to whichever worker is free and the
 * per-chunk states are merged in order on this thread. Chunks from an iterable (an array read out
 * of core) are transferred, not copied, so do not reuse their buffers; a caller's in-memory array
 * is cut into one piece per worker, each copied once and transferred, or, when it lives in a
 * SharedArrayBuffer (cross-origin isolated pages), handed over without any copy.
 */
import { transfer, wrap, type Remote } from 'comlink';
import { defaultAnomalyParams, type AnomalyParams, type AnomalyState, type KernelName } from '../../core';
import { inputChunks, requireKernel, type ComputeEngine, type ComputeInput } from '../engine';
import type { AnomalyScored, AnomalyScorer } from '../anomaly/anomaly-scorer';
import type { KernelWorkerApi } from './kernel-worker-api';

interface PoolWorker {
  worker: Worker;
  api: Remote<KernelWorkerApi>;
}

export class WorkerPoolEngine implements ComputeEngine, AnomalyScorer {
  readonly name = 'worker' as const;
  readonly #workers: PoolWorker[];
  readonly #idle: PoolWorker[];
  readonly #waiting: Array<(worker: PoolWorker) => void> = [];

  constructor(size = Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 2)) {
    this.#workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL('./kernel.worker.ts', import.meta.url), { type: 'module', name: 'fieldline-kernels' });
      return { worker, api: wrap<KernelWorkerApi>(worker) };
    });
    this.#idle = [...this.#workers];
  }

  get size(): number {
    return this.#workers.length;
  }

  #acquire(): Promise<PoolWorker> {
    const worker = this.#idle.pop();
    return worker ? Promise.resolve(worker) : new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(worker: PoolWorker): void {
    const next = this.#waiting.shift();
    if (next) next(worker);
    else this.#idle.push(worker);
  }

  async state(name: KernelName, rawParams: unknown, input: ComputeInput, from?: unknown): Promise<unknown> {
    const kernel = requireKernel(name);
    const params = kernel.params(rawParams);
    // An in-memory array is cut into one piece per worker: shared memory is handed over as is,
    // anything else is copied once and the copy transferred.
    const shared = input instanceof Float32Array && typeof SharedArrayBuffer === 'function' && input.buffer instanceof SharedArrayBuffer;
    const pieceSize = input instanceof Float32Array ? Math.max(65_536, Math.ceil(input.length / this.#workers.length)) : 0;
    const pending: Array<Promise<unknown>> = [];
    for await (const chunk of inputChunks(input, pieceSize || 65_536)) {
      const worker = await this.#acquire();
      let message: Float32Array;
      if (shared) message = chunk.values;
      else {
        // A caller's array is copied; a chunk that owns its whole buffer (read from storage) moves.
        const ownsBuffer = !(input instanceof Float32Array) && chunk.values.byteOffset === 0 && chunk.values.byteLength === chunk.values.buffer.byteLength;
        const owned = ownsBuffer ? chunk.values : chunk.values.slice();
        message = transfer(owned, [owned.buffer as ArrayBuffer]);
      }
      // Times (kernels over time: operating hours, energy) go along, copied once and transferred.
      const times = chunk.times === undefined ? undefined : chunk.times.slice();
      pending.push((times === undefined ? worker.api.step(name, params, message, chunk.offset) : worker.api.step(name, params, message, chunk.offset, transfer(times, [times.buffer as ArrayBuffer]))).finally(() => this.#release(worker)));
    }
    const states = await Promise.all(pending);
    return states.reduce((merged, state) => kernel.merge(merged, state, params), from ?? kernel.init(params));
  }

  async run(name: KernelName, rawParams: unknown, input: ComputeInput): Promise<unknown> {
    const kernel = requireKernel(name);
    const params = kernel.params(rawParams);
    return kernel.finish(await this.state(name, params, input), params);
  }

  /**
   * Scores a batch with the anomaly detector in whichever worker is free (the detector is
   * sequential: one batch is one worker's). The inputs are copied once and the copies transferred;
   * the scores come back transferred.
   */
  async scoreAnomaly(state: AnomalyState, times: Float64Array, values: Float32Array, params: AnomalyParams = defaultAnomalyParams): Promise<AnomalyScored> {
    const worker = await this.#acquire();
    try {
      const ownTimes = times.slice();
      const ownValues = values.slice();
      return await worker.api.anomaly(state, transfer(ownTimes, [ownTimes.buffer]), transfer(ownValues, [ownValues.buffer]), params);
    } finally {
      this.#release(worker);
    }
  }

  dispose(): void {
    for (const { worker } of this.#workers) worker.terminate();
  }
}
