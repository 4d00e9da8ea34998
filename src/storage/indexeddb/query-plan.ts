/**
 * Chooses a secondary index for a query. The index only narrows the candidates (a superset of the
 * answer); every candidate is then checked with the full query, so results equal a full scan.
 */
import { isLikePattern } from '../../core/query/query-like';
import type { KeySchema, Query, SimpleQuery } from '../../core';

export interface IndexPlan {
  key: string;
  ranges: IDBKeyRange[];
}

const isNumeric = (value: string | number): boolean => typeof value === 'number' || (value.trim() !== '' && !Number.isNaN(Number(value)));
// Strings sort above numbers in IndexedDB; this bounds "all strings" from above (arrays sort higher).
const STRING_MAX = '\uffff\uffff\uffff\uffff';

function rangesFor(query: SimpleQuery): IDBKeyRange[] | undefined {
  const value = query.value;
  if (typeof value === 'boolean' || value === 'true' || value === 'false') return undefined; // booleans are not index keys
  if (typeof value === 'string' && isLikePattern(value)) return undefined; // LIKE patterns scan
  const text = String(value);
  const number = isNumeric(value) ? Number(value) : undefined;
  switch (query.operator) {
    case '=':
      return [IDBKeyRange.only(text), ...(number === undefined ? [] : [IDBKeyRange.only(number)])];
    case '<':
    case '<=': {
      const open = query.operator === '<';
      // A number compared with a non-numeric text compares as text: then every number is a candidate.
      const numbers = number === undefined ? IDBKeyRange.bound(-Infinity, Infinity) : IDBKeyRange.bound(-Infinity, number, false, open);
      return [numbers, IDBKeyRange.bound('', text, false, open)];
    }
    case '>':
    case '>=': {
      const open = query.operator === '>';
      const numbers = number === undefined ? IDBKeyRange.bound(-Infinity, Infinity) : IDBKeyRange.bound(number, Infinity, open, false);
      return [numbers, IDBKeyRange.bound(text, STRING_MAX, open, false)];
    }
    default:
      return undefined;
  }
}

/** An index that can narrow `query`, or undefined when it needs a full scan. */
export function planQuery(query: Query | undefined, indexes: readonly string[], schema?: KeySchema): IndexPlan | undefined {
  if (!query) return undefined;
  if (query.type === 'simple') {
    if (query.key === undefined || !indexes.includes(query.key) || schema?.key_set?.[query.key]) return undefined;
    const ranges = rangesFor(query);
    return ranges ? { key: query.key, ranges } : undefined;
  }
  if (query.operator === 'AND') {
    for (const item of query.query_list) {
      const plan = planQuery(item, indexes, schema);
      if (plan) return plan;
    }
  }
  return undefined;
}
