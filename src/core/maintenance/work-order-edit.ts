/**
 * Every write to a work order goes through these pure functions: each takes the document as it is
 * and returns a NEW one (never mutating the argument) with ONE history entry appended — who, when,
 * what changed (only the fields that really changed, from → to) — and `updated_at/updated_by`
 * set. The caller gives the entry's id (crypto.randomUUID()), so two devices' entries merge as a
 * union by id. A refused change throws WorkOrderEditError with a message for the user, and the
 * result is always a valid work order (workOrderProblem), so nothing half-valid is ever stored.
 */
import {
  MAX_COMMENT,
  MAX_ID,
  MAX_WORK_ORDER_HISTORY,
  PHOTO_NAME,
  photoMetaProblem,
  workOrderProblem,
  workOrderStatusLabels,
  type ChecklistResult,
  type HistoryEntry,
  type PhotoMeta,
  type WorkOrder,
  type WorkOrderHistoryAction,
  type WorkOrderStatus,
} from '../model/work-order';
import { isoTimeProblem, textProblem } from '../model/checks';
import { mayEditWorkOrder, transitionOf, type Role } from './lifecycle';

/** Why an edit was refused: bad input (400), a status change that does not exist (409), not allowed for the role (403). */
export type WorkOrderEditErrorCode = 'invalid' | 'transition' | 'forbidden';

/** A refused edit; `message` is for the user, `status` is HTTP-like. */
export class WorkOrderEditError extends Error {
  readonly code: WorkOrderEditErrorCode;
  readonly status: number;
  constructor(code: WorkOrderEditErrorCode, message: string) {
    super(message);
    this.name = 'WorkOrderEditError';
    this.code = code;
    this.status = code === 'invalid' ? 400 : code === 'forbidden' ? 403 : 409;
  }
}

/** Who makes a change: user name, ISO time, the fresh id of the history entry, and the role (absent: treated as a technician, the least allowed). */
export interface Who {
  by: string;
  at: string;
  id: string;
  role?: Role;
}

/** Fields a person edits with editWorkOrder (status included: a status change goes through the lifecycle). */
export const editableWorkOrderFields = [
  'site',
  'asset',
  'title',
  'notes',
  'kind',
  'status',
  'priority',
  'due',
  'assignee',
  'estimated_hours',
  'actual_hours',
  'parts',
  'alarm',
  'prediction',
  'plan',
  'checklist',
] as const;
export type EditableWorkOrderField = (typeof editableWorkOrderFields)[number];

/** A change to a work order: a value sets the field, null removes it (optional fields), absent leaves it. */
export type WorkOrderPatch = { [K in EditableWorkOrderField]?: WorkOrder[K] | null };

/** What newWorkOrder takes: site and title at least; status follows from assignee. */
export type NewWorkOrderFields = Partial<Pick<WorkOrder, Exclude<EditableWorkOrderField, 'status'>>> & Pick<WorkOrder, 'site' | 'title'>;

const editable = new Set<string>(editableWorkOrderFields);
const required = new Set<string>(['site', 'title', 'status']);

// A history entry keeps small values whole and summarises big ones: a document of 1 000 entries
// must stay a document (notes of 100 000 characters edited 1 000 times would be 200 MB).
const MAX_HISTORY_STRING = 500;
const MAX_HISTORY_JSON = 1000;

/** The value a history entry records for a field's old or new value (absent → null). */
function historyValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'string') return value.length > MAX_HISTORY_STRING ? `${value.slice(0, MAX_HISTORY_STRING - 1)}…` : value;
  if (typeof value !== 'object' || value === null) return value;
  if (JSON.stringify(value).length <= MAX_HISTORY_JSON) return value;
  return Array.isArray(value) ? `(${value.length} entries)` : '(changed)';
}

