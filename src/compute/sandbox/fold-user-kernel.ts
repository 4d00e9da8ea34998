// How every executor folds a batch of chunks with a compiled user kernel: one copy for this
// thread, the device's worker and the server's thread, so they cannot fold differently.
import type { Chunk } from '../../core';
import type { QuickJSSandbox } from './quickjs-sandbox';
import type { UserKernelFold } from './user-kernel-executor';

/**
 * Folds `chunks` into the encoded `state` (output 'result': step per chunk, then finish; output
 * 'blocks' of `block` samples: block by block, the finished blocks' values in order).
 */
export function foldUserKernel(sandbox: QuickJSSandbox, block: number | undefined, state: unknown, chunks: readonly Chunk[]): UserKernelFold {
  let json = JSON.stringify(state) ?? 'null';
  if (block === undefined) {
    for (const chunk of chunks) json = sandbox.stepJson(json, chunk);
    return { state: JSON.parse(json), blocks: [], result: JSON.parse(sandbox.finishJson(json)) };
  }
  const blocks: Array<number | null> = [];
  for (const chunk of chunks) {
    const folded = JSON.parse(sandbox.blocksJson(json, chunk, block)) as { state: unknown; blocks: Array<number | string | null> };
    // Encoded block values: "NaN" (no value) becomes null, "±Infinity" stays a number.
    for (const value of folded.blocks) blocks.push(typeof value === 'string' ? (value === 'NaN' ? null : Number(value)) : value);
    json = JSON.stringify(folded.state) ?? 'null';
  }
  return { state: JSON.parse(json), blocks, result: null };
}
