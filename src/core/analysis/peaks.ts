/**
 * Peaks of a magnitude spectrum: the local maxima standing clearly above the noise floor, the
 * strongest first, at least `minSpacing` bins apart, each frequency refined between bins by a
 * parabola through the peak bin and its two neighbours.
 */

export interface SpectrumPeak {
  /** Interpolated frequency (same unit as the frequency axis). */
  frequency: number;
  /** Interpolated magnitude at that frequency (corrects most of the window's scalloping loss). */
  magnitude: number;
  /** The bin of the local maximum. */
  bin: number;
}

export interface PeakOptions {
  /** Peaks returned at most (the strongest). */
  count?: number;
  /** Minimum distance between two peaks, in bins. */
  minSpacing?: number;
  /** A peak must exceed the noise floor (the median magnitude) times this factor. */
  aboveFloor?: number;
  /**
   * The lowest bin that may be a peak (default 1). A windowed spectrum spreads a signal's mean (DC)
   * over the window's main lobe, and the single-sided spectrum doubles every bin but 0, so bin 1
   * of a Hann or Hamming spectrum of an offset signal looks like a peak that is only the offset:
   * give the main lobe's half-width (2 for those windows, 1 for rectangular).
   */
  lowestBin?: number;
}

/** Half-width of a window's main lobe in bins: the bins next to DC that only its leakage fills. */
export function mainLobeBins(window: 'hann' | 'hamming' | 'rectangular'): number {
  return window === 'rectangular' ? 1 : 2;
}

/** Median of finite values (NaN when there are none); copies, never reorders the input. */
export function median(values: ArrayLike<number>): number {
  const finite: number[] = [];
  for (let index = 0; index < values.length; index++) if (Number.isFinite(values[index]!)) finite.push(values[index]!);
  if (finite.length === 0) return Number.NaN;
  finite.sort((a, b) => a - b);
  const middle = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[middle]! : (finite[middle - 1]! + finite[middle]!) / 2;
}

/**
 * The top `count` peaks of `magnitudes` (bins at `frequencies`, equally spaced). DC (bin 0) and the
 * last bin are never peaks: a local maximum needs a neighbour on both sides. The noise floor is the
 * median magnitude, which a few strong lines do not move; a floor of 0 (a pure tone, no noise)
 * still requires the peak to be positive.
 */
export function findPeaks(frequencies: ArrayLike<number>, magnitudes: ArrayLike<number>, options: PeakOptions = {}): SpectrumPeak[] {
  const count = Math.max(0, Math.floor(options.count ?? 5));
  const spacing = Math.max(1, Math.floor(options.minSpacing ?? 3));
  const threshold = Math.max(0, median(magnitudes) * (options.aboveFloor ?? 4));
  const candidates: number[] = [];
  for (let bin = Math.max(1, Math.floor(options.lowestBin ?? 1)); bin + 1 < magnitudes.length; bin++) {
    const value = magnitudes[bin]!;
    // ≥ on the left, > on the right: a flat top of two equal bins yields one peak, not two.
    if (value > threshold && value >= magnitudes[bin - 1]! && value > magnitudes[bin + 1]!) candidates.push(bin);
  }
  candidates.sort((a, b) => magnitudes[b]! - magnitudes[a]! || a - b);
  const kept: number[] = [];
  for (const bin of candidates) {
    if (kept.length >= count) break;
    if (kept.every((other) => Math.abs(other - bin) >= spacing)) kept.push(bin);
  }
  const step = frequencies.length > 1 ? frequencies[1]! - frequencies[0]! : 0;
  return kept.map((bin) => {
    const { offset, value } = parabolicPeak(magnitudes[bin - 1]!, magnitudes[bin]!, magnitudes[bin + 1]!);
    return { frequency: frequencies[bin]! + offset * step, magnitude: value, bin };
  });
}

/**
 * Vertex of the parabola through (−1, a), (0, b), (1, c) with b the largest: the offset in bins
 * (within ±½) and the value there. Fitted to the logarithms when all three are positive (a
 * Gaussian fit: for the usual windows' main lobes several times closer than a parabola on the
 * magnitudes), else to the magnitudes.
 */
export function parabolicPeak(a: number, b: number, c: number): { offset: number; value: number } {
  const log = a > 0 && b > 0 && c > 0;
  const [la, lb, lc] = log ? [Math.log(a), Math.log(b), Math.log(c)] : [a, b, c];
  const curvature = la - 2 * lb + lc;
  if (!(curvature < 0)) return { offset: 0, value: b };
  const offset = Math.max(-0.5, Math.min(0.5, (0.5 * (la - lc)) / curvature));
  const top = lb - 0.25 * (la - lc) * offset;
  return { offset, value: log ? Math.exp(top) : top };
}
