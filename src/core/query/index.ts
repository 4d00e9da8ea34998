export type { CastType, ComplexQuery, KeySchema, Query, QueryOperator, SimpleQuery, SortOn } from './query-types';
export { QueryError } from './query-error';
export { QUERY_DEPTH_LIMIT, parseQuery, toQuery, validateQuery } from './query-parse';
export { serializeQuery } from './query-serialize';
export type { DocPredicate, Json, JsonObject } from './query-match';
export { compareScalars, compileQuery, matchQuery, sortComparator, valuesOf } from './query-match';
