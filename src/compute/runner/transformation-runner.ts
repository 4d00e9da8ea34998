/**
 * Incremental transformations: a kernel over input arrays that remembers, per input, how far it
 * has processed and the kernel's state, so each `run()` reads only new samples. This module
 * decides where that memory lives: one document per transformation in the same Storage as the
 * arrays:
 *   {kind, version, inputs, kernel, params, output?, positions, states, output_length, results}
 * Block kernels (block_max, escalated_max) append their finished blocks to an output array.
 *
 * User kernels (`{user_kernel: 'user_kernel/<slug>'}`) run in a sandbox (compute/sandbox): the
 * definition keeps a copy of the kernel document, so a later edit of the kernel never meets a
 * state its old source made (redefining picks the edit up and starts over). Output 'blocks'
 * appends one value per block to the output array like block_max; 'result' keeps results.
 *
 * By default the document, the inputs and the output live in one Storage. A device running over
 * its pinned arrays keeps the document and the output elsewhere (`docStorage`, `outputStorage`:
 * a local storage that never syncs), reading only the inputs from the pinned storage.
 *
 * A transformation writes only an output array it created (marked `producer: <its id>`): an
 * output id naming anything else is refused when defining and when running, or defining one over
 * a channel would truncate that channel. And it lives only under an id that holds nothing else.
 *
 * Crash safety: work is checkpointed batch by batch. Output blocks are appended first, then the
 * document (positions + states + output_length) is written. If the tab dies in between, the next
 * run finds the output longer than `output_length`, cuts it back and redoes the batch: no sample
 * is lost or counted twice.
 */
import { KernelError, decodeState, docHash, encodeState, userKernelIdProblem, userKernelProblem, type Chunk, type Drainable, type KernelName, type UserKernelDoc } from '../../core';
import { ArrayError, ChannelArray } from '../../arrays';
import { StorageError, type Doc, type Storage, type StorageErrorCode } from '../../storage/backend';
import { storedDoc } from './stored-doc';
import { CpuEngine } from '../cpu/cpu-engine';
import { requireKernel, type ComputeEngine } from '../engine';
import type { UserKernelExecutor } from '../sandbox/user-kernel-executor';

export interface TransformationDefinition {
  inputs: string[];
  /** A built-in kernel; or `user_kernel`. */
  kernel?: KernelName;
  /** A user kernel: its document's id (read from `kernelStorage`), or the document itself (a draft). */
  user_kernel?: string | UserKernelDoc;
  params?: unknown;
  /** Array receiving one value per block (block kernels and user kernels with output 'blocks' only). */
  output?: string;
}

/** Where a transformation keeps what (see the header) and how it runs user kernels. */
export interface TransformationOptions {
  /** Holds the transformation document (default: the input storage). */
  docStorage?: Storage;
  /** Holds the output array (default: the input storage). */
  outputStorage?: Storage;
  /** Holds the user kernel documents a definition names (default: the input storage). */
  kernelStorage?: Storage;
  /** Runs user kernels (default: a sandbox in this thread, loaded on first use). */
  userKernels?: UserKernelExecutor;
  /** Runs built-in kernels (default: CpuEngine). */
  engine?: ComputeEngine;
}

/** The copy of a user kernel a transformation runs. */
export interface TransformationUserKernel {
  id: string;
  doc: UserKernelDoc;
}

export interface TransformationDoc {
  kind: 'fl-transformation';
  version: 1;
  inputs: string[];
  /** The built-in kernel, or 'user' for a user kernel (see `user_kernel`). */
  kernel: KernelName | 'user';
  user_kernel?: TransformationUserKernel;
  params: unknown;
  output?: string;
  positions: Record<string, number>;
  states: Record<string, unknown>;
  output_length: number;
  results: Record<string, unknown>;
}

export interface Progress {
  done: number;
  total: number;
}

