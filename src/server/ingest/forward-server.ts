/**
 * fluentd Forward Protocol v1 server (Message, Forward, PackedForward and CompressedPackedForward
 * modes; EventTime and integer times; `chunk` acknowledged with `{ack: chunk}` only after the batch
 * is committed). The tag names the data source; unknown tags are refused (no ack, logged,
 * counted). A malformed or oversized frame closes the connection; nothing of it is stored.
 * Frames of one connection are handed to the ingest service in order, each without waiting for
 * the previous one's commit (the service stores a source's waiting batches together, in order);
 * each chunk is acknowledged once its own batch is committed. Reading pauses while a connection
 * has too much handed over and not yet committed.
 *
 * With `requireHandshake` (FORWARD_SECURITY=1) a connection starts with the protocol's handshake:
 * the server sends HELO with a nonce, the client answers PING with a digest of that nonce and a
 * shared key, and the server answers PONG. The shared key is the source's: the digest tells which
 * source connects, and that connection may then only send that source's tag.
 *
 * Heartbeats: fluentd's out_forward checks a destination either by a TCP connect (`heartbeat_type
 * transport`) or by a UDP datagram to the same port (`heartbeat_type udp`, its default in older
 * releases), which in_forward answers with a one-byte datagram. A UDP socket on the listener's
 * host and port does the same here.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import { pack, unpack } from 'msgpackr';
import type { FastifyBaseLogger } from 'fastify';
import type { Source, Sources } from './sources';
import { KeyReusedError, type IngestService } from './ingest-service';
import { MsgpackFrameScanner, MsgpackScanError } from './msgpack-frames';
import { ProtocolError, decodeFrame } from './forward-frames';

/** A frame larger than this closes the connection (fluentd's chunk limit is 8 MB by default). */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/**
 * Arrays and maps nested deeper than this close the connection. It bounds the frame scanner's
 * stack and is above what msgpackr's recursive decoder manages anyway (it runs out of call stack
 * at a few thousand levels), so no frame that decoded before is refused for it.
 */
const MAX_NESTING = 10_000;

/**
 * A connection stops being read while more than this is received and not yet committed (frames,
 * bytes): memory stays bounded whatever the client sends, and it is still enough for the ingest
 * service to make large groups of Message-mode (one event) frames.
 */
const MAX_IN_FLIGHT_FRAMES = 10_000;
const MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024;

export interface ForwardStats {
  frames: number;
  events: number;
  refusedUnknownTag: number;
  protocolErrors: number;
  refusedHandshakes: number;
  /** UDP heartbeat datagrams answered. */
  heartbeats: number;
  /** Events skipped for a time outside the accepted window (the rest of their frames is stored). */
  refusedOutOfWindow: number;
  /** Numeric values skipped because their field name cannot name a channel. */
  refusedUnnamable: number;
  /** Chunks whose id was stored before with other content: not stored, not acknowledged, connection closed. */
  refusedChunkReuse: number;
}

/** What in_forward answers to any heartbeat datagram: a single zero byte. */
const HEARTBEAT_REPLY = Buffer.from([0]);

