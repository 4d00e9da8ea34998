/**
 * Maintenance work orders (`work_order/<uuid>`; plan-generated `work_order/plan/…`): written on
 * tablets, offline too, synced and merged field by field. Every write goes through the pure edit
 * functions of core/maintenance, which keep the history; this file says what a valid document is.
 * Documents of the first version (status open / in_progress / done, no history) stay valid.
 */
import { type ChecklistItem, MAX_CHECKLIST_ITEMS, MAX_ITEM_ID, checklistItemSchema, checklistProblem } from './checklist';
import {
  MAX_LONG_TEXT,
  MAX_TEXT,
  dateProblem,
  firstProblem,
  integerProblem,
  isObject,
  isoTimeProblem,
  numberProblem,
  optionalTextProblem,
  textProblem,
} from './checks';

/** Where a work order stands, in lifecycle order (the order of the Status choices and filters). */
export const workOrderStatuses = ['open', 'assigned', 'in_progress', 'on_hold', 'done', 'verified'] as const;
export type WorkOrderStatus = (typeof workOrderStatuses)[number];

/** Priorities, ascending; absent means 'medium'. */
export const workOrderPriorities = ['low', 'medium', 'high', 'urgent'] as const;
export type WorkOrderPriority = (typeof workOrderPriorities)[number];

/** Kinds of work; absent means 'corrective'. */
export const workOrderKinds = ['corrective', 'preventive', 'inspection'] as const;
export type WorkOrderKind = (typeof workOrderKinds)[number];

/** What a history entry records. */
export const workOrderHistoryActions = ['created', 'edited', 'status', 'comment', 'checklist', 'photo', 'reading', 'verified', 'reopened'] as const;
export type WorkOrderHistoryAction = (typeof workOrderHistoryActions)[number];

/** Words the UI shows for each status. */
export const workOrderStatusLabels: Readonly<Record<WorkOrderStatus, string>> = {
  open: 'Open',
  assigned: 'Assigned',
  in_progress: 'In progress',
  on_hold: 'On hold',
  done: 'Done',
  verified: 'Verified',
};

/** Words the UI shows for each priority. */
export const workOrderPriorityLabels: Readonly<Record<WorkOrderPriority, string>> = { low: 'Low', medium: 'Medium', high: 'High', urgent: 'Urgent' };

/** Words the UI shows for each kind. */
export const workOrderKindLabels: Readonly<Record<WorkOrderKind, string>> = { corrective: 'Corrective', preventive: 'Preventive', inspection: 'Inspection' };

/** Words the UI shows for each history action. */
export const workOrderHistoryLabels: Readonly<Record<WorkOrderHistoryAction, string>> = {
  created: 'Created',
  edited: 'Edited',
  status: 'Status changed',
  comment: 'Comment',
  checklist: 'Checklist result',
  photo: 'Photo added',
  reading: 'Reading taken',
  verified: 'Verified',
  reopened: 'Reopened',
};

/** The most parts one work order lists. */
export const MAX_PARTS = 200;
/** The most history entries kept (older ones are dropped and counted in `history_dropped`). */
export const MAX_WORK_ORDER_HISTORY = 1000;
/** The most photos on one work order (each ≤ 400 KB: 100 MB at most). */
export const MAX_PHOTOS = 250;
/** Estimated and actual hours are within [0, MAX_HOURS]. */
export const MAX_HOURS = 10_000;
/** Largest quantity of one part. */
export const MAX_PART_QUANTITY = 1_000_000;
/** Longest comment, text result or result note. */
export const MAX_COMMENT = 10_000;
/** Longest id-like field (site, asset, assignee, user names, links). */
export const MAX_ID = 1000;
/** The most changed fields one history entry lists, and the size of their JSON. */
export const MAX_CHANGES = 64;
export const MAX_CHANGES_JSON = 50_000;
/** Largest photo dimension and attachment size the metadata may claim. */
export const MAX_PHOTO_PIXELS = 20_000;
export const MAX_PHOTO_BYTES = 20 * 1024 * 1024;

/** A part used on the job. */
export interface WorkOrderPart {
  id: string;
  name: string;
  quantity: number;
  part_number?: string;
}

/** The answer to one checklist item. */
export interface ChecklistResult {
  value: 'pass' | 'fail' | number | string;
  /** ISO time it was recorded. */
  at: string;
  by: string;
  /** 'reading/<uuid>': the manual reading written for a value item. */
  reading?: string;
  note?: string;
}