/** Samples per checkpoint: a crash costs at most this much repeated work. */
const BATCH_SAMPLES = 1 << 20;

const isDrainable = (kernel: object): kernel is Drainable<unknown, unknown> => typeof (kernel as { drain?: unknown }).drain === 'function';

/** 409 unless `doc` (at `output`) is absent or an array that transformation `id` created. */
function checkOutput(id: string, output: string, doc: Doc | undefined): void {
  if (doc === undefined || (doc.kind === 'fl-channel-array' && doc.producer === id)) return;
  throw new StorageError('conflict', `${JSON.stringify(output)} exists and was not created by transformation ${JSON.stringify(id)}: a transformation writes only an output array it created; choose a new output id`);
}

/** The sandbox in this thread, loaded on first use (QuickJS is half a megabyte of wasm: only runs with user kernels pay for it). */
async function inThreadUserKernels(): Promise<UserKernelExecutor> {
  const { InThreadUserKernels } = await import('../sandbox/in-thread-user-kernels');
  return new InThreadUserKernels();
}

/** The user kernel a definition names, checked (400 for a bad id or document, 404 when there is none). */
async function resolveUserKernel(storage: Storage, reference: string | UserKernelDoc): Promise<TransformationUserKernel> {
  if (typeof reference !== 'string') {
    const problem = userKernelProblem(reference);
    if (problem) throw new KernelError(`user kernel: ${problem}`);
    return { id: 'user_kernel/draft', doc: reference };
  }
  const idProblem = userKernelIdProblem(reference);
  if (idProblem) throw new KernelError(idProblem);
  const doc = await storedDoc(storage, reference);
  if (doc === undefined) throw new StorageError('not_found', `no user kernel ${JSON.stringify(reference)}`);
  const problem = userKernelProblem(doc);
  if (problem) throw new KernelError(`user kernel ${JSON.stringify(reference)}: ${problem}`);
  return { id: reference, doc: doc as unknown as UserKernelDoc };
}

/**
 * Stores a transformation definition (400 for an unknown kernel, a bad user kernel or bad
 * parameters; 409 when `id` holds a document that is not a transformation, or the output exists
 * and is not this transformation's own). Redefining one starts it over. Where the storage has
 * conditional writes (`bulkDocs`), the definition is written only if `id` still holds what was
 * checked. A user kernel's `init` runs here (in `options.userKernels`), so a kernel that does not
 * compile is refused at once (SandboxError 'syntax').
 */
