/**
 * A fluentd forward protocol client, as an agent in the field runs one: batches go as
 * PackedForward frames with a chunk id, and a batch counts as delivered only when the server's
 * `{ack: chunk}` comes back. Without it (the connection closed, the ack overdue) the client
 * reconnects and resends the very same bytes — same chunk id, so the server stores it once — after
 * a backoff that doubles up to a bound, so a server that refuses (closes, is unreachable, is out
 * of service) is not hammered. With a shared key it answers the server's HELO with PING and
 * checks the PONG (the forward protocol's handshake, FORWARD_SECURITY=1).
 */
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { pack, UnpackrStream } from 'msgpackr';

export interface ForwardEntry {
  /** Epoch ms (sent as EventTime: seconds and nanoseconds). */
  time: number;
  record: Record<string, unknown>;
}

export interface ForwardClientOptions {
  host: string;
  port: number;
  tag: string;
  /** The source's shared key: the handshake is answered with it when the server asks (HELO). */
  sharedKey?: string;
  /** How long an ack may take before the chunk is resent on a new connection (default 10 s). */
  ackTimeoutMs?: number;
  /** First and longest pause between attempts (defaults 250 ms and 30 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Told about failed attempts (the agent's log). */
  onRetry?: (reason: string, attempt: number) => void;
}

export interface ForwardClientStats {
  chunks: number;
  acked: number;
  resent: number;
  connections: number;
}

/** Raised by `send` when the client was closed before the chunk was acknowledged. */
export class ForwardClientClosed extends Error {
  override name = 'ForwardClientClosed';
}

/** msgpack EventTime (ext type 0): uint32 seconds and uint32 nanoseconds, big-endian. */
function eventTime(ms: number): Buffer {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  const bytes = Buffer.alloc(10);
  bytes[0] = 0xd7; // fixext 8
  bytes[1] = 0x00;
  bytes.writeUInt32BE(seconds, 2);
  bytes.writeUInt32BE(Math.min(nanos, 999_999_999), 6);
  return bytes;
}

/** The entries of a PackedForward frame: each `[EventTime, record]`, concatenated. */
export function packEntries(entries: readonly ForwardEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) parts.push(Buffer.of(0x92), eventTime(entry.time), pack(entry.record));
  return Buffer.concat(parts);
}

const sha512 = (...parts: Array<string | Uint8Array>): string => {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
};

interface Connection {
  socket: net.Socket;
  /** Settles with each answer the server sends (acks). */
  answers: Array<(value: unknown) => void>;
  closed: Promise<void>;
}

export class ForwardClient {
  readonly stats: ForwardClientStats = { chunks: 0, acked: 0, resent: 0, connections: 0 };
  readonly #options: Required<Omit<ForwardClientOptions, 'sharedKey' | 'onRetry'>> & Pick<ForwardClientOptions, 'sharedKey' | 'onRetry'>;
  #connection: Connection | undefined;
  #closed = false;
  /** Wakes a backoff wait early when the client closes. */
  #wake: (() => void) | undefined;

  constructor(options: ForwardClientOptions) {
    this.#options = { ackTimeoutMs: 10_000, minBackoffMs: 250, maxBackoffMs: 30_000, ...options };
  }

