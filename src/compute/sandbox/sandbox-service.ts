/**
 * The two ends of running user kernels in another thread (a browser worker, a Node worker
 * thread): the messages, the service inside the thread (over InThreadUserKernels) and the client
 * outside. The client is the second line of defence: the sandbox stops a call at its CPU limit,
 * and should a call still not answer by the hard deadline (the thread stuck in the host, say),
 * the client terminates the thread, rejects with SandboxError 'timeout' and starts a new one for
 * the next call. Values and times travel as transferred ArrayBuffers (copies: the caller's arrays stay).
 */
import type { Chunk, UserKernelDoc } from '../../core';
import { InThreadUserKernels } from './in-thread-user-kernels';
import type { SandboxLimits } from './quickjs-sandbox';
import { SandboxError, sandboxErrorFrom } from './sandbox-error';
import type { UserKernelExecutor, UserKernelFold } from './user-kernel-executor';

/** A chunk as it travels: its own buffers. */
export interface SandboxChunk {
  values: ArrayBuffer;
  times?: ArrayBuffer;
  offset: number;
}

/** What a request asks. */
export type SandboxRequestBody = { op: 'init'; kernel: UserKernelDoc } | { op: 'fold'; kernel: UserKernelDoc; state: unknown; chunks: SandboxChunk[] };

export type SandboxRequest = SandboxRequestBody & { id: number };

export type SandboxReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: unknown };

/** The thread's side: answers requests with InThreadUserKernels under `limits`. */
export function sandboxService(limits: Partial<SandboxLimits> = {}): { handle(request: SandboxRequest): Promise<SandboxReply>; dispose(): void } {
  const kernels = new InThreadUserKernels(limits);
  return {
    async handle(request) {
      try {
        if (request.op === 'init') return { id: request.id, ok: true, value: await kernels.init(request.kernel) };
        const chunks: Chunk[] = request.chunks.map((chunk) => ({ values: new Float32Array(chunk.values), offset: chunk.offset, ...(chunk.times ? { times: new Float64Array(chunk.times) } : {}) }));
        return { id: request.id, ok: true, value: await kernels.fold(request.kernel, request.state, chunks) };
      } catch (error) {
        return { id: request.id, ok: false, error: error instanceof SandboxError ? error.toJSON() : { message: error instanceof Error ? error.message : String(error) } };
      }
    },
    dispose: () => kernels.dispose(),
  };
}

/** What the client needs of a thread: a browser Worker and a Node Worker both fit behind this. */
export interface SandboxPort {
  post(request: SandboxRequest, transfer: ArrayBuffer[]): void;
  /** Calls `listener` with each reply; with an Error when the thread failed or exited. */
  listen(listener: (reply: SandboxReply | Error) => void): void;
  terminate(): void;
}

export interface SandboxClientOptions {
  /** Limits inside the thread (the same on every side for the same results). */
  limits?: Partial<SandboxLimits>;
  /** Hard deadline of one request, beyond the sandbox's own limits: ms per chunk, plus a start allowance. */
  hardMsPerChunk?: number;
  hardStartMs?: number;
}

interface Pending {
  /** The thread it was sent to: a thread that fails ends only its own requests. */
  port: SandboxPort;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Own copies of a chunk's buffers, ready to transfer. */
function travelling(chunk: Chunk): SandboxChunk {
  return { values: chunk.values.slice().buffer, offset: chunk.offset, ...(chunk.times ? { times: chunk.times.slice().buffer } : {}) };
}

/** Runs user kernels in a thread made by `spawn`, one request at a time per thread (see the header). */
export class SandboxClient implements UserKernelExecutor {
  readonly #spawn: (limits: Partial<SandboxLimits>) => SandboxPort;
  readonly #limits: Partial<SandboxLimits>;
  readonly #hardMsPerChunk: number;
  readonly #hardStartMs: number;
  #port: SandboxPort | undefined;
  #next = 1;
  readonly #pending = new Map<number, Pending>();
  #terminations = 0;

  constructor(spawn: (limits: Partial<SandboxLimits>) => SandboxPort, options: SandboxClientOptions = {}) {
    this.#spawn = spawn;
    this.#limits = options.limits ?? {};
    const cpuMs = this.#limits.cpuMsPerCall ?? 1000;
    // A chunk's call may use its whole CPU limit; twice that, and the start (wasm compile, prelude), is surely stuck.
    this.#hardMsPerChunk = options.hardMsPerChunk ?? 2 * cpuMs;
    this.#hardStartMs = options.hardStartMs ?? 30_000;
  }

  /** Threads terminated because a request overran its hard deadline, so far. */
  get terminations(): number {
    return this.#terminations;
  }

  #portNow(): SandboxPort {
    if (this.#port) return this.#port;
    const port = this.#spawn(this.#limits);
    port.listen((reply) => {
      if (reply instanceof Error) {
        if (this.#port === port) this.#port = undefined;
        for (const [id, pending] of this.#pending) {
          if (pending.port !== port) continue;
          this.#pending.delete(id);
          clearTimeout(pending.timer);
          pending.reject(reply);
        }
        return;
      }
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      clearTimeout(pending.timer);
      if (reply.ok) pending.resolve(reply.value);
      else {
        const message = (reply.error as { message?: unknown } | null)?.message;
        pending.reject(sandboxErrorFrom(reply.error) ?? new Error(typeof message === 'string' ? message : 'the sandbox failed'));
      }
    });
    this.#port = port;
    return port;
  }

  #request(request: SandboxRequestBody, transfer: ArrayBuffer[], chunks: number): Promise<unknown> {
    const port = this.#portNow();
    const id = this.#next++;
    const hardMs = this.#hardStartMs + this.#hardMsPerChunk * (chunks + 1);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        // Stuck beyond the sandbox's own limits: the thread goes, a new one serves the next call.
        this.#terminations++;
        if (this.#port === port) this.#port = undefined;
        port.terminate();
        for (const [other, pending] of this.#pending) {
          if (pending.port !== port) continue;
          this.#pending.delete(other);
          clearTimeout(pending.timer);
          pending.reject(new SandboxError('timeout', 'the sandbox thread was stopped: another call in it overran its hard deadline'));
        }
        reject(new SandboxError('timeout', `the kernel did not answer within ${hardMs} ms (the hard deadline of ${this.#hardMsPerChunk} ms per chunk beyond its CPU limit): its thread was stopped`));
      }, hardMs);
      this.#pending.set(id, { port, resolve, reject, timer });
      port.post({ ...request, id }, transfer);
    });
  }

  /** The encoded initial state, computed in the thread. */
  init(kernel: UserKernelDoc): Promise<unknown> {
    return this.#request({ op: 'init', kernel }, [], 0);
  }

  /** Folds `chunks` in the thread (see foldUserKernel). */
  async fold(kernel: UserKernelDoc, state: unknown, chunks: readonly Chunk[]): Promise<UserKernelFold> {
    const travel = chunks.map(travelling);
    const transfer = travel.flatMap((chunk) => (chunk.times ? [chunk.values, chunk.times] : [chunk.values]));
    return (await this.#request({ op: 'fold', kernel, state, chunks: travel }, transfer, chunks.length)) as UserKernelFold;
  }

  /** Terminates the thread. */
  dispose(): void {
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new SandboxError('runtime', 'the sandbox was closed'));
    }
    this.#port?.terminate();
    this.#port = undefined;
  }
}
