/** Checks of what callers hand a storage: ids, documents, options. Bad input → StorageError 400. */
import { StorageError } from '../errors';
import type { AllDocsOptions, Doc } from '../storage';

/**
 * Most UTF-8 bytes in an id (of a document, an attachment name, a data source tag). PostgreSQL
 * refuses B-tree index entries over ~2700 bytes, and attachments are keyed by (id, name): two
 * of these and the row overhead stay under that. Every storage applies the same rules, so a device
 * cannot create what the server would refuse.
 */
export const MAX_ID_BYTES = 1024;

/**
 * Why `id` cannot be an id (undefined: it can): no NUL (PostgreSQL text cannot hold U+0000), no
 * lone surrogate (not valid Unicode: the databases would store U+FFFD instead, and two ids could
 * become one), at most MAX_ID_BYTES in UTF-8. One pass over the string, no allocation.
 */
export function idProblem(id: string): string | undefined {
  // Each UTF-16 unit is at least one UTF-8 byte: longer strings fail without looking.
  if (id.length > MAX_ID_BYTES) return `is longer than ${MAX_ID_BYTES} bytes in UTF-8 (${id.length} characters)`;
  let bytes = 0;
  for (let index = 0; index < id.length; index++) {
    const unit = id.charCodeAt(index);
    if (unit === 0) return `must not contain NUL (\\u0000, at position ${index})`;
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = id.charCodeAt(index + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return `is not valid Unicode (a lone surrogate at position ${index})`;
      bytes += 4;
      index++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return `is not valid Unicode (a lone surrogate at position ${index})`;
    else bytes += 3;
  }
  return bytes > MAX_ID_BYTES ? `is longer than ${MAX_ID_BYTES} bytes in UTF-8 (${bytes} bytes)` : undefined;
}

/** A document id (or attachment name, `what`): a non-empty string that passes `idProblem`. */
export function checkId(id: unknown, what = 'id'): string {
  if (typeof id !== 'string' || id === '') throw new StorageError('bad_request', `${what} must be a non-empty string, got ${JSON.stringify(id) ?? String(id)}`);
  const problem = idProblem(id);
  if (problem !== undefined) throw new StorageError('bad_request', `${what} ${problem}`);
  return id;
}

function checkJson(value: unknown, path: string, depth: number): void {
  if (depth > 100) throw new StorageError('bad_request', `${path} is nested too deeply`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new StorageError('bad_request', `${path} must be a finite number (JSON has no NaN or Infinity)`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => checkJson(item, `${path}[${index}]`, depth + 1));
    return;
  }
  if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) throw new StorageError('bad_request', `${path} must be plain JSON (found a ${(value as object).constructor?.name ?? 'special object'}); store binary data as an attachment`);
    for (const [key, item] of Object.entries(value)) checkJson(item, `${path}.${key}`, depth + 1);
    return;
  }
  throw new StorageError('bad_request', `${path} must be JSON, found a ${typeof value}`);
}

/** Thrown inside `copyJson` when a value is not plain JSON (caught right away, never escapes). */
const NOT_JSON = Symbol('not JSON');

/**
 * A deep copy of `value` made while checking it is plain JSON, in one walk and building no paths:
 * the common case, kept cheap (sync checks every document it writes). `checkJson` runs only to
 * explain a failure.
 */
function copyJson(value: unknown, depth: number): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      throw NOT_JSON;
    case 'object': {
      if (depth > 100) throw NOT_JSON;
      if (Array.isArray(value)) {
        const copy = new Array<unknown>(value.length);
        for (let index = 0; index < value.length; index++) copy[index] = copyJson(value[index], depth + 1);
        return copy;
      }
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype !== Object.prototype && prototype !== null) throw NOT_JSON;
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        const item = copyJson((value as Record<string, unknown>)[key], depth + 1);
        // An own "__proto__" key (JSON.parse makes one) must stay a key, not become the prototype.
        if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
        else copy[key] = item;
      }
      return copy;
    }
    default:
      throw NOT_JSON;
  }
}

/** A document: a plain JSON object (no arrays, Dates, functions, NaN). Returns a private copy. */
export function checkDoc(doc: unknown): Doc {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new StorageError('bad_request', 'a document must be a JSON object');
  try {
    return copyJson(doc, 0) as Doc;
  } catch (error) {
    if (error !== NOT_JSON) throw error;
  }
  checkJson(doc, 'document', 0);
  // checkJson found nothing wrong that copyJson did: fall back to the platform's copy.
  return structuredClone(doc) as Doc;
}

/** Validates allDocs options from outside; returns the normalized limit as [skip, count]. */
export function checkAllDocsOptions(options: AllDocsOptions): [number, number] {
  if (typeof options !== 'object' || options === null) throw new StorageError('bad_request', 'allDocs options must be an object');
  if (options.sort_on !== undefined) {
    const valid =
      Array.isArray(options.sort_on) &&
      options.sort_on.every((entry) => Array.isArray(entry) && typeof entry[0] === 'string' && (entry[1] === 'ascending' || entry[1] === 'descending'));
    if (!valid) throw new StorageError('bad_request', 'sort_on must be a list of [key, "ascending" | "descending"]');
  }
  if (options.select_list !== undefined && !(Array.isArray(options.select_list) && options.select_list.every((key) => typeof key === 'string'))) {
    throw new StorageError('bad_request', 'select_list must be a list of keys');
  }
  if (options.limit === undefined) return [0, Infinity];
  const limit = options.limit as unknown[];
  const ok = Array.isArray(limit) && (limit.length === 1 || limit.length === 2) && limit.every((n) => Number.isInteger(n) && (n as number) >= 0);
  if (!ok) throw new StorageError('bad_request', 'limit must be [count] or [skip, count] with non-negative integers');
  return limit.length === 1 ? [0, limit[0] as number] : [limit[0] as number, limit[1] as number];
}