export async function defineTransformation(storage: Storage, id: string, definition: TransformationDefinition, options: TransformationOptions = {}): Promise<void> {
  const docStorage = options.docStorage ?? storage;
  const outputStorage = options.outputStorage ?? storage;
  if (!Array.isArray(definition.inputs) || definition.inputs.length === 0 || !definition.inputs.every((input) => typeof input === 'string' && input !== '')) {
    throw new KernelError('inputs must be a non-empty list of array ids');
  }
  if ((definition.kernel === undefined) === (definition.user_kernel === undefined)) throw new KernelError('a transformation names either a kernel or a user_kernel');
  const user = definition.user_kernel === undefined ? undefined : await resolveUserKernel(options.kernelStorage ?? storage, definition.user_kernel);
  const kernel = user ? undefined : requireKernel(definition.kernel!);
  if (user && definition.params !== undefined) throw new KernelError("a user kernel's params are its document's (params)");
  const params = kernel ? kernel.params(definition.params ?? {}) : (user!.doc.params ?? {});
  const writesBlocks = kernel ? isDrainable(kernel) : user!.doc.output === 'blocks';
  if (definition.output !== undefined && (!writesBlocks || definition.inputs.length !== 1)) {
    throw new KernelError('only block kernels (block_max, escalated_max, user kernels with output "blocks") over exactly one input write an output array');
  }
  if (writesBlocks && definition.output === undefined) throw new KernelError(`${definition.kernel ?? user!.id} needs an output array`);
  if (definition.output !== undefined && (definition.output === id || definition.inputs.includes(definition.output))) {
    throw new KernelError('the output array must be neither the transformation itself nor one of its inputs');
  }
  const existing = await storedDoc(docStorage, id);
  if (existing !== undefined && existing.kind !== 'fl-transformation') throw new StorageError('conflict', `${JSON.stringify(id)} holds a document that is not a transformation`);
  if (definition.output !== undefined) checkOutput(id, definition.output, await storedDoc(outputStorage, definition.output));
  let initial: unknown;
  if (kernel) initial = encodeState(kernel.init(params));
  else {
    const executor = options.userKernels ?? (await inThreadUserKernels());
    try {
      initial = await executor.init(user!.doc);
    } finally {
      if (!options.userKernels) executor.dispose();
    }
  }
  const doc: TransformationDoc = {
    kind: 'fl-transformation',
    version: 1,
    inputs: definition.inputs,
    kernel: kernel ? definition.kernel! : 'user',
    ...(user ? { user_kernel: user } : {}),
    params,
    ...(definition.output ? { output: definition.output } : {}),
    positions: Object.fromEntries(definition.inputs.map((input) => [input, 0])),
    states: Object.fromEntries(definition.inputs.map((input) => [input, initial])),
    output_length: 0,
    results: {},
  };
  if (!(docStorage.bulkDocs && docStorage.hasCapacity('bulk_docs'))) {
    await docStorage.put(id, doc as unknown as Doc);
    return;
  }
  const [result] = await docStorage.bulkDocs([{ id, doc: doc as unknown as Doc, expect: existing === undefined ? null : docHash(existing) }]);
  if (result && !result.ok) throw new StorageError(result.code as StorageErrorCode, result.message);
}

/** Samples [from, to) of `array` as chunks with their times (user kernels get both). */
async function timedChunks(array: ChannelArray, from: number, to: number): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of array.chunks(from, to)) chunks.push({ ...chunk, times: await array.times(chunk.offset, chunk.offset + chunk.values.length) });
  return chunks;
}

export class TransformationRunner extends EventTarget {
  readonly #storage: Storage;
  readonly #docStorage: Storage;
  readonly #outputStorage: Storage;
  readonly #id: string;
  readonly #engine: ComputeEngine;
  readonly #userKernels: UserKernelExecutor | undefined;

  /**
   * Runs transformation `id` over arrays of `storage`. The third argument is the engine of
   * built-in kernels (as before) or the options; options as a fourth argument go with an engine.
   */
  constructor(storage: Storage, id: string, engine?: ComputeEngine | TransformationOptions, options: TransformationOptions = {}) {
    super();
    const all: TransformationOptions = engine === undefined || 'state' in engine ? { ...options, ...(engine ? { engine } : {}) } : engine;
    this.#storage = storage;
    this.#docStorage = all.docStorage ?? storage;
    this.#outputStorage = all.outputStorage ?? storage;
    this.#id = id;
    this.#engine = all.engine ?? new CpuEngine();
    this.#userKernels = all.userKernels;
  }

  async #load(): Promise<TransformationDoc> {
    const doc = (await this.#docStorage.get(this.#id)) as unknown as TransformationDoc;
    if (doc.kind !== 'fl-transformation') throw new StorageError('bad_request', `${this.#id} is not a transformation`);
    return doc;
  }

  /** The stored definition, positions and latest results. */
  async status(): Promise<TransformationDoc> {
    return this.#load();
  }

