/**
 * The query language translated into SQL over the stored JSON documents (SQLite's JSON1,
 * PostgreSQL's jsonb), with the same semantics as the JavaScript matcher (core/query/query-match).
 *
 * Every term becomes a condition that holds at least for the documents the matcher accepts: it is
 * `exact` when it holds for exactly those, otherwise a superset that the caller rechecks with the
 * matcher (as PostgreSQL rechecks a lossy index). What SQL cannot say exactly:
 * - LIKE with `_` or with non-ASCII letters: the matcher folds case per UTF-16 code unit (`_` is
 *   one code unit), SQL per character; those parts widen to `%`;
 * - comparing with a non-ASCII string: the matcher orders UTF-16 code units, SQL code points;
 * - a number's text (LIKE on a number, a number against a non-numeric string), cast_to in a key
 *   schema: the term narrows only by type.
 * So results are always the matcher's; the SQL is there to use indexes and to read few rows.
 *
 * Keys the app queries most have expression indexes (INDEXED_KEYS, migration 22) over the value's
 * JSON type and its text. When such a key holds nothing but strings in the whole table (`KeyTypes`,
 * asked of the same index), a term on it compares that text directly, which the index serves.
 * Elsewhere a term looks at the key's value, or each element of an array, through json_each /
 * jsonb_array_elements.
 */
import { isLikePattern } from '../../../core/query/query-like';
import type { KeySchema, Query, QueryOperator, SimpleQuery } from '../../../core';
import type { Dialect } from './driver';

/** Keys with an expression index (migration 22): what the app filters and sorts on. */
export const INDEXED_KEYS: readonly string[] = ['type', 'site', 'asset', 'status', 'kind', 'title', 'created_at', 'updated_at', 'due', 'time'];

/** Which JSON types a key's values have across the stored documents (null and missing aside). */
export interface KeyTypes {
  string: boolean;
  number: boolean;
  boolean: boolean;
  /** Arrays or objects. */
  other: boolean;
}

/** A SQL condition with its `?` parameters; `exact` when it holds for exactly the matching documents. */
export interface SqlCondition {
  sql: string;
  params: unknown[];
  exact: boolean;
}

/** What a translation needs besides the query. */
export interface TranslationContext {
  dialect: Dialect;
  schema?: KeySchema;
  /** The value types of an indexed key (undefined: not indexed, or not asked). */
  types(key: string): KeyTypes | undefined;
}

/** Holds for every document: a term SQL cannot narrow. */
const EVERYTHING: SqlCondition = { sql: '1 = 1', params: [], exact: false };
const NOTHING: SqlCondition = { sql: '1 = 0', params: [], exact: true };

/** How SQL reads one JSON value (a field or an array element) as each JSON type. */
interface ValueAccess {
  isString: string;
  string: string;
  /** The string with ASCII letters lower-cased, as an index holds it (indexed keys only). */
  folded?: string;
  /** Equality asks only `folded` (inexact: the recheck compares exactly). */
  foldedOnly?: boolean;
  isNumber?: string;
  number?: string;
  isBoolean?: string;
  /** 'true' / 'false' as text. */
  booleanText?: string;
  /** 1 / 0. */
  booleanNumber?: string;
}

/** A row of SQLite's json_each (`alias.type`, `alias.atom`). */
function sqliteElement(alias: string): ValueAccess {
  return {
    isString: `${alias}.type = 'text'`,
    string: `${alias}.atom`,
    isNumber: `${alias}.type IN ('integer', 'real')`,
    number: `${alias}.atom`,
    isBoolean: `${alias}.type IN ('true', 'false')`,
    booleanText: `${alias}.type`,
    booleanNumber: `(${alias}.type = 'true')`,
  };
}

/** A jsonb value in PostgreSQL (casts only inside CASE: PostgreSQL does not promise AND's order). */
function postgresElement(value: string): ValueAccess {
  return {
    isString: `jsonb_typeof(${value}) = 'string'`,
    string: `(${value} #>> '{}') COLLATE "C"`,
    isNumber: `jsonb_typeof(${value}) = 'number'`,
    number: `(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value} #>> '{}')::float8 END)`,
    isBoolean: `jsonb_typeof(${value}) = 'boolean'`,
    booleanText: `(${value} #>> '{}') COLLATE "C"`,
    booleanNumber: `(CASE WHEN jsonb_typeof(${value}) = 'boolean' THEN (${value} #>> '{}')::boolean::int END)`,
  };
}

