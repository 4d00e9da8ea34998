/**
 * The technician's day, decided from the work orders on this device alone (offline too): which
 * are theirs and still to do, in what order, grouped by site, and what an engineer has to review.
 * Pure functions over documents read leniently: an old work order (no due date, no priority, no
 * history) still takes its place.
 */

/** What My work reads of a work order (every field but id, site, title and status may be absent). */
export interface WorkItem {
  id: string;
  site: string;
  title: string;
  status: string;
  asset?: string | undefined;
  assignee?: string | undefined;
  priority?: string | undefined;
  due?: string | undefined;
  checklist?: ReadonlyArray<{ id: string }> | undefined;
  results?: Readonly<Record<string, unknown>> | undefined;
  photos?: Readonly<Record<string, unknown>> | undefined;
  completed_at?: string | undefined;
  updated_at?: string | undefined;
}

/** Statuses that still need work from the assignee (done waits for review, verified is closed). */
const finished: ReadonlySet<string> = new Set(['done', 'verified']);

/** "Due soon": due today or within this many days. */
export const DUE_SOON_DAYS = 7;

const priorityRank: Readonly<Record<string, number>> = Object.assign(Object.create(null) as Record<string, number>, { urgent: 0, high: 1, medium: 2, low: 3 });

/** Where a due date stands against today: overdue (before today), soon (within 7 days), later, or none. */
export type DueState = 'overdue' | 'soon' | 'later' | 'none';

/** Today as 'YYYY-MM-DD' in the device's time zone (a due date is a local day). */
export function localDay(time: number = Date.now()): string {
  const date = new Date(time);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** Days from `today` to `due` (both 'YYYY-MM-DD'; negative: overdue), undefined for a malformed date. */
export function daysUntil(due: string | undefined, today: string): number | undefined {
  if (!due || !/^\d{4}-\d{2}-\d{2}$/.test(due)) return undefined;
  const [dueTime, todayTime] = [Date.parse(`${due}T00:00:00Z`), Date.parse(`${today}T00:00:00Z`)];
  if (!Number.isFinite(dueTime) || !Number.isFinite(todayTime)) return undefined;
  return Math.round((dueTime - todayTime) / 86_400_000);
}

/** Whether a work order is overdue, due soon, due later or has no due date. */
export function dueState(due: string | undefined, today: string): DueState {
  const days = daysUntil(due, today);
  if (days === undefined) return 'none';
  if (days < 0) return 'overdue';
  return days <= DUE_SOON_DAYS ? 'soon' : 'later';
}

/** The due date in words: "overdue by 3 days", "due today", "due tomorrow", "in 2 days", "due 2026-12-20". */
export function dueLabel(due: string | undefined, today: string): string {
  const days = daysUntil(due, today);
  if (days === undefined) return 'no due date';
  if (days < 0) return `overdue by ${-days} day${days === -1 ? '' : 's'}`;
  if (days === 0) return 'due today';
  if (days === 1) return 'due tomorrow';
  if (days <= DUE_SOON_DAYS) return `in ${days} days`;
  return `due ${due}`;
}

/** Checklist items with a recorded result, of the items the work order lists. */
export function checklistProgress(order: Pick<WorkItem, 'checklist' | 'results'>): { done: number; total: number } {
  const items = Array.isArray(order.checklist) ? order.checklist : [];
  const results = order.results && typeof order.results === 'object' ? order.results : {};
  const done = items.filter((item) => item && Object.prototype.hasOwnProperty.call(results, item.id)).length;
  return { done, total: items.length };
}

/** Photos attached to the work order (its `photos` metadata). */
export function photoCount(order: Pick<WorkItem, 'photos'>): number {
  return order.photos && typeof order.photos === 'object' ? Object.keys(order.photos).length : 0;
}

const stateRank: Readonly<Record<DueState, number>> = { overdue: 0, soon: 1, later: 2, none: 3 };

/** My work's order: overdue, then due soon, then the rest; each by due date, then priority, then title. */
export function compareWork(a: WorkItem, b: WorkItem, today: string): number {
  const [stateA, stateB] = [dueState(a.due, today), dueState(b.due, today)];
  if (stateA !== stateB) return stateRank[stateA] - stateRank[stateB];
  if (stateA !== 'none' && a.due !== b.due) return a.due! < b.due! ? -1 : 1;
  const priority = (priorityRank[a.priority ?? 'medium'] ?? 2) - (priorityRank[b.priority ?? 'medium'] ?? 2);
  return priority || a.title.localeCompare(b.title) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** One site's share of the list. */
export interface WorkGroup<T extends WorkItem> {
  site: string;
  orders: T[];
}

/** What My work shows: the user's open work orders by site, and the counts of its summary. */
export interface MyWork<T extends WorkItem> {
  groups: Array<WorkGroup<T>>;
  open: number;
  overdue: number;
  soon: number;
}

/**
 * The work orders assigned to `username` and not done or verified, grouped by site (sites by
 * `siteTitle`, then id), each group in `compareWork` order.
 */
export function myWork<T extends WorkItem>(orders: Iterable<T>, username: string | undefined, today: string, siteTitle: (site: string) => string = (site) => site): MyWork<T> {
  const bySite = new Map<string, T[]>();
  let [open, overdue, soon] = [0, 0, 0];
  if (username) {
    for (const order of orders) {
      if (order.assignee !== username || finished.has(order.status)) continue;
      open += 1;
      const state = dueState(order.due, today);
      if (state === 'overdue') overdue += 1;
      else if (state === 'soon') soon += 1;
      const list = bySite.get(order.site);
      if (list) list.push(order);
      else bySite.set(order.site, [order]);
    }
  }
  const groups = [...bySite].map(([site, list]) => ({ site, orders: list.sort((a, b) => compareWork(a, b, today)) }));
  groups.sort((a, b) => siteTitle(a.site).localeCompare(siteTitle(b.site)) || (a.site < b.site ? -1 : a.site > b.site ? 1 : 0));
  return { groups, open, overdue, soon };
}

/** Done work orders waiting for an engineer's review (verify or reopen), the longest waiting first. */
export function waitingForReview<T extends WorkItem>(orders: Iterable<T>): T[] {
  const done = [...orders].filter((order) => order.status === 'done');
  const since = (order: T): string => order.completed_at ?? order.updated_at ?? '';
  return done.sort((a, b) => (since(a) < since(b) ? -1 : since(a) > since(b) ? 1 : a.title.localeCompare(b.title)));
}

/** The summary line: "4 open, 1 overdue, 2 due soon" ("Nothing assigned to you" when empty). */
export function workSummary(work: Pick<MyWork<WorkItem>, 'open' | 'overdue' | 'soon'>): string {
  if (work.open === 0) return 'Nothing open assigned to you';
  return [`${work.open} open`, ...(work.overdue ? [`${work.overdue} overdue`] : []), ...(work.soon ? [`${work.soon} due soon`] : [])].join(', ');
}