/** sha512 hex of the concatenated parts, as the handshake defines its digests. */
function digest(...parts: Array<string | Uint8Array>): string {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

interface Connection {
  nonce: Buffer | undefined;
  /** The source a handshake authenticated (undefined before, or without handshakes). */
  source: Source | undefined;
  /** Sources by tag, looked up once per connection (a source's tag never changes). */
  sources: Map<string, Source>;
  /** Resolves once every frame received so far is decoded and handed over: the next frame waits for it. */
  handing: Promise<void>;
  /** Frames received and not yet committed (or refused), and their bytes. */
  inFlight: Set<Promise<void>>;
  inFlightBytes: number;
}


/** Pieces smaller than this are copied together (see FramePieces), into buffers of STAGING_BYTES. */
const SMALL_PIECE_BYTES = 16 * 1024;
const STAGING_BYTES = 64 * 1024;

/**
 * The received bytes of the frame in progress, joined once when the frame is complete. A client
 * may send a few bytes per TCP segment: small pieces are copied together so that the list holds
 * about one entry per SMALL_PIECE_BYTES received, not one object per segment.
 */
class FramePieces {
  #pieces: Buffer[] = [];
  #bytes = 0;
  /** Allocated at the first small piece: a connection whose reads end on frame boundaries needs none. */
  #staging: Buffer | undefined;
  #staged = 0;

  /** Appends the next bytes of the frame (kept as they are when large, copied when small). */
  add(piece: Buffer): void {
    this.#bytes += piece.length;
    if (piece.length >= SMALL_PIECE_BYTES) {
      this.#unstage();
      this.#pieces.push(piece);
      return;
    }
    if (this.#staged + piece.length > STAGING_BYTES) this.#unstage();
    this.#staging ??= Buffer.allocUnsafe(STAGING_BYTES);
    this.#staged += piece.copy(this.#staging, this.#staged);
  }

  /** The frame: the pieces added, then `tail`. Starts the next frame empty. */
  join(tail: Buffer): Buffer {
    if (this.#bytes === 0) return tail;
    const parts = this.#staged > 0 ? [...this.#pieces, this.#staging!.subarray(0, this.#staged), tail] : [...this.#pieces, tail];
    const frame = Buffer.concat(parts, this.#bytes + tail.length);
    this.#pieces = [];
    this.#bytes = 0;
    this.#staged = 0;
    return frame;
  }

  /** Moves the staged bytes to the list (copied: the staging buffer is used again). */
  #unstage(): void {
    if (this.#staged === 0) return;
    this.#pieces.push(Buffer.from(this.#staging!.subarray(0, this.#staged)));
    this.#staged = 0;
  }
}

export class ForwardServer {
  readonly stats: ForwardStats = { frames: 0, events: 0, refusedUnknownTag: 0, protocolErrors: 0, refusedHandshakes: 0, heartbeats: 0, refusedOutOfWindow: 0, refusedUnnamable: 0, refusedChunkReuse: 0 };
  readonly #requireHandshake: boolean;
  readonly #hostname = os.hostname();
  readonly #sources: Sources;
  readonly #service: IngestService;
  readonly #log: FastifyBaseLogger;
  readonly #server: net.Server;
  readonly #connections = new Map<net.Socket, Connection>();
  #closing = false;
  #heartbeat: dgram.Socket | undefined;

  constructor(sources: Sources, service: IngestService, log: FastifyBaseLogger, options: { requireHandshake?: boolean } = {}) {
    this.#requireHandshake = options.requireHandshake ?? false;
    this.#sources = sources;
    this.#service = service;
    this.#log = log;
    this.#server = net.createServer((socket) => this.#connection(socket));
  }

  /**
   * Starts listening for TCP (frames) and UDP (heartbeats) on the same host and port; resolves
   * with the port (0 picks one that is free for both).
   */
  async listen(host: string, port: number): Promise<number> {
    // With port 0 the TCP port is free, but its UDP twin may be taken: pick another a few times.
    for (let attempt = 1; ; attempt++) {
      const address = await new Promise<net.AddressInfo>((resolve, reject) => {
        this.#server.once('error', reject);
        this.#server.listen(port, host, () => {
          this.#server.off('error', reject);
          resolve(this.#server.address() as net.AddressInfo);
        });
      });
      try {
        this.#heartbeat = await this.#listenHeartbeats(address);
        return address.port;
      } catch (error) {
        await new Promise<void>((resolve) => this.#server.close(() => resolve()));
        if (port !== 0 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 5) throw error;
      }
    }
  }

  /** Binds the UDP heartbeat socket to the TCP listener's address; each datagram gets one zero byte back. */
  #listenHeartbeats(address: net.AddressInfo): Promise<dgram.Socket> {
    // Same family as the TCP listener: an IPv6 wildcard ('::') also takes IPv4, as for TCP.
    const socket = dgram.createSocket(address.family === 'IPv6' ? 'udp6' : 'udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', (error) => {
        socket.close();
        reject(error);
      });
      socket.bind(address.port, address.address, () => {
        socket.removeAllListeners('error');
        // A failed send (an ICMP error from an earlier one, a full buffer) is no reason to stop.
        socket.on('error', (error) => this.#log.warn({ error: error.message }, 'forward protocol: heartbeat socket error'));
        socket.on('message', (_message, remote) => {
          this.stats.heartbeats++;
          socket.send(HEARTBEAT_REPLY, remote.port, remote.address, () => undefined);
        });
        resolve(socket);
      });
    });
  }

  /**
   * Stops accepting and answering heartbeats; each connection stops reading, sees the frames it
   * received committed and acknowledged, then closes.
   */
  async close(): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const heartbeat = this.#heartbeat;
    this.#heartbeat = undefined;
    const heartbeatClosed = heartbeat ? new Promise<void>((resolve) => heartbeat.close(() => resolve())) : undefined;
    const drained = [...this.#connections].map(async ([socket, connection]) => {
      socket.pause();
      await Promise.all(connection.inFlight);
      socket.end();
    });
    await Promise.all([closed, heartbeatClosed, ...drained]);
  }

  #connection(socket: net.Socket): void {
    const connection: Connection = { nonce: undefined, source: undefined, sources: new Map(), handing: Promise.resolve(), inFlight: new Set(), inFlightBytes: 0 };
    this.#connections.set(socket, connection);
    if (this.#requireHandshake) {
      connection.nonce = randomBytes(16);
      // No user/password step (auth ''): the shared key identifies the source.
      socket.write(pack(['HELO', { nonce: connection.nonce, auth: '', keepalive: true }]));
    }
    // Frames are found by scanning headers as bytes arrive, and each is decoded once it is
    // complete: decoding the buffered bytes again after every read would cost time quadratic in a
    // frame's size. The pieces of the frame in progress are joined once, when it is complete.
    const scanner = new MsgpackFrameScanner({ maxValueBytes: MAX_FRAME_BYTES, maxDepth: MAX_NESTING });
    const pieces = new FramePieces();
    socket.on('data', (data: Buffer) => {
      let ends: number[];
      try {
        ends = scanner.scan(data);
      } catch (error) {
        const tooLarge = error instanceof MsgpackScanError && error.code === 'too_large';
        return this.#fail(socket, new ProtocolError(tooLarge ? 'frame too large' : 'malformed msgpack', { cause: error }));
      }
      const frames: Array<{ value: unknown; raw: Buffer }> = [];
      let start = 0;
      for (const end of ends) {
        const raw = pieces.join(data.subarray(start, end));
        start = end;
        let value: unknown;
        try {
          value = unpack(raw);
        } catch (error) {
          return this.#fail(socket, new ProtocolError('malformed msgpack', { cause: error }));
        }
        frames.push({ value, raw });
      }
      if (start < data.length) pieces.add(data.subarray(start));
      for (const frame of frames) this.#take(socket, connection, frame.value, frame.raw);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#connections.delete(socket));
  }

  #fail(socket: net.Socket, error: unknown): void {
    if (socket.destroyed) return;
    this.stats.protocolErrors++;
    this.#log.warn({ remote: socket.remoteAddress, reason: error instanceof Error ? error.message : String(error) }, 'forward protocol: closing connection');
    socket.destroy();
  }

  /** Queues a frame behind the connection's earlier ones; its commit and ack follow on their own. */
  #take(socket: net.Socket, connection: Connection, value: unknown, raw: Buffer): void {
    // A frame that cannot be taken closes the connection before the next frame is looked at.
    const handed = connection.handing.then(() => this.#frame(socket, connection, value, raw)).catch((error: unknown) => this.#fail(socket, error));
    connection.handing = handed.then(() => undefined);
    connection.inFlightBytes += raw.length;
    const settled: Promise<void> = handed
      .then((handedOver) => handedOver?.committed)
      .catch((error: unknown) => this.#fail(socket, error))
      .finally(() => {
        connection.inFlight.delete(settled);
        connection.inFlightBytes -= raw.length;
        if (socket.isPaused() && !this.#closing && connection.inFlight.size < MAX_IN_FLIGHT_FRAMES && connection.inFlightBytes < MAX_IN_FLIGHT_BYTES) socket.resume();
      });
    connection.inFlight.add(settled);
    if (connection.inFlight.size >= MAX_IN_FLIGHT_FRAMES || connection.inFlightBytes >= MAX_IN_FLIGHT_BYTES) socket.pause();
  }

  /** Answers a PING: finds the source whose shared key produced the digest, then PONGs. */
  async #ping(socket: net.Socket, connection: Connection, value: unknown): Promise<void> {
    if (!Array.isArray(value) || value[0] !== 'PING' || value.length < 4) throw new ProtocolError('the handshake must start with PING');
    const [, hostname, salt, clientDigest] = value as [string, unknown, unknown, unknown];
    if (typeof hostname !== 'string' || !(typeof salt === 'string' || salt instanceof Uint8Array) || typeof clientDigest !== 'string') throw new ProtocolError('malformed PING');
    const nonce = connection.nonce!;
    let found: Source | undefined;
    let key = '';
    for (const candidate of await this.#sources.withSharedKeys()) {
      if (digest(salt, hostname, nonce, candidate.sharedKey) === clientDigest) {
        found = candidate.source;
        key = candidate.sharedKey;
        break;
      }
    }
    if (!found) {
      this.stats.refusedHandshakes++;
      socket.write(pack(['PONG', false, 'shared key mismatch', this.#hostname, '']));
      socket.end();
      return;
    }
    connection.source = found;
    socket.write(pack(['PONG', true, '', this.#hostname, digest(salt, this.#hostname, nonce, key)]));
  }

  /**
   * Decodes a frame and hands its batch to the ingest service; resolves once it is handed over,
   * with `committed` settling after the commit and the ack (nothing to commit: undefined).
   */
  async #frame(socket: net.Socket, connection: Connection, value: unknown, raw: Buffer): Promise<{ committed: Promise<void> } | undefined> {
    if (socket.destroyed) return undefined;
    if (this.#requireHandshake && !connection.source) {
      await this.#ping(socket, connection, value);
      return undefined;
    }
    const { tag, events, option } = decodeFrame(value, raw);
    this.stats.frames++;
    let source = connection.sources.get(tag);
    if (!source) {
      // Looked up once per tag: a lookup waits for the commit in progress, which would keep
      // every frame from joining the group being formed.
      source = await this.#sources.byTag(tag);
      if (source) connection.sources.set(tag, source);
    }
    if (connection.source && source?.id !== connection.source.id) {
      this.stats.refusedUnknownTag++;
      this.#log.warn({ tag, authenticated: connection.source.tag }, 'forward protocol: tag of another source refused');
      return undefined;
    }
    if (!source) {
      this.stats.refusedUnknownTag++;
      this.#log.warn({ tag }, 'forward protocol: unknown tag refused');
      return undefined;
    }
    const chunk = typeof option.chunk === 'string' ? option.chunk : undefined;
    const key = chunk ? `chunk:${chunk}` : `sha256:${createHash('sha256').update(raw).digest('hex')}`;
    // What cannot be stored is skipped, not refused: fluentd would resend a refused chunk forever.
    const committed = this.#service.ingest(source, key, events, raw, 'forward', { skipUnstorable: true }).then(
      (result) => {
        this.stats.events += result.events;
        this.stats.refusedOutOfWindow += result.outOfWindow;
        this.stats.refusedUnnamable += result.unnamable;
        if (result.outOfWindow > 0 || result.unnamable > 0) {
          this.#log.warn({ tag, chunk, outOfWindow: result.outOfWindow, unnamable: result.unnamable, bounds: this.#service.bounds() }, 'forward protocol: events outside the accepted time window, or values of fields that cannot name a channel, skipped (kept in the raw stream)');
        }
        if (chunk && socket.writable) socket.write(pack({ ack: chunk }));
      },
      (error: unknown) => {
        // fluentd never reuses a chunk id for other content. Acknowledging would lose this data
        // silently; it is refused, and the connection closed (by the caller) so that the client's
        // log says so at once instead of after its ack timeout.
        if (error instanceof KeyReusedError) {
          this.stats.refusedChunkReuse++;
          this.#log.warn({ tag, chunk }, 'forward protocol: a chunk id stored before with other content, refused (no ack)');
        }
        throw error;
      },
    );
    return { committed };
  }
}