/** SQL string literal of a key (indexed keys are plain words; quotes doubled anyway). */
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';

/** `text` with its ASCII letters lower-cased (SQLite's lower() without ICU does only those). */
function foldSql(dialect: Dialect, text: string): string {
  return dialect === 'sqlite' ? `lower(${text})` : `translate(${text}, '${UPPER}', '${LOWER}')`;
}

/** ASCII letters lower-cased, as foldSql does in SQL. */
const foldAscii = (text: string): string => text.replace(/[A-Z]/g, (char) => char.toLowerCase());

/**
 * The JSON type, the text and the folded text (ASCII letters lower-cased) of an indexed key,
 * written exactly as its index (migration 22) is, and the type names of each JSON type.
 */
export function indexedExpressions(dialect: Dialect, key: string): { type: string; text: string; folded: string; string: string; number: string; boolean: string } {
  if (dialect === 'sqlite') {
    const path = literal(`$.${key}`);
    const text = `json_extract(doc, ${path})`;
    return { type: `json_type(doc, ${path})`, text, folded: foldSql(dialect, text), string: "'text'", number: "('integer', 'real')", boolean: "('true', 'false')" };
  }
  const value = `(fl_doc(doc) -> ${literal(key)})`;
  const text = `(fl_doc(doc) ->> ${literal(key)})`;
  return { type: `jsonb_typeof(${value})`, text: `${text} COLLATE "C"`, folded: `${foldSql(dialect, text)} COLLATE "C"`, string: "'string'", number: "('number')", boolean: "('boolean')" };
}

/** An indexed key holding only strings: its text, read the way its index reads it. */
/**
 * An indexed key holding only strings (or nothing, or null) in the whole table: its text, read the
 * way its index reads it. No type test is needed (no other type is there). On PostgreSQL equality
 * asks only the folded text, which the index holds, and leaves the exact comparison to the recheck:
 * PostgreSQL evaluates every further expression on a document by parsing it again.
 */
function indexedString(dialect: Dialect, key: string): ValueAccess {
  const expressions = indexedExpressions(dialect, key);
  return { isString: TRUE_SQL, string: expressions.text, folded: expressions.folded, ...(dialect === 'postgres' ? { foldedOnly: true } : {}) };
}

const TRUE_SQL = '1 = 1';

/**
 * ASCII without U+0000 and U+0001: PostgreSQL's jsonb cannot hold U+0000, so fl_doc (migration 22)
 * reads it as U+0001 (and a lone surrogate as U+FFFD); against such a value SQL stays exact.
 */
const isAscii = (text: string): boolean => [...text].every((char) => char.charCodeAt(0) < 128 && char.charCodeAt(0) > 1);
const isNumeric = (text: string): boolean => text.trim() !== '' && !Number.isNaN(Number(text));
const unescapeLiteral = (value: string): string => value.replace(/\\([%_])/g, '$1');

/**
 * Our LIKE pattern as a SQL LIKE pattern (escape `\`) over the folded text: exact when its literal
 * characters are ASCII and it has no `_`; else `_` and non-ASCII characters widen to `%` (a
 * superset). `prefix`: the folded literal characters before the first wildcard.
 */
function likePattern(pattern: string): { pattern: string; exact: boolean; literals: string; prefix: string } {
  let out = '';
  let literals = '';
  let prefix = '';
  let opened = false;
  let exact = true;
  const run = () => {
    opened = true;
    if (!out.endsWith('%') || out.endsWith('\\%')) out += '%';
  };
  for (let index = 0; index < pattern.length; index++) {
    let char = pattern[index]!;
    const next = pattern[index + 1];
    if (char === '\\' && (next === '%' || next === '_')) {
      char = next;
      index++;
    } else if (char === '%') {
      run();
      continue;
    } else if (char === '_') {
      exact = false;
      run();
      continue;
    }
    if (!isAscii(char)) {
      exact = false;
      run();
      continue;
    }
    const folded = foldAscii(char);
    literals += char;
    if (!opened) prefix += folded;
    out += char === '%' || char === '_' || char === '\\' ? `\\${folded}` : folded;
  }
  return { pattern: out, exact, literals, prefix };
}

/**
 * `text LIKE pattern` folded. With `folded` (an indexed key's folded text), a pattern that starts
 * with literal characters also bounds the folded text to their range, which the index serves.
 */
