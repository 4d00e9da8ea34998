/**
 * Kernels whose result is itself an array, one value per block of `block` consecutive samples
 * (aligned to sample 0): the seed platform's `doMax` (max of each block) and "escalated max" (the
 * running max of the channel up to the end of each block). `drain` hands out the finished blocks
 * so an incremental run appends them to its output array and keeps only the open block.
 */
import { KernelError, maxOf, type Kernel } from './kernel';
import { chunkMax } from './reductions';

export interface BlockParams {
  block: number;
}

interface OpenBlock {
  index: number;
  max: number | null;
  seen: number;
}

export interface BlockMaxState {
  /** Index of the first block not yet drained. */
  next: number;
  done: Array<[number, number | null]>;
  open: OpenBlock[];
  /** Escalated max only: the max of everything drained so far. */
  running: number | null;
}

export interface Drainable<Params, State> {
  /** Removes finished, consecutive blocks from the state and returns their output values. */
  drain(state: State, params: Params): { output: Array<number | null>; state: State };
}

function blockParams(raw: unknown): BlockParams {
  const block = (raw as { block?: unknown } | null)?.block ?? 65536;
  if (typeof block !== 'number' || !Number.isInteger(block) || block < 1) throw new KernelError('block must be a positive integer');
  return { block };
}

function settle(state: BlockMaxState, pieces: OpenBlock[], params: BlockParams): BlockMaxState {
  const byIndex = new Map<number, OpenBlock>();
  for (const piece of pieces) {
    const known = byIndex.get(piece.index);
    if (known) {
      known.max = maxOf(known.max, piece.max);
      known.seen += piece.seen;
    } else byIndex.set(piece.index, { ...piece });
  }
  const done = state.done.slice();
  const open: OpenBlock[] = [];
  for (const piece of byIndex.values()) {
    if (piece.seen >= params.block) done.push([piece.index, piece.max]);
    else open.push(piece);
  }
  done.sort((a, b) => a[0] - b[0]);
  return { ...state, done, open: open.sort((a, b) => a.index - b.index) };
}

function stepBlocks(state: BlockMaxState, chunk: { values: Float32Array; offset: number }, params: BlockParams): BlockMaxState {
  const pieces = [...state.open];
  let index = 0;
  while (index < chunk.values.length) {
    const position = chunk.offset + index;
    const block = Math.floor(position / params.block);
    const take = Math.min((block + 1) * params.block - position, chunk.values.length - index);
    pieces.push({ index: block, max: chunkMax(chunk.values, index, index + take), seen: take });
    index += take;
  }
  return settle(state, pieces, params);
}

const init = (): BlockMaxState => ({ next: 0, done: [], open: [], running: null });

function mergeBlocks(a: BlockMaxState, b: BlockMaxState, params: BlockParams): BlockMaxState {
  const merged = settle({ next: Math.min(a.next, b.next), done: [...a.done, ...b.done], open: [], running: maxOf(a.running, b.running) }, [...a.open, ...b.open], params);
  return merged;
}

/** Takes the finished blocks that follow `next` without a gap. */
function takeConsecutive(state: BlockMaxState): { values: Array<number | null>; state: BlockMaxState } {
  const values: Array<number | null> = [];
  let next = state.next;
  let taken = 0;
  while (taken < state.done.length && state.done[taken]![0] === next) {
    values.push(state.done[taken]![1]);
    next++;
    taken++;
  }
  return { values, state: { ...state, next, done: state.done.slice(taken) } };
}

export const blockMax: Kernel<BlockParams, BlockMaxState, Array<number | null>> & Drainable<BlockParams, BlockMaxState> = {
  name: 'block_max',
  params: blockParams,
  init,
  step: stepBlocks,
  merge: mergeBlocks,
  // The whole result: every block, the last one even if not full yet.
  finish: (state) => [...state.done.map(([, value]) => value), ...state.open.map((block) => block.max)],
  drain(state) {
    const { values, state: rest } = takeConsecutive(state);
    return { output: values, state: rest };
  },
};

export const escalatedMax: Kernel<BlockParams, BlockMaxState, Array<number | null>> & Drainable<BlockParams, BlockMaxState> = {
  name: 'escalated_max',
  params: blockParams,
  init,
  step: stepBlocks,
  merge: mergeBlocks,
  finish(state) {
    let running = state.running;
    return [...state.done.map(([, value]) => value), ...state.open.map((block) => block.max)].map((value) => (running = maxOf(running, value)));
  },
  drain(state) {
    const { values, state: rest } = takeConsecutive(state);
    let running = rest.running;
    const output = values.map((value) => (running = maxOf(running, value)));
    return { output, state: { ...rest, running } };
  },
};
