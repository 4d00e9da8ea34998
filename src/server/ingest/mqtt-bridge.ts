/**
 * The bridge to an external MQTT broker (MQTT_URL, e.g. a site's mosquitto): Fieldline subscribes
 * to the source topics (MQTT_TOPICS with `{tag}` as `+`) at QoS 1 with a persistent session (MQTT
 * 5, a fixed client id, clean start off, a session kept a week), so what devices publish while Fieldline is away is queued
 * by the broker and delivered when it is back. Each message is acknowledged (PUBACK) only once
 * committed (mqtt.js `customHandleAcks`); when it cannot be stored the connection is dropped
 * without acknowledging, and the broker delivers it again. The topic names the source (its tag);
 * the broker's own authentication stands for the devices' (messages of unknown tags are
 * acknowledged and dropped, and logged). Run it in one process: each bridge gets every message.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { FastifyBaseLogger } from 'fastify';
import type { IngestService } from './ingest-service';
import type { Source, Sources } from './sources';
import { ingestMqttMessage, type MqttStats } from './mqtt-ingest';
import { topicMatcher, type TopicMatcher } from './mqtt-topics';

export interface MqttBridgeOptions {
  url: string;
  topics: readonly string[];
  /** The persistent session's client id (MQTT_BRIDGE_CLIENT_ID). */
  clientId: string;
}

export class MqttBridge {
  readonly stats: MqttStats = { messages: 0, events: 0, skipped: 0, refused: 0 };
  readonly #sources: Sources;
  readonly #service: IngestService;
  readonly #log: FastifyBaseLogger;
  readonly #options: MqttBridgeOptions;
  readonly #match: TopicMatcher;
  /** Sources by tag, once found (a tag unknown now is asked again next time). */
  readonly #known = new Map<string, Source>();
  #client: MqttClient | undefined;

  constructor(sources: Sources, service: IngestService, log: FastifyBaseLogger, options: MqttBridgeOptions) {
    this.#sources = sources;
    this.#service = service;
    this.#log = log;
    this.#options = options;
    this.#match = topicMatcher(options.topics);
  }

  /** Whether the bridge is connected to the broker now. */
  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  /** Connects (and keeps reconnecting); resolves at once, the first connection follows. */
  start(): void {
    const filters = this.#options.topics.map((pattern) => pattern.replace('{tag}', '+'));
    const client = mqtt.connect(this.#options.url, {
      clientId: this.#options.clientId,
      // MQTT 5: mqtt.js leaves the PUBACK to customHandleAcks only then; the session outlives a
      // disconnection for a week (MQTT 5 ends it at once unless told).
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: 7 * 24 * 3600 },
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      customHandleAcks: (topic, payload, packet: { messageId?: number }, done) => {
        void this.#handle(topic, payload, packet.messageId).then(
          () => done(0),
          (error: unknown) => {
            // Not acknowledged: the broker sends it again after the reconnect.
            done(error as Error);
            client.stream?.destroy();
          },
        );
      },
    });
    client.on('connect', (connack: { sessionPresent?: boolean }) => {
      this.#log.info({ url: redacted(this.#options.url), sessionPresent: connack.sessionPresent }, 'mqtt bridge: connected');
      // Again at each connection (the session keeps them, but MQTT_TOPICS may have changed).
      client.subscribe(Object.fromEntries(filters.map((topic) => [topic, { qos: 1 as const }])), (error) => {
        if (error) this.#log.error({ err: error }, 'mqtt bridge: subscribing failed');
      });
    });
    client.on('error', (error) => this.#log.warn({ err: error }, 'mqtt bridge: connection error (retrying)'));
    this.#client = client;
  }

  async #handle(topic: string, payload: Buffer, messageId: number | undefined): Promise<void> {
    const tag = this.#match(topic);
    let source = tag === undefined ? undefined : this.#known.get(tag);
    if (tag !== undefined && !source) {
      source = await this.#sources.byTag(tag);
      if (source) this.#known.set(tag, source);
    }
    if (!source) {
      this.stats.refused++;
      this.#log.warn({ topic }, 'mqtt bridge: a message for no known source (acknowledged, dropped)');
      return;
    }
    await ingestMqttMessage(this.#service, this.#log, this.stats, { source, topic, payload, sender: this.#options.clientId, messageId });
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client) await client.endAsync(false);
  }
}

/** A URL without its password, for logs. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured MQTT_URL';
  }
}