/** Metadata of one photo attachment (`photo/<uuid>.jpg`, image/jpeg). */
export interface PhotoMeta {
  taken_at: string;
  by: string;
  width: number;
  height: number;
  bytes: number;
  /** The checklist item it documents. */
  item?: string;
  caption?: string;
}

/** One change to a work order: who, when, what. */
export interface HistoryEntry {
  /** Unique (crypto.randomUUID()): merges take the union of both sides' entries by id. */
  id: string;
  at: string;
  by: string;
  action: WorkOrderHistoryAction;
  /** Only the fields that really changed. */
  changes?: Record<string, { from: unknown; to: unknown }>;
  comment?: string;
}

/** A maintenance work order as stored: one document of `type: 'work_order'`. */
export interface WorkOrder {
  type: 'work_order';
  site: string;
  asset?: string;
  title: string;
  /** May be ''. */
  notes: string;
  kind?: WorkOrderKind;
  status: WorkOrderStatus;
  priority?: WorkOrderPriority;
  /** 'YYYY-MM-DD'. */
  due?: string;
  /** A user name. */
  assignee?: string;
  estimated_hours?: number;
  actual_hours?: number;
  parts?: WorkOrderPart[];
  /** The alarm this work order was created from (`alarm/…`); the alarm lists it in `work_orders`. */
  alarm?: string;
  /** The prediction document that caused it. */
  prediction?: string;
  /** The preventive plan and occurrence that generated it. */
  plan?: { id: string; occurrence: number };
  checklist?: ChecklistItem[];
  /** By ChecklistItem.id (a result may arrive by merge before its item does). */
  results?: Record<string, ChecklistResult>;
  /** By attachment name 'photo/<uuid>.jpg'. */
  photos?: Record<string, PhotoMeta>;
  history?: HistoryEntry[];
  /** How many of the oldest history entries were dropped to keep MAX_WORK_ORDER_HISTORY. */
  history_dropped?: number;
  created_at?: string;
  created_by?: string;
  updated_at?: string;
  updated_by?: string;
  completed_at?: string;
  verified_at?: string;
  verified_by?: string;
}

/** Attachment names of photos: `photo/<uuid or other safe name>.jpg`. */
export const PHOTO_NAME = /^photo\/[A-Za-z0-9_-]{1,100}\.jpg$/;

const isoTime = { type: 'string', maxLength: 40 } as const;
const user = { type: 'string', minLength: 1, maxLength: MAX_ID } as const;

/** JSON Schema of a work order (other keys allowed; workOrderProblem checks what a schema cannot: unique ids, calendar dates). */
export const workOrderSchema = {
  type: 'object',
  required: ['type', 'site', 'title', 'status'],
  properties: {
    type: { const: 'work_order' },
    site: { type: 'string', minLength: 1, maxLength: MAX_ID },
    asset: { type: 'string', minLength: 1, maxLength: MAX_ID },
    title: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
    notes: { type: 'string', maxLength: MAX_LONG_TEXT },
    kind: { type: 'string', enum: workOrderKinds },
    status: { type: 'string', enum: workOrderStatuses },
    priority: { type: 'string', enum: workOrderPriorities },
    due: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    assignee: user,
    estimated_hours: { type: 'number', minimum: 0, maximum: MAX_HOURS },
    actual_hours: { type: 'number', minimum: 0, maximum: MAX_HOURS },
    parts: {
      type: 'array',
      maxItems: MAX_PARTS,
      items: {
        type: 'object',
        required: ['id', 'name', 'quantity'],
        properties: {
          id: { type: 'string', minLength: 1, maxLength: MAX_ITEM_ID },
          name: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
          quantity: { type: 'number', exclusiveMinimum: 0, maximum: MAX_PART_QUANTITY },
          part_number: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
        },
      },
    },
    alarm: { type: 'string', pattern: '^alarm/.+', maxLength: MAX_ID },
    prediction: { type: 'string', minLength: 1, maxLength: MAX_ID },
    plan: {
      type: 'object',
      required: ['id', 'occurrence'],
      properties: { id: { type: 'string', pattern: '^maintenance_plan/.+', maxLength: MAX_ID }, occurrence: { type: 'integer', minimum: 0 } },
    },
    checklist: { type: 'array', maxItems: MAX_CHECKLIST_ITEMS, items: checklistItemSchema },
    results: {
      type: 'object',
      maxProperties: MAX_CHECKLIST_ITEMS,
      additionalProperties: {
        type: 'object',
        required: ['value', 'at', 'by'],
        properties: {
          value: { anyOf: [{ type: 'number' }, { type: 'string', maxLength: MAX_COMMENT }] },
          at: isoTime,
          by: user,
          reading: { type: 'string', pattern: '^reading/.+', maxLength: MAX_ID },
          note: { type: 'string', maxLength: MAX_COMMENT },
        },
      },
    },
    photos: {
      type: 'object',
      maxProperties: MAX_PHOTOS,
      propertyNames: { pattern: PHOTO_NAME.source },
      additionalProperties: {
        type: 'object',
        required: ['taken_at', 'by', 'width', 'height', 'bytes'],
        properties: {
          taken_at: isoTime,
          by: user,
          width: { type: 'integer', minimum: 1, maximum: MAX_PHOTO_PIXELS },
          height: { type: 'integer', minimum: 1, maximum: MAX_PHOTO_PIXELS },
          bytes: { type: 'integer', minimum: 1, maximum: MAX_PHOTO_BYTES },
          item: { type: 'string', minLength: 1, maxLength: MAX_ITEM_ID },
          caption: { type: 'string', maxLength: MAX_TEXT },
        },
      },
    },
    history: {
      type: 'array',
      maxItems: MAX_WORK_ORDER_HISTORY,
      items: {
        type: 'object',
        required: ['id', 'at', 'by', 'action'],
        properties: {
          id: { type: 'string', minLength: 1, maxLength: MAX_ITEM_ID },
          at: isoTime,
          by: user,
          action: { type: 'string', enum: workOrderHistoryActions },
          changes: { type: 'object', maxProperties: MAX_CHANGES },
          comment: { type: 'string', maxLength: MAX_COMMENT },
        },
      },
    },
    history_dropped: { type: 'integer', minimum: 0 },
    created_at: isoTime,
    created_by: user,
    updated_at: isoTime,
    updated_by: user,
    completed_at: isoTime,
    verified_at: isoTime,
    verified_by: user,
  },
} as const;

