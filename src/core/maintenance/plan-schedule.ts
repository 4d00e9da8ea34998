/**
 * When a preventive plan's next occurrence is due, and whether to generate its work order now.
 * Pure: the plan scheduler (server) gives the plan, what it generated so far for one asset, the
 * asset's usage so far with its recent rate, and today's date; this says what comes next.
 *
 * Calendar plans fall due on start + k·every_days (k = 0, 1, …). A new plan's first occurrence is
 * the first of those dates on or after today (no backlog for a start in the past). Later ones
 * follow the last generated due date; when the scheduler was down past some of them, only the
 * most recent missed date is generated (overdue): three overdue copies of one check help no one.
 *
 * Usage plans fall due at each multiple of `every` (hours or MWh). The due date is forecast from
 * the recent usage rate; a mark already reached is due today. A mark reached while the scheduler
 * could not see it (a new plan on an old asset, a long outage) again yields only the latest one.
 *
 * Changing a plan only moves occurrences not generated yet: the next one starts from the last
 * generated due date (calendar) or usage mark (usage), on the plan's new numbers.
 */
import type { MaintenancePlan } from '../model/maintenance-plan';

const DAY_MS = 86_400_000;

/** What the scheduler generated so far for one plan × asset. */
export interface PlanProgress {
  /** Occurrences generated (the last one's number; 0: none). */
  generated: number;
  /** Calendar: the due date of the last generated occurrence (YYYY-MM-DD). */
  last_due?: string;
  /** Usage: the usage mark (hours or MWh) of the last generated occurrence. */
  last_mark?: number;
}

/** The asset's usage in the plan's measure: total so far and the recent rate (per day; null: unknown). */
export interface UsageSoFar {
  total: number;
  ratePerDay: number | null;
}

/** The next occurrence of a plan for one asset. */
export interface NextOccurrence {
  /** Its number (1 for the first). */
  occurrence: number;
  /** Due date (YYYY-MM-DD); undefined: a usage mark with no usage rate to forecast it from. */
  due: string | undefined;
  /** Usage plans: the usage mark it falls due at. */
  mark?: number;
  /** Whether its work order should exist now (due − lead_days ≤ today, or the mark is reached). */
  generate: boolean;
}

/** Day number (days since 1970-01-01, UTC) of a date YYYY-MM-DD. */
export function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/** The date YYYY-MM-DD of a day number. */
export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The UTC date (YYYY-MM-DD) of an epoch-ms time. */
export function dateOfTime(time: number): string {
  return dateOfDay(Math.floor(time / DAY_MS));
}

/**
 * The plan's next occurrence after `progress`, as of `today` (YYYY-MM-DD); `usage` is needed for
 * usage plans (without it, nothing is generated). Call again after generating one: a lead longer
 * than the interval generates several.
 */
export function nextOccurrence(plan: MaintenancePlan, progress: PlanProgress, today: string, usage?: UsageSoFar): NextOccurrence {
  const occurrence = progress.generated + 1;
  const now = dayNumber(today);
  const trigger = plan.trigger;
  if (trigger.kind === 'calendar') {
    const start = dayNumber(trigger.start);
    const every = trigger.every_days;
    const firstFrom = (day: number): number => start + Math.max(0, Math.ceil((day - start) / every)) * every;
    let due: number;
    if (progress.last_due === undefined) due = firstFrom(now);
    else {
      const last = dayNumber(progress.last_due);
      due = firstFrom(last + 1);
      // Missed dates (the scheduler was away): only the latest of them.
      const latestPast = now >= start ? start + Math.floor((now - start) / every) * every : undefined;
      if (due < now && latestPast !== undefined && latestPast > last) due = latestPast;
    }
    return { occurrence, due: dateOfDay(due), generate: due - plan.lead_days <= now };
  }
  const every = trigger.every;
  const lastMark = progress.last_mark ?? 0;
  let mark = (Math.floor(lastMark / every) + 1) * every;
  if (!usage) return { occurrence, due: undefined, mark, generate: false };
  if (usage.total >= mark) {
    // Reached: due today. Several marks passed unseen: the latest of them.
    mark = Math.max(mark, Math.floor(usage.total / every) * every);
    return { occurrence, due: today, mark, generate: true };
  }
  const rate = usage.ratePerDay;
  if (rate === null || !(rate > 0) || !Number.isFinite(rate)) return { occurrence, due: undefined, mark, generate: false };
  const days = (mark - usage.total) / rate;
  // Far beyond any date (a near-idle asset): no forecast worth a date.
  if (days > 36_500) return { occurrence, due: undefined, mark, generate: false };
  return { occurrence, due: dateOfDay(now + Math.ceil(days)), mark, generate: days <= plan.lead_days };
}