  /**
   * Sends `entries` as one chunk and resolves once the server acknowledged it, resending it
   * (same chunk id, same bytes) after a backoff as often as it takes. Rejects with
   * ForwardClientClosed only when `close()` is called first. One chunk at a time: await each.
   */
  async send(entries: readonly ForwardEntry[]): Promise<void> {
    const chunk = randomBytes(16).toString('base64');
    const frame = pack([this.#options.tag, packEntries(entries), { chunk, size: entries.length }]);
    this.stats.chunks++;
    let backoff = this.#options.minBackoffMs;
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw new ForwardClientClosed('the forward client was closed before the chunk was acknowledged');
      try {
        if (attempt > 1) this.stats.resent++;
        await this.#deliver(frame, chunk);
        this.stats.acked++;
        return;
      } catch (error) {
        this.#drop();
        if (this.#closed) throw new ForwardClientClosed('the forward client was closed before the chunk was acknowledged');
        this.#options.onRetry?.(error instanceof Error ? error.message : String(error), attempt);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoff * (0.75 + Math.random() * 0.5));
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = undefined;
        backoff = Math.min(this.#options.maxBackoffMs, backoff * 2);
      }
    }
  }

  /** Closes the connection; a `send` waiting for its ack rejects. */
  close(): void {
    this.#closed = true;
    this.#wake?.();
    this.#drop();
  }

  #drop(): void {
    this.#connection?.socket.destroy();
    this.#connection = undefined;
  }

  /** Writes the frame on the (new or kept) connection and waits for its ack, within the ack timeout. */
  async #deliver(frame: Buffer, chunk: string): Promise<void> {
    const connection = this.#connection ?? (this.#connection = await this.#connect());
    const ack = this.#next(connection, (value) => typeof value === 'object' && value !== null && (value as { ack?: unknown }).ack === chunk);
    connection.socket.write(frame);
    await ack;
  }

  /** Resolves with the next answer `accepts` takes; rejects when the connection closes or the ack timeout passes. */
  #next(connection: Connection, accepts: (value: unknown) => boolean): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ack within ${this.#options.ackTimeoutMs} ms`)), this.#options.ackTimeoutMs);
      const listener = (value: unknown) => {
        if (!accepts(value)) return connection.answers.push(listener); // another chunk's late ack: keep waiting
        clearTimeout(timer);
        resolve(value);
      };
      connection.answers.push(listener);
      void connection.closed.then(() => {
        clearTimeout(timer);
        reject(new Error('the server closed the connection before the ack'));
      });
    });
  }

  async #connect(): Promise<Connection> {
    const socket = net.connect(this.#options.port, this.#options.host);
    socket.setNoDelay(true);
    const answers: Connection['answers'] = [];
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined); // 'close' follows and says it
    const connection: Connection = { socket, answers, closed };
    // Maps as plain objects (an ack is {ack: chunk}, HELO's options {nonce, auth, keepalive}).
    const decoder = new UnpackrStream({ mapsAsObjects: true });
    socket.pipe(decoder);
    decoder.on('data', (value: unknown) => answers.shift()?.(value));
    decoder.on('error', () => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      if (this.#closed) socket.destroy();
      void closed.then(() => reject(new Error(`cannot connect to ${this.#options.host}:${this.#options.port}`)));
    });
    this.stats.connections++;
    if (this.#options.sharedKey !== undefined) await this.#handshake(connection, this.#options.sharedKey);
    // Closed while connecting: this connection must not outlive the client.
    if (this.#closed) {
      socket.destroy();
      throw new ForwardClientClosed('the forward client was closed while connecting');
    }
    return connection;
  }

  /** HELO → PING → PONG: proves the shared key (and checks the server knows it too). */
  async #handshake(connection: Connection, sharedKey: string): Promise<void> {
    const helo = await this.#next(connection, () => true);
    if (!Array.isArray(helo) || helo[0] !== 'HELO') throw new Error('the server did not start the handshake with HELO');
    const nonce = (helo[1] as { nonce?: unknown } | undefined)?.nonce;
    if (!(nonce instanceof Uint8Array) && typeof nonce !== 'string') throw new Error('HELO without a nonce');
    const salt = randomBytes(16);
    const hostname = 'fieldline-demo';
    const pong = this.#next(connection, () => true);
    connection.socket.write(pack(['PING', hostname, salt, sha512(salt, hostname, nonce, sharedKey), '', '']));
    const answer = await pong;
    if (!Array.isArray(answer) || answer[0] !== 'PONG') throw new Error('the server did not answer PING with PONG');
    if (answer[1] !== true) throw new Error(`the server refused the handshake: ${String(answer[2])}`);
    if (answer[4] !== sha512(salt, String(answer[3]), nonce, sharedKey)) throw new Error('the server does not know the shared key (PONG digest mismatch)');
  }
}
