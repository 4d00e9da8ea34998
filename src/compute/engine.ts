/**
 * One interface for every place kernels run (this thread, a worker pool, the GPU): callers pick
 * an engine and do not care where the code runs. Engines fold chunks into a kernel state; the
 * state merges and finishes with the kernel's own (CPU) functions, so every engine is checked
 * against the same reference.
 */
import { KernelError, kernelByName, type Chunk, type Kernel, type KernelName } from '../core';

export type EngineName = 'cpu' | 'worker' | 'webgpu';

/** Input of a computation: one array in memory, or consecutive chunks (out of core). */
export type ComputeInput = Float32Array | Iterable<Chunk> | AsyncIterable<Chunk>;

export interface ComputeEngine {
  readonly name: EngineName;
  /** The kernel's state after folding every chunk of `input` (resumable, mergeable). */
  state(kernel: KernelName, params: unknown, input: ComputeInput, from?: unknown): Promise<unknown>;
  /** The kernel's result over `input`. */
  run(kernel: KernelName, params: unknown, input: ComputeInput): Promise<unknown>;
  /** Releases workers or GPU memory. */
  dispose(): void;
}

/** The kernel called `name`; KernelError when there is none. */
export function requireKernel(name: string): Kernel<unknown, unknown, unknown> {
  const kernel = kernelByName(name);
  if (!kernel) throw new KernelError(`unknown kernel ${JSON.stringify(name)}`);
  return kernel;
}

/** Splits an in-memory array into chunks of at most `size` samples (views, no copies). */
export function* chunksOf(values: Float32Array, size: number, offset = 0): Generator<Chunk> {
  for (let start = 0; start < values.length; start += size) yield { values: values.subarray(start, start + size), offset: offset + start };
}

/** Iterates any input as chunks. */
export async function* inputChunks(input: ComputeInput, size: number): AsyncGenerator<Chunk> {
  if (input instanceof Float32Array) {
    yield* chunksOf(input, size);
    return;
  }
  for await (const chunk of input as AsyncIterable<Chunk>) yield chunk;
}

/** Samples per chunk when engines cut an in-memory array themselves (matches the arrays layer). */
export const ENGINE_CHUNK = 65_536;
