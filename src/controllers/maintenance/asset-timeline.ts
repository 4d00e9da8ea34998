/**
 * One timeline of what happened to an asset and its parts: alarms (raised, cleared, severity
 * changes), work orders (created, assigned, status changes, verified, reopened, comments),
 * inspections (checklist results, readings taken, photos), predictions and failures — folded from
 * the documents on this device, newest first. Pure: the asset page lists the documents, this
 * decides the entries. Documents are read leniently (old work orders without history, prediction
 * and failure documents whose writer, issue 17, is not there yet): what cannot be placed in time
 * is listed last as "date unknown", never dropped, and a malformed field is skipped, not thrown.
 */
import { workOrderStatusLabels } from '../../core';
import { hrefOf } from '../route-controller';

/** The kinds of entries, the order of the page's filter chips. */
export const timelineKinds = ['alarm', 'work_order', 'inspection', 'prediction', 'failure'] as const;

export type TimelineKind = (typeof timelineKinds)[number];

/** One line of the timeline. */
export interface TimelineEntry {
  /** Stable and unique within a timeline (document id + what of it). */
  key: string;
  kind: TimelineKind;
  /** Epoch ms; null when the document says no time (listed after every dated entry). */
  at: number | null;
  /** What happened, in words ("Alarm raised", "Status: In progress → Done"). */
  what: string;
  /** What it concerns (the alarm's message, the work order's title, a checklist item's label). */
  title: string;
  /** More: the value recorded, the comment, the failure mode. */
  detail?: string;
  severity?: string;
  by?: string;
  /** The asset it concerns (this asset or one of its parts). */
  asset: string;
  /** The document it comes from. */
  source: string;
  href: string;
}

/** The fold's answer: at most `limit` entries, newest first, and how many older ones were left out. */
export interface Timeline {
  entries: TimelineEntry[];
  omitted: number;
}

/** The most entries a timeline shows: older ones are counted, not listed (the page stays light). */
export const TIMELINE_LIMIT = 500;

type Fields = Record<string, unknown>;
/** A document as listed: its id and whatever fields it has. */
export type TimelineDoc = { id: string } & Fields;

// The core's words, looked up safely by any stored text (an unknown status shows as written).
const statusWords: Readonly<Record<string, string>> = Object.assign(Object.create(null) as Record<string, string>, workOrderStatusLabels);

const alarmWords: Readonly<Record<string, string>> = Object.assign(Object.create(null) as Record<string, string>, {
  raised: 'Alarm raised',
  reactivated: 'Alarm active again',
  escalated: 'Alarm escalated',
  deescalated: 'Alarm severity lowered',
  cleared: 'Alarm cleared',
  acknowledged: 'Alarm acknowledged',
});

/** A status in words ("in_progress" → "In progress"). */
export function statusInWords(status: unknown): string {
  return typeof status === 'string' ? (statusWords[status] ?? status) : '—';
}

/** A time in epoch ms from epoch ms or an ISO text; null when it is neither. */
export function timeOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value !== '') {
    const parsed = Date.parse(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);
const record = (value: unknown): Fields | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : undefined);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A value in words: numbers as they are, other values as short text. */
function shown(value: unknown, unit?: string): string {
  if (typeof value === 'number') return unit ? `${value} ${unit}` : String(value);
  if (value === 'pass') return 'Pass';
  if (value === 'fail') return 'Fail';
  if (typeof value === 'string') return value.length > 120 ? `${value.slice(0, 119)}…` : value;
  if (value === undefined || value === null) return '—';
  const record_ = record(value);
  // A prediction's remaining life may be {value, unit} (or {days}); say it without JSON.
  if (record_ && typeof record_.value === 'number') return `${record_.value}${text(record_.unit) ? ` ${String(record_.unit)}` : ''}`;
  if (record_) return Object.entries(record_).filter(([, inner]) => typeof inner === 'number' || typeof inner === 'string').map(([key, inner]) => `${key} ${String(inner)}`).join(', ');
  return String(value);
}

