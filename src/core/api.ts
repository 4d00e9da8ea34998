/**
 * Shapes of the companion server's JSON contract that browser, server and service worker share.
 * Pure types and validators: no I/O here (core layer).
 */

/** Storage backends the companion server can run on. */
export type BackendName = 'sqlite' | 'postgres';

/** Body of `GET /api/health`. */
export interface HealthReport {
  ok: boolean;
  version: string;
  backend: BackendName;
}

/** Body of every error response: a stable machine-readable `error` code and a human `detail`. */
export interface ApiErrorBody {
  error: string;
  detail: string;
}

/** Builds an error body; keeps the two fields every client relies on. */
export function apiErrorBody(error: string, detail: string): ApiErrorBody {
  return { error, detail };
}

/** True when `value` is a well-formed health report (used by clients before trusting a server). */
export function isHealthReport(value: unknown): value is HealthReport {
  if (typeof value !== 'object' || value === null) return false;
  const report = value as Record<string, unknown>;
  return (
    typeof report.ok === 'boolean' &&
    typeof report.version === 'string' &&
    (report.backend === 'sqlite' || report.backend === 'postgres')
  );
}
