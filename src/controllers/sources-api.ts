/**
 * The server's data sources, for the app (same origin, session cookie): list, register (admins),
 * merge late events (engineers and admins). Failures throw ApiError with the server's status and
 * reason; no network is status 0.
 */
import { ApiError, sameOriginApi } from './api-client';
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

export { ApiError };

const call = <T>(path: string, init: RequestInit = {}): Promise<T> => sameOriginApi.call<T>(path, init);

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
  /** Rebinds a source to another asset or site (admins; null unbinds): its channels and arrays follow. */
  rebind(id: string, binding: { asset?: string | null; site?: string | null }): Promise<{ source: DataSource; moved: { channels: number; arrays: number } }> {
    return call(`/api/sources/${encodeURIComponent(id)}`, { method: 'PATCH', body: JSON.stringify(binding) });
  },
  rebuild(id: string): Promise<{ merged: number; rewritten: number; from: number | null }> {
    return call(`/api/sources/${encodeURIComponent(id)}/rebuild`, { method: 'POST' });
  },
  /** The embedded MQTT broker's port and topic patterns (GET /api), null when there is none. */
  async mqtt(): Promise<{ port: number; topics: string[] } | null> {
    const mqtt = (await call<{ mqtt?: unknown }>('/api')).mqtt as { port?: unknown; topics?: unknown } | null | undefined;
    if (!mqtt || typeof mqtt.port !== 'number' || !Number.isInteger(mqtt.port) || mqtt.port <= 0 || !Array.isArray(mqtt.topics)) return null;
    return { port: mqtt.port, topics: mqtt.topics.filter((topic): topic is string => typeof topic === 'string') };
  },
  /** The port the server takes the fluentd forward protocol on (GET /api), null when it does not say. */
  async forwardPort(): Promise<number | null> {
    const port = (await call<{ forward_port?: unknown }>('/api')).forward_port;
    return typeof port === 'number' && Number.isInteger(port) && port > 0 ? port : null;
  },
};
