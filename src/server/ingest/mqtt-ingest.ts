/**
 * One MQTT message stored through the ingest service, for the embedded broker and the bridge
 * alike: parsed as JSON telemetry (mqtt-payload.ts), or as Sparkplug B on `spBv1.0/…` topics
 * (sparkplug.ts), keyed so that a copy sent again is stored
 * once, and committed before the caller acknowledges it. A payload that does not parse, or events
 * that cannot be stored, are skipped but kept in the raw stream (with the message's record) and
 * logged; only a failure to store rejects (the caller then does not acknowledge).
 *
 * Keys: a message whose events carry their times is keyed by topic and bytes (any copy of it is
 * the same events); one without times takes its arrival as time and is keyed by sender, message
 * id and bytes within the hour, so a QoS 1 resend (DUP, same message id) is recognised.
 */
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { IngestService } from './ingest-service';
import type { Source } from './sources';
import { mqttJsonFormat, parseMqttPayload } from './mqtt-payload';
import { isSparkplugTopic, parseSparkplug, sparkplugFormat } from './sparkplug';
import type { IngestEvent } from './parse';

/** Counts for tests and logs. */
export interface MqttStats {
  messages: number;
  events: number;
  skipped: number;
  refused: number;
}

export interface MqttMessage {
  source: Source;
  topic: string;
  payload: Buffer;
  /** Who sent it: the client id (embedded broker), or the bridge's own id. */
  sender: string;
  messageId: number | undefined;
}

const HOUR = 3_600_000;

function sha256(...parts: Array<string | Buffer>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

/** Stores `message` (resolves once committed); rejects only when storing failed. */
export async function ingestMqttMessage(service: IngestService, log: FastifyBaseLogger, stats: MqttStats, message: MqttMessage): Promise<void> {
  const receivedAt = Date.now();
  let events: IngestEvent[] = [];
  let timed = false;
  let problem: string | undefined;
  const sparkplug = isSparkplugTopic(message.topic);
  try {
    if (sparkplug) {
      const decoded = parseSparkplug(message.payload, receivedAt);
      ({ events, timed } = decoded);
      if (decoded.unnamed > 0) problem = `${decoded.unnamed} metric(s) known only by alias were skipped`;
    } else ({ events, timed } = parseMqttPayload(message.payload, receivedAt));
  } catch (error) {
    problem = (error as Error).message;
  }
  const key = timed
    ? `mqtt:${sha256(message.topic, message.payload)}`
    : `mqtt:${sha256(message.sender, String(message.messageId ?? receivedAt), message.topic, message.payload, String(Math.floor(receivedAt / HOUR)))}`;
  stats.messages++;
  try {
    const result = await service.ingest(message.source, key, events, message.payload, sparkplug ? sparkplugFormat(receivedAt) : mqttJsonFormat(receivedAt), { skipUnstorable: true });
    stats.events += result.events;
    if (problem !== undefined || result.outOfWindow > 0 || result.unnamable > 0) {
      stats.skipped++;
      log.warn({ tag: message.source.tag, topic: message.topic, problem, outOfWindow: result.outOfWindow, unnamable: result.unnamable }, 'mqtt: a message whose events cannot be stored, kept in the raw stream and acknowledged');
    }
  } catch (error) {
    log.error({ err: error, tag: message.source.tag, topic: message.topic }, 'mqtt: a message could not be stored; it will be sent again');
    throw error;
  }
}