  /** Processes everything appended since the last run; resolves with the updated document. */
  async run(): Promise<TransformationDoc> {
    const doc = await this.#load();
    if (doc.kernel === 'user') {
      const executor = this.#userKernels ?? (await inThreadUserKernels());
      try {
        return await this.#run(doc, executor);
      } finally {
        if (!this.#userKernels) executor.dispose();
      }
    }
    return this.#run(doc, undefined);
  }

  async #run(doc: TransformationDoc, userKernels: UserKernelExecutor | undefined): Promise<TransformationDoc> {
    const user = doc.kernel === 'user' ? doc.user_kernel : undefined;
    if (doc.kernel === 'user' && (user === undefined || userKernelProblem(user.doc) !== undefined)) throw new StorageError('bad_request', `${this.#id} has no valid user kernel: define it again`);
    const kernel = user ? undefined : requireKernel(doc.kernel);
    const params = doc.params;
    const arrays = await Promise.all(doc.inputs.map((input) => ChannelArray.open(this.#storage, input)));
    let output: ChannelArray | undefined;
    if (doc.output !== undefined) {
      output = await ChannelArray.open(this.#outputStorage, doc.output).catch(async (error: unknown) => {
        if (error instanceof ArrayError && error.status === 404) return ChannelArray.create(this.#outputStorage, doc.output!, { timing: 'explicit', producer: this.#id });
        throw error;
      });
      // Checked again here: the array may have been made by someone else since the definition.
      // Outputs written before arrays carried their producer have none: one this transformation
      // has already written to (its checkpoint counts its blocks, and only a run makes them) is its own.
      const legacy = output.meta.producer === undefined && doc.output_length > 0 && output.length >= doc.output_length;
      if (!legacy) checkOutput(this.#id, doc.output, output.meta as unknown as Doc);
      // Blocks appended by a run that died before its checkpoint: they will be produced again.
      if (output.length > doc.output_length) await output.truncate(doc.output_length);
    }
    const ends = arrays.map((array) => array.length);
    const total = arrays.reduce((sum, array, index) => sum + ends[index]! - (doc.positions[array.id] ?? 0), 0);
    let done = 0;
    this.#progress(done, total);
    for (const [index, array] of arrays.entries()) {
      const end = ends[index]!;
      while ((doc.positions[array.id] ?? 0) < end) {
        const from = doc.positions[array.id] ?? 0;
        const to = Math.min(end, from + BATCH_SAMPLES);
        let blocks: Array<number | null> = [];
        let block = 0;
        if (user) {
          const folded = await userKernels!.fold(user.doc, doc.states[array.id], await timedChunks(array, from, to));
          doc.states[array.id] = folded.state;
          doc.results[array.id] = folded.result;
          blocks = folded.blocks;
          block = user.doc.block ?? 0;
        } else {
          const chunks: Chunk[] = [];
          for await (const chunk of array.chunks(from, to)) chunks.push(chunk);
          let state = await this.#engine.state(doc.kernel as KernelName, params, chunks, decodeState(doc.states[array.id]));
          if (output && kernel && isDrainable(kernel)) {
            const drained = kernel.drain(state, params);
            state = drained.state;
            blocks = drained.output;
            block = (params as { block: number }).block;
          }
          doc.states[array.id] = encodeState(state);
          doc.results[array.id] = encodeState(kernel!.finish(state, params));
        }
        if (output && blocks.length > 0) {
          const firstBlock = doc.output_length;
          const values = Float32Array.from(blocks, (value) => value ?? Number.NaN);
          // Each output value is stamped with the time of its block's first sample.
          const times = new Float64Array(values.length);
          for (let offset = 0; offset < values.length; offset++) {
            times[offset] = (await array.times((firstBlock + offset) * block, (firstBlock + offset) * block + 1))[0]!;
          }
          await output.append(values, times);
          doc.output_length += values.length;
        }
        doc.positions[array.id] = to;
        // The checkpoint: position, state and output length together.
        await this.#docStorage.put(this.#id, doc as unknown as Record<string, never>);
        done += to - from;
        this.#progress(done, total);
      }
    }
    return doc;
  }

  #progress(done: number, total: number): void {
    this.dispatchEvent(new CustomEvent<Progress>('progress', { detail: { done, total } }));
  }
}