/** Whether `value` is a work order status. */
export function isWorkOrderStatus(value: unknown): value is WorkOrderStatus {
  return workOrderStatuses.includes(value as WorkOrderStatus);
}

/** Whether `value` is a work order priority. */
export function isWorkOrderPriority(value: unknown): value is WorkOrderPriority {
  return workOrderPriorities.includes(value as WorkOrderPriority);
}

/** Whether `value` is a work order kind. */
export function isWorkOrderKind(value: unknown): value is WorkOrderKind {
  return workOrderKinds.includes(value as WorkOrderKind);
}

/** A work order's priority, 'medium' when absent. */
export function workOrderPriority(doc: Pick<WorkOrder, 'priority'>): WorkOrderPriority {
  return doc.priority ?? 'medium';
}

/** A work order's kind, 'corrective' when absent. */
export function workOrderKind(doc: Pick<WorkOrder, 'kind'>): WorkOrderKind {
  return doc.kind ?? 'corrective';
}

/** Why `value` is not an id with `prefix` and something after it (absent is fine). */
function linkProblem(name: string, value: unknown, prefix: string, what: string): string | undefined {
  if (value === undefined) return undefined;
  return textProblem(name, value, MAX_ID) ?? ((value as string).startsWith(prefix) && (value as string).length > prefix.length ? undefined : `${name} must be the id of ${what} ("${prefix}…")`);
}

const optionalIso = (name: string, value: unknown) => (value === undefined ? undefined : isoTimeProblem(name, value));
const optionalHours = (name: string, value: unknown) => (value === undefined ? undefined : numberProblem(name, value, 0, MAX_HOURS));

function partsProblem(parts: unknown): string | undefined {
  if (parts === undefined) return undefined;
  if (!Array.isArray(parts)) return 'parts must be an array of {id, name, quantity}';
  if (parts.length > MAX_PARTS) return `parts must have at most ${MAX_PARTS} entries (it has ${parts.length})`;
  const seen = new Set<string>();
  for (let index = 0; index < parts.length; index++) {
    const part: unknown = parts[index];
    const name = `parts[${index}]`;
    if (!isObject(part)) return `${name} must be an object {id, name, quantity}`;
    const problem = firstProblem(
      textProblem(`${name}.id`, part.id, MAX_ITEM_ID),
      textProblem(`${name}.name`, part.name),
      numberProblem(`${name}.quantity`, part.quantity, 0, MAX_PART_QUANTITY) ?? (part.quantity === 0 ? `${name}.quantity must be above 0` : undefined),
      optionalTextProblem(`${name}.part_number`, part.part_number),
    );
    if (problem) return problem;
    if (seen.has(part.id as string)) return `${name}.id ${JSON.stringify(part.id)} is used twice`;
    seen.add(part.id as string);
  }
  return undefined;
}

