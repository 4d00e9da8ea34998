/** Writes a JSON-form query back as text that `parseQuery` reads to the same query. */
import type { Query } from './query-types';

function quote(value: string | number | boolean): string {
  // Only quotes and backslashes that do not escape a LIKE wildcard need escaping.
  return `"${String(value).replace(/\\(?![%_])|"/g, (char) => `\\${char}`)}"`;
}

/** Query → text, e.g. `(title:"pump%") AND (NOT (site:"T07"))`. */
export function serializeQuery(query: Query): string {
  if (query.type === 'simple') {
    const operator = query.operator === '=' ? '' : query.operator;
    // A keyless term is written `:op"value"` when it has an operator, so it never reads as a key.
    if (query.key === undefined) return operator === '' ? quote(query.value) : `${operator}${quote(query.value)}`;
    return `${query.key}:${operator}${quote(query.value)}`;
  }
  const parts = query.query_list.map((item) => `(${serializeQuery(item)})`);
  return query.operator === 'NOT' ? `NOT ${parts[0]}` : parts.join(` ${query.operator} `);
}
