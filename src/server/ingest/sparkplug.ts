/**
 * Sparkplug B payloads (Eclipse Sparkplug 3.0: protobuf, topic namespace `spBv1.0/…`), decoded
 * with protobufjs (BSD-3) from our own description of the part of the schema we read: the
 * payload's timestamp and metrics (name, timestamp, datatype, is_null and the scalar values).
 * Fields we do not describe (metadata, properties, datasets, templates) are skipped by the decoder.
 *
 * Each metric becomes a field of the event at its timestamp (else the payload's, else the
 * arrival): numbers as numbers (signed integers from their two's complement, 64-bit ones as the
 * nearest double), booleans and text as they are (they stay in the raw stream, as non-numeric
 * fields do everywhere). A metric known only by alias (a DDATA after a DBIRTH that defined it) has
 * no name to become a field: it is skipped and counted.
 */
import protobuf from 'protobufjs';
import { HttpError } from '../errors';
import { MAX_EVENTS, type IngestEvent } from './parse';

const root = protobuf.Root.fromJSON({
  nested: {
    Payload: {
      fields: {
        timestamp: { type: 'uint64', id: 1 },
        metrics: { rule: 'repeated', type: 'Metric', id: 2 },
        seq: { type: 'uint64', id: 3 },
      },
      nested: {
        Metric: {
          oneofs: { value: { oneof: ['int_value', 'long_value', 'float_value', 'double_value', 'boolean_value', 'string_value'] } },
          fields: {
            name: { type: 'string', id: 1 },
            alias: { type: 'uint64', id: 2 },
            timestamp: { type: 'uint64', id: 3 },
            datatype: { type: 'uint32', id: 4 },
            is_null: { type: 'bool', id: 7 },
            int_value: { type: 'uint32', id: 10 },
            long_value: { type: 'uint64', id: 11 },
            float_value: { type: 'float', id: 12 },
            double_value: { type: 'double', id: 13 },
            boolean_value: { type: 'bool', id: 14 },
            string_value: { type: 'string', id: 15 },
          },
        },
      },
    },
  },
});

/** The protobuf type of a Sparkplug B payload (tests encode with it). */
export const SparkplugPayload = root.lookupType('Payload');

/** Sparkplug B datatypes this decoder reads (the spec's numbering). */
export const SparkplugType = { Int8: 1, Int16: 2, Int32: 3, Int64: 4, UInt8: 5, UInt16: 6, UInt32: 7, UInt64: 8, Float: 9, Double: 10, Boolean: 11, String: 12, DateTime: 13, Text: 14 } as const;

interface DecodedMetric {
  name?: string;
  alias?: string;
  timestamp?: string;
  datatype?: number;
  is_null?: boolean;
  int_value?: number;
  long_value?: string;
  float_value?: number;
  double_value?: number;
  boolean_value?: boolean;
  string_value?: string;
}

/** A metric's value as a JSON value (undefined: none or null). */
function valueOf(metric: DecodedMetric): number | boolean | string | undefined {
  if (metric.is_null) return undefined;
  if (metric.int_value !== undefined) {
    const raw = metric.int_value >>> 0;
    switch (metric.datatype) {
      case SparkplugType.Int8:
        return (raw << 24) >> 24;
      case SparkplugType.Int16:
        return (raw << 16) >> 16;
      case SparkplugType.Int32:
        return raw | 0;
      default:
        return raw;
    }
  }
  if (metric.long_value !== undefined) {
    const raw = BigInt(metric.long_value);
    return Number(metric.datatype === SparkplugType.Int64 ? BigInt.asIntN(64, raw) : raw);
  }
  return metric.float_value ?? metric.double_value ?? metric.boolean_value ?? metric.string_value;
}

/** The events of a Sparkplug B payload received at `receivedAt`; 400 when it does not decode. */
export function parseSparkplug(raw: Buffer, receivedAt: number): { events: IngestEvent[]; timed: boolean; unnamed: number } {
  let payload: { timestamp?: string; metrics?: DecodedMetric[] };
  try {
    payload = SparkplugPayload.toObject(SparkplugPayload.decode(raw), { longs: String }) as typeof payload;
  } catch (error) {
    throw new HttpError(400, 'bad_request', `the payload is not a Sparkplug B payload: ${(error as Error).message}`);
  }
  const payloadTime = payload.timestamp === undefined ? undefined : Number(payload.timestamp);
  const byTime = new Map<number, Record<string, unknown>>();
  let timed = true;
  let unnamed = 0;
  for (const metric of payload.metrics ?? []) {
    if (!metric.name) {
      unnamed++;
      continue;
    }
    const own = metric.timestamp === undefined ? payloadTime : Number(metric.timestamp);
    if (own === undefined) timed = false;
    const time = own ?? receivedAt;
    let record = byTime.get(time);
    if (!record) {
      if (byTime.size >= MAX_EVENTS) throw new HttpError(413, 'payload_too_large', `at most ${MAX_EVENTS} events per message`);
      byTime.set(time, (record = Object.create(null) as Record<string, unknown>));
    }
    const value = valueOf(metric);
    if (value !== undefined) record[metric.name] = value;
  }
  const events = [...byTime].map(([time, record]) => ({ time, record: { ...record } }));
  return { events, timed: timed && events.length > 0, unnamed };
}

/** The format recorded with a Sparkplug B batch (decode.ts reads it back). */
export const sparkplugFormat = (receivedAt: number): string => `sparkplug-b:${receivedAt}`;

/** Whether a topic is in the Sparkplug B namespace. */
export const isSparkplugTopic = (topic: string): boolean => topic.startsWith('spBv1.0/');
