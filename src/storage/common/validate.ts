/** Checks of what callers hand a storage: ids, documents, options. Bad input → StorageError 400. */
import { StorageError } from '../errors';
import type { AllDocsOptions, Doc } from '../storage';

/** A document id: a non-empty string. */
export function checkId(id: unknown, what = 'id'): string {
  if (typeof id !== 'string' || id === '') throw new StorageError('bad_request', `${what} must be a non-empty string, got ${JSON.stringify(id) ?? String(id)}`);
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

/**
 * Whether `value` is plain JSON, without building any path: the common case, kept cheap (sync
 * checks every document it writes). `checkJson` runs only to explain a failure.
 */
function isPlainJson(value: unknown, depth: number): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (depth > 100) return false;
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) if (!isPlainJson(value[index], depth + 1)) return false;
        return true;
      }
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype !== Object.prototype && prototype !== null) return false;
      for (const key in value) if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/** A document: a plain JSON object (no arrays, Dates, functions, NaN). Returns a private copy. */
export function checkDoc(doc: unknown): Doc {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new StorageError('bad_request', 'a document must be a JSON object');
  if (!isPlainJson(doc, 0)) checkJson(doc, 'document', 0);
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
