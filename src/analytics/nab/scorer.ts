/**
 * The Numenta Anomaly Benchmark's scoring (Lavin & Ahmad 2015; numenta/NAB nab/sweeper.py,
 * nab/optimizer.py, nab/runner.py normalise step), re-implemented from its published description:
 *
 * - the first min(floor(15 % of rows), 750) rows of a file are probationary and never scored;
 * - a row is a detection when its score ≥ the threshold; inside a labelled window only the earliest
 *   detection counts, worth tpWeight × scaledSigmoid(position) / scaledSigmoid(-1) (1 at the window's
 *   first row, falling towards 0 at its last); a window without a detection costs fnWeight;
 * - every detection outside a window costs fpWeight × scaledSigmoid(distance past the previous window
 *   in window lengths) (so an alarm just after a window costs little), or the full fpWeight before
 *   the first window;
 * - one threshold per profile for the whole corpus, the one with the highest total;
 * - normalised: 100 × (total − null) / (perfect − null), null = no detection at all (every window
 *   missed), perfect = every window detected at its first row (tpWeight per window).
 */

/** Weights of one NAB application profile. */
export interface NabProfile {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

export type NabProfileName = 'standard' | 'reward_low_fp_rate' | 'reward_low_fn_rate';

/** NAB's three profiles (config/profiles.json of NAB v1.1). */
export const nabProfiles: Readonly<Record<NabProfileName, NabProfile>> = Object.freeze({
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_fp_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_fn_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
});

/** One scored file: its rows' times (epoch ms, ascending), the detector's scores, the labelled windows. */
export interface NabFileScores {
  name: string;
  times: ArrayLike<number>;
  scores: ArrayLike<number>;
  /** Inclusive [start, end] in epoch ms. */
  windows: ReadonlyArray<readonly [number, number]>;
}

export interface NabResult {
  threshold: number;
  /** Sum of the files' raw scores at the threshold. */
  raw: number;
  /** 0 = null detector, 100 = perfect. */
  normalized: number;
  /** Windows detected / all windows; detections outside windows. */
  detectedWindows: number;
  windows: number;
  falsePositives: number;
}

const PROBATION_FRACTION = 0.15;

/** Rows of a file that are not scored (NAB: min(floor(0.15 n), 0.15 × 5000)). */
export function probationaryLength(rows: number): number {
  return Math.min(Math.floor(PROBATION_FRACTION * rows), PROBATION_FRACTION * 5000);
}

/** NAB's scaled sigmoid: 2·σ(−5x) − 1, and −1 from 3 window lengths past a window on. */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition >= 3) return -1;
  return 2 / (1 + Math.exp(5 * relativePosition)) - 1;
}

/** A scorable row: its score, what detecting it is worth, and its window (-1: outside any). */
interface SweepRow {
  score: number;
  worth: number;
  window: number;
}

/**
 * The scorable rows of one file with their worth under `profile` (NAB's calcSweepScore). Window ids
 * are offset by `windowBase` so rows of several files can be swept together.
 */
