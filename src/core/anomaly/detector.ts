/**
 * Streaming anomaly detector: one kernel for the server runner and the browser worker.
 *
 * Score of sample i is computed from the state left by samples < i plus sample i itself, then the
 * state learns sample i — so scores are causal and any batch split gives the same scores and state.
 *
 * Raw score: how far the value is from what is expected, in robust units, taking the smaller of two
 * expectations (the recent level, which follows level shifts, and the same time of day, which learns
 * daily cycles): a value is only novel when neither explains it.
 * Post-processing (Numenta's anomaly likelihood): the tail probability of the short-term mean of raw
 * scores under a Gaussian of their long-term distribution, on a log scale, so that a channel that is
 * always noisy does not score high all the time. After a high score the detector rests for a while
 * (one event, one detection).
 */

export interface AnomalyParams {
  /** Smoothing factor of the fast (recent level) mean and deviation, per sample. */
  fastAlpha: number;
  /** Smoothing factor of the time-of-day profile, per sample of that slot. */
  dailyAlpha: number;
  /** Time-of-day slots per day. */
  dailySlots: number;
  /** Smoothing factor of the long-term distribution of raw scores. */
  likelihoodAlpha: number;
  /** Samples averaged for the short-term mean of raw scores. */
  shortWindow: number;
  /** Samples scored 0 while the detector learns (its first samples are never anomalous). */
  warmup: number;
  /** Score above which the detector rests. */
  restLevel: number;
  /** Samples after a detection during which scores are held at 0. */
  restSamples: number;
}

/** The parameter set measured on NAB (one set for the whole corpus, see README "Anomaly detection"). */
export const defaultAnomalyParams: AnomalyParams = Object.freeze({
  fastAlpha: 0.02,
  dailyAlpha: 0.1,
  dailySlots: 48,
  likelihoodAlpha: 0.002,
  shortWindow: 10,
  warmup: 150,
  restLevel: 0.5,
  restSamples: 30,
});

/** Plain JSON; its size depends on the parameters only, never on how many samples were seen. */
export interface AnomalyState {
  version: 1;
  count: number;
  fastMean: number;
  fastDev: number;
  dailyMean: number[];
  dailyDev: number[];
  dailyCount: number[];
  rawMean: number;
  rawVar: number;
  recent: number[];
  recentAt: number;
  rest: number;
}

const DAY_MS = 86_400_000;

/** A fresh detector state for `params`. */
export function initAnomaly(params: AnomalyParams = defaultAnomalyParams): AnomalyState {
  const slots = Math.max(1, Math.floor(params.dailySlots));
  return {
    version: 1,
    count: 0,
    fastMean: 0,
    fastDev: 0,
    dailyMean: new Array<number>(slots).fill(0),
    dailyDev: new Array<number>(slots).fill(0),
    dailyCount: new Array<number>(slots).fill(0),
    rawMean: 0,
    rawVar: 0,
    recent: [],
    recentAt: 0,
    rest: 0,
  };
}

/** Upper tail probability of the standard normal distribution (Abramowitz & Stegun 7.1.26 via erfc). */
function normalTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
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
    dailyDev: state.dailyDev.slice(),
    dailyCount: state.dailyCount.slice(),
    recent: state.recent.slice(),
  };
  const slots = next.dailyMean.length;
  const scores = new Float32Array(values.length);
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i]!;
    const time = times[i]!;
    if (!Number.isFinite(value)) continue; // a gap scores 0 and teaches nothing
    const slot = Number.isFinite(time) ? Math.floor((((time % DAY_MS) + DAY_MS) % DAY_MS) / (DAY_MS / slots)) % slots : 0;
    // Raw score: distance to the nearer of the two expectations, in their own deviation units.
    const floor = 1e-6 + 1e-3 * Math.abs(next.fastMean);
    const fastZ = Math.abs(value - next.fastMean) / (next.fastDev + floor);
    const dailyZ = next.dailyCount[slot]! > 2 ? Math.abs(value - next.dailyMean[slot]!) / (next.dailyDev[slot]! + floor) : fastZ;
    const raw = next.count === 0 ? 0 : Math.min(1, Math.min(fastZ, dailyZ) / 6);
    // Likelihood of the short-term mean of raw scores.
    if (next.recent.length < params.shortWindow) next.recent.push(raw);
    else next.recent[next.recentAt % params.shortWindow] = raw;
    next.recentAt = (next.recentAt + 1) % Math.max(1, params.shortWindow);
    let shortMean = 0;
    for (const item of next.recent) shortMean += item;
    shortMean /= next.recent.length;
    const std = Math.sqrt(next.rawVar) + 1e-3;
    const likelihood = 1 - normalTail((shortMean - next.rawMean) / std);
    let score = Math.min(1, Math.max(0, Math.log(1.0000000001 - likelihood) / -23.02585084720009));
    if (next.count < params.warmup) score = 0;
    if (next.rest > 0) {
      next.rest -= 1;
      score = 0;
    } else if (score >= params.restLevel) next.rest = params.restSamples;
    scores[i] = score;
    // Learn.
    const delta = raw - next.rawMean;
    next.rawMean += params.likelihoodAlpha * delta;
    next.rawVar = (1 - params.likelihoodAlpha) * (next.rawVar + params.likelihoodAlpha * delta * delta);
    if (next.count === 0) next.fastMean = value;
    else {
      next.fastDev += params.fastAlpha * (Math.abs(value - next.fastMean) - next.fastDev);
      next.fastMean += params.fastAlpha * (value - next.fastMean);
    }
    const seen = next.dailyCount[slot]!;
    if (seen === 0) next.dailyMean[slot] = value;
    else {
      const alpha = Math.max(params.dailyAlpha, 1 / (seen + 1));
      next.dailyDev[slot]! += alpha * (Math.abs(value - next.dailyMean[slot]!) - next.dailyDev[slot]!);
      next.dailyMean[slot]! += alpha * (value - next.dailyMean[slot]!);
    }
    next.dailyCount[slot] = seen + 1;
    next.count += 1;
  }
  return { state: next, scores };
}
