/**
 * The jIO query language's JSON form. A query text (`title:"pump%" AND site:T07`) parses into
 * these objects and serializes back; storages and the server evaluate the same objects.
 */

/** Comparison operators accepted after `key:` (`=` is the default and does LIKE with `%`/`_`). */
export type QueryOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** `key:value` — `key` is absent for a keyless term, which matches any field. */
export interface SimpleQuery {
  type: 'simple';
  key?: string;
  operator: QueryOperator;
  value: string | number | boolean;
}

/** `a AND b`, `a OR b`, `NOT a` (NOT takes exactly one query). */
export interface ComplexQuery {
  type: 'complex';
  operator: 'AND' | 'OR' | 'NOT';
  query_list: Query[];
}

export type Query = SimpleQuery | ComplexQuery;

/** How a key's values are cast before comparing: dates as epoch ms, numbers as numbers. */
export type CastType = 'string' | 'number' | 'date' | 'boolean';

/**
 * jIO's key schema, in plain JSON: `key_set` maps a query key to where it is read from (another
 * document field) and how its values are cast, e.g. `{key_set: {modified: {cast_to: 'date'}}}`.
 */
export interface KeySchema {
  key_set?: Record<string, { read_from?: string; cast_to?: CastType }>;
}

/** `sort_on` entries: `[key, 'ascending' | 'descending']`. */
export type SortOn = Array<[string, 'ascending' | 'descending']>;