/** Structural equality of JSON values (key order ignored). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((value, index) => sameJson(value, other[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left).filter((key) => left[key] !== undefined);
  const otherKeys = Object.keys(right).filter((key) => right[key] !== undefined);
  return keys.length === otherKeys.length && keys.every((key) => Object.prototype.hasOwnProperty.call(right, key) && sameJson(left[key], right[key]));
}

function statusLabel(status: string): string {
  return Object.prototype.hasOwnProperty.call(workOrderStatusLabels, status) ? workOrderStatusLabels[status as WorkOrderStatus] : JSON.stringify(status.slice(0, 40));
}

function checkWho(who: Who): void {
  const problem = textProblem('who.by', who.by, MAX_ID) ?? isoTimeProblem('who.at', who.at) ?? textProblem('who.id', who.id, 200);
  if (problem) throw new WorkOrderEditError('invalid', problem);
}

function checkMayEdit(doc: WorkOrder, who: Who): void {
  if (!mayEditWorkOrder(doc.status, who.role ?? 'technician')) throw new WorkOrderEditError('forbidden', 'This work order is verified: only an engineer or admin can change it (or reopen it).');
}

function commentOf(comment: string | undefined): string | undefined {
  if (comment === undefined) return undefined;
  const text = comment.trim();
  if (text.length > MAX_COMMENT) throw new WorkOrderEditError('invalid', `A comment has at most ${MAX_COMMENT} characters (this one has ${text.length}).`);
  return text === '' ? undefined : text;
}

/** Appends `entry`, keeping the newest MAX_WORK_ORDER_HISTORY (the dropped are counted), sets updated_*, and checks the result. */
function finish(next: WorkOrder, entry: HistoryEntry): WorkOrder {
  const history = [...(next.history ?? []), entry];
  const drop = history.length - MAX_WORK_ORDER_HISTORY;
  const out: WorkOrder = { ...next, history: drop > 0 ? history.slice(drop) : history, updated_at: entry.at, updated_by: entry.by };
  if (drop > 0) out.history_dropped = (next.history_dropped ?? 0) + drop;
  const problem = workOrderProblem(out);
  if (problem) throw new WorkOrderEditError('invalid', problem);
  return out;
}

function entryOf(who: Who, action: WorkOrderHistoryAction, changes?: HistoryEntry['changes'], comment?: string): HistoryEntry {
  const entry: HistoryEntry = { id: who.id, at: who.at, by: who.by, action };
  if (changes && Object.keys(changes).length > 0) entry.changes = changes;
  if (comment !== undefined) entry.comment = comment;
  return entry;
}

/**
 * A new work order from `fields`: status 'open', or 'assigned' when it names an assignee; notes
 * '' when not given; created_* and updated_* from `who`; one `created` entry. Fields given as
 * undefined are left out. Throws WorkOrderEditError naming the field of an invalid one.
 */
export function newWorkOrder(fields: NewWorkOrderFields, who: Who): WorkOrder {
  checkWho(who);
  const doc: Record<string, unknown> = { type: 'work_order', notes: '' };
  for (const [key, value] of Object.entries(fields)) {
    if (!editable.has(key) || key === 'status') throw new WorkOrderEditError('invalid', `${key} is not a field a new work order takes`);
    if (value !== undefined && value !== null) doc[key] = value;
  }
  doc.status = doc.assignee ? 'assigned' : 'open';
  doc.created_at = who.at;
  doc.created_by = who.by;
  doc.history = [];
  return finish(doc as unknown as WorkOrder, entryOf(who, 'created'));
}

/**
 * `doc` with `patch` applied (null removes an optional field). The history entry lists only the
 * fields whose value really changed (from → to; long values summarised). A status change goes
 * through the lifecycle: one canTransition refuses throws (409 no such change, 403 not for this
 * role), a reopen needs `comment`, Assign needs an assignee; done sets completed_at, verified sets
 * verified_at/verified_by, a reopen clears them. The entry's action is `status`, `verified` or
 * `reopened` for a status change, else `edited` (`comment` when only a comment is given).
 * A patch that changes nothing, without a comment, returns `doc` itself (no entry).
 */
export function editWorkOrder(doc: WorkOrder, patch: WorkOrderPatch, who: Who, options: { comment?: string } = {}): WorkOrder {
  checkWho(who);
  checkMayEdit(doc, who);
  const role = who.role ?? 'technician';
  const comment = commentOf(options.comment);
  const next = { ...doc } as Record<string, unknown>;
  const changes: Record<string, { from: unknown; to: unknown }> = Object.create(null) as Record<string, { from: unknown; to: unknown }>;
  for (const [key, value] of Object.entries(patch)) {
    if (!editable.has(key)) throw new WorkOrderEditError('invalid', `${key} is not a field a person edits`);
    if (value === undefined) continue;
    if (value === null && required.has(key)) throw new WorkOrderEditError('invalid', `${key} cannot be removed`);
    const before = next[key];
    if (value === null) Reflect.deleteProperty(next, key);
    else next[key] = value;
    if (!sameJson(before, value === null ? undefined : value)) changes[key] = { from: historyValue(before), to: historyValue(value) };
  }
  let action: WorkOrderHistoryAction = 'edited';
  const to = next.status as WorkOrderStatus;
  if (to !== doc.status) {
    const transition = transitionOf(doc.status, to);
    const names = `${statusLabel(doc.status)} to ${statusLabel(to)}`;
    if (!transition) throw new WorkOrderEditError('transition', `A work order does not go from ${names}.`);
    if (!transition.roles.includes(role)) throw new WorkOrderEditError('forbidden', `Only an engineer or admin can change a work order from ${names}.`);
    if (transition.reopen && comment === undefined) throw new WorkOrderEditError('invalid', 'Say why you reopen this work order (a comment is required).');
    if (transition.needsAssignee && !next.assignee) throw new WorkOrderEditError('invalid', 'Choose who the work order is assigned to.');
    if (to === 'done') next.completed_at = who.at;
    if (to === 'verified') {
      next.verified_at = who.at;
      next.verified_by = who.by;
    }
    if (transition.reopen) {
      delete next.completed_at;
      delete next.verified_at;
      delete next.verified_by;
    }
    action = to === 'verified' ? 'verified' : transition.reopen ? 'reopened' : 'status';
  }
  if (Object.keys(changes).length === 0) {
    if (comment === undefined) return doc;
    action = 'comment';
  }
  return finish(next as unknown as WorkOrder, entryOf(who, action, { ...changes }, comment));
}

