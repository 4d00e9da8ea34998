/**
 * Raw request bodies held in memory whole — attachments, ingest batches, upload pieces — and the
 * byte budget they share. A body is read only after its route has decided the caller may send it
 * (`authorise`, before the parser runs), and only once its bytes fit in the budget: eight 200 MiB
 * attachment uploads at once get 503 + Retry-After instead of 2 GB of buffers. The store writes an
 * attachment in one transaction, so it needs the whole body first (streaming the socket into an
 * open transaction would hold the database's write lock for as long as a slow client takes).
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiErrorBody } from '../../core';
import { HttpError } from '../errors';

/** Bytes of request bodies in memory at once, shared by every raw-body route of one server. */
export class MemoryBudget {
  readonly total: number;
  #used = 0;

  constructor(total: number) {
    this.total = total;
  }

  /** Bytes reserved now. */
  get used(): number {
    return this.#used;
  }

  /** Reserves `bytes`; false (and nothing reserved) when they do not fit. */
  tryTake(bytes: number): boolean {
    if (this.#used + bytes > this.total) return false;
    this.#used += bytes;
    return true;
  }

  /** Returns bytes taken with tryTake. */
  give(bytes: number): void {
    this.#used -= bytes;
  }
}

export interface RawBodyOptions {
  /** Largest body accepted, in bytes (413 above). */
  limit: number;
  budget: MemoryBudget;
  /** Throws (an HttpError) when the caller may not send this body; runs before a byte is read. */
  authorise(request: FastifyRequest): Promise<void>;
}

/** Seconds a refused body is told to wait (Retry-After): about the time an upload in progress takes to be stored. */
const BUSY_RETRY_SECONDS = 5;

// Bytes a request holds in the budget, returned once its response is sent or it is aborted.
const held = new WeakMap<FastifyRequest, number>();

function release(budget: MemoryBudget, request: FastifyRequest): void {
  const bytes = held.get(request);
  if (bytes === undefined) return;
  held.delete(request);
  budget.give(bytes);
}

function declaredLength(request: FastifyRequest): number | undefined {
  const raw = request.headers['content-length'];
  if (raw === undefined) return undefined;
  // Node's HTTP parser has already refused a malformed Content-Length.
  return Number(raw);
}

/**
 * Makes `scope` — a plugin scope that holds only raw-body routes — read every body, whatever its
 * Content-Type, into one Buffer as described in the module comment. A body without a length
 * (chunked) reserves `limit` bytes, since its size is known only at its end.
 */
export function installRawBody(scope: FastifyInstance, options: RawBodyOptions): void {
  const { budget } = options;
  // A body bigger than the whole budget would never fit: refused as too large, not "try again".
  const limit = Math.min(options.limit, budget.total);
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (request, payload, done) => {
    readBody(payload, declaredLength(request), limit).then(
      (body) => done(null, body),
      (error: Error) => done(error, undefined),
    );
  });
  scope.addHook('preParsing', async (request: FastifyRequest, reply: FastifyReply) => {
    await options.authorise(request);
    const length = declaredLength(request);
    if (length === 0 || (length === undefined && request.headers['transfer-encoding'] === undefined)) return;
    if (length !== undefined && length > limit) throw new HttpError(413, 'payload_too_large', `at most ${limit} bytes per request (got ${length}); send it in pieces`);
    const bytes = length ?? limit;
    if (!budget.tryTake(bytes)) {
      reply.header('retry-after', String(BUSY_RETRY_SECONDS));
      return reply.status(503).send(apiErrorBody('unavailable', `the server is receiving too many large bodies at once (${budget.used} of ${budget.total} bytes in use); try again in ${BUSY_RETRY_SECONDS} s`));
    }
    held.set(request, bytes);
  });
  scope.addHook('onResponse', async (request) => release(budget, request));
  scope.addHook('onRequestAbort', async (request) => release(budget, request));
}

/**
 * Reads `payload` into one Buffer: allocated once at the declared length (no chunk list and final
 * copy, which would double the peak), else collected up to `limit`.
 */
export function readBody(payload: Readable, declared: number | undefined, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const whole = declared === undefined ? undefined : Buffer.allocUnsafe(declared);
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = (error: Error | undefined, body?: Buffer) => {
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onError);
      payload.off('close', onClose);
      if (error) reject(error);
      else resolve(body!);
    };
    const onData = (chunk: Buffer) => {
      if (received + chunk.length > (declared ?? limit)) {
        stop(declared === undefined ? new HttpError(413, 'payload_too_large', `at most ${limit} bytes per request; send it in pieces`) : new HttpError(400, 'bad_request', 'the body is longer than its Content-Length'));
        return;
      }
      if (whole) chunk.copy(whole, received);
      else chunks.push(chunk);
      received += chunk.length;
    };
    const onEnd = () => {
      if (declared !== undefined && received !== declared) stop(new HttpError(400, 'bad_request', `the body ended after ${received} of its ${declared} bytes`));
      else stop(undefined, whole ?? Buffer.concat(chunks, received));
    };
    const onError = (error: Error) => stop(new HttpError(400, 'bad_request', `the body could not be read: ${error.message}`, { cause: error }));
    const onClose = () => stop(new HttpError(400, 'bad_request', 'the connection closed before the body ended'));
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.on('close', onClose);
    payload.resume();
  });
}