function likeCondition(text: string, pattern: string, dialect: Dialect, folded?: string): SqlCondition {
  const like = likePattern(pattern);
  // SQLite's LIKE (ASCII case-insensitive itself) stops at a U+0000 in the text, and its replace()
  // cannot take U+0000 out: a text holding one is let through, for the recheck to judge.
  const condition: SqlCondition =
    dialect === 'sqlite'
      ? { sql: `(${text} LIKE ? ESCAPE '\\' OR instr(${text}, char(0)) > 0)`, params: [like.pattern], exact: false }
      : { sql: `${folded ?? foldSql(dialect, text)} LIKE ? ESCAPE '\\'`, params: [like.pattern], exact: like.exact };
  if (!folded || like.prefix === '') return condition;
  const last = like.prefix.charCodeAt(like.prefix.length - 1);
  const bound = like.prefix.slice(0, -1) + String.fromCharCode(last + 1);
  return { sql: `(${folded} >= ? AND ${folded} < ? AND ${condition.sql})`, params: [like.prefix, bound, ...condition.params], exact: condition.exact };
}

/** Whether a number's text (digits, `.`, `e`, `+`, `-`) could match a pattern with these literal characters. */
const numberCouldMatch = (literals: string): boolean => /^[0-9.eE+-]*$/.test(literals);

function both(test: string, condition: SqlCondition): SqlCondition {
  if (test === TRUE_SQL) return condition;
  return { sql: `(${test} AND ${condition.sql})`, params: condition.params, exact: condition.exact };
}

function anyOf(parts: SqlCondition[]): SqlCondition {
  if (parts.length === 0) return NOTHING;
  if (parts.length === 1) return parts[0]!;
  return { sql: `(${parts.map((part) => part.sql).join(' OR ')})`, params: parts.flatMap((part) => part.params), exact: parts.every((part) => part.exact) };
}

/** A SQL comparison that is exact (`exact`), else only the type test. */
function compared(test: string, expression: string, operator: QueryOperator, value: unknown, exact: boolean): SqlCondition {
  if (!exact) return { sql: test, params: [], exact: false };
  return both(test, { sql: `${expression} ${operator} ?`, params: [value], exact: true });
}

/** A string equal to `text`; with an indexed key, its folded text first (what the index holds). */
function stringEquals(access: ValueAccess, text: string): SqlCondition {
  if (!access.folded) return compared(access.isString, access.string, '=', text, true);
  if (access.foldedOnly) return { sql: `${access.folded} = ?`, params: [foldAscii(text)], exact: false };
  return { sql: `(${access.folded} = ? AND ${access.string} = ?)`, params: [foldAscii(text), text], exact: true };
}

/**
 * One JSON value against `operator value` as the matcher's scalarMatches sees it (`!=` is handled
 * by the caller as NOT `=`). Each JSON type the value may have is one branch.
 */
function valueMatches(access: ValueAccess, operator: Exclude<QueryOperator, '!='>, value: SimpleQuery['value'], dialect: Dialect): SqlCondition {
  const parts: SqlCondition[] = [];
  if (typeof value === 'string') {
    if (operator === '=') parts.push(isLikePattern(value) ? both(access.isString, likeCondition(access.string, value, dialect, access.folded)) : stringEquals(access, unescapeLiteral(value)));
    else parts.push(compared(access.isString, access.string, operator, value, isAscii(value)));
    if (access.isNumber) {
      if (isNumeric(value)) parts.push(compared(access.isNumber, access.number!, operator, Number(value), true));
      else if (operator === '=' && isLikePattern(value) && numberCouldMatch(likePattern(value).literals)) parts.push({ sql: access.isNumber, params: [], exact: false });
      else if (operator !== '=') parts.push({ sql: access.isNumber, params: [], exact: false });
    }
    if (access.isBoolean) {
      if (value === 'true' || value === 'false') parts.push(compared(access.isBoolean, access.booleanNumber!, operator, value === 'true' ? 1 : 0, true));
      else if (operator === '=' && isLikePattern(value)) parts.push(both(access.isBoolean, likeCondition(access.booleanText!, value, dialect)));
      else if (operator !== '=') parts.push(compared(access.isBoolean, access.booleanText!, operator, value, isAscii(value)));
    }
  } else if (typeof value === 'number') {
    const text = String(value);
    parts.push(compared(access.isString, access.string, operator, text, true));
    if (access.isNumber) parts.push(compared(access.isNumber, access.number!, operator, value, true));
    if (access.isBoolean) parts.push(compared(access.isBoolean, access.booleanText!, operator, text, true));
  } else {
    parts.push(compared(access.isString, access.string, operator, String(value), true));
    // A number's text starts with a digit or '-': always before "false" and "true".
    if (access.isNumber && (operator === '<' || operator === '<=')) parts.push({ sql: access.isNumber, params: [], exact: true });
    if (access.isBoolean) parts.push(compared(access.isBoolean, access.booleanNumber!, operator, value ? 1 : 0, true));
  }
  return anyOf(parts);
}

