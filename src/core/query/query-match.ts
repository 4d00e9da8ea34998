/**
 * Evaluation of queries over JSON documents, with jIO's semantics:
 * - `=` compares exactly, or as SQL LIKE when the value has a `%` (any run; then `_` is one
 *   character), case-insensitively, as jIO does; `\%` and `\_` are literal.
 * - arrays match when any element matches (`!=`: when no element equals);
 * - a keyless `=` term is jIO's full-text search: it matches when any top-level field with a
 *   truthy value (or any element of one) contains the value, as LIKE `%value%` (the value's own
 *   `%` and `_` stay wildcards), so `test post` (two terms, AND) finds documents holding both words
 *   in any fields; a keyless term with another operator matches when any top-level field does;
 * - numbers compare as numbers when the field holds numbers (or the key schema casts them), dates
 *   as instants with `cast_to: 'date'`; everything else as strings, by code point (the order
 *   IndexedDB uses, so an index and a scan agree).
 */
import { LikePattern, isLikePattern } from './query-like';
import type { CastType, KeySchema, Query, QueryOperator, SimpleQuery, SortOn } from './query-types';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

type Scalar = string | number | boolean;

function cast(value: unknown, type: CastType | undefined): Scalar | undefined {
  if (value === null || value === undefined) return undefined;
  switch (type) {
    case 'number': {
      const number = typeof value === 'number' ? value : Number(value);
      return Number.isNaN(number) ? undefined : number;
    }
    case 'date': {
      const time = typeof value === 'number' ? value : Date.parse(String(value));
      return Number.isNaN(time) ? undefined : time;
    }
    case 'boolean':
      return value === true || value === 'true';
    case 'string':
      return String(value);
    default:
      return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string' ? value : undefined;
  }
}

/** Compares two scalars the way queries and sorts do; numbers numerically, else as strings. */
export function compareScalars(a: Scalar, b: Scalar): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

// Compiled patterns by text; bounded so that many distinct queries cannot grow it forever.
const likeCache = new Map<string, LikePattern>();

function likePattern(pattern: string): LikePattern | undefined {
  if (!isLikePattern(pattern)) return undefined;
  let like = likeCache.get(pattern);
  if (!like) {
    like = new LikePattern(pattern);
    if (likeCache.size > 500) likeCache.clear();
    likeCache.set(pattern, like);
  }
  return like;
}

function unescapeLiteral(value: string): string {
  return value.replace(/\\([%_])/g, '$1');
}

/** One scalar from a document against `operator value`. */
function scalarMatches(found: Scalar, operator: QueryOperator, wanted: Scalar, castType: CastType | undefined): boolean {
  let expected: Scalar | undefined = wanted;
  if (castType) expected = cast(wanted, castType);
  else if (typeof found === 'number' && typeof wanted === 'string' && wanted.trim() !== '' && !Number.isNaN(Number(wanted))) expected = Number(wanted);
  else if (typeof found === 'boolean' && (wanted === 'true' || wanted === 'false')) expected = wanted === 'true';
  if (expected === undefined) return false;
  if (operator === '=' && typeof expected === 'string') {
    const like = likePattern(expected);
    if (like) return like.matches(String(found));
    return String(found) === unescapeLiteral(expected);
  }
  const order = compareScalars(found, expected);
  switch (operator) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

/** The values a document holds for `key` (after the key schema's read_from and cast), flattened. */
export function valuesOf(doc: JsonObject, key: string, schema?: KeySchema): Scalar[] {
  const entry = schema?.key_set?.[key];
  const raw: unknown = doc[entry?.read_from ?? key];
  const list = Array.isArray(raw) ? raw : [raw];
  const values: Scalar[] = [];
  for (const item of list) {
    const value = cast(item, entry?.cast_to);
    if (value !== undefined) values.push(value);
  }
  return values;
}

/** A predicate over documents, built once per query so scanning many documents stays cheap. */
export type DocPredicate = (doc: JsonObject) => boolean;

function compileSimple(query: SimpleQuery, schema: KeySchema | undefined): DocPredicate {
  const test = (key: string): ((doc: JsonObject) => boolean) => {
    const entry = schema?.key_set?.[key];
    const field = entry?.read_from ?? key;
    const castType = entry?.cast_to;
    const operator = query.operator === '!=' ? '=' : query.operator;
    const one = (item: unknown): boolean => {
      const value = cast(item, castType);
      return value !== undefined && scalarMatches(value, operator, query.value, castType);
    };
    return (doc) => {
      const raw: unknown = doc[field];
      return Array.isArray(raw) ? raw.some(one) : one(raw);
    };
  };
  let matches: DocPredicate;
  if (query.key !== undefined) {
    matches = test(query.key);
  } else if (query.operator === '=' || query.operator === '!=') {
    matches = fullText(query.value);
  } else {
    const cache = new Map<string, DocPredicate>();
    matches = (doc) =>
      Object.keys(doc).some((key) => {
        let predicate = cache.get(key);
        if (!predicate) cache.set(key, (predicate = test(key)));
        return predicate(doc);
      });
  }
  // "not equal" holds when no value equals, so a missing field matches (SQL's NULL aside).
  return query.operator === '!=' ? (doc) => !matches(doc) : matches;
}

/** The text a field's value shows to a full-text search (objects and nulls show none). */
function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

/**
 * jIO's keyless search: some top-level field whose value is truthy (jIO skips '', 0, false and
 * null) holds, itself or as one of its elements, a text that matches LIKE `%value%`.
 */
function fullText(value: Scalar): DocPredicate {
  const like = new LikePattern(`%${String(value)}%`);
  const one = (item: unknown): boolean => {
    const text = textOf(item);
    return text !== undefined && like.matches(text);
  };
  return (doc) => {
    for (const key of Object.keys(doc)) {
      const raw = doc[key];
      if (!raw) continue;
      if (Array.isArray(raw) ? raw.some(one) : one(raw)) return true;
    }
    return false;
  };
}

/** Compiles a query into a predicate (same semantics as `matchQuery`). */
export function compileQuery(query: Query, schema?: KeySchema): DocPredicate {
  if (query.type === 'simple') return compileSimple(query, schema);
  const parts = query.query_list.map((item) => compileQuery(item, schema));
  switch (query.operator) {
    case 'AND':
      return (doc) => parts.every((part) => part(doc));
    case 'OR':
      return (doc) => parts.some((part) => part(doc));
    case 'NOT':
      return (doc) => !parts[0]!(doc);
  }
}

/** True when `doc` satisfies `query`. */
export function matchQuery(query: Query, doc: JsonObject, schema?: KeySchema): boolean {
  return compileQuery(query, schema)(doc);
}

/**
 * A comparator for `sort_on`, as jIO sorts: a document's values for a key (an array's elements, in
 * order) compare one by one, and a document that runs out first (a missing key, a null, an empty
 * array, a shorter array) comes first when ascending, last when descending. Ties keep their order.
 */
export function sortComparator(sortOn: SortOn, schema?: KeySchema): (a: JsonObject, b: JsonObject) => number {
  return (a, b) => {
    for (const [key, direction] of sortOn) {
      const left = valuesOf(a, key, schema);
      const right = valuesOf(b, key, schema);
      let order = 0;
      for (let index = 0; order === 0 && index < Math.max(left.length, right.length); index++) {
        if (index >= left.length) order = -1;
        else if (index >= right.length) order = 1;
        else order = compareScalars(left[index]!, right[index]!);
      }
      if (order !== 0) return direction === 'descending' ? -order : order;
    }
    return 0;
  };
}
