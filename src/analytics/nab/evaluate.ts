/** Runs a detector over a NAB corpus and scores it under every profile (one threshold per profile). */
import { nabProfiles, scoreCorpus, type NabProfileName, type NabResult } from './scorer';
import type { NabCorpusFile } from './corpus';

/** A detector as NAB sees it: a fresh instance per file, every row scored in order. */
export type NabDetector = (times: Float64Array, values: Float32Array) => ArrayLike<number>;

/** The detector's NAB results for all three profiles. */
export function evaluateNab(corpus: readonly NabCorpusFile[], detect: NabDetector): Record<NabProfileName, NabResult> {
  const scored = corpus.map((file) => ({ name: file.name, times: file.times, windows: file.windows, scores: detect(file.times, file.values) }));
  return {
    standard: scoreCorpus(scored, nabProfiles.standard),
    reward_low_fp_rate: scoreCorpus(scored, nabProfiles.reward_low_fp_rate),
    reward_low_fn_rate: scoreCorpus(scored, nabProfiles.reward_low_fn_rate),
  };
}
