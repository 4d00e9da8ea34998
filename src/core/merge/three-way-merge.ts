/**
 * Three-way merge of one JSON document: `base` is the version both sides had at the last sync,
 * `local` and `remote` what each made of it since. A field changed on one side only takes that
 * side's value; a field changed on both to different values is a conflict: the merged document
 * takes the remote's (the server's) value, the `alternative` the local one, so the two differ in
 * exactly the conflicting fields. Pure and isomorphic: the replication runs it on the device, tests
 * run it anywhere.
 *
 * How each top-level field merges is the policy's `fields` rule (absent: 'value'):
 *   value    the whole value compared deep-equal (key order ignored)
 *   history  an array of entries with `id`: entries added on either side are kept, entries one side
 *            dropped (bounding) stay dropped; ordered by `at` then `id`; at most `history_limit`
 *            (the oldest go, counted in `history_dropped`)
 *   by_key   an object: each key merged as 'value' (conflict path `field.key`)
 *   by_id    an array of objects with `id`: each id merged as 'value' (conflict path `field.id`);
 *            the remote's order, with the local's additions after their local predecessor
 *   later    taken from the side whose `updated_at` is later (a stamp, never a conflict)
 *   max      the larger number (counters that only grow, e.g. `history_dropped`)
 * A field whose values do not have the shape its rule expects merges as 'value'.
 */
import type { Json, JsonObject } from '../query';

export type MergeRule = 'value' | 'history' | 'by_key' | 'by_id' | 'later' | 'max';

export interface MergePolicy {
  /** Top-level field → rule; fields not named merge as 'value'. */
  fields: Readonly<Record<string, MergeRule>>;
  /** Most `history` entries kept (default 1 000). */
  history_limit?: number;
}

export interface MergeResult {
  /** The merge; on conflicting fields the remote's values. */
  doc: JsonObject;
  /** Paths of the conflicting fields (`priority`, `results.<item>`, `parts.<id>`), sorted. */
  conflicts: string[];
  /** The same merge with the local's values on the conflicting fields (equal to `doc` without conflicts). */
  alternative: JsonObject;
}

const DEFAULT_HISTORY_LIMIT = 1000;

/** Deep equality of JSON values, object key order ignored. */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => jsonEqual(item, b[index]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && jsonEqual(a[key], b[key]));
}

interface Pick {
  /** The merged value (undefined: the field is absent). */
  value: Json | undefined;
  /** The local's value where the two sides conflict. */
  local?: Json | undefined;
  conflict: boolean;
}

/** The three-way decision of one value. */
function pickValue(base: Json | undefined, local: Json | undefined, remote: Json | undefined): Pick {
  if (jsonEqual(local, remote)) return { value: remote, conflict: false };
  if (jsonEqual(local, base)) return { value: remote, conflict: false };
  if (jsonEqual(remote, base)) return { value: local, conflict: false };
  return { value: remote, local, conflict: true };
}

