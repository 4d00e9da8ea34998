/**
 * The streaming anomaly detector (src/core/anomaly) on the Numenta Anomaly Benchmark corpus in
 * bench/datasets/nab, scored with NAB's method (src/analytics/nab: one threshold per profile for
 * the whole corpus, normalised null = 0, perfect = 100), next to NAB's windowed Gaussian detector
 * (published 39.7 standard) scored the same way in the same run. Throughput: samples scored per
 * second on one core (this process), the corpus fed in 4096-sample batches as the derived-channel
 * runner does, against a rolling mean/std z-score doing the same passes; median of 5 alternated
 * runs after a warm-up.
 */
import path from 'node:path';
import { defaultAnomalyParams, initAnomaly, scoreAnomaly } from '../src/core';
import { rollingZScore, windowedGaussian } from '../src/analytics/nab/baselines';
import { readNabCorpus, type NabCorpusFile } from '../src/analytics/nab/corpus';
import { evaluateNab } from '../src/analytics/nab/evaluate';
import type { Figures } from './harness';

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;
const BATCH = 4096;

/** Fieldline's detector over one file, in batches (state carried across), as the runners feed it. */
function detect(times: Float64Array, values: Float32Array): Float32Array {
  const scores = new Float32Array(values.length);
  let state = initAnomaly(defaultAnomalyParams);
  for (let start = 0; start < values.length; start += BATCH) {
    const end = Math.min(values.length, start + BATCH);
    const result = scoreAnomaly(state, times.subarray(start, end), values.subarray(start, end), defaultAnomalyParams);
    state = result.state;
    scores.set(result.scores, start);
  }
  return scores;
}

/** Rolling z-score over one file in the same batches (its ring carried across like a state). */
function baseline(times: Float64Array, values: Float32Array): Float64Array {
  const scores = new Float64Array(values.length);
  for (let start = 0; start < values.length; start += BATCH) {
    const end = Math.min(values.length, start + BATCH);
    scores.set(rollingZScore(times.subarray(start, end), values.subarray(start, end)), start);
  }
  return scores;
}

/** Samples per second of `detector` over the whole corpus. */
function throughput(corpus: readonly NabCorpusFile[], detector: (times: Float64Array, values: Float32Array) => ArrayLike<number>): number {
  let samples = 0;
  let sink = 0;
  const started = performance.now();
  for (const file of corpus) {
    const scores = detector(file.times, file.values);
    sink += scores[scores.length - 1] ?? 0;
    samples += file.values.length;
  }
  const seconds = (performance.now() - started) / 1000;
  if (!Number.isFinite(sink)) throw new Error('non-finite score');
  return samples / seconds;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function run(): Promise<Figures> {
  const corpus = readNabCorpus(path.join(import.meta.dirname, 'datasets', 'nab'));
  const samples = corpus.reduce((total, file) => total + file.values.length, 0);
  console.log(`  NAB corpus: ${corpus.length} files, ${samples} samples, ${corpus.reduce((n, file) => n + file.windows.length, 0)} windows`);

  const ours = evaluateNab(corpus, detect);
  const gaussian = evaluateNab(corpus, windowedGaussian);
  for (const [profile, result] of Object.entries(ours)) {
    console.log(`  ${profile}: ${round(result.normalized)} (threshold ${round(result.threshold, 4)}, ${result.detectedWindows}/${result.windows} windows, ${result.falsePositives} false positives)`);
  }

  throughput(corpus, detect);
  throughput(corpus, baseline);
  const oursRate: number[] = [];
  const baselineRate: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    oursRate.push(throughput(corpus, detect));
    baselineRate.push(throughput(corpus, baseline));
  }
  const rate = median(oursRate);
  const baselineMedian = median(baselineRate);
  return {
    'anomaly.nab.standard': { value: round(ours.standard.normalized), unit: 'NAB score', better: 'higher' },
    'anomaly.nab.reward_low_fp': { value: round(ours.reward_low_fp_rate.normalized), unit: 'NAB score', better: 'higher' },
    'anomaly.nab.reward_low_fn': { value: round(ours.reward_low_fn_rate.normalized), unit: 'NAB score', better: 'higher' },
    'anomaly.nab.baseline_windowed_gaussian.standard': { value: round(gaussian.standard.normalized), unit: 'NAB score', better: 'higher' },
    'anomaly.nab.baseline_windowed_gaussian.reward_low_fp': { value: round(gaussian.reward_low_fp_rate.normalized), unit: 'NAB score', better: 'higher' },
    'anomaly.nab.baseline_windowed_gaussian.reward_low_fn': { value: round(gaussian.reward_low_fn_rate.normalized), unit: 'NAB score', better: 'higher' },
    'anomaly.samples_per_s': { value: Math.round(rate), unit: 'samples/s', better: 'higher' },
    'anomaly.baseline_rolling_zscore.samples_per_s': { value: Math.round(baselineMedian), unit: 'samples/s', better: 'higher' },
    'anomaly.samples_per_s.ratio_vs_baseline': { value: round(rate / baselineMedian, 3), unit: '×', better: 'higher' },
    // 1,000 channels at 1 Hz: the share of one core the detector needs.
    'anomaly.fleet_1000ch_1hz.core_pct': { value: round((100 * 1000) / rate, 3), unit: '% of a core', better: 'lower' },
  };
}
