/**
 * Where the anomaly detector runs: one interface for this thread (and the server) and the worker
 * pool, so a runner does not care which. Both call the same kernel (scoreAnomaly from core) on the
 * same inputs, so their scores are the same bit for bit.
 */
import { defaultAnomalyParams, scoreAnomaly, type AnomalyParams, type AnomalyState } from '../../core';

/** Scores of a batch and the detector's state after it. */
export interface AnomalyScored {
  state: AnomalyState;
  scores: Float32Array;
}

export interface AnomalyScorer {
  /**
   * Scores `values` (at `times`, epoch ms, in order) from `state`: one score in [0, 1] per sample.
   * The inputs are left as they are (a worker gets copies).
   */
  scoreAnomaly(state: AnomalyState, times: Float64Array, values: Float32Array, params?: AnomalyParams): Promise<AnomalyScored>;
}

/** The detector on this thread (the reference). */
export const inThreadAnomalyScorer: AnomalyScorer = {
  scoreAnomaly(state, times, values, params = defaultAnomalyParams) {
    return Promise.resolve(scoreAnomaly(state, times, values, params));
  },
};