/** An object for keys that come from input (item ids, field names): "__proto__" stays a key. */
function keyed(): JsonObject {
  return Object.create(null) as JsonObject;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Identified = JsonObject & { id: string };

function isIdentifiedArray(value: Json | undefined): value is Identified[] {
  return Array.isArray(value) && value.every((item) => isObject(item) && typeof item.id === 'string');
}

/** Entries by id (the first of a repeated id wins, as it does for the user). */
function byId(items: readonly Identified[]): Map<string, Identified> {
  const map = new Map<string, Identified>();
  for (const item of items) if (!map.has(item.id)) map.set(item.id, item);
  return map;
}

/** A field merged, with both sides' results where they conflict inside it. */
interface FieldMerge {
  doc: Json | undefined;
  alternative: Json | undefined;
  conflicts: string[];
}

function mergeValue(field: string, base: Json | undefined, local: Json | undefined, remote: Json | undefined): FieldMerge {
  const pick = pickValue(base, local, remote);
  return { doc: pick.value, alternative: pick.conflict ? pick.local : pick.value, conflicts: pick.conflict ? [field] : [] };
}

function entryOrder(a: Identified, b: Identified): number {
  const at = String(a.at ?? '');
  const other = String(b.at ?? '');
  if (at !== other) return at < other ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** History: the union of what either side added, minus what either dropped; bounded. */
function mergeHistory(base: Identified[], local: Identified[], remote: Identified[], limit: number): { entries: Identified[]; dropped: number } {
  const before = byId(base);
  const here = byId(local);
  const there = byId(remote);
  const merged = new Map<string, Identified>();
  for (const [id, entry] of there) if (!before.has(id) || here.has(id)) merged.set(id, entry);
  for (const [id, entry] of here) if (!merged.has(id) && (!before.has(id) || there.has(id))) merged.set(id, entry);
  const entries = [...merged.values()].sort(entryOrder);
  const dropped = Math.max(0, entries.length - limit);
  return { entries: dropped > 0 ? entries.slice(dropped) : entries, dropped };
}

function mergeByKey(field: string, base: JsonObject, local: JsonObject, remote: JsonObject): FieldMerge {
  const doc = keyed();
  const alternative = keyed();
  const conflicts: string[] = [];
  const keys = new Set([...Object.keys(remote), ...Object.keys(local), ...Object.keys(base)]);
  for (const key of keys) {
    const get = (object: JsonObject): Json | undefined => (Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined);
    const pick = pickValue(get(base), get(local), get(remote));
    if (pick.value !== undefined) doc[key] = pick.value;
    const mine = pick.conflict ? pick.local : pick.value;
    if (mine !== undefined) alternative[key] = mine;
    if (pick.conflict) conflicts.push(`${field}.${key}`);
  }
  return { doc, alternative, conflicts };
}

function mergeById(field: string, base: Identified[], local: Identified[], remote: Identified[]): FieldMerge {
  const before = byId(base);
  const here = byId(local);
  const there = byId(remote);
  // The remote's order, each of the local's additions after the item it follows on the local side.
  const order: string[] = [...there.keys()];
  let previous: string | undefined;
  for (const id of here.keys()) {
    if (!order.includes(id)) {
      const at = previous === undefined ? -1 : order.indexOf(previous);
      order.splice(at + 1, 0, id);
    }
    previous = id;
  }
  for (const id of before.keys()) if (!order.includes(id)) order.push(id);
  const doc: Json[] = [];
  const alternative: Json[] = [];
  const conflicts: string[] = [];
  for (const id of order) {
    const pick = pickValue(before.get(id), here.get(id), there.get(id));
    if (pick.value !== undefined) doc.push(pick.value);
    const mine = pick.conflict ? pick.local : pick.value;
    if (mine !== undefined) alternative.push(mine);
    if (pick.conflict) conflicts.push(`${field}.${id}`);
  }
  return { doc, alternative, conflicts };
}

/** Which side's stamps (`updated_at`, …) are the later: 'local' or 'remote' (ties: the larger JSON, so both orders agree). */
function laterSide(local: JsonObject, remote: JsonObject): 'local' | 'remote' {
  const here = String(local.updated_at ?? '');
  const there = String(remote.updated_at ?? '');
  if (here !== there) return here > there ? 'local' : 'remote';
  const a = JSON.stringify(local.updated_by ?? null);
  const b = JSON.stringify(remote.updated_by ?? null);
  return a > b ? 'local' : 'remote';
}

/**
 * Merges `local` and `remote`, both changed from `base`, under `policy`. Never throws for JSON
 * input; nothing either side added is lost (a conflict keeps the local value in `alternative`).
 */
export function mergeDocuments(base: JsonObject, local: JsonObject, remote: JsonObject, policy: MergePolicy): MergeResult {
  const limit = policy.history_limit ?? DEFAULT_HISTORY_LIMIT;
  const doc = keyed();
  const alternative = keyed();
  const conflicts: string[] = [];
  const stampSide = laterSide(local, remote);
  let historyDropped = 0;
  const get = (object: JsonObject, key: string): Json | undefined => (Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined);
  // The remote's key order first (what the server shows), then keys only the local or base have.
  const keys = new Set([...Object.keys(remote), ...Object.keys(local), ...Object.keys(base)]);
  for (const key of keys) {
    const rule = Object.prototype.hasOwnProperty.call(policy.fields, key) ? policy.fields[key] : 'value';
    const b = get(base, key);
    const l = get(local, key);
    const r = get(remote, key);
    let merged: FieldMerge;
    if (rule === 'history' && isIdentifiedArray(l) && isIdentifiedArray(r) && (b === undefined || isIdentifiedArray(b))) {
      const { entries, dropped } = mergeHistory(b ?? [], l, r, limit);
      historyDropped = dropped;
      merged = { doc: entries, alternative: entries, conflicts: [] };
    } else if (rule === 'by_key' && isObject(l) && isObject(r) && (b === undefined || isObject(b))) {
      merged = mergeByKey(key, b ?? keyed(), l, r);
    } else if (rule === 'by_id' && isIdentifiedArray(l) && isIdentifiedArray(r) && (b === undefined || isIdentifiedArray(b))) {
      merged = mergeById(key, b ?? [], l, r);
    } else if (rule === 'later' && !jsonEqual(l, b) && !jsonEqual(r, b)) {
      const value = stampSide === 'local' ? l : r;
      merged = { doc: value, alternative: value, conflicts: [] };
    } else if (rule === 'max' && typeof l === 'number' && typeof r === 'number') {
      const value = Math.max(l, r);
      merged = { doc: value, alternative: value, conflicts: [] };
    } else {
      merged = mergeValue(key, b, l, r);
    }
    if (merged.doc !== undefined) doc[key] = merged.doc;
    if (merged.alternative !== undefined) alternative[key] = merged.alternative;
    conflicts.push(...merged.conflicts);
  }
  if (historyDropped > 0) {
    // Entries the bound dropped now are counted where the policy counts them.
    const counter = 'history_dropped';
    const count = (typeof doc[counter] === 'number' ? doc[counter] : 0) + historyDropped;
    doc[counter] = count;
    alternative[counter] = count;
  }
  return { doc, conflicts: conflicts.sort(), alternative };
}