/** jIO's keyless search: a truthy top-level value (or an element of one) whose text is LIKE %value%. */
function fullTextMatches(access: ValueAccess, value: SimpleQuery['value'], dialect: Dialect): SqlCondition {
  const pattern = `%${String(value)}%`;
  const parts = [both(access.isString, likeCondition(access.string, pattern, dialect)), both(access.isBoolean!, likeCondition(access.booleanText!, pattern, dialect))];
  if (numberCouldMatch(likePattern(pattern).literals)) parts.push({ sql: access.isNumber!, params: [], exact: false });
  return anyOf(parts);
}

/** `each(value)` over the top-level value of `key` (undefined: every top-level value) and its elements. */
function overValues(dialect: Dialect, key: string | undefined, each: (access: ValueAccess) => SqlCondition, truthy = false): SqlCondition {
  if (dialect === 'sqlite') {
    const top = each(sqliteElement('t'));
    const inner = each(sqliteElement('e'));
    const keyTest = key === undefined ? '' : 't.key = ? AND ';
    const truthyTest = truthy ? "NOT (t.type IN ('null', 'false') OR (t.type = 'text' AND t.atom = '') OR (t.type IN ('integer', 'real') AND t.atom = 0)) AND " : '';
    return {
      sql: `EXISTS (SELECT 1 FROM json_each(documents.doc) AS t WHERE ${keyTest}${truthyTest}(${top.sql} OR CASE WHEN t.type = 'array' THEN EXISTS (SELECT 1 FROM json_each(t.value) AS e WHERE ${inner.sql}) ELSE 0 END))`,
      params: [...(key === undefined ? [] : [key]), ...top.params, ...inner.params],
      exact: top.exact && inner.exact,
    };
  }
  const top = each(postgresElement('t.v'));
  const inner = each(postgresElement('e.v'));
  const keyTest = key === undefined ? '' : 't.k = ?::text AND ';
  const truthyTest = truthy ? "NOT (jsonb_typeof(t.v) = 'null' OR t.v = 'false'::jsonb OR t.v = '\"\"'::jsonb OR t.v = '0'::jsonb) AND " : '';
  return {
    sql: `EXISTS (SELECT 1 FROM jsonb_each(fl_doc(documents.doc)) AS t(k, v) WHERE ${keyTest}${truthyTest}(${top.sql} OR CASE WHEN jsonb_typeof(t.v) = 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements(t.v) AS e(v) WHERE ${inner.sql}) ELSE FALSE END))`,
    params: [...(key === undefined ? [] : [key]), ...top.params, ...inner.params],
    exact: top.exact && inner.exact,
  };
}

/** NOT of an exact condition (a NULL inside counts as false, as a missing field does for the matcher). */
function negated(condition: SqlCondition): SqlCondition {
  if (!condition.exact) return EVERYTHING;
  return { sql: `NOT COALESCE((${condition.sql}), FALSE)`, params: condition.params, exact: true };
}

/** U+0000, U+0001 or a lone surrogate: what PostgreSQL reads otherwise (see isAscii), or cannot take as a parameter. */
const unsafeText = (text: string): boolean => text.includes('\u0000') || text.includes('\u0001') || /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

function translateSimple(query: SimpleQuery, context: TranslationContext): SqlCondition {
  const { dialect } = context;
  if ((typeof query.value === 'string' && unsafeText(query.value)) || (query.key !== undefined && unsafeText(query.key))) return EVERYTHING;
  const operator = query.operator === '!=' ? '=' : query.operator;
  let condition: SqlCondition;
  if (query.key === undefined) {
    condition = operator === '=' ? overValues(dialect, undefined, (access) => fullTextMatches(access, query.value, dialect), true) : overValues(dialect, undefined, (access) => valueMatches(access, operator, query.value, dialect));
  } else {
    const entry = context.schema?.key_set?.[query.key];
    if (entry?.cast_to) return EVERYTHING;
    const field = entry?.read_from ?? query.key;
    const types = context.types(field);
    if (types && !types.number && !types.boolean && !types.other) condition = valueMatches(indexedString(dialect, field), operator, query.value, dialect);
    else condition = overValues(dialect, field, (access) => valueMatches(access, operator, query.value, dialect));
  }
  return query.operator === '!=' ? negated(condition) : condition;
}