function sweepRows(file: NabFileScores, profile: NabProfile, windowBase: number): { rows: SweepRow[]; scorableWindows: Set<number> } {
  const count = file.times.length;
  if (file.scores.length !== count) throw new RangeError(`${file.name}: ${file.scores.length} scores for ${count} rows`);
  const probation = probationaryLength(count);
  const maxTp = scaledSigmoid(-1);
  // Row index range of each window (rows whose time lies within [start, end]).
  const ranges: Array<[number, number]> = [];
  for (const [start, end] of file.windows) {
    let first = -1;
    let last = -1;
    for (let i = 0; i < count; i += 1) {
      const time = file.times[i]!;
      if (time < start || time > end) continue;
      if (first === -1) first = i;
      last = i;
    }
    if (first !== -1) ranges.push([first, last]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const rows: SweepRow[] = [];
  const scorableWindows = new Set<number>();
  let next = 0;
  let previous: [number, number] | undefined;
  for (let i = 0; i < count; i += 1) {
    while (next < ranges.length && ranges[next]![1] < i) previous = ranges[next++];
    const current = next < ranges.length && ranges[next]![0] <= i ? ranges[next]! : undefined;
    let worth: number;
    let window = -1;
    if (current) {
      const width = current[1] - current[0] + 1;
      worth = (scaledSigmoid(-(current[1] - i + 1) / width) * profile.tpWeight) / maxTp;
      window = windowBase + next;
    } else if (previous) {
      const width = previous[1] - previous[0] + 1;
      worth = scaledSigmoid(Math.abs(previous[1] - i) / Math.max(1, width - 1)) * profile.fpWeight;
    } else worth = -profile.fpWeight;
    if (i < probation) continue;
    const score = file.scores[i]!;
    if (window !== -1) scorableWindows.add(window);
    rows.push({ score: Number.isFinite(score) ? score : 0, worth, window });
  }
  return { rows, scorableWindows };
}

/** Every window of every file (NAB's "perfect" counts them all). */
function windowCount(files: readonly NabFileScores[]): number {
  return files.reduce((total, file) => total + file.windows.length, 0);
}

/**
 * The corpus score of `files` under `profile` at the best single threshold (NAB's optimise + score
 * steps): every distinct score is tried as the threshold, highest first; ties keep the higher one.
 */
export function scoreCorpus(files: readonly NabFileScores[], profile: NabProfile): NabResult {
  const rows: SweepRow[] = [];
  const scorable = new Set<number>();
  let base = 0;
  for (const file of files) {
    const swept = sweepRows(file, profile, base);
    for (const row of swept.rows) rows.push(row);
    for (const window of swept.scorableWindows) scorable.add(window);
    base += file.windows.length;
  }
  rows.sort((a, b) => b.score - a.score);
  const windowWorth = new Map<number, number>();
  for (const window of scorable) windowWorth.set(window, -profile.fnWeight);
  const nullScore = -profile.fnWeight * scorable.size;
  let total = nullScore;
  let falsePositives = 0;
  let detected = 0;
  let best = { threshold: 1.1, raw: total, detectedWindows: 0, falsePositives: 0 };
  for (let i = 0; i < rows.length; ) {
    const threshold = rows[i]!.score;
    // All rows at this score become detections together.
    for (; i < rows.length && rows[i]!.score === threshold; i += 1) {
      const row = rows[i]!;
      if (row.window === -1) {
        total += row.worth;
        falsePositives += 1;
        continue;
      }
      const worth = windowWorth.get(row.window)!;
      if (worth === -profile.fnWeight) detected += 1;
      if (row.worth > worth) {
        total += row.worth - worth;
        windowWorth.set(row.window, row.worth);
      }
    }
    if (total > best.raw) best = { threshold, raw: total, detectedWindows: detected, falsePositives };
  }
  const perfect = profile.tpWeight * windowCount(files);
  return {
    ...best,
    normalized: (100 * (best.raw - nullScore)) / (perfect - nullScore),
    windows: windowCount(files),
  };
}

/** The corpus score at a given threshold (detections: score ≥ threshold), normalised as above. */
export function scoreCorpusAt(files: readonly NabFileScores[], profile: NabProfile, threshold: number): NabResult {
  let raw = 0;
  let nullScore = 0;
  let detectedWindows = 0;
  let falsePositives = 0;
  let base = 0;
  for (const file of files) {
    const swept = sweepRows(file, profile, base);
    base += file.windows.length;
    const windowWorth = new Map<number, number>();
    for (const window of swept.scorableWindows) windowWorth.set(window, -profile.fnWeight);
    nullScore -= profile.fnWeight * swept.scorableWindows.size;
    for (const row of swept.rows) {
      if (row.score < threshold) continue;
      if (row.window === -1) {
        raw += row.worth;
        falsePositives += 1;
      } else windowWorth.set(row.window, Math.max(windowWorth.get(row.window)!, row.worth));
    }
    for (const worth of windowWorth.values()) {
      raw += worth;
      if (worth !== -profile.fnWeight) detectedWindows += 1;
    }
  }
  const perfect = profile.tpWeight * windowCount(files);
  return { threshold, raw, normalized: (100 * (raw - nullScore)) / (perfect - nullScore), detectedWindows, windows: windowCount(files), falsePositives };
}
