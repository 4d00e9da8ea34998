/**
 * The event times ingestion accepts: from a fixed earliest time (INGEST_MIN_TIME, default
 * 1970-01-01) to a little after now (INGEST_MAX_FUTURE_MS, default one day). A time outside is a
 * broken clock or a unit mistake (ms sent as s, a number that is not a time at all): stored, one
 * far-future event would make its channel's last sample jump ahead, and every genuine event after
 * it would count as late until a rebuild; a time beyond what a Date holds cannot even be written
 * as a date.
 */

export interface TimeWindow {
  /** Earliest accepted event time (epoch ms). */
  minTime: number;
  /** How far after the moment of arrival an event time may be (ms). */
  maxFutureMs: number;
}

/** The defaults: historical imports back to 1970, clocks up to a day ahead (time zones, drift). */
export const DEFAULT_TIME_WINDOW: TimeWindow = { minTime: 0, maxFutureMs: 24 * 60 * 60 * 1000 };

/** The window at one moment: event times `min <= time <= max` (epoch ms) are accepted. */
export interface TimeBounds {
  min: number;
  max: number;
}

/** The bounds of `window` for events arriving at `now`. */
export function boundsAt(window: TimeWindow, now: number): TimeBounds {
  return { min: window.minTime, max: now + window.maxFutureMs };
}

/** Whether `time` (epoch ms) lies inside `bounds` (NaN and infinities never do). */
export function inBounds(time: number, bounds: TimeBounds): boolean {
  return time >= bounds.min && time <= bounds.max;
}

/** The largest |epoch ms| a Date holds (ECMAScript: ±100 000 000 days). */
const DATE_LIMIT_MS = 8.64e15;

/** An epoch-ms time as an ISO date when a Date can hold it, else as the number of ms. */
export function describeTime(time: number): string {
  return Number.isFinite(time) && Math.abs(time) <= DATE_LIMIT_MS ? new Date(time).toISOString() : `${time} ms since 1970`;
}

/** Why `time` is outside `bounds` (for error messages), or undefined when it is inside. */
export function outsideReason(time: number, bounds: TimeBounds): string | undefined {
  if (inBounds(time, bounds)) return undefined;
  if (time > bounds.max) return `the time ${describeTime(time)} is after ${describeTime(bounds.max)}, the latest accepted now (INGEST_MAX_FUTURE_MS after the server's clock)`;
  return `the time ${describeTime(time)} is before ${describeTime(bounds.min)}, the earliest accepted (INGEST_MIN_TIME)`;
}
