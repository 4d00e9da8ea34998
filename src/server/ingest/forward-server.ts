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
 * Bounds (ForwardLimits, each configurable): connections open at once; a connection that sends
 * nothing for a while, or takes too long to finish a frame it started, is closed; one buffer budget
 * covers the bytes of all connections — partial frames, frames not yet committed, inflated entries —
 * and past it reading pauses (when commits will free enough) or the connection holding the largest
 * partial frame closes (when nothing else would). A frame is looked up by its tag before its entries
 * are decoded; entries are inflated with a size bound, off the event loop, and decoded in slices
 * with turns of the event loop between them (forward-frames.ts). Closing a connection never drops a
 * frame already handed to the ingest service: it is committed, only its ack is lost, and the
 * client's resend of the chunk is acknowledged without storing it twice.
 *
 * Heartbeats: fluentd's out_forward checks a destination either by a TCP connect (`heartbeat_type
 * transport`) or by a UDP datagram to the same port (`heartbeat_type udp`, its default in older
 * releases), which in_forward answers with a one-byte datagram. A UDP socket on the listener's
 * host and port does the same here.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import os from 'node:os';
import { pack, unpack } from 'msgpackr';
import type { FastifyBaseLogger } from 'fastify';
import type { Source, Sources } from './sources';
import { DatabaseError, HttpError } from '../errors';
import { KeyReusedError, type IngestService } from './ingest-service';
import { MsgpackFrameScanner, MsgpackScanError } from './msgpack-frames';
import { ProtocolError, readFrameBody, readFrameHead } from './forward-frames';
import { DEFAULT_FORWARD_LIMITS, type ForwardLimits } from './forward-limits';

/** The default frame limit (FORWARD_MAX_FRAME_BYTES). */
export const MAX_FRAME_BYTES = DEFAULT_FORWARD_LIMITS.maxFrameBytes;

/** Before the handshake only PING is expected: a larger frame is not decoded at all. */
const MAX_HANDSHAKE_FRAME_BYTES = 64 * 1024;

/**
 * Frames at least this large are hashed (for their key, when they carry no chunk id) in the
 * thread pool (WebCrypto); smaller ones synchronously, where a hop to the pool would cost more.
 */
const ASYNC_HASH_BYTES = 1024 * 1024;

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
  /** CompressedPackedForward entries inflated (or begun: refused ones too). */
  decompressions: number;
  /** Protocol errors for entries that inflate past maxDecompressedBytes. */
  decompressedTooLarge: number;
  /** Connections closed at once for being over maxConnections. */
  refusedConnections: number;
  idleTimeouts: number;
  frameTimeouts: number;
  /** Times reading paused for the buffer budget, and connections closed for it. */
  budgetPauses: number;
  closedOverBudget: number;
  /** Events skipped for a time outside the accepted window (the rest of their frames is stored). */
  refusedOutOfWindow: number;
  /** Numeric values skipped because their field name cannot name a channel. */
  refusedUnnamable: number;
  /** Chunks whose id was stored before with other content: not stored, not acknowledged, connection closed. */
  refusedChunkReuse: number;
  /**
   * Frames that were fine but could not be stored (the database unreachable, full, …): not
   * acknowledged, the connection closed so the agent resends. Not protocol errors.
   */
  storeFailures: number;
}

export interface ForwardServerOptions extends Partial<ForwardLimits> {
  requireHandshake?: boolean | undefined;
}

/** What in_forward answers to any heartbeat datagram: a single zero byte. */
const HEARTBEAT_REPLY = Buffer.from([0]);

/** sha256 hex of a frame: large ones in the thread pool, so that hashing does not hold the event loop. */
async function sha256Hex(bytes: Buffer): Promise<string> {
  if (bytes.length < ASYNC_HASH_BYTES) return createHash('sha256').update(bytes).digest('hex');
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
}

/** sha512 hex of the concatenated parts, as the handshake defines its digests. */
function digest(...parts: Array<string | Uint8Array>): string {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

interface Connection {
  socket: net.Socket;
  nonce: Buffer | undefined;
  /** The source a handshake authenticated (undefined before, or without handshakes). */
  source: Source | undefined;
  /** Sources by tag, looked up once per connection (a source's tag never changes). */
  sources: Map<string, Source>;
  /** Resolves once every frame received so far is decoded and handed over: the next frame waits for it. */
  handing: Promise<void>;
  /** Frames received and not yet committed (or refused), and their bytes. */
  inFlight: Set<Promise<void>>;
  /** Bytes those frames hold: received, then inflated too. */
  inFlightBytes: number;
  /** The received bytes of the frame in progress. */
  pieces: FramePieces;
  /** Closes the connection once it has been quiet for idleTimeoutMs (refreshed by each read). */
  idleTimer: NodeJS.Timeout;
  /** Set while a frame is in progress: closes the connection if it does not complete in time. */
  frameTimer: NodeJS.Timeout | undefined;
}

/** Bytes a frame holds while in flight, counted in its connection's and the server's totals. */
interface Held {
  bytes: number;
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

  /** Bytes of the frame in progress held so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Lets go of the bytes held (the connection is closing). */
  clear(): void {
    this.#pieces = [];
    this.#bytes = 0;
    this.#staged = 0;
    this.#staging = undefined;
  }

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
  readonly stats: ForwardStats = {
    frames: 0,
    events: 0,
    refusedUnknownTag: 0,
    protocolErrors: 0,
    refusedHandshakes: 0,
    heartbeats: 0,
    decompressions: 0,
    decompressedTooLarge: 0,
    refusedConnections: 0,
    idleTimeouts: 0,
    frameTimeouts: 0,
    budgetPauses: 0,
    closedOverBudget: 0,
    refusedOutOfWindow: 0,
    refusedUnnamable: 0,
    refusedChunkReuse: 0,
    storeFailures: 0,
  };
  readonly #requireHandshake: boolean;
  readonly #limits: ForwardLimits;
  readonly #hostname = os.hostname();
  readonly #sources: Sources;
  readonly #service: IngestService;
  readonly #log: FastifyBaseLogger;
  readonly #server: net.Server;
  readonly #connections = new Map<net.Socket, Connection>();
  #closing = false;
  #heartbeat: dgram.Socket | undefined;
  /** Bytes of all partial frames, and of all frames in flight (closed connections' too, until they settle). */
  #partialBytes = 0;
  #inFlightBytes = 0;
  /** Reading of every connection is paused until commits bring the buffered bytes under the budget. */
  #budgetPaused = false;
  /** Inflatings running, and those waiting for room in the budget (woken to look again). */
  #inflating = 0;
  #inflateWaiters: Array<() => void> = [];

  constructor(sources: Sources, service: IngestService, log: FastifyBaseLogger, options: ForwardServerOptions = {}) {
    this.#requireHandshake = options.requireHandshake ?? false;
    const limits = { ...DEFAULT_FORWARD_LIMITS };
    for (const name of Object.keys(limits) as Array<keyof ForwardLimits>) {
      const value = options[name];
      if (value !== undefined) limits[name] = value;
    }
    if (limits.bufferBytes < limits.maxFrameBytes) throw new RangeError('the buffer budget must hold at least one frame of the largest size');
    this.#limits = limits;
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
      this.#stopTimers(connection);
      socket.pause();
      await Promise.all(connection.inFlight);
      // Paused, the socket would never read a peer's FIN (an agent that hung up as the server
      // closes): the connection, and so close(), would wait forever. Once our acks and FIN are
      // flushed there is nothing left to wait for.
      socket.end(() => socket.destroy());
    });
    await Promise.all([closed, heartbeatClosed, ...drained]);
  }

  /** Bytes held for all connections: what the buffer budget bounds. */
  get bufferedBytes(): number {
    return this.#partialBytes + this.#inFlightBytes;
  }

  /** Connections open now. */
  get connections(): number {
    return this.#connections.size;
  }

  #connection(socket: net.Socket): void {
    if (this.#connections.size >= this.#limits.maxConnections) {
      this.stats.refusedConnections++;
      this.#log.warn({ remote: socket.remoteAddress, limit: this.#limits.maxConnections }, 'forward protocol: too many connections, closing the new one');
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    const connection: Connection = {
      socket,
      nonce: undefined,
      source: undefined,
      sources: new Map(),
      handing: Promise.resolve(),
      inFlight: new Set(),
      inFlightBytes: 0,
      pieces: new FramePieces(),
      idleTimer: setTimeout(() => this.#idle(connection), this.#limits.idleTimeoutMs).unref(),
      frameTimer: undefined,
    };
    this.#connections.set(socket, connection);
    if (this.#budgetPaused) socket.pause();
    if (this.#requireHandshake) {
      connection.nonce = randomBytes(16);
      // No user/password step (auth ''): the shared key identifies the source.
      socket.write(pack(['HELO', { nonce: connection.nonce, auth: '', keepalive: true }]));
    }
    // Frames are found by scanning headers as bytes arrive, and each is decoded once it is
    // complete: decoding the buffered bytes again after every read would cost time quadratic in a
    // frame's size. The pieces of the frame in progress are joined once, when it is complete.
    const scanner = new MsgpackFrameScanner({ maxValueBytes: this.#limits.maxFrameBytes, maxDepth: MAX_NESTING });
    const pieces = connection.pieces;
    socket.on('data', (data: Buffer) => {
      connection.idleTimer.refresh();
      let ends: number[];
      try {
        ends = scanner.scan(data);
      } catch (error) {
        const tooLarge = error instanceof MsgpackScanError && error.code === 'too_large';
        return this.#fail(socket, new ProtocolError(tooLarge ? 'frame too large' : 'malformed msgpack', { cause: error }));
      }
      const partialBefore = pieces.bytes;
      const frames: Buffer[] = [];
      let start = 0;
      for (const end of ends) {
        frames.push(pieces.join(data.subarray(start, end)));
        start = end;
      }
      if (start < data.length) pieces.add(data.subarray(start));
      this.#partialBytes += pieces.bytes - partialBefore;
      // The timer runs from a frame's first byte: a frame ending here stops it, the next starts it again.
      if (ends.length > 0 && connection.frameTimer) {
        clearTimeout(connection.frameTimer);
        connection.frameTimer = undefined;
      }
      if (pieces.bytes > 0 && !connection.frameTimer) connection.frameTimer = setTimeout(() => this.#frameTimedOut(connection), this.#limits.frameTimeoutMs).unref();
      for (const raw of frames) this.#take(socket, connection, raw);
      this.#enforceBudget();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.#connections.delete(socket);
      this.#release(connection);
      // Its partial frame no longer counts: others may read again.
      this.#enforceBudget();
    });
  }

  /** Stops a connection's timers and lets go of its partial frame (idempotent). */
  #release(connection: Connection): void {
    this.#stopTimers(connection);
    this.#partialBytes -= connection.pieces.bytes;
    connection.pieces.clear();
  }

  #stopTimers(connection: Connection): void {
    clearTimeout(connection.idleTimer);
    clearTimeout(connection.frameTimer);
    connection.frameTimer = undefined;
  }

  /** Quiet for idleTimeoutMs: closed, unless it waits for us (acks to come, reading paused). */
  #idle(connection: Connection): void {
    const { socket } = connection;
    if (socket.destroyed) return;
    if (connection.inFlight.size > 0 || socket.isPaused()) {
      connection.idleTimer.refresh();
      return;
    }
    this.stats.idleTimeouts++;
    this.#drop(connection, 'idle connection closed');
  }

  /** A frame not complete within frameTimeoutMs of its first byte: closed, unless reading it is paused. */
  #frameTimedOut(connection: Connection): void {
    const { socket } = connection;
    if (socket.destroyed || !connection.frameTimer) return;
    if (socket.isPaused()) {
      connection.frameTimer.refresh();
      return;
    }
    this.stats.frameTimeouts++;
    this.#drop(connection, 'frame not completed in time, connection closed');
  }

  /** Closes a connection for a limit (not a protocol error); frames it handed over still commit. */
  #drop(connection: Connection, reason: string): void {
    this.#log.warn({ remote: connection.socket.remoteAddress, reason }, 'forward protocol: closing connection');
    connection.socket.destroy();
    this.#release(connection);
  }

  /** Pauses or resumes reading a connection by its own in-flight limits and the budget. */
  #updateReading(connection: Connection): void {
    const { socket } = connection;
    if (socket.destroyed) return;
    const read = !this.#closing && !this.#budgetPaused && connection.inFlight.size < MAX_IN_FLIGHT_FRAMES && connection.inFlightBytes < MAX_IN_FLIGHT_BYTES;
    if (read && socket.isPaused()) socket.resume();
    else if (!read && !socket.isPaused()) socket.pause();
  }

  /**
   * Keeps the bytes held under the budget. Over it: when frames in flight will free enough once
   * committed, every connection stops reading until then; when partial frames alone are over,
   * waiting frees nothing, so the connection with the largest one closes (repeatedly if need be).
   */
  #enforceBudget(): void {
    // Inflatings waiting for room look again whatever happens below: one that finished may have
    // been the last running, and then a waiter goes ahead even over the budget.
    const waiters = this.#inflateWaiters;
    this.#inflateWaiters = [];
    for (const wake of waiters) wake();
    const budget = this.#limits.bufferBytes;
    while (this.#partialBytes + this.#inFlightBytes > budget) {
      if (this.#partialBytes <= budget && this.#inFlightBytes > 0) {
        if (!this.#budgetPaused) {
          this.#budgetPaused = true;
          this.stats.budgetPauses++;
          for (const connection of this.#connections.values()) this.#updateReading(connection);
        }
        return;
      }
      let largest: Connection | undefined;
      for (const connection of this.#connections.values()) if (!largest || connection.pieces.bytes > largest.pieces.bytes) largest = connection;
      if (!largest || largest.pieces.bytes === 0) return;
      this.stats.closedOverBudget++;
      this.#drop(largest, `buffer budget of ${budget} bytes exceeded by partial frames; closing the connection holding the largest`);
    }
    if (this.#budgetPaused) {
      this.#budgetPaused = false;
      for (const connection of this.#connections.values()) this.#updateReading(connection);
    }
  }

  /** Adds (or, negative, removes) bytes a frame holds in flight. */
  #hold(connection: Connection, held: Held, bytes: number): void {
    held.bytes += bytes;
    connection.inFlightBytes += bytes;
    this.#inFlightBytes += bytes;
  }

  /**
   * Waits until an inflating of up to maxDecompressedBytes fits in the budget with everything held,
   * or none runs (one always may, so a frame is never stuck), then reserves that much for it.
   */
  async #reserveInflating(connection: Connection, held: Held): Promise<void> {
    const reserve = this.#limits.maxDecompressedBytes;
    while (this.#inflating > 0 && this.bufferedBytes + reserve > this.#limits.bufferBytes) {
      await new Promise<void>((resolve) => this.#inflateWaiters.push(resolve));
    }
    this.#inflating++;
    this.#hold(connection, held, reserve);
    this.#updateReading(connection);
  }

  /** Ends an inflating's reservation: its frame then holds what the entries really took. */
  #endInflating(connection: Connection, held: Held, inflatedBytes: number): void {
    this.#inflating--;
    this.#hold(connection, held, inflatedBytes - this.#limits.maxDecompressedBytes);
    this.#enforceBudget();
  }

  #fail(socket: net.Socket, error: unknown): void {
    if (socket.destroyed) return;
    // What the client sent was wrong (a bad frame, a reused chunk id), or storing it failed here.
    const stored = error instanceof DatabaseError || (error instanceof HttpError && error.status >= 500);
    if (stored) this.stats.storeFailures++;
    else this.stats.protocolErrors++;
    if (error instanceof ProtocolError && error.code === 'decompressed_too_large') this.stats.decompressedTooLarge++;
    const reason = error instanceof Error ? error.message : String(error);
    if (stored) this.#log.warn({ remote: socket.remoteAddress, reason }, 'forward protocol: could not store a frame; closing the connection without an ack, so the agent resends');
    else this.#log.warn({ remote: socket.remoteAddress, reason }, 'forward protocol: closing connection');
    socket.destroy();
    const connection = this.#connections.get(socket);
    if (connection) this.#release(connection);
  }

  /** Queues a frame behind the connection's earlier ones; its commit and ack follow on their own. */
  #take(socket: net.Socket, connection: Connection, raw: Buffer): void {
    const held: Held = { bytes: 0 };
    this.#hold(connection, held, raw.length);
    // A frame that cannot be taken closes the connection before the next frame is looked at.
    const handed = connection.handing.then(() => this.#frame(socket, connection, raw, held)).catch((error: unknown) => this.#fail(socket, error));
    connection.handing = handed.then(() => undefined);
    const settled: Promise<void> = handed
      .then((handedOver) => handedOver?.committed)
      .catch((error: unknown) => this.#fail(socket, error))
      .finally(() => {
        connection.inFlight.delete(settled);
        this.#hold(connection, held, -held.bytes);
        this.#updateReading(connection);
        this.#enforceBudget();
      });
    connection.inFlight.add(settled);
    this.#updateReading(connection);
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
  async #frame(socket: net.Socket, connection: Connection, raw: Buffer, held: Held): Promise<{ committed: Promise<void> } | undefined> {
    if (socket.destroyed) return undefined;
    if (this.#requireHandshake && !connection.source) {
      if (raw.length > MAX_HANDSHAKE_FRAME_BYTES) throw new ProtocolError('the handshake must start with PING');
      let value: unknown;
      try {
        value = unpack(raw);
      } catch (error) {
        throw new ProtocolError('malformed msgpack', { cause: error });
      }
      await this.#ping(socket, connection, value);
      return undefined;
    }
    // The tag first: a frame refused for it costs no inflating and no decoding of its entries.
    const head = readFrameHead(raw);
    const tag = head.tag;
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
    let inflating = false;
    let body: Awaited<ReturnType<typeof readFrameBody>>;
    try {
      body = await readFrameBody(head, {
        maxInflatedBytes: this.#limits.maxDecompressedBytes,
        beforeInflate: async () => {
          await this.#reserveInflating(connection, held);
          inflating = true;
          this.stats.decompressions++;
        },
      });
    } finally {
      // Refused or not, the reservation ends; a refused frame's entries are let go with it.
      if (inflating) this.#endInflating(connection, held, 0);
    }
    if (body.inflatedBytes > 0) this.#hold(connection, held, body.inflatedBytes);
    if (socket.destroyed) return undefined;
    const { events, option } = body;
    const chunk = typeof option.chunk === 'string' ? option.chunk : undefined;
    const key = chunk ? `chunk:${chunk}` : `sha256:${await sha256Hex(raw)}`;
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