function alarmEntries(doc: TimelineDoc, asset: string, push: (entry: TimelineEntry) => void): void {
  const title = text(doc.message) ?? text(doc.rule_title) ?? 'Alarm';
  const href = hrefOf('alarms', doc.id);
  const history = list(doc.history).map(record).filter((entry): entry is Fields => entry !== undefined);
  const severity = text(doc.severity);
  if (history.length === 0) {
    // An alarm without history (written by hand or by an older server): its raise and clear.
    push({ key: `${doc.id}#raised`, kind: 'alarm', at: timeOf(doc.raised_at), what: 'Alarm raised', title, ...(severity ? { severity } : {}), asset, source: doc.id, href });
    if (timeOf(doc.cleared_at) !== null) push({ key: `${doc.id}#cleared`, kind: 'alarm', at: timeOf(doc.cleared_at), what: 'Alarm cleared', title, asset, source: doc.id, href });
    return;
  }
  history.forEach((entry, index) => {
    const what = typeof entry.kind === 'string' ? alarmWords[entry.kind] : undefined;
    if (!what) return; // comments, shelving, service changes: the alarm's own page lists them
    const entrySeverity = text(entry.severity) ?? (entry.kind === 'raised' || entry.kind === 'reactivated' ? severity : undefined);
    const value = typeof entry.value === 'number' ? `value ${entry.value}` : undefined;
    push({
      key: `${doc.id}#${index}`,
      kind: 'alarm',
      at: timeOf(entry.at),
      what,
      title,
      ...(value ? { detail: value } : {}),
      ...(entrySeverity ? { severity: entrySeverity } : {}),
      ...(text(entry.by) ? { by: String(entry.by) } : {}),
      asset,
      source: doc.id,
      href,
    });
  });
}

function workOrderEntries(doc: TimelineDoc, asset: string, push: (entry: TimelineEntry) => void): void {
  const title = text(doc.title) ?? 'Work order';
  const href = hrefOf('work-orders', doc.id);
  const base = { title, asset, source: doc.id, href };
  const history = list(doc.history).map(record).filter((entry): entry is Fields => entry !== undefined);
  let created = false;
  history.forEach((entry, index) => {
    const key = `${doc.id}#${text(entry.id) ?? index}`;
    const by = text(entry.by);
    const at = timeOf(entry.at);
    const comment = text(entry.comment);
    const changes = record(entry.changes);
    const who = by ? { by } : {};
    const note = comment ? { detail: comment } : {};
    switch (entry.action) {
      case 'created':
        created = true;
        push({ key, kind: 'work_order', at, what: 'Work order created', ...base, ...who, ...note });
        return;
      case 'status': {
        const status = record(changes?.status);
        push({ key, kind: 'work_order', at, what: status ? `Status: ${statusInWords(status.from)} → ${statusInWords(status.to)}` : 'Status changed', ...base, ...who, ...note });
        return;
      }
      case 'verified':
        push({ key, kind: 'work_order', at, what: 'Work verified', ...base, ...who, ...note });
        return;
      case 'reopened':
        push({ key, kind: 'work_order', at, what: 'Work order reopened', ...base, ...who, ...note });
        return;
      case 'comment':
        push({ key, kind: 'work_order', at, what: 'Comment', ...base, ...who, ...note });
        return;
      case 'edited': {
        // Of plain edits only the assignment belongs on an asset's timeline; the rest is the work order's own history.
        const assignee = record(changes?.assignee);
        if (assignee) push({ key, kind: 'work_order', at, what: text(assignee.to) ? `Assigned to ${String(assignee.to)}` : 'Unassigned', ...base, ...who, ...note });
        return;
      }
      default:
        // checklist, photo, reading: told from the results, photos and reading documents themselves.
        return;
    }
  });
  if (!created) {
    // An old work order (no history): when it was created, else last changed, else undated.
    const at = timeOf(doc.created_at) ?? timeOf(doc.updated_at);
    push({ key: `${doc.id}#created`, kind: 'work_order', at, what: `Work order (${statusInWords(doc.status)})`, ...base, ...(text(doc.created_by) ?? text(doc.updated_by) ? { by: (text(doc.created_by) ?? text(doc.updated_by))! } : {}) });
  }
  if (history.length === 0 && doc.status === 'verified' && timeOf(doc.verified_at) !== null) {
    push({ key: `${doc.id}#verified`, kind: 'work_order', at: timeOf(doc.verified_at), what: 'Work verified', ...base, ...(text(doc.verified_by) ? { by: String(doc.verified_by) } : {}) });
  }
  const items = new Map<string, Fields>();
  for (const item of list(doc.checklist)) {
    const fields = record(item);
    if (fields && typeof fields.id === 'string') items.set(fields.id, fields);
  }
  const results = record(doc.results);
  if (results) {
    for (const [itemId, value] of Object.entries(results)) {
      const result = record(value);
      if (!result) continue;
      const item = items.get(itemId);
      const label = text(item?.label) ?? 'Checklist item';
      const detail = [shown(result.value, text(item?.unit)), text(result.note)].filter(Boolean).join(' — ');
      push({ key: `${doc.id}#result/${itemId}`, kind: 'inspection', at: timeOf(result.at), what: `Checklist: ${label}`, title, detail, ...(text(result.by) ? { by: String(result.by) } : {}), asset, source: doc.id, href });
    }
  }
  const photos = record(doc.photos);
  if (photos) {
    for (const [name, value] of Object.entries(photos)) {
      const photo = record(value) ?? {};
      const caption = text(photo.caption);
      push({ key: `${doc.id}#photo/${name}`, kind: 'inspection', at: timeOf(photo.taken_at), what: 'Photo taken', title, ...(caption ? { detail: caption } : {}), ...(text(photo.by) ? { by: String(photo.by) } : {}), asset, source: doc.id, href });
    }
  }
}

