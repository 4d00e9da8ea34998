/**
 * allDocs in the database: the query (query-sql.ts) and a role's sites in one WHERE, the sort in
 * ORDER BY and the limit in LIMIT when SQL can say them exactly, so a 20-row page reads about 20
 * rows whatever the table holds. Whatever SQL only narrows is rechecked with the matcher on the
 * rows read, page after page until the limit is filled, so the rows are always the ones the
 * JavaScript matcher gives (applyAllDocsOptions over every document in id order).
 */
import { compileQuery, sortComparator, type KeySchema } from '../../../core';
import { queryOf } from '../../../storage/common/all-docs';
import { checkAllDocsOptions } from '../../../storage/common/validate';
import type { AllDocsOptions, AllDocsResult, AllDocsRow, Doc } from '../../../storage/backend';
import type { Dialect, Query as Run } from './driver';
import { indexedExpressions, keysToType, translateQuery, translateSort, type KeyTypes, type SqlCondition, type TranslationContext } from './query-sql';

/** Rows read per statement at first when the SQL only narrows (doubling after each). */
const FIRST_PAGE = 64;

/** The value types of indexed keys, asked of their indexes (one statement, a few index seeks each). */
async function keyTypes(run: Run, dialect: Dialect, keys: readonly string[]): Promise<Map<string, KeyTypes>> {
  const types = new Map<string, KeyTypes>();
  if (keys.length === 0) return types;
  const columns: string[] = [];
  keys.forEach((key, index) => {
    const { type, string, number, boolean } = indexedExpressions(dialect, key);
    const exists = (test: string) => `EXISTS (SELECT 1 FROM documents WHERE ${type} ${test})`;
    columns.push(`${exists(`= ${string}`)} AS s${index}`, `${exists(`IN ${number}`)} AS n${index}`, `${exists(`IN ${boolean}`)} AS b${index}`, `${exists("IN ('array', 'object')")} AS o${index}`);
  });
  const [row] = await run(`SELECT ${columns.join(', ')}`);
  const yes = (value: unknown) => value === true || Number(value) === 1;
  keys.forEach((key, index) => types.set(key, { string: yes(row![`s${index}`]), number: yes(row![`n${index}`]), boolean: yes(row![`b${index}`]), other: yes(row![`o${index}`]) }));
  return types;
}

function rowOf(id: string, doc: Doc, options: AllDocsOptions): AllDocsRow {
  const value: Doc = {};
  for (const key of options.select_list ?? []) if (key in doc) value[key] = doc[key]!;
  return options.include_docs ? { id, value, doc } : { id, value };
}

/** What a plan does, for tests and EXPLAIN: the WHERE, and whether SQL sorts and limits. */
export interface AllDocsPlan {
  where: SqlCondition;
  /** ORDER BY when SQL sorts exactly (undefined: sorted in memory after the recheck). */
  orderBy: string | undefined;
}

/** Plans allDocs for `options` (inside the caller's transaction: it reads the keys' value types). */
export async function planAllDocs(run: Run, dialect: Dialect, options: AllDocsOptions, sites?: readonly string[]): Promise<AllDocsPlan> {
  const query = queryOf(options);
  const sortOn = options.sort_on ?? [];
  const schema: KeySchema | undefined = options.key_schema;
  const types = await keyTypes(
    run,
    dialect,
    keysToType(
      query,
      schema,
      sortOn.map(([key]) => key),
    ),
  );
  const context: TranslationContext = { dialect, ...(schema ? { schema } : {}), types: (key) => types.get(key) };
  const parts: SqlCondition[] = [{ sql: 'deleted = ?', params: [false], exact: true }];
  if (sites) parts.push({ sql: sites.length === 0 ? '1 = 0' : `site IN (${sites.map(() => '?').join(', ')})`, params: [...sites], exact: true });
  if (query) parts.push(translateQuery(query, context));
  const where: SqlCondition = { sql: parts.map((part) => part.sql).join(' AND '), params: parts.flatMap((part) => part.params), exact: parts.every((part) => part.exact) };
  const orderBy = sortOn.length === 0 ? (dialect === 'sqlite' ? 'id' : 'id COLLATE "C"') : translateSort(sortOn, context);
  return { where, orderBy };
}

/**
 * allDocs over the `documents` table, inside the caller's transaction. `sites`: only documents of
 * these sites (a technician's), filtered in the same statement.
 */
export async function sqlAllDocs(run: Run, dialect: Dialect, options: AllDocsOptions, sites?: readonly string[]): Promise<AllDocsResult> {
  const [skip, count] = checkAllDocsOptions(options);
  const query = queryOf(options);
  const matches = query ? compileQuery(query, options.key_schema) : () => true;
  const { where, orderBy } = await planAllDocs(run, dialect, options, sites);
  const wanted = skip + count;
  const needsDoc = !where.exact || Boolean(options.include_docs || options.select_list?.length || (options.sort_on?.length && !orderBy));
  const columns = needsDoc ? 'id, doc' : 'id';
  const found: Array<{ id: string; doc: Doc }> = [];
  const take = (rows: Awaited<ReturnType<Run>>) => {
    for (const row of rows) {
      const doc = needsDoc ? (JSON.parse(String(row.doc)) as Doc) : {};
      if (where.exact || matches(doc)) found.push({ id: String(row.id), doc });
    }
  };
  if (orderBy !== undefined && Number.isFinite(wanted)) {
    // SQL orders exactly: read pages in that order until `wanted` rows matched (one page when exact).
    if (wanted === 0) return { rows: [], total_rows: 0 };
    let page = where.exact ? wanted : Math.max(FIRST_PAGE, wanted * 2);
    for (let offset = 0; found.length < wanted; ) {
      const rows = await run(`SELECT ${columns} FROM documents WHERE ${where.sql} ORDER BY ${orderBy} LIMIT ? OFFSET ?`, [...where.params, page, offset]);
      take(rows);
      if (rows.length < page) break;
      offset += rows.length;
      page *= 2;
    }
  } else {
    take(await run(`SELECT ${columns} FROM documents WHERE ${where.sql} ORDER BY ${orderBy ?? (dialect === 'sqlite' ? 'id' : 'id COLLATE "C"')}`, where.params));
    if (options.sort_on?.length && orderBy === undefined) {
      const compare = sortComparator(options.sort_on, options.key_schema);
      found.sort((a, b) => compare(a.doc, b.doc));
    }
  }
  const rows = found.slice(skip, count === Infinity ? undefined : skip + count).map(({ id, doc }) => rowOf(id, doc, options));
  return { rows, total_rows: rows.length };
}
