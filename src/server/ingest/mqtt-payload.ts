/**
 * Events of an MQTT JSON payload, ThingsBoard's telemetry formats and ours:
 *   {"ts": 1764720000000, "temp": 21.5}                  one event, ts in epoch milliseconds
 *   {"ts": 1764720000000, "values": {"temp": 21.5}}       ThingsBoard's form with values
 *   {"time": "2026-12-03T00:00:00Z", "temp": 21.5}        time (or timestamp) as elsewhere: seconds or a date
 *   {"temp": 21.5}                                        no time: when the broker received it
 *   [ … ]                                                 several of those
 * The time a payload without one gets is the batch's arrival, recorded with it, so a rebuild
 * decodes the same events again (decode.ts, format `mqtt-json:<arrival ms>`).
 */
import { toEpochMs } from '../../core';
import { HttpError } from '../errors';
import { MAX_EVENTS, type IngestEvent, type TimeCheck } from './parse';

const bad = (detail: string) => new HttpError(400, 'bad_request', detail);

function eventOf(entry: unknown, where: string, receivedAt: number, check?: TimeCheck): IngestEvent {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw bad(`${where}: expected an object of fields`);
  const { ts, time, timestamp, values, ...fields } = entry as Record<string, unknown>;
  let at: number | undefined;
  if (ts !== undefined) {
    if (typeof ts !== 'number' || !Number.isFinite(ts)) throw bad(`${where}: ts must be epoch milliseconds`);
    at = ts;
  } else if (time !== undefined || timestamp !== undefined) {
    at = toEpochMs(time ?? timestamp);
    if (at === undefined) throw bad(`${where}: the time ${JSON.stringify(time ?? timestamp)} is not a number of seconds or a date`);
  } else at = receivedAt;
  let record: Record<string, unknown> = fields;
  if (values !== undefined) {
    if (typeof values !== 'object' || values === null || Array.isArray(values)) throw bad(`${where}: values must be an object of fields`);
    record = { ...fields, ...(values as Record<string, unknown>) };
  }
  const refused = check?.(at);
  if (refused !== undefined) throw bad(`${where}: ${refused}`);
  return { time: at, record };
}

/** The events of a JSON payload received at `receivedAt` (epoch ms); 400 naming what is wrong. */
export function parseMqttJson(raw: Buffer, receivedAt: number, check?: TimeCheck): IngestEvent[] {
  return parseMqttPayload(raw, receivedAt, check).events;
}

/** parseMqttJson, and whether every event named its own time (else some took `receivedAt`). */
export function parseMqttPayload(raw: Buffer, receivedAt: number, check?: TimeCheck): { events: IngestEvent[]; timed: boolean } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw bad('the payload is not JSON');
  }
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  if (entries.length > MAX_EVENTS) throw new HttpError(413, 'payload_too_large', `at most ${MAX_EVENTS} events per message`);
  const events = entries.map((entry, index) => eventOf(entry, Array.isArray(parsed) ? `event ${index}` : 'the payload', receivedAt, check));
  const timed = entries.every((entry) => typeof entry === 'object' && entry !== null && ('ts' in entry || 'time' in entry || 'timestamp' in entry));
  return { events, timed };
}

/** The format recorded with an MQTT JSON batch (decode.ts reads it back). */
export const mqttJsonFormat = (receivedAt: number): string => `mqtt-json:${receivedAt}`;
