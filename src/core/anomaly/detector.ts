/**
 * Streaming anomaly detector: one kernel for the server runner and the browser worker.
 *
 * Score of sample i is computed from the state left by samples < i plus sample i itself, then the
 * state learns sample i — so scores are causal and any batch split gives the same scores and state.
 *
 * Raw scores (surprise, 0 while the signal behaves): the value is compared with three predictions —
 * the previous value (spikes, jumps), the recent level (an exponential mean: level shifts, drifts)
 * and the same time of day (a per-slot mean: daily cycles, and a day that breaks its pattern) —
 * each in units of that prediction's own typical error, mapped to [0, 1] from surpriseFloor over
 * surpriseSpan typical errors.
 * Post-processing (Numenta's anomaly likelihood, per prediction): the tail probability of the
 * short-term mean of its raw scores under a Gaussian of their long-term distribution, on a log scale
 * (score 0.5 ⇔ tail 1e-5), so a prediction that is always poor on a channel (the time of day on a
 * channel without a daily cycle) does not score high all the time; the least likely prediction
 * decides. A value outside the whole range seen so far (by spatialTolerance of the range) scores 1
 * outright (Numenta's spatial anomaly). After a score of restLevel the detector rests for
 * restSamples (one event, one detection).
 *
 * Parameters: one set for every channel, chosen on the NAB corpus (see README, "Anomaly detection").
 */

export interface AnomalyParams {
  /** Smoothing factor of the recent level and of every prediction's typical error, per sample. */
  fastAlpha: number;
  /** Smoothing factor of the time-of-day profile, per day (per visit of a slot, whatever the rate). */
  dailyAlpha: number;
  /** Time-of-day slots per day. */
  dailySlots: number;
  /** Samples a slot must have learnt before the time-of-day prediction is trusted. */
  dailyMinCount: number;
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
  /** Samples each prediction learns before it may score (and before a spatial anomaly counts). */
  warmup: number;
  /** Score above which the detector rests. */
  restLevel: number;
  /** Samples after a detection during which scores are held at 0. */
  restSamples: number;
}

/** The parameter set measured on NAB (one set for the whole corpus, see README "Anomaly detection"). */
export const defaultAnomalyParams: AnomalyParams = Object.freeze({
  fastAlpha: 0.005,
  dailyAlpha: 0.1,
  dailySlots: 48,
  dailyMinCount: 2,
  surpriseFloor: 2.5,
  surpriseSpan: 4,
  spatialTolerance: 0.02,
  likelihoodAlpha: 0.0005,
  shortWindow: 20,
  minMean: 0.03,
  minVariance: 0.0003,
  warmup: 150,
  restLevel: 0.5,
  restSamples: 30,
});

/** Plain JSON; its size depends on the parameters only, never on how many samples were seen. */
export interface AnomalyState {
  version: 4;
  /** Samples learnt (gaps excluded). */
  count: number;
  /** Range of the values seen (spatial anomalies). */
  min: number;
  max: number;
  /** Time of the previous sample (null before the first) and the typical interval (ms). */
  lastTime: number | null;
  interval: number;
  /** Previous value and the typical error of predicting it again. */
  last: number;
  lastError: number;
  /** Recent level (exponential mean) and its typical error. */
  level: number;
  levelError: number;
  /** Time-of-day profile: per slot, the mean, the typical error and how many samples it learnt. */
  dailyMean: number[];
  dailyError: number[];
  dailyCount: number[];
  /** Per prediction (previous value, level, time of day): the last shortWindow raw scores (a ring at
   *  `recentAt`, prediction-major), their sum, and the long-term mean and variance of that sum's mean. */
  recent: number[];
  recentAt: number;
  recentFill: number;
  recentSum: number[];
  rawMean: number[];
  rawVar: number[];
  /** Per prediction, the samples its distribution has learnt (it scores once past `warmup`). */
  learnt: number[];
  /** Samples left to rest after a detection. */
  rest: number;
}

