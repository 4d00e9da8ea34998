/**
 * Where a user kernel's calls run, seen from the TransformationRunner: this thread (tests, small
 * runs), a dedicated browser worker (WorkerUserKernelRunner) or a server worker thread. Every
 * side folds the same way (fold.ts over the same QuickJS build), so the states and results are
 * the same wherever it ran. States cross as encoded JSON (core encodeState: non-finite numbers as
 * strings), chunks as copies of their values and times.
 */
import type { Chunk, UserKernelDoc } from '../../core';

/** What folding a batch of chunks gave. */
export interface UserKernelFold {
  /** The encoded state after the batch (output 'blocks': the state of the block not finished yet). */
  state: unknown;
  /** Output 'blocks': the `finish` of each block finished in this batch, in order (null: no value). */
  blocks: Array<number | null>;
  /** Output 'result': the encoded `finish` of the state; 'blocks': null. */
  result: unknown;
}

export interface UserKernelExecutor {
  /** The encoded initial state of `kernel` (`init(params)`). */
  init(kernel: UserKernelDoc): Promise<unknown>;
  /** Folds `chunks` (consecutive, increasing offsets) into the encoded `state`. */
  fold(kernel: UserKernelDoc, state: unknown, chunks: readonly Chunk[]): Promise<UserKernelFold>;
  /** Releases the sandboxes (and threads or workers). */
  dispose(): void;
}
