/**
 * Thermal lag as a pure function of time: a first-order response (time constant τ) to a drive,
 * computed as the drive's exponentially weighted average over the last 5 τ on a fixed one-minute
 * grid of absolute times. The grid and the kernel do not depend on where a block of samples
 * starts, so the value at a time is the same whether it is computed in a month-long backfill or
 * for one live second. Drive and lagged values are computed on first use only: a block of hourly
 * samples (the long history) needs the drive within 5 τ before each sample, not at every minute;
 * and the long history's samples are computed on a coarser grid (LONG_GRID_MS) of their own.
 */

export const GRID_MS = 60_000;
/** The grid of the long (hourly) history's lags: an hourly sample needs no minute's detail. */
export const LONG_GRID_MS = 5 * 60_000;

/** A drive sampled on the grid around a block of times, with lagged versions of it. */
export class LagGrid {
  readonly #first: number;
  readonly #grid: number;
  readonly #fn: (time: number) => number;
  /** The drive at each grid point (NaN: not computed yet). */
  readonly #drive: Float64Array;

  /**
   * The drive at the grid points from 5·`maxTau` before `from` to past `to` (epoch ms), enough
   * for every lag up to `maxTau` over [from, to], on a grid of `gridMs`.
   */
  constructor(drive: (time: number) => number, from: number, to: number, maxTau: number, gridMs = GRID_MS) {
    this.#grid = gridMs;
    this.#first = Math.floor(from / gridMs) - Math.ceil((5 * maxTau) / gridMs);
    const last = Math.floor(to / gridMs) + 1;
    this.#fn = drive;
    this.#drive = new Float64Array(last - this.#first + 1).fill(Number.NaN);
  }

  #driveAt(index: number): number {
    let value = this.#drive[index]!;
    if (Number.isNaN(value)) {
      value = this.#fn((this.#first + index) * this.#grid);
      this.#drive[index] = value;
    }
    return value;
  }

  /** The drive lagged by `tau` (ms) at each grid point from `from`'s: a function of time (linear between grid points). */
  lagged(tau: number): (time: number) => number {
    const grid = this.#grid;
    const span = Math.ceil((5 * tau) / grid);
    const decay = Math.exp(-grid / tau);
    const weights = Float64Array.from({ length: span + 1 }, (_, lag) => decay ** lag);
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    const length = this.#drive.length;
    const values = new Float64Array(length).fill(Number.NaN);
    // The lagged value at grid point `index`; 0 where the grid holds less than 5 τ before it, undefined outside the grid.
    const valueAt = (index: number): number | undefined => {
      if (index < 0 || index >= length) return undefined;
      if (index < span) return 0;
      let value = values[index]!;
      if (Number.isNaN(value)) {
        let sum = 0;
        for (let lag = 0; lag <= span; lag++) sum += weights[lag]! * this.#driveAt(index - lag);
        value = sum / total;
        values[index] = value;
      }
      return value;
    };
    const first = this.#first;
    return (time: number) => {
      const position = time / grid - first;
      const cell = Math.floor(position);
      const fraction = position - cell;
      const a = valueAt(cell) ?? 0;
      if (fraction === 0) return a;
      const b = valueAt(cell + 1) ?? a;
      return a + (b - a) * fraction;
    };
  }
}