const DAY_MS = 86_400_000;
/** Predictions compared: previous value, recent level, time of day. */
const PREDICTIONS = 3;

/** A fresh detector state for `params`. */
export function initAnomaly(params: AnomalyParams = defaultAnomalyParams): AnomalyState {
  const slots = Math.max(1, Math.floor(params.dailySlots));
  const window = Math.max(1, Math.floor(params.shortWindow));
  return {
    version: 4,
    count: 0,
    min: 0,
    max: 0,
    lastTime: null,
    interval: 0,
    last: 0,
    lastError: 0,
    level: 0,
    levelError: 0,
    dailyMean: new Array<number>(slots).fill(0),
    dailyError: new Array<number>(slots).fill(0),
    dailyCount: new Array<number>(slots).fill(0),
    recent: new Array<number>(window * PREDICTIONS).fill(0),
    recentAt: 0,
    recentFill: 0,
    recentSum: new Array<number>(PREDICTIONS).fill(0),
    rawMean: new Array<number>(PREDICTIONS).fill(0),
    rawVar: new Array<number>(PREDICTIONS).fill(0),
    learnt: new Array<number>(PREDICTIONS).fill(0),
    rest: 0,
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

/** Raw score of a surprise (prediction error in typical errors): 0 up to the floor, 1 from floor + span. */
function rawOf(surprise: number, params: AnomalyParams): number {
  return Math.min(1, Math.max(0, (surprise - params.surpriseFloor) / params.surpriseSpan));
}

/**
 * Scores each sample in order: scores[i] ∈ [0,1] depends only on samples before and at i (causal).
 * Non-finite values are gaps: they score 0 and teach nothing. A state of another version (an older
 * detector's) starts over from `initAnomaly(params)`.
 */
export function scoreAnomaly(
  previous: AnomalyState,
  times: Float64Array,
  values: Float32Array,
  params: AnomalyParams = defaultAnomalyParams,
): { state: AnomalyState; scores: Float32Array } {
  if (times.length !== values.length) throw new RangeError(`scoreAnomaly: ${times.length} times for ${values.length} values`);
  const state = (previous as { version?: unknown }).version === 4 ? previous : initAnomaly(params);
  // The loop works on locals and typed copies (fast); the state is rebuilt as plain JSON at the end.
  const slots = state.dailyMean.length;
  const window = state.recent.length / PREDICTIONS;
  const dailyMean = Float64Array.from(state.dailyMean);
  const dailyError = Float64Array.from(state.dailyError);
  const dailyCount = Float64Array.from(state.dailyCount);
  const recent = Float64Array.from(state.recent);
  const recentSum = Float64Array.from(state.recentSum);
  const rawMean = Float64Array.from(state.rawMean);
  const rawVar = Float64Array.from(state.rawVar);
  let { count, min, max, last, lastError, level, levelError, recentAt, recentFill, rest } = state;
  let { lastTime, interval } = state;
  const { fastAlpha, dailyAlpha, dailyMinCount, spatialTolerance, likelihoodAlpha, minMean, minVariance, warmup, restLevel, restSamples } =
    params;
  const minStd = Math.sqrt(minVariance);
  const slotMs = DAY_MS / slots;
  const raws = new Float64Array(PREDICTIONS);
  const active = new Uint8Array(PREDICTIONS);
  const learnt = Float64Array.from(state.learnt);
  const scores = new Float32Array(values.length);
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i]!;
    if (!Number.isFinite(value)) continue; // a gap scores 0 and teaches nothing
    const time = times[i]!;
    const slot = Number.isFinite(time) ? Math.floor((((time % DAY_MS) + DAY_MS) % DAY_MS) / slotMs) % slots : 0;
    // Samples per visit of a slot: the profile learns at dailyAlpha per day whatever the sample rate.
    const visit = interval > 0 ? Math.max(1, slotMs / interval) : 1;
    let spatial = false;
    if (count > 0) {
      // Typical errors get a floor relative to the seen range, so a constant signal's first wiggle
      // is not infinitely surprising.
      const floor = 1e-3 * (max - min) + 1e-9;
      raws[0] = rawOf(Math.abs(value - last) / (lastError + floor), params);
      raws[1] = rawOf(Math.abs(value - level) / (levelError + floor), params);
      active[0] = 1;
      active[1] = 1;
      active[2] = dailyCount[slot]! > dailyMinCount ? 1 : 0;
      raws[2] = active[2] ? rawOf(Math.abs(value - dailyMean[slot]!) / (dailyError[slot]! + floor), params) : 0;
      const tolerance = (max - min) * spatialTolerance;
      spatial = max > min && (value > max + tolerance || value < min - tolerance);
    } else {
      raws.fill(0);
      active.fill(0);
    }
    // Likelihood of each prediction's short-term mean raw score under its long-term distribution;
    // the least likely one decides.
    if (recentFill < window) recentFill += 1;
    let score = 0;
    for (let k = 0; k < PREDICTIONS; k += 1) {
      const at = k * window + recentAt;
      recentSum[k]! += raws[k]! - recent[at]!;
      recent[at] = raws[k]!;
      const shortMean = Math.max(0, recentSum[k]!) / recentFill;
      const z = (shortMean - Math.max(minMean, rawMean[k]!)) / Math.max(minStd, Math.sqrt(rawVar[k]!));
      // Below one standard deviation the score is < 0.04: not worth the tail's exp. A prediction
      // scores only once its own distribution has learnt `warmup` samples.
      if (!active[k]) continue;
      learnt[k] = Math.min(learnt[k]! + 1, 1e9);
      if (z > 1 && learnt[k]! > warmup) score = Math.max(score, Math.min(1, Math.log(normalTail(z) + 1e-10) / -23.02585084720009));
      const delta = shortMean - rawMean[k]!;
      rawMean[k]! += likelihoodAlpha * delta;
      rawVar[k] = (1 - likelihoodAlpha) * (rawVar[k]! + likelihoodAlpha * delta * delta);
    }
    recentAt = (recentAt + 1) % window;
    if (spatial && count >= warmup) score = 1;
    if (rest > 0) {
      // Resting after a detection: one event, one detection (NAB counts every later one outside a
      // window as a false positive, and so does an operator).
      rest -= 1;
      score = 0;
    } else if (score >= restLevel) rest = restSamples;
    scores[i] = score;
    // Learn.
    if (count === 0) {
      level = value;
      min = value;
      max = value;
    } else {
      lastError += fastAlpha * (Math.abs(value - last) - lastError);
      levelError += fastAlpha * (Math.abs(value - level) - levelError);
      level += fastAlpha * (value - level);
      if (value < min) min = value;
      if (value > max) max = value;
    }
    last = value;
    if (Number.isFinite(time)) {
      if (lastTime !== null && time > lastTime) interval = interval > 0 ? interval + fastAlpha * (time - lastTime - interval) : time - lastTime;
      lastTime = time;
    }
    const seen = dailyCount[slot]!;
    if (seen === 0) dailyMean[slot] = value;
    else {
      const rate = Math.max(dailyAlpha / visit, 1 / (seen + 1));
      dailyError[slot]! += rate * (Math.abs(value - dailyMean[slot]!) - dailyError[slot]!);
      dailyMean[slot]! += rate * (value - dailyMean[slot]!);
    }
    dailyCount[slot] = Math.min(seen + 1, 1e9);
    count += 1;
  }
  return {
    state: {
      version: 4,
      count,
      min,
      max,
      lastTime,
      interval,
      last,
      lastError,
      level,
      levelError,
      dailyMean: Array.from(dailyMean),
      dailyError: Array.from(dailyError),
      dailyCount: Array.from(dailyCount),
      recent: Array.from(recent),
      recentAt,
      recentFill,
      recentSum: Array.from(recentSum),
      rawMean: Array.from(rawMean),
      rawVar: Array.from(rawVar),
      learnt: Array.from(learnt),
      rest,
    },
    scores,
  };
}