function readingEntry(doc: TimelineDoc, asset: string): TimelineEntry {
  const values = record(doc.values) ?? {};
  const units = record(doc.units) ?? {};
  const detail = Object.entries(values)
    .filter(([, value]) => typeof value === 'number')
    .map(([field, value]) => `${field} ${shown(value, text(units[field]))}`)
    .join(', ');
  const order = text(doc.work_order);
  return {
    key: doc.id,
    kind: 'inspection',
    at: timeOf(doc.at),
    what: 'Reading taken',
    title: order ? 'Reading for a work order' : 'Manual reading',
    ...(detail ? { detail } : {}),
    ...(text(doc.by) ? { by: String(doc.by) } : {}),
    asset,
    source: doc.id,
    href: order ? hrefOf('work-orders', order) : hrefOf('assets', asset),
  };
}

function predictionEntry(doc: TimelineDoc, asset: string): TimelineEntry {
  const rul = doc.rul ?? doc.remaining_useful_life;
  const summary = text(doc.summary) ?? text(doc.title) ?? text(doc.message);
  const detail = [rul === undefined ? undefined : `remaining useful life ${shown(rul, text(doc.rul_unit))}`, text(doc.component)].filter(Boolean).join(' · ');
  const order = text(doc.work_order);
  return {
    key: doc.id,
    kind: 'prediction',
    at: timeOf(doc.at) ?? timeOf(doc.created_at),
    what: 'Prediction',
    title: summary ?? (rul === undefined ? 'Prediction' : `Remaining useful life ${shown(rul, text(doc.rul_unit))}`),
    ...(detail && summary ? { detail } : {}),
    ...(text(doc.severity) ? { severity: String(doc.severity) } : {}),
    asset,
    source: doc.id,
    href: order ? hrefOf('work-orders', order) : hrefOf('assets', asset),
  };
}

function failureEntry(doc: TimelineDoc, asset: string): TimelineEntry {
  const component = text(doc.component);
  const mode = text(doc.mode);
  const order = text(doc.work_order);
  return {
    key: doc.id,
    kind: 'failure',
    at: timeOf(doc.at) ?? timeOf(doc.created_at),
    what: 'Failure',
    title: [component, mode].filter(Boolean).join(': ') || text(doc.title) || 'Failure recorded',
    ...(text(doc.notes) ?? text(doc.summary) ? { detail: (text(doc.notes) ?? text(doc.summary))! } : {}),
    ...(text(doc.by) ? { by: String(doc.by) } : {}),
    asset,
    source: doc.id,
    href: order ? hrefOf('work-orders', order) : hrefOf('assets', asset),
  };
}

/** Newest first; undated entries last; ties by key so the order never flickers between renders. */
function newestFirst(a: TimelineEntry, b: TimelineEntry): number {
  if (a.at !== b.at) {
    if (a.at === null) return 1;
    if (b.at === null) return -1;
    return b.at - a.at;
  }
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * The timeline of the assets in `assets` (an asset and its parts: `assetTree(...).descendants`)
 * from `docs` (alarms, work orders, readings, predictions, failures; other types and documents of
 * other assets are ignored): the newest `limit` entries and the count of older ones left out.
 */
export function assetTimeline(docs: Iterable<TimelineDoc>, assets: ReadonlySet<string>, limit: number = TIMELINE_LIMIT): Timeline {
  const entries: TimelineEntry[] = [];
  const push = (entry: TimelineEntry): void => {
    entries.push(entry);
  };
  for (const doc of docs) {
    const asset = typeof doc.asset === 'string' ? doc.asset : undefined;
    if (!asset || !assets.has(asset)) continue;
    switch (doc.type) {
      case 'alarm':
        alarmEntries(doc, asset, push);
        break;
      case 'work_order':
        workOrderEntries(doc, asset, push);
        break;
      case 'reading':
        entries.push(readingEntry(doc, asset));
        break;
      case 'prediction':
        entries.push(predictionEntry(doc, asset));
        break;
      case 'failure':
        entries.push(failureEntry(doc, asset));
        break;
      default:
        break;
    }
  }
  entries.sort(newestFirst);
  const shownCount = Math.max(0, Math.min(limit, entries.length));
  return { entries: entries.slice(0, shownCount), omitted: entries.length - shownCount };
}

/** The entries of the chosen kinds (all when none is chosen). */
export function filterTimeline(entries: readonly TimelineEntry[], kinds: ReadonlySet<TimelineKind>): TimelineEntry[] {
  return kinds.size === 0 ? [...entries] : entries.filter((entry) => kinds.has(entry.kind));
}
