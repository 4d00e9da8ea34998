// User kernels in this thread: for Node (tests, tools) and small runs. A kernel whose call never
// ends is stopped by the sandbox's CPU limit; the second line of defence (a thread or worker one
// can terminate) is WorkerUserKernelRunner's on the device and the server's sandbox thread.
import { docHash, type Chunk, type Json, type UserKernelDoc } from '../../core';
import { foldUserKernel } from './fold-user-kernel';
import { QuickJSSandbox, type SandboxLimits } from './quickjs-sandbox';
import { SandboxError } from './sandbox-error';
import type { UserKernelExecutor, UserKernelFold } from './user-kernel-executor';

/**
 * Compiled kernels kept per document version (its hash). Two: each is its own wasm instance of
 * up to 16 MiB + the memory limit, and a run uses one kernel (the server has up to 4 threads).
 */
const KEPT = 2;

const kernelKey = (kernel: UserKernelDoc): string => docHash(kernel as unknown as Json);

export class InThreadUserKernels implements UserKernelExecutor {
  readonly #limits: Partial<SandboxLimits>;
  readonly #sandboxes = new Map<string, Promise<QuickJSSandbox>>();

  constructor(limits: Partial<SandboxLimits> = {}) {
    this.#limits = limits;
  }

  #sandbox(kernel: UserKernelDoc): Promise<QuickJSSandbox> {
    const key = kernelKey(kernel);
    let sandbox = this.#sandboxes.get(key);
    if (!sandbox) {
      if (this.#sandboxes.size >= KEPT) this.#forget(this.#sandboxes.keys().next().value!);
      sandbox = QuickJSSandbox.create(kernel, this.#limits);
      this.#sandboxes.set(key, sandbox);
      // A kernel that does not compile is not kept: the next call reports it again.
      sandbox.catch(() => this.#sandboxes.delete(key));
    }
    return sandbox;
  }

  #forget(key: string): void {
    const sandbox = this.#sandboxes.get(key);
    this.#sandboxes.delete(key);
    void sandbox?.then((kept) => kept.close(), () => undefined);
  }

  /** Runs `body` on `kernel`'s sandbox; one that hit a limit is replaced by a fresh one next time. */
  async #with<T>(kernel: UserKernelDoc, body: (sandbox: QuickJSSandbox) => T): Promise<T> {
    const sandbox = await this.#sandbox(kernel);
    try {
      return body(sandbox);
    } catch (error) {
      if (error instanceof SandboxError && (error.code === 'memory' || error.code === 'timeout')) this.#forget(kernelKey(kernel));
      throw error;
    }
  }

  /** The encoded initial state. */
  init(kernel: UserKernelDoc): Promise<unknown> {
    return this.#with(kernel, (sandbox) => JSON.parse(sandbox.initJson()) as unknown);
  }

  /** Folds `chunks` into the encoded `state` (see foldUserKernel). */
  fold(kernel: UserKernelDoc, state: unknown, chunks: readonly Chunk[]): Promise<UserKernelFold> {
    return this.#with(kernel, (sandbox) => foldUserKernel(sandbox, kernel.output === 'blocks' ? kernel.block : undefined, state, chunks));
  }

  /** Releases every sandbox. */
  dispose(): void {
    for (const key of [...this.#sandboxes.keys()]) this.#forget(key);
  }
}
