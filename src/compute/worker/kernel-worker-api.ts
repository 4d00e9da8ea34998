import type { AnomalyParams, AnomalyState } from '../../core';

/** What a kernel worker offers through comlink (the same folding the CPU engine does). */
export interface KernelWorkerApi {
  /** Folds `values` (sample numbers from `offset`, taken at `times` if given) into a fresh state of kernel `name`. */
  step(name: string, params: unknown, values: Float32Array, offset: number, times?: Float64Array): unknown;
  /** Scores `values` at `times` from `state` with the anomaly detector (the scores come back transferred). */
  anomaly(state: AnomalyState, times: Float64Array, values: Float32Array, params: AnomalyParams): { state: AnomalyState; scores: Float32Array };
}
