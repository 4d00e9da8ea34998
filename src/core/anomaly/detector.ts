/**
 * Streaming anomaly detector: one kernel for the server runner and the browser worker.
 *
 * Score of sample i is computed from the state left by samples < i plus sample i itself, then the
 * state learns sample i — so scores are causal and any batch split gives the same scores and state.
 *
 * Raw score (surprise, 0 while the signal behaves): the value is compared with three predictions —
 * the previous value, the recent level (an exponential mean, which follows level shifts) and the same
 * time of day (a per-slot mean, which learns daily cycles) — each in units of that prediction's own
 * typical error; the smallest of the three is the surprise, since a value that any prediction
 * explains is normal. A value outside everything seen so far (by a margin of the range) is a spatial
 * anomaly and scores 1 outright.
 * Post-processing (Numenta's anomaly likelihood): the tail probability of the short-term mean of raw
 * scores under a Gaussian of their long-term distribution, on a log scale, so that a channel that is
 * always noisy does not score high all the time. After a high score the detector rests for a while
 * (one event, one detection).
 */

export interface AnomalyParams {
  /** Smoothing factor of the recent level and of every prediction's typical error, per sample. */
  fastAlpha: number;
  /** Smoothing factor of the time-of-day profile, per sample of that slot. */
  dailyAlpha: number;
  /** Time-of-day slots per day. */
  dailySlots: number;
  /** Surprise (in typical errors) below which the raw score is 0, and the span up to a raw score of 1. */
  surpriseFloor: number;
  surpriseSpan: number;
  /** Margin of the seen range beyond which a value is a spatial anomaly (fraction of max − min). */
  spatialTolerance: number;
  /** Smoothing factor of the long-term distribution of raw scores. */
  likelihoodAlpha: number;
  /** Samples averaged for the short-term mean of raw scores. */
  shortWindow: number;
  /** Lower bounds of the raw scores' long-term mean and variance (Numenta: 0.03, 0.0003). */
  minMean: number;
  minVariance: number;
  /** Samples scored 0 while the detector learns (its first samples are never anomalous). */
  warmup: number;
  /** Score above which the detector rests. */
  restLevel: number;
  /** Samples after a detection during which scores are held at 0. */
  restSamples: number;
  /** A rest lasts beyond restSamples while the score stays at or above rearmLevel, up to maxRestSamples. */
  rearmLevel: number;
  maxRestSamples: number;
}

/** The parameter set measured on NAB (one set for the whole corpus, see README "Anomaly detection"). */
export const defaultAnomalyParams: AnomalyParams = Object.freeze({
  fastAlpha: 0.005,
  dailyAlpha: 0.1,
  dailySlots: 48,
  surpriseFloor: 3,
  surpriseSpan: 4,
  spatialTolerance: 0.02,
  likelihoodAlpha: 0.0005,
  shortWindow: 20,
  minMean: 0.03,
  minVariance: 0.0003,
  warmup: 150,
  restLevel: 0.5,
  restSamples: 30,
  rearmLevel: 2,
  maxRestSamples: 1000,
});

/** Plain JSON; its size depends on the parameters only, never on how many samples were seen. */
export interface AnomalyState {
  version: 2;
  count: number;
  min: number;
  max: number;
  last: number;
  lastError: number;
  fastMean: number;
  fastError: number;
  dailyMean: number[];
  dailyError: number[];
  dailyCount: number[];
  rawMean: number[];
  rawVar: number[];
  recent: number[];
  recentAt: number;
  rest: number;
  restFor: number;
}

const DAY_MS = 86_400_000;

/** A fresh detector state for `params`. */
export function initAnomaly(params: AnomalyParams = defaultAnomalyParams): AnomalyState {
  const slots = Math.max(1, Math.floor(params.dailySlots));
  return {
    version: 2,
    count: 0,
    min: 0,
    max: 0,
    last: 0,
    lastError: 0,
    fastMean: 0,
    fastError: 0,
    dailyMean: new Array<number>(slots).fill(0),
    dailyError: new Array<number>(slots).fill(0),
    dailyCount: new Array<number>(slots).fill(0),
    rawMean: [0, 0, 0],
    rawVar: [0, 0, 0],
    recent: [],
    recentAt: 0,
    rest: 0,
    restFor: 0,
  };
}

