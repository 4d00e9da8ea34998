// The NAB scorer (src/analytics/nab): NAB's published rules on hand-computed cases, and on the real
// corpus a perfect detector scores 100 and the null detector 0.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNabCorpus } from '../../src/analytics/nab/corpus';
import { evaluateNab } from '../../src/analytics/nab/evaluate';
import { nabProfiles, probationaryLength, scaledSigmoid, scoreCorpus, scoreCorpusAt, type NabFileScores } from '../../src/analytics/nab/scorer';

const MINUTE = 60_000;

/** 1000 rows a minute apart, one window over rows 400..499, the given scores at the given rows. */
function file(detections: Record<number, number>, windows: Array<[number, number]> = [[400, 499]]): NabFileScores {
  const times = Array.from({ length: 1000 }, (_, i) => i * MINUTE);
  const scores = times.map((_, i) => detections[i] ?? 0);
  return { name: 'case.csv', times, scores, windows: windows.map(([from, to]) => [from * MINUTE, to * MINUTE]) };
}

describe('NAB scorer', () => {
  it('has NAB’s probationary period: 15 % of the rows, at most 750', () => {
    expect(probationaryLength(1000)).toBe(150);
    expect(probationaryLength(4032)).toBe(604);
    expect(probationaryLength(22_695)).toBe(750);
  });

  it('has NAB’s scaled sigmoid: 0.98661 at a window’s left edge, 0 at its right edge, −1 from 3 lengths past it', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(3)).toBe(-1);
  });

  it('scores a detection at a window’s first row as a perfect detector (100)', () => {
    expect(scoreCorpus([file({ 400: 1 })], nabProfiles.standard).normalized).toBeCloseTo(100, 9);
  });

  it('scores detecting nothing as the null detector (0)', () => {
    expect(scoreCorpus([file({})], nabProfiles.standard).normalized).toBe(0);
  });

  it('weights a detection by how early it is in the window (hand-computed)', () => {
    // Row 450: relative position −(499 − 450 + 1)/100 = −0.5 → tanh(1.25)/tanh(2.5) = 0.859793.
    const middle = scoreCorpus([file({ 450: 1 })], nabProfiles.standard);
    expect(middle.raw).toBeCloseTo(0.8597925669, 9);
    expect(middle.normalized).toBeCloseTo(92.9896283455, 8);
    // Last row: −1/100 → 0.025334.
    expect(scoreCorpus([file({ 499: 1 })], nabProfiles.standard).raw).toBeCloseTo(0.0253339051, 9);
    // Only the earliest detection in a window counts; later ones are neither rewarded nor penalised.
    expect(scoreCorpus([file({ 450: 1, 460: 1, 499: 1 })], nabProfiles.standard).raw).toBeCloseTo(0.8597925669, 9);
  });

  it('charges false positives: full weight before the first window, less just after a window, none in probation', () => {
    // Row 100 is probationary (ignored); row 300 precedes the window (−0.11); row 549 is 50/99 window
    // lengths past it (0.11 × tanh(−2.5 × 50/99) = −0.0936965).
    const scores = { 100: 1, 300: 1, 450: 1, 549: 1 };
    const result = scoreCorpusAt([file(scores)], nabProfiles.standard, 1);
    expect(result.raw).toBeCloseTo(0.8597925669 - 0.11 - 0.0936965180, 9);
    expect(result.normalized).toBeCloseTo(82.8048024451, 8);
    expect(result.falsePositives).toBe(2);
    // reward_low_FP_rate doubles the false-positive weights; reward_low_FN_rate doubles the miss.
    expect(scoreCorpusAt([file(scores)], nabProfiles.reward_low_fp_rate, 1).raw).toBeCloseTo(0.8597925669 - 0.22 - 0.1873930360, 9);
    expect(scoreCorpusAt([file({ 450: 1 })], nabProfiles.reward_low_fn_rate, 1).normalized).toBeCloseTo(95.3264188970, 8);
  });

  it('picks one threshold per profile for the whole corpus, the best total', () => {
    // Threshold 0.9: the first file's window at row 450 and two false positives before it
    // (0.8598 − 0.22), the second file's window missed (−1). Threshold 0.5 also catches that window at
    // its first row (+2 against the miss) but brings 30 false positives before it (−3.3): worse.
    const first = file({ 450: 0.9, 300: 0.9, 310: 0.9 });
    const secondScores: Record<number, number> = { 600: 0.5 };
    for (let row = 160; row < 190; row += 1) secondScores[row] = 0.5;
    const second = { ...file(secondScores, [[600, 699]]), name: 'other.csv' };
    const result = scoreCorpus([first, second], nabProfiles.standard);
    expect(result.threshold).toBe(0.9);
    expect(result.raw).toBeCloseTo(0.8597925669 - 0.22 - 1, 9);
    expect(result.detectedWindows).toBe(1);
    // Scoring at that threshold gives the same total.
    expect(scoreCorpusAt([first, second], nabProfiles.standard, 0.9).raw).toBeCloseTo(result.raw, 12);
  });

  it('on the NAB corpus: a perfect detector scores 100 and the null detector 0 under every profile', () => {
    const corpus = readNabCorpus(path.join(import.meta.dirname, '..', '..', 'bench', 'datasets', 'nab'));
    expect(corpus).toHaveLength(58);
    expect(corpus.reduce((total, entry) => total + entry.windows.length, 0)).toBe(116);
    // The perfect detector fires exactly at each window's first row (it is given the labels).
    const firstRows = new Map(corpus.map((entry) => [entry.times, new Set(entry.windows.map(([start]) => start))]));
    const perfect = evaluateNab(corpus, (times) => {
      const starts = firstRows.get(times)!;
      return Float32Array.from(times, (time) => (starts.has(time) ? 1 : 0));
    });
    const nothing = evaluateNab(corpus, (times) => new Float32Array(times.length).fill(0.5));
    for (const profile of ['standard', 'reward_low_fp_rate', 'reward_low_fn_rate'] as const) {
      expect(perfect[profile].normalized).toBeCloseTo(100, 9);
      expect(nothing[profile].normalized).toBe(0);
    }
  });
});