function planProblem(plan: unknown): string | undefined {
  if (plan === undefined) return undefined;
  if (!isObject(plan)) return 'plan must be an object {id, occurrence}';
  return linkProblem('plan.id', plan.id, 'maintenance_plan/', 'a maintenance plan') ?? (plan.id === undefined ? 'plan.id must be a string' : undefined) ?? integerProblem('plan.occurrence', plan.occurrence, 0, Number.MAX_SAFE_INTEGER);
}

/** Why `value` is not one checklist result; `name` is `results["<item id>"]`. */
export function checklistResultProblem(value: unknown, name = 'result'): string | undefined {
  if (!isObject(value)) return `${name} must be an object {value, at, by}`;
  const answer = value.value;
  const valueProblem =
    typeof answer === 'number'
      ? numberProblem(`${name}.value`, answer)
      : typeof answer === 'string'
        ? answer.length > MAX_COMMENT
          ? `${name}.value must have at most ${MAX_COMMENT} characters`
          : undefined
        : `${name}.value must be 'pass', 'fail', a number or a text`;
  return firstProblem(
    valueProblem,
    isoTimeProblem(`${name}.at`, value.at),
    textProblem(`${name}.by`, value.by, MAX_ID),
    linkProblem(`${name}.reading`, value.reading, 'reading/', 'a reading'),
    value.note === undefined || (typeof value.note === 'string' && value.note.length <= MAX_COMMENT) ? undefined : `${name}.note must be a string of at most ${MAX_COMMENT} characters`,
  );
}

function resultsProblem(results: unknown): string | undefined {
  if (results === undefined) return undefined;
  if (!isObject(results)) return 'results must be an object keyed by checklist item id';
  const keys = Object.keys(results);
  if (keys.length > MAX_CHECKLIST_ITEMS) return `results must have at most ${MAX_CHECKLIST_ITEMS} entries (it has ${keys.length})`;
  for (const key of keys) {
    const name = `results[${JSON.stringify(key.slice(0, 100))}]`;
    const problem = (key.length > MAX_ITEM_ID ? `${name}: an item id has at most ${MAX_ITEM_ID} characters` : undefined) ?? checklistResultProblem(results[key], name);
    if (problem) return problem;
  }
  return undefined;
}

/** Why `meta` is not a photo's metadata; `name` says which. */
export function photoMetaProblem(meta: unknown, name = 'photo'): string | undefined {
  if (!isObject(meta)) return `${name} must be an object {taken_at, by, width, height, bytes}`;
  return firstProblem(
    isoTimeProblem(`${name}.taken_at`, meta.taken_at),
    textProblem(`${name}.by`, meta.by, MAX_ID),
    integerProblem(`${name}.width`, meta.width, 1, MAX_PHOTO_PIXELS),
    integerProblem(`${name}.height`, meta.height, 1, MAX_PHOTO_PIXELS),
    integerProblem(`${name}.bytes`, meta.bytes, 1, MAX_PHOTO_BYTES),
    optionalTextProblem(`${name}.item`, meta.item, MAX_ITEM_ID),
    meta.caption === undefined || (typeof meta.caption === 'string' && meta.caption.length <= MAX_TEXT) ? undefined : `${name}.caption must be a string of at most ${MAX_TEXT} characters`,
  );
}

function photosProblem(photos: unknown): string | undefined {
  if (photos === undefined) return undefined;
  if (!isObject(photos)) return 'photos must be an object keyed by attachment name';
  const keys = Object.keys(photos);
  if (keys.length > MAX_PHOTOS) return `photos must have at most ${MAX_PHOTOS} entries (it has ${keys.length})`;
  for (const key of keys) {
    const name = `photos[${JSON.stringify(key.slice(0, 120))}]`;
    if (!PHOTO_NAME.test(key)) return `${name}: a photo's name is photo/<id>.jpg`;
    const problem = photoMetaProblem(photos[key], name);
    if (problem) return problem;
  }
  return undefined;
}

