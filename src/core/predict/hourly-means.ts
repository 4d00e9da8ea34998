/**
 * Hourly means of several columns, fed one sample at a time: what the degradation analyses read
 * (src/core/predict/degradation.ts), whatever the input's rate. Memory grows with the number of
 * distinct hours (not samples), and is capped: a series spanning more than `maxHours` distinct
 * hours is refused, so a hostile time column cannot fill memory.
 */

const HOUR_MS = 3_600_000;

/** Hourly means of `columns` values per sample: hour start times (ascending) and one mean array per column (NaN where an hour had no finite value). */
export interface HourlyMeansResult {
  times: Float64Array;
  columns: Float64Array[];
}

/** More distinct hours than the accumulator was allowed to hold. */
export class TooManyHoursError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`the series spans more than ${limit} distinct hours`);
    this.name = 'TooManyHoursError';
    this.limit = limit;
  }
}

/**
 * Accumulates samples (any order, any rate) into per-hour sums; `result()` gives the means. A
 * non-finite time is ignored; a non-finite value is left out of its column's mean only.
 */
export class HourlyMeans {
  readonly #columns: number;
  readonly #maxHours: number;
  readonly #slots = new Map<number, number>();
  #hours: number[] = [];
  #sums: Float64Array;
  #counts: Uint32Array;
  #lastHour = Number.NaN;
  #lastSlot = -1;

  /** `columns` values per sample; at most `maxHours` distinct hours (default 500 000, 57 years). */
  constructor(columns: number, maxHours = 500_000) {
    this.#columns = columns;
    this.#maxHours = maxHours;
    this.#sums = new Float64Array(1024 * columns);
    this.#counts = new Uint32Array(1024 * columns);
  }

  /** Distinct hours so far. */
  get hours(): number {
    return this.#hours.length;
  }

  /** Adds one sample. Throws TooManyHoursError past the cap. */
  push(time: number, values: ArrayLike<number>): void {
    if (!Number.isFinite(time)) return;
    const hour = Math.floor(time / HOUR_MS);
    let slot: number;
    if (hour === this.#lastHour) slot = this.#lastSlot;
    else {
      const known = this.#slots.get(hour);
      if (known === undefined) {
        if (this.#hours.length >= this.#maxHours) throw new TooManyHoursError(this.#maxHours);
        slot = this.#hours.length;
        this.#hours.push(hour);
        this.#slots.set(hour, slot);
        if ((slot + 1) * this.#columns > this.#sums.length) this.#grow();
      } else slot = known;
      this.#lastHour = hour;
      this.#lastSlot = slot;
    }
    const base = slot * this.#columns;
    for (let column = 0; column < this.#columns; column += 1) {
      const value = values[column];
      if (value === undefined || !Number.isFinite(value)) continue;
      this.#sums[base + column]! += value;
      this.#counts[base + column]! += 1;
    }
  }

  #grow(): void {
    const sums = new Float64Array(this.#sums.length * 2);
    sums.set(this.#sums);
    this.#sums = sums;
    const counts = new Uint32Array(this.#counts.length * 2);
    counts.set(this.#counts);
    this.#counts = counts;
  }

  /** The means so far, hours ascending. */
  result(): HourlyMeansResult {
    const order = Array.from(this.#hours.keys()).sort((a, b) => this.#hours[a]! - this.#hours[b]!);
    const times = new Float64Array(order.length);
    const columns = Array.from({ length: this.#columns }, () => new Float64Array(order.length));
    order.forEach((slot, i) => {
      times[i] = this.#hours[slot]! * HOUR_MS;
      for (let column = 0; column < this.#columns; column += 1) {
        const count = this.#counts[slot * this.#columns + column]!;
        columns[column]![i] = count === 0 ? Number.NaN : this.#sums[slot * this.#columns + column]! / count;
      }
    });
    return { times, columns };
  }
}
