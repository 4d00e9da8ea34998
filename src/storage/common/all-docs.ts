/** allDocs' query/sort/limit/select/include over documents a storage has in hand. */
import { QueryError, compileQuery, sortComparator, toQuery, type Query } from '../../core';
import { StorageError } from '../errors';
import type { AllDocsOptions, AllDocsResult, Doc } from '../storage';
import { checkAllDocsOptions } from './validate';

/** Parses the query option (text or JSON), translating mistakes into a 400 StorageError. */
export function queryOf(options: AllDocsOptions): Query | undefined {
  if (options.query === undefined || options.query === '') return undefined;
  try {
    return toQuery(options.query);
  } catch (error) {
    if (error instanceof QueryError) throw new StorageError('bad_query', `bad query: ${error.message}`, { cause: error });
    throw error;
  }
}

/** True when the options need document contents (not just ids). */
export function needsDocs(options: AllDocsOptions): boolean {
  return Boolean(options.query || options.sort_on?.length || options.select_list?.length || options.include_docs);
}

/** Applies every allDocs option to `entries`, in jIO's order: query, sort, limit, select. */
export function applyAllDocsOptions(entries: Array<{ id: string; doc: Doc }>, options: AllDocsOptions): AllDocsResult {
  const [skip, count] = checkAllDocsOptions(options);
  const query = queryOf(options);
  const matches = query ? compileQuery(query, options.key_schema) : undefined;
  let selected = matches ? entries.filter((entry) => matches(entry.doc)) : entries;
  if (options.sort_on?.length) {
    const compare = sortComparator(options.sort_on, options.key_schema);
    selected = [...selected].sort((a, b) => compare(a.doc, b.doc));
  }
  selected = selected.slice(skip, count === Infinity ? undefined : skip + count);
  const rows = selected.map(({ id, doc }) => {
    const value: Doc = {};
    for (const key of options.select_list ?? []) if (key in doc) value[key] = doc[key]!;
    return options.include_docs ? { id, value, doc } : { id, value };
  });
  return { rows, total_rows: rows.length };
}
