/**
 * The embedded MQTT broker (aedes, MIT) on MQTT_PORT: devices and gateways publish telemetry
 * straight to Fieldline, nothing else to run.
 *
 * - **Credentials per source**: username = the source's tag, password = its token (the same
 *   token as HTTP ingestion). Anything else is refused at CONNECT (return code 4).
 * - **Topics**: MQTT_TOPICS patterns (mqtt-topics.ts) say which topic belongs to which tag; a
 *   client publishes and subscribes only within its own source's topics (anything else ends
 *   the connection, as MQTT 3.1.1 has no way to refuse one PUBLISH).
 * - **Payloads**: JSON telemetry (mqtt-payload.ts). A message is stored through the ingest
 *   service like any batch — its raw bytes in the source's raw stream, its events once per
 *   (source, time) — and a QoS 1 message is acknowledged (PUBACK) only once committed. A payload
 *   that does not parse, or events that cannot be stored, are skipped but kept in the raw stream
 *   and acknowledged (a device would resend a refused message forever), and logged.
 * - **Exactly once**: a message whose events carry their times is keyed by its topic and bytes,
 *   so a resend after a reconnect (or any copy) is stored once; one without times takes its
 *   arrival as time and is keyed by client id, message id and bytes within the hour, so a QoS 1
 *   resend (DUP) is recognised too.
 * - **Bounded**: a packet announcing more than MQTT_MAX_PACKET_BYTES closes its connection before
 *   it is buffered (a length scanner in front of the parser); connections are capped.
 */
import net from 'node:net';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import type { FastifyBaseLogger } from 'fastify';
import type { IngestService } from './ingest-service';
import type { Source, Sources } from './sources';
import { ingestMqttMessage, type MqttStats } from './mqtt-ingest';
import { filterWithin, topicMatcher, type TopicMatcher } from './mqtt-topics';

export interface MqttBrokerOptions {
  topics: readonly string[];
  /** Largest MQTT packet taken (bytes of its variable header and payload). */
  maxPacketBytes: number;
  maxConnections: number;
}

/**
 * Follows MQTT's fixed headers through a byte stream (type byte, remaining length in 1–4 bytes
 * of 7 bits) and says when a packet announces more than `max` bytes or a malformed length.
 */
class PacketLengthScanner {
  readonly #max: number;
  /** Bytes of the current packet's body still to skip. */
  #skip = 0;
  /** 0: expecting a type byte; 1–4: reading length byte n. */
  #state = 0;
  #length = 0;
  #multiplier = 1;

  constructor(max: number) {
    this.#max = max;
  }

  /** False when the stream must be closed (a packet too large, or a bad length). */
  accept(chunk: Buffer): boolean {
    for (let index = 0; index < chunk.length; ) {
      if (this.#skip > 0) {
        const taken = Math.min(this.#skip, chunk.length - index);
        this.#skip -= taken;
        index += taken;
        continue;
      }
      const byte = chunk[index++]!;
      if (this.#state === 0) {
        this.#state = 1;
        this.#length = 0;
        this.#multiplier = 1;
        continue;
      }
      this.#length += (byte & 0x7f) * this.#multiplier;
      this.#multiplier *= 128;
      if (byte & 0x80) {
        if (++this.#state > 4) return false;
        continue;
      }
      if (this.#length > this.#max) return false;
      this.#skip = this.#length;
      this.#state = 0;
    }
    return true;
  }
}

/**
 * Lets aedes read `socket` through a PacketLengthScanner: each read (aedes reads whatever has
 * arrived, then parses it) is scanned first, and a packet announcing too much closes the socket
 * before its body is buffered. (A stream in between cost aedes its batching: 10× fewer messages.)
 */
function guard(socket: net.Socket, maxPacketBytes: number, onRefused: () => void): net.Socket {
  const scanner = new PacketLengthScanner(maxPacketBytes);
  const read = socket.read.bind(socket);
  socket.read = (size?: number) => {
    const chunk = read(size) as Buffer | string | null;
    if (chunk === null || typeof chunk === 'string') return chunk;
    if (scanner.accept(chunk)) return chunk;
    onRefused();
    socket.destroy();
    return null;
  };
  return socket;
}

const refusal = (message: string, returnCode: number): AuthenticateError => Object.assign(new Error(message), { returnCode }) as AuthenticateError;

export class MqttBroker {
  readonly stats: MqttStats = { messages: 0, events: 0, skipped: 0, refused: 0 };
  readonly #sources: Sources;
  readonly #service: IngestService;
  readonly #log: FastifyBaseLogger;
  readonly #options: MqttBrokerOptions;
  readonly #match: TopicMatcher;
  readonly #clients = new WeakMap<Client, Source>();
  #broker: Aedes | undefined;
  #server: net.Server | undefined;

  constructor(sources: Sources, service: IngestService, log: FastifyBaseLogger, options: MqttBrokerOptions) {
    this.#sources = sources;
    this.#service = service;
    this.#log = log;
    this.#options = options;
    this.#match = topicMatcher(options.topics);
  }

  /** Listens on host:port (0: a free port); resolves with the port. */
  async listen(host: string, port: number): Promise<number> {
    const broker = await Aedes.createBroker({
      authenticate: (client, username, password, done) => void this.#authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => void this.#publish(client, packet, done),
      authorizeSubscribe: (client, subscription, done) => {
        const source = this.#clients.get(client);
        if (source && filterWithin(subscription.topic, source.tag, this.#options.topics)) return done(null, subscription);
        this.stats.refused++;
        done(new Error(`${subscription.topic} is not a topic of this source`));
      },
    });
    this.#broker = broker;
    const server = net.createServer((socket) => {
      broker.handle(
        guard(socket, this.#options.maxPacketBytes, () => {
          this.stats.refused++;
          this.#log.warn({ remote: socket.remoteAddress }, 'mqtt: a packet over MQTT_MAX_PACKET_BYTES (or with a malformed length); connection closed');
        }),
      );
    });
    server.maxConnections = this.#options.maxConnections;
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  async close(): Promise<void> {
    const server = this.#server;
    const broker = this.#broker;
    this.#server = undefined;
    this.#broker = undefined;
    await Promise.all([
      server ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined,
      broker ? new Promise<void>((resolve) => broker.close(() => resolve())) : undefined,
    ]);
  }

  async #authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: (error: AuthenticateError | null, success: boolean | null) => void): Promise<void> {
    try {
      const source = username && password ? await this.#sources.byToken(password.toString('utf8')) : undefined;
      if (!source || source.tag !== username) {
        this.stats.refused++;
        return done(refusal('bad username or password: the username is the source tag, the password its token', 4), false);
      }
      this.#clients.set(client, source);
      done(null, true);
    } catch (error) {
      this.#log.error({ err: error }, 'mqtt: authentication failed');
      done(refusal('the server cannot check credentials now', 3), false);
    }
  }

  async #publish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): Promise<void> {
    if (!client) return done(null); // the broker's own messages
    const source = this.#clients.get(client);
    const tag = this.#match(packet.topic);
    if (!source || tag !== source.tag) {
      this.stats.refused++;
      this.#log.warn({ topic: packet.topic, source: source?.tag }, 'mqtt: a publish to a topic of another source; connection closed');
      return done(new Error(`${packet.topic} is not a topic of this source`));
    }
    const raw = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    try {
      await ingestMqttMessage(this.#service, this.#log, this.stats, { source, topic: packet.topic, payload: raw, sender: client.id, messageId: packet.messageId });
      done(null);
    } catch (error) {
      // A failure to store (the database): no PUBACK, the connection ends and the device resends.
      done(error as Error);
    }
  }
}
