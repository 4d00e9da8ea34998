// Public surface of the core layer: pure, isomorphic types and functions (no DOM, no Node, no I/O).
export type { ApiErrorBody, BackendName, HealthReport } from './api';
export { apiErrorBody, isHealthReport } from './api';
export type { CastType, ComplexQuery, DocPredicate, Json, JsonObject, KeySchema, Query, QueryOperator, SimpleQuery, SortOn } from './query';
export { QueryError, compareScalars, compileQuery, matchQuery, parseQuery, serializeQuery, sortComparator, toQuery, validateQuery, valuesOf } from './query';