/** The condition of a whole query. */
export function translateQuery(query: Query, context: TranslationContext): SqlCondition {
  if (query.type === 'simple') return translateSimple(query, context);
  const parts = query.query_list.map((item) => translateQuery(item, context));
  switch (query.operator) {
    case 'NOT':
      return negated(parts[0]!);
    case 'AND': {
      const narrowing = parts.filter((part) => part !== EVERYTHING);
      if (narrowing.length === 0) return EVERYTHING;
      return { sql: `(${narrowing.map((part) => part.sql).join(' AND ')})`, params: narrowing.flatMap((part) => part.params), exact: parts.every((part) => part.exact) };
    }
    case 'OR':
      if (parts.includes(EVERYTHING)) return EVERYTHING;
      return anyOf(parts);
  }
}

/** The indexed keys whose value types a translation of `query` (and of `sortKeys`) would use. */
export function keysToType(query: Query | undefined, schema: KeySchema | undefined, sortKeys: readonly string[]): string[] {
  const keys = new Set<string>();
  const field = (key: string): string | undefined => {
    const entry = schema?.key_set?.[key];
    if (entry?.cast_to) return undefined;
    return entry?.read_from ?? key;
  };
  const walk = (item: Query) => {
    if (item.type === 'complex') item.query_list.forEach(walk);
    else if (item.key !== undefined) {
      const name = field(item.key);
      if (name !== undefined && INDEXED_KEYS.includes(name)) keys.add(name);
    }
  };
  if (query) walk(query);
  for (const key of sortKeys) {
    const name = field(key);
    if (name !== undefined && INDEXED_KEYS.includes(name)) keys.add(name);
  }
  return [...keys];
}

/**
 * What ORDER BY sorts a key on when all its values are of one JSON type `kind` (null when a value
 * is not): written once here, for the queries and for the indexes that serve them.
 */
export function sortExpression(dialect: Dialect, key: string, kind: 'string' | 'number' | 'boolean'): string {
  if (dialect === 'sqlite') return `json_extract(doc, ${literal(`$.${key}`)})`;
  const value = `(fl_doc(doc) -> ${literal(key)})`;
  if (kind === 'number') return `(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value} #>> '{}')::float8 END)`;
  if (kind === 'boolean') return `(CASE WHEN jsonb_typeof(${value}) = 'boolean' THEN (${value} #>> '{}')::boolean END)`;
  return `(CASE WHEN jsonb_typeof(${value}) = 'string' THEN (fl_doc(doc) ->> ${literal(key)}) COLLATE "C" END)`;
}

/**
 * ORDER BY for `sort_on` when SQL orders exactly as the matcher's comparator: each key indexed,
 * with one scalar type in the whole table (nulls and missing first when ascending, last when
 * descending), ties by id. Undefined when some key does not qualify (the caller sorts in memory).
 */
export function translateSort(sortOn: ReadonlyArray<readonly [string, 'ascending' | 'descending']>, context: TranslationContext): string | undefined {
  const terms: string[] = [];
  for (const [key, direction] of sortOn) {
    const entry = context.schema?.key_set?.[key];
    if (entry?.cast_to) return undefined;
    const field = entry?.read_from ?? key;
    const types = context.types(field);
    if (!types || types.other || Number(types.string) + Number(types.number) + Number(types.boolean) > 1) return undefined;
    const order = direction === 'ascending' ? 'ASC' : 'DESC';
    const kind = types.number ? 'number' : types.boolean ? 'boolean' : 'string';
    terms.push(`${sortExpression(context.dialect, field, kind)} ${order}${context.dialect === 'postgres' ? (direction === 'ascending' ? ' NULLS FIRST' : ' NULLS LAST') : ''}`);
  }
  terms.push(context.dialect === 'sqlite' ? 'id' : 'id COLLATE "C"');
  return terms.join(', ');
}
