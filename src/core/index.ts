// Public surface of the core layer: pure, isomorphic types and functions (no DOM, no Node, no I/O).
export type { ApiErrorBody, BackendName, HealthReport } from './api';
export { apiErrorBody, isHealthReport } from './api';
