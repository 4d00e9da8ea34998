/**
 * The server's data sources, for the app (same origin, session cookie): list, register (admins),
 * merge late events (engineers and admins). Failures throw ApiError with the server's status and
 * reason; no network is status 0.
 */
export interface DataSource {
  id: string;
  tag: string;
  site: string | null;
  asset: string | null;
  units: Record<string, string>;
  events_stored: number;
  late_pending: number;
}

export interface NewDataSource {
  tag: string;
  site?: string;
  asset?: string;
  units?: Record<string, string>;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } });
  } catch {
    throw new ApiError(0, 'the server cannot be reached');
  }
  const body = (await response.json().catch(() => ({}))) as T & { detail?: string };
  if (!response.ok) throw new ApiError(response.status, body.detail ?? `the server answered ${response.status}`);
  return body;
}

/** `temp=°C, power=kW` → {temp: '°C', power: 'kW'}. */
export function parseUnits(text: string): Record<string, string> {
  const units: Record<string, string> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const equals = part.indexOf('=');
    if (equals <= 0) throw new ApiError(400, `write units as field=unit, not ${JSON.stringify(part.trim())}`);
    units[part.slice(0, equals).trim()] = part.slice(equals + 1).trim();
  }
  return units;
}

export const sourcesApi = {
  async list(): Promise<DataSource[]> {
    return (await call<{ sources: DataSource[] }>('/api/sources')).sources;
  },
  create(input: NewDataSource): Promise<DataSource & { token: string; shared_key: string }> {
    return call('/api/sources', { method: 'POST', body: JSON.stringify(input) });
  },
  rebuild(id: string): Promise<{ merged: number; rewritten: number; from: number | null }> {
    return call(`/api/sources/${encodeURIComponent(id)}/rebuild`, { method: 'POST' });
  },
  /** The port the server takes the fluentd forward protocol on (GET /api), null when it does not say. */
  async forwardPort(): Promise<number | null> {
    const port = (await call<{ forward_port?: unknown }>('/api')).forward_port;
    return typeof port === 'number' && Number.isInteger(port) && port > 0 ? port : null;
  },
};