/**
 * `doc` with the answer to checklist item `itemId` recorded as `results[itemId]` (by and at from
 * `who`; `reading` is the 'reading/<uuid>' written for a value item). The value must fit the
 * item: 'pass' | 'fail', a finite number, or a text. The `checklist` entry's changes are keyed by
 * the item id: { [itemId]: { from: previous value or null, to: value } }. Recording the same
 * answer again (same value, reading and note) returns `doc` itself.
 */
export function recordResult(doc: WorkOrder, itemId: string, value: ChecklistResult['value'], who: Who, options: { reading?: string; note?: string } = {}): WorkOrder {
  checkWho(who);
  checkMayEdit(doc, who);
  const item = doc.checklist?.find((candidate) => candidate.id === itemId);
  if (!item) throw new WorkOrderEditError('invalid', `This work order has no checklist item ${JSON.stringify(itemId)}.`);
  if (item.kind === 'pass_fail' && value !== 'pass' && value !== 'fail') throw new WorkOrderEditError('invalid', `"${item.label}" is answered pass or fail.`);
  if (item.kind === 'value' && (typeof value !== 'number' || !Number.isFinite(value))) throw new WorkOrderEditError('invalid', `"${item.label}" needs a number${item.unit ? ` in ${item.unit}` : ''}.`);
  if (item.kind === 'text' && (typeof value !== 'string' || value.trim() === '')) throw new WorkOrderEditError('invalid', `"${item.label}" needs a text answer.`);
  const note = commentOf(options.note);
  const previous = doc.results?.[itemId];
  if (previous && previous.value === value && previous.reading === options.reading && previous.note === note) return doc;
  const result: ChecklistResult = { value, at: who.at, by: who.by };
  if (options.reading !== undefined) result.reading = options.reading;
  if (note !== undefined) result.note = note;
  // Item ids are input: a null-prototype map keeps an id like "__proto__" an ordinary key.
  const results = Object.assign(Object.create(null) as Record<string, ChecklistResult>, doc.results);
  results[itemId] = result;
  const changes = Object.create(null) as Record<string, { from: unknown; to: unknown }>;
  changes[itemId] = { from: historyValue(previous?.value), to: historyValue(value) };
  return finish({ ...doc, results }, entryOf(who, 'checklist', changes));
}

/**
 * `doc` with photo `name` ('photo/<uuid>.jpg', the attachment's name) described by `meta`; the
 * `photo` entry's changes are { photos: { from: null, to: name } } and its comment the caption.
 * Throws for a name already used (photos are never replaced by name: each gets a fresh uuid).
 */
export function addPhoto(doc: WorkOrder, name: string, meta: PhotoMeta, who: Who): WorkOrder {
  checkWho(who);
  checkMayEdit(doc, who);
  if (!PHOTO_NAME.test(name)) throw new WorkOrderEditError('invalid', `A photo's name is photo/<id>.jpg (got ${JSON.stringify(name.slice(0, 120))}).`);
  if (doc.photos && Object.prototype.hasOwnProperty.call(doc.photos, name)) throw new WorkOrderEditError('invalid', `This work order already has a photo ${name}.`);
  const problem = photoMetaProblem(meta, 'photo');
  if (problem) throw new WorkOrderEditError('invalid', problem);
  const photos = Object.assign(Object.create(null) as Record<string, PhotoMeta>, doc.photos);
  photos[name] = { ...meta };
  const caption = meta.caption?.trim() ? meta.caption.trim() : undefined;
  return finish({ ...doc, photos }, entryOf(who, 'photo', { photos: { from: null, to: name } }, caption));
}

/** `doc` with a `comment` entry; throws for an empty or too long text. */
export function addComment(doc: WorkOrder, text: string, who: Who): WorkOrder {
  checkWho(who);
  checkMayEdit(doc, who);
  const comment = commentOf(text);
  if (comment === undefined) throw new WorkOrderEditError('invalid', 'Write a comment first.');
  return finish({ ...doc }, entryOf(who, 'comment', undefined, comment));
}
