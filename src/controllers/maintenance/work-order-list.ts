/**
 * What the work order list shows, as pure functions over documents: one row per work order with
 * the titles a user reads (site, asset) and a precomputed lowercase search text, the search
 * syntax (`parseWorkOrderQuery`), filtering and sorting. Fast by construction: the search text is
 * built once per listing, a keystroke only runs `includes` over it, and the order is computed once
 * per sort choice (filtering keeps it), so 10 000 work orders filter well within a frame.
 *
 * Search syntax (the list's URL keeps it: `#/work-orders?q=status%3Adone`):
 * - a keyless word matches when any field the user sees holds it (case-insensitive substring);
 *   several words must all match; `"pump seal"` is one phrase;
 * - `key:value` terms, several of one key are alternatives (`status:open status:assigned`, or
 *   `status:open,assigned`): `status:` and `priority:` (the value or its label: `status:"in progress"`),
 *   `kind:`, `site:` and `asset:` (part of the title, or the id), `assignee:` (a user name; `me`
 *   is the signed-in user, `none` unassigned), `due:` (`YYYY-MM-DD`, `<YYYY-MM-DD`, `>YYYY-MM-DD`,
 *   `overdue`, `soon` = within 7 days, `none`). An unknown key is an ordinary word.
 */
import {
  workOrderKindLabels,
  workOrderKinds,
  workOrderPriorities,
  workOrderPriorityLabels,
  workOrderStatusLabels,
  workOrderStatuses,
  type WorkOrderKind,
  type WorkOrderPriority,
  type WorkOrderStatus,
} from '../../core';
import { dueState } from './my-work';

/** The labels as Maps (looked up by values read from documents). */
export const statusLabels: ReadonlyMap<string, string> = new Map(Object.entries(workOrderStatusLabels));
export const priorityLabels: ReadonlyMap<string, string> = new Map(Object.entries(workOrderPriorityLabels));
export const kindLabels: ReadonlyMap<string, string> = new Map(Object.entries(workOrderKindLabels));

/** Closed statuses: a done or verified work order is never overdue or due soon. */
const closed = new Set<string>(['done', 'verified']);

/** One work order as the list shows it. */
export interface WorkOrderRow {
  id: string;
  title: string;
  site: string;
  siteTitle: string;
  asset?: string;
  assetTitle?: string;
  status: WorkOrderStatus;
  priority: WorkOrderPriority;
  kind: WorkOrderKind;
  /** `YYYY-MM-DD`. */
  due?: string;
  assignee?: string;
  /** When it last changed (ISO; created_at where it was never edited): the "updated" sort. */
  updated?: string;
  /** Lowercase text of every field a user sees, fields apart by a separator no phrase holds. */
  text: string;
}

/** Titles of the sites and assets on this device, by id. */
export interface ListTitles {
  sites: ReadonlyMap<string, string>;
  assets: ReadonlyMap<string, string>;
}

const SEPARATOR = '\u0001';
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const isOneOf = <T extends string>(list: readonly T[], value: unknown): value is T => typeof value === 'string' && (list as readonly string[]).includes(value);

/** The names (and part numbers) or labels of an array of objects, leniently (synced docs may be odd). */
function texts(value: unknown, keys: readonly string[]): string[] {
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null) continue;
    for (const key of keys) {
      const text = (item as Record<string, unknown>)[key];
      if (typeof text === 'string' && text !== '') out.push(text);
    }
  }
  return out;
}

/**
 * The row of a stored work order document, read leniently: an old document (no priority, no kind,
 * a status of the old three) or one synced from elsewhere missing a key still shows. Titles come
 * from `titles`; a site or asset not on this device shows its id.
 */
export function workOrderRow(id: string, doc: Readonly<Record<string, unknown>>, titles: ListTitles): WorkOrderRow {
  const site = str(doc.site) ?? '';
  const asset = str(doc.asset);
  const status: WorkOrderStatus = isOneOf(workOrderStatuses, doc.status) ? doc.status : 'open';
  const priority: WorkOrderPriority = isOneOf(workOrderPriorities, doc.priority) ? doc.priority : 'medium';
  const kind: WorkOrderKind = isOneOf(workOrderKinds, doc.kind) ? doc.kind : 'corrective';
  const title = str(doc.title) ?? id;
  const siteTitle = titles.sites.get(site) ?? site;
  const assetTitle = asset === undefined ? undefined : (titles.assets.get(asset) ?? asset);
  const due = str(doc.due);
  const assignee = str(doc.assignee);
  const updated = str(doc.updated_at) ?? str(doc.created_at);
  const fields = [
    title,
    str(doc.notes) ?? '',
    siteTitle,
    assetTitle ?? '',
    statusLabels.get(status)!,
    `${priorityLabels.get(priority)!} priority`,
    kindLabels.get(kind)!,
    assignee ?? '',
    due ?? '',
    str(doc.alarm) ?? '',
    ...texts(doc.parts, ['name', 'part_number']),
    ...texts(doc.checklist, ['label']),
  ];
  return {
    id,
    title,
    site,
    siteTitle,
    ...(asset !== undefined ? { asset, assetTitle: assetTitle! } : {}),
    status,
    priority,
    kind,
    ...(due !== undefined ? { due } : {}),
    ...(assignee !== undefined ? { assignee } : {}),
    ...(updated !== undefined ? { updated } : {}),
    text: fields.filter((field) => field !== '').join(SEPARATOR).toLowerCase(),
  };
}

