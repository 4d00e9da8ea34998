/**
 * A fluentd forward-protocol peer for tests at the byte level: sends bytes on a new connection and
 * resolves with what the server answered, once the answers waited for came back or the server
 * closed the connection — a positive signal either way, never a fixed wait.
 */
import net from 'node:net';
import { unpackMultiple } from 'msgpackr';

export interface ForwardExchange {
  /** Whether the server closed the connection (rather than the answers arriving). */
  closed: boolean;
  /** The msgpack values answered (acks); `['<not msgpack>']` when the bytes do not decode. */
  answers: unknown[];
}

export interface ForwardExchangeOptions {
  /** Resolve once this many answers came (default: only when the server closes). */
  answers?: number;
  /** Half-close our side after writing, so a server that keeps nothing of an incomplete frame closes. */
  end?: boolean;
  /** How long before giving up: a bound for failures only (default 15 s). */
  boundMs?: number;
}

function decode(chunks: readonly Buffer[]): unknown[] | undefined {
  try {
    return chunks.length === 0 ? [] : (unpackMultiple(Buffer.concat(chunks)) as unknown[]);
  } catch {
    return undefined; // an answer cut in two (the rest follows), or not msgpack at all
  }
}

/** Sends `bytes` to the forward port `port` on 127.0.0.1 and resolves with the exchange. */
export function forwardExchange(port: number, bytes: Buffer, options: ForwardExchangeOptions = {}): Promise<ForwardExchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(bound);
      socket.destroy();
      resolve({ closed, answers: decode(chunks) ?? ['<not msgpack>'] });
    };
    const bound = setTimeout(() => finish(false), options.boundMs ?? 15_000);
    socket.on('data', (data: Buffer) => {
      chunks.push(data);
      if (options.answers !== undefined && (decode(chunks)?.length ?? 0) >= options.answers) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    socket.write(bytes);
    if (options.end) socket.end();
  });
}