/** Upper tail probability of the standard normal distribution (erfc after Numerical Recipes). */
function normalTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** Scores each sample in order: scores[i] ∈ [0,1] depends only on samples before and at i (causal). */
export function scoreAnomaly(
  state: AnomalyState,
  times: Float64Array,
  values: Float32Array,
  params: AnomalyParams = defaultAnomalyParams,
): { state: AnomalyState; scores: Float32Array } {
  const next: AnomalyState = {
    ...state,
    dailyMean: state.dailyMean.slice(),
    dailyError: state.dailyError.slice(),
    dailyCount: state.dailyCount.slice(),
    recent: state.recent.slice(),
    rawMean: state.rawMean.slice(),
    rawVar: state.rawVar.slice(),
  };
  const slots = next.dailyMean.length;
  const window = Math.max(1, Math.floor(params.shortWindow));
  const alpha = params.fastAlpha;
  const scores = new Float32Array(values.length);
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i]!;
    const time = times[i]!;
    if (!Number.isFinite(value)) continue; // a gap scores 0 and teaches nothing
    const slot = Number.isFinite(time) ? Math.floor((((time % DAY_MS) + DAY_MS) % DAY_MS) / (DAY_MS / slots)) % slots : 0;
    const raws = [0, 0, 0];
    let spatial = false;
    if (next.count > 0) {
      // Typical errors get a floor relative to the seen range, so a constant signal's first wiggle
      // is not infinitely surprising.
      const floor = 1e-3 * (next.max - next.min) + 1e-9;
      const surprises = [
        Math.abs(value - next.last) / (next.lastError + floor),
        Math.abs(value - next.fastMean) / (next.fastError + floor),
        next.dailyCount[slot]! > 2 ? Math.abs(value - next.dailyMean[slot]!) / (next.dailyError[slot]! + floor) : 0,
      ];
      for (let k = 0; k < 3; k += 1) raws[k] = Math.min(1, Math.max(0, (surprises[k]! - params.surpriseFloor) / params.surpriseSpan));
      const tolerance = (next.max - next.min) * params.spatialTolerance;
      spatial = next.max > next.min && (value > next.max + tolerance || value < next.min - tolerance);
    }
    // Likelihood of the short-term mean of each raw score under its long-term distribution.
    if (next.recent.length < window * 3) next.recent.push(0, 0, 0);
    let score = 0;
    for (let k = 0; k < 3; k += 1) {
      next.recent[next.recentAt * 3 + k] = raws[k]!;
      let shortMean = 0;
      for (let j = 0; j < next.recent.length / 3; j += 1) shortMean += next.recent[j * 3 + k]!;
      shortMean /= next.recent.length / 3;
      const mean = Math.max(params.minMean, next.rawMean[k]!);
      const std = Math.sqrt(Math.max(params.minVariance, next.rawVar[k]!));
      const tail = normalTail((shortMean - mean) / std);
      score = Math.max(score, Math.min(1, Math.max(0, Math.log(tail + 1e-10) / -23.02585084720009)));
      const delta = shortMean - next.rawMean[k]!;
      next.rawMean[k]! += params.likelihoodAlpha * delta;
      next.rawVar[k] = (1 - params.likelihoodAlpha) * (next.rawVar[k]! + params.likelihoodAlpha * delta * delta);
    }
    next.recentAt = (next.recentAt + 1) % window;
    if (spatial) score = 1;
    if (next.count < params.warmup) score = 0;
    if (next.rest > 0) {
      // Resting: held at 0 for restSamples, and longer while the underlying score stays high
      // (one sustained event is one detection), but never longer than maxRestSamples.
      next.rest -= 1;
      next.restFor += 1;
      if (next.rest === 0 && score >= params.rearmLevel && next.restFor < params.maxRestSamples) next.rest = 1;
      score = 0;
    } else if (score >= params.restLevel) {
      next.rest = params.restSamples;
      next.restFor = 0;
    }
    scores[i] = score;
    // Learn.
    if (next.count === 0) {
      next.fastMean = value;
      next.min = value;
      next.max = value;
    } else {
      next.lastError += alpha * (Math.abs(value - next.last) - next.lastError);
      next.fastError += alpha * (Math.abs(value - next.fastMean) - next.fastError);
      next.fastMean += alpha * (value - next.fastMean);
      next.min = Math.min(next.min, value);
      next.max = Math.max(next.max, value);
    }
    next.last = value;
    const seen = next.dailyCount[slot]!;
    if (seen === 0) next.dailyMean[slot] = value;
    else {
      const rate = Math.max(params.dailyAlpha, 1 / (seen + 1));
      next.dailyError[slot]! += rate * (Math.abs(value - next.dailyMean[slot]!) - next.dailyError[slot]!);
      next.dailyMean[slot]! += rate * (value - next.dailyMean[slot]!);
    }
    next.dailyCount[slot] = Math.min(seen + 1, 1e9);
    next.count += 1;
  }
  return { state: next, scores };
}
