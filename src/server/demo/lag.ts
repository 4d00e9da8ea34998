/**
 * Thermal lag as a pure function of time: a first-order response (time constant τ) to a drive,
 * computed as the drive's exponentially weighted average over the last 5 τ on a fixed one-minute
 * grid of absolute times. The grid and the kernel do not depend on where a block of samples
 * starts, so the value at a time is the same whether it is computed in a month-long backfill or
 * for one live second.
 */

export const GRID_MS = 60_000;

/** A drive sampled on the grid around a block of times, with lagged versions of it. */
export class LagGrid {
  readonly #first: number;
  readonly #drive: Float64Array;

  /**
   * Samples `drive` at the grid points from 5·`maxTau` before `from` to past `to` (epoch ms),
   * enough for every lag up to `maxTau` over [from, to].
   */
  constructor(drive: (time: number) => number, from: number, to: number, maxTau: number) {
    this.#first = Math.floor(from / GRID_MS) - Math.ceil((5 * maxTau) / GRID_MS);
    const last = Math.floor(to / GRID_MS) + 1;
    this.#drive = new Float64Array(last - this.#first + 1);
    for (let index = 0; index < this.#drive.length; index++) this.#drive[index] = drive((this.#first + index) * GRID_MS);
  }

  /** The drive lagged by `tau` (ms) at each grid point from `from`'s: a function of time (linear between grid points). */
  lagged(tau: number): (time: number) => number {
    const span = Math.ceil((5 * tau) / GRID_MS);
    const decay = Math.exp(-GRID_MS / tau);
    const weights = Float64Array.from({ length: span + 1 }, (_, lag) => decay ** lag);
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    const drive = this.#drive;
    const values = new Float64Array(drive.length);
    for (let index = span; index < drive.length; index++) {
      let sum = 0;
      for (let lag = 0; lag <= span; lag++) sum += weights[lag]! * drive[index - lag]!;
      values[index] = sum / total;
    }
    const first = this.#first;
    return (time: number) => {
      const position = time / GRID_MS - first;
      const cell = Math.floor(position);
      const fraction = position - cell;
      const a = values[cell] ?? 0;
      const b = values[cell + 1] ?? a;
      return a + (b - a) * fraction;
    };
  }
}