/** The keys a search term may have. */
export const queryKeys = ['status', 'priority', 'site', 'asset', 'assignee', 'kind', 'due'] as const;
export type QueryKey = (typeof queryKeys)[number];

/** A parsed search: keyless words and phrases (lowercase) and `key:value` terms. */
export interface WorkOrderQuery {
  words: string[];
  /** By key, the alternatives asked for (lowercase); a key absent is no condition. */
  terms: Map<QueryKey, string[]>;
}

/** The tokens of a search text: words, `"quoted phrases"`, `key:value` and `key:"quoted value"`. */
function tokens(text: string): Array<{ key?: string; value: string }> {
  const out: Array<{ key?: string; value: string }> = [];
  // key:"value" | key:value | "phrase" | word ; an unclosed quote runs to the end.
  const pattern = /([A-Za-z_]+):(?:"([^"]*)"?|(\S*))|"([^"]*)"?|(\S+)/g;
  for (const match of text.matchAll(pattern)) {
    if (match[1] !== undefined) out.push({ key: match[1], value: match[2] ?? match[3] ?? '' });
    else out.push({ value: match[4] ?? match[5] ?? '' });
  }
  return out;
}

/**
 * Parses the list's search text (syntax above). Never throws: anything it cannot read as a term is
 * searched for as written. `assignee:me` stays `me` here; `filterWorkOrders` resolves it.
 */
export function parseWorkOrderQuery(text: string): WorkOrderQuery {
  const words: string[] = [];
  const terms = new Map<QueryKey, string[]>();
  for (const token of tokens(text)) {
    const key = token.key?.toLowerCase();
    if (key !== undefined && isOneOf(queryKeys, key)) {
      const values = token.value
        .toLowerCase()
        .split(',')
        .map((value) => value.trim())
        .filter((value) => value !== '');
      if (values.length === 0) continue; // `status:` half typed: no condition yet
      terms.set(key, [...(terms.get(key) ?? []), ...values]);
      continue;
    }
    const word = (token.key !== undefined ? `${token.key}:${token.value}` : token.value).toLowerCase().trim();
    if (word !== '') words.push(word);
  }
  return { words, terms };
}

/** A value as the user may write it (`In progress`, `in-progress`) in the stored form (`in_progress`). */
const normalised = (value: string): string => value.trim().replace(/[\s-]+/g, '_');

/** The day `days` after `day` (`YYYY-MM-DD`, calendar arithmetic in UTC so no time zone shifts it). */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Whether a row is overdue on `today`: due before it and not done or verified. */
export function isOverdue(row: Pick<WorkOrderRow, 'due' | 'status'>, today: string): boolean {
  return !closed.has(row.status) && dueState(row.due, today) === 'overdue';
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function dueMatches(row: WorkOrderRow, value: string, today: string): boolean {
  if (value === 'none') return row.due === undefined;
  if (value === 'overdue') return isOverdue(row, today);
  // Due today or within DUE_SOON_DAYS, as My work counts it.
  if (value === 'soon') return !closed.has(row.status) && dueState(row.due, today) === 'soon';
  if (row.due === undefined) return false;
  if (value.startsWith('<') && DAY.test(value.slice(1))) return row.due < value.slice(1);
  if (value.startsWith('>') && DAY.test(value.slice(1))) return row.due > value.slice(1);
  return row.due.startsWith(value); // a day, or a month (`2026-12`)
}

function labelMatches(value: string, stored: string, labels: ReadonlyMap<string, string>): boolean {
  return normalised(value) === stored || labels.get(stored)?.toLowerCase() === value;
}

function termMatches(row: WorkOrderRow, key: QueryKey, value: string, context: FilterContext): boolean {
  switch (key) {
    case 'status':
      return labelMatches(value, row.status, statusLabels);
    case 'priority':
      return labelMatches(value, row.priority, priorityLabels);
    case 'kind':
      return labelMatches(value, row.kind, kindLabels);
    case 'site':
      return row.site.toLowerCase() === value || row.siteTitle.toLowerCase().includes(value);
    case 'asset':
      return row.asset !== undefined && (row.asset.toLowerCase() === value || (row.assetTitle ?? '').toLowerCase().includes(value));
    case 'assignee': {
      if (value === 'none') return row.assignee === undefined;
      const who = value === 'me' ? context.me?.toLowerCase() : value;
      return who !== undefined && row.assignee?.toLowerCase() === who;
    }
    case 'due':
      return dueMatches(row, value, context.today);
  }
}

/** What a filter needs besides the query: who "me" is and which day is today. */
export interface FilterContext {
  /** The signed-in user's name (`assignee:me`); unset, `assignee:me` matches nothing. */
  me?: string;
  /** `YYYY-MM-DD` (overdue, due soon). */
  today: string;
}

/** Whether `row` matches: every word in its text, and for every key one of its values. */
export function matchesWorkOrder(row: WorkOrderRow, query: WorkOrderQuery, context: FilterContext): boolean {
  for (const word of query.words) if (!row.text.includes(word)) return false;
  for (const [key, values] of query.terms) if (!values.some((value) => termMatches(row, key, value, context))) return false;
  return true;
}

/** The rows the query lets through, in the order given. */
export function filterWorkOrders(rows: readonly WorkOrderRow[], query: WorkOrderQuery, context: FilterContext): WorkOrderRow[] {
  if (query.words.length === 0 && query.terms.size === 0) return rows.slice();
  return rows.filter((row) => matchesWorkOrder(row, query, context));
}

/** The sort choices of the list. */
export const workOrderSorts = ['due', 'priority', 'updated', 'status', 'title'] as const;
export type WorkOrderSort = (typeof workOrderSorts)[number];
export const sortLabels: ReadonlyMap<WorkOrderSort, string> = new Map([
  ['due', 'Due date'],
  ['priority', 'Priority'],
  ['updated', 'Recently changed'],
  ['status', 'Status'],
  ['title', 'Title'],
]);

const statusRank = new Map<string, number>(workOrderStatuses.map((status, index) => [status, index]));
const priorityRank = new Map<string, number>(workOrderPriorities.map((priority, index) => [priority, index]));
const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
const byId = (a: WorkOrderRow, b: WorkOrderRow): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byTitle = (a: WorkOrderRow, b: WorkOrderRow): number => collator.compare(a.title, b.title) || byId(a, b);
/** Absent values last in either direction. */
function byOptional(a: string | undefined, b: string | undefined, direction: 1 | -1): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a < b ? -direction : direction;
}

const comparators: Record<WorkOrderSort, (a: WorkOrderRow, b: WorkOrderRow) => number> = {
  // Soonest due first (none last); ties: most urgent, then title.
  due: (a, b) => byOptional(a.due, b.due, 1) || priorityRank.get(b.priority)! - priorityRank.get(a.priority)! || byTitle(a, b),
  // Most urgent first; ties: soonest due, then title.
  priority: (a, b) => priorityRank.get(b.priority)! - priorityRank.get(a.priority)! || byOptional(a.due, b.due, 1) || byTitle(a, b),
  // Newest change first (never changed last).
  updated: (a, b) => byOptional(a.updated, b.updated, -1) || byTitle(a, b),
  // Lifecycle order (open first); ties: soonest due, then title.
  status: (a, b) => statusRank.get(a.status)! - statusRank.get(b.status)! || byOptional(a.due, b.due, 1) || byTitle(a, b),
  title: byTitle,
};

/**
 * The rows in the chosen order, as a new array. Every order ends in the id, so equal rows always
 * come out the same way (a reload does not reshuffle the list under the user's finger).
 */
export function sortWorkOrders(rows: readonly WorkOrderRow[], sort: WorkOrderSort): WorkOrderRow[] {
  return rows.slice().sort(comparators[sort]);
}

/**
 * The search text with the terms of `key` replaced by `key:value` (none when `value` is ''), the
 * rest kept as typed: the list's filter selects write into the one search text the URL keeps.
 */
export function withTerm(text: string, key: QueryKey, value: string): string {
  const kept = tokens(text)
    .filter((token) => token.key?.toLowerCase() !== key)
    .map((token) => (token.key !== undefined ? `${token.key}:${quoted(token.value)}` : quoted(token.value)))
    .filter((token) => token !== '');
  if (value !== '') kept.push(`${key}:${quoted(value)}`);
  return kept.join(' ');
}

/** A value as one token: quoted when it holds a space. */
function quoted(value: string): string {
  return /\s/.test(value) ? `"${value}"` : value;
}

/** The one value the search text asks of `key` ('' when none or several): what a filter select shows. */
export function termOf(query: WorkOrderQuery, key: QueryKey): string {
  const values = query.terms.get(key);
  return values?.length === 1 ? values[0]! : '';
}

/**
 * Which of `values` the query's one term of `key` names, by value or label ('' when none or
 * several): `status:"in progress"` shows "In progress" chosen in the Status select.
 */
export function chosenValue(query: WorkOrderQuery, key: 'status' | 'priority' | 'kind', values: readonly string[]): string {
  const labels = key === 'status' ? statusLabels : key === 'priority' ? priorityLabels : kindLabels;
  const term = termOf(query, key);
  return term === '' ? '' : (values.find((value) => labelMatches(term, value, labels)) ?? '');
}