function historyEntryProblem(entry: unknown, name: string): string | undefined {
  if (!isObject(entry)) return `${name} must be an object {id, at, by, action}`;
  const problem = firstProblem(
    textProblem(`${name}.id`, entry.id, MAX_ITEM_ID),
    isoTimeProblem(`${name}.at`, entry.at),
    textProblem(`${name}.by`, entry.by, MAX_ID),
    workOrderHistoryActions.includes(entry.action as WorkOrderHistoryAction) ? undefined : `${name}.action must be one of ${workOrderHistoryActions.join(', ')}`,
    entry.comment === undefined || (typeof entry.comment === 'string' && entry.comment.length <= MAX_COMMENT) ? undefined : `${name}.comment must be a string of at most ${MAX_COMMENT} characters`,
  );
  if (problem) return problem;
  if (entry.changes === undefined) return undefined;
  if (!isObject(entry.changes)) return `${name}.changes must be an object {field: {from, to}}`;
  const fields = Object.keys(entry.changes);
  if (fields.length > MAX_CHANGES) return `${name}.changes must list at most ${MAX_CHANGES} fields`;
  for (const field of fields) {
    const change = entry.changes[field];
    if (!isObject(change) || !('from' in change) || !('to' in change)) return `${name}.changes.${field.slice(0, 100)} must be {from, to}`;
  }
  // The values are any JSON; their size is what bounds a document of 1 000 entries.
  const size = JSON.stringify(entry.changes).length;
  if (size > MAX_CHANGES_JSON) return `${name}.changes must be at most ${MAX_CHANGES_JSON} characters of JSON (it has ${size})`;
  return undefined;
}

function historyProblem(history: unknown): string | undefined {
  if (history === undefined) return undefined;
  if (!Array.isArray(history)) return 'history must be an array of entries';
  if (history.length > MAX_WORK_ORDER_HISTORY) return `history must have at most ${MAX_WORK_ORDER_HISTORY} entries (it has ${history.length}; drop the oldest and count them in history_dropped)`;
  const seen = new Set<string>();
  for (let index = 0; index < history.length; index++) {
    const entry: unknown = history[index];
    const problem = historyEntryProblem(entry, `history[${index}]`);
    if (problem) return problem;
    const id = (entry as HistoryEntry).id;
    if (seen.has(id)) return `history[${index}].id ${JSON.stringify(id)} is used twice`;
    seen.add(id);
  }
  return undefined;
}

/** Why `doc` is not a work order (undefined: it is); the message names the field. */
export function workOrderProblem(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'a work order must be an object';
  if (doc.type !== 'work_order') return 'a work order has type "work_order"';
  return firstProblem(
    textProblem('site', doc.site, MAX_ID),
    optionalTextProblem('asset', doc.asset, MAX_ID),
    textProblem('title', doc.title),
    doc.notes === undefined || (typeof doc.notes === 'string' && doc.notes.length <= MAX_LONG_TEXT) ? undefined : `notes must be a string of at most ${MAX_LONG_TEXT} characters`,
    doc.kind === undefined || isWorkOrderKind(doc.kind) ? undefined : `kind must be one of ${workOrderKinds.join(', ')}`,
    isWorkOrderStatus(doc.status) ? undefined : `status must be one of ${workOrderStatuses.join(', ')}`,
    doc.priority === undefined || isWorkOrderPriority(doc.priority) ? undefined : `priority must be one of ${workOrderPriorities.join(', ')}`,
    doc.due === undefined ? undefined : dateProblem('due', doc.due),
    optionalTextProblem('assignee', doc.assignee, MAX_ID),
    optionalHours('estimated_hours', doc.estimated_hours),
    optionalHours('actual_hours', doc.actual_hours),
    partsProblem(doc.parts),
    linkProblem('alarm', doc.alarm, 'alarm/', 'an alarm'),
    optionalTextProblem('prediction', doc.prediction, MAX_ID),
    planProblem(doc.plan),
    doc.checklist === undefined ? undefined : checklistProblem(doc.checklist),
    resultsProblem(doc.results),
    photosProblem(doc.photos),
    historyProblem(doc.history),
    doc.history_dropped === undefined ? undefined : integerProblem('history_dropped', doc.history_dropped, 0, Number.MAX_SAFE_INTEGER),
    optionalIso('created_at', doc.created_at),
    optionalTextProblem('created_by', doc.created_by, MAX_ID),
    optionalIso('updated_at', doc.updated_at),
    optionalTextProblem('updated_by', doc.updated_by, MAX_ID),
    optionalIso('completed_at', doc.completed_at),
    optionalIso('verified_at', doc.verified_at),
    optionalTextProblem('verified_by', doc.verified_by, MAX_ID),
  );
}
