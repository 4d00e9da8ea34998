/**
 * Incremental transformations: a kernel over input arrays that remembers, per input, how far it
 * has processed and the kernel's state, so each `run()` reads only new samples. This module
 * decides where that memory lives: one document per transformation in the same Storage as the
 * arrays:
 *   {kind, version, inputs, kernel, params, output?, positions, states, output_length, results}
 * Block kernels (block_max, escalated_max) append their finished blocks to an output array.
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
import { KernelError, decodeState, docHash, encodeState, type Chunk, type Drainable, type KernelName } from '../../core';
import { ArrayError, ChannelArray } from '../../arrays';
import { StorageError, type Doc, type Storage, type StorageErrorCode } from '../../storage/backend';
import { storedDoc } from './stored-doc';
import { CpuEngine } from '../cpu/cpu-engine';
import { requireKernel, type ComputeEngine } from '../engine';

export interface TransformationDefinition {
  inputs: string[];
  kernel: KernelName;
  params?: unknown;
  /** Array receiving one value per block (block kernels only). */
  output?: string;
}

export interface TransformationDoc {
  kind: 'fl-transformation';
  version: 1;
  inputs: string[];
  kernel: KernelName;
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

/**
 * Stores a transformation definition (400 for an unknown kernel or bad parameters; 409 when `id`
 * holds a document that is not a transformation, or the output exists and is not this
 * transformation's own). Redefining one starts it over. Where the storage has conditional writes
 * (`bulkDocs`), the definition is written only if `id` still holds what was checked.
 */
export async function defineTransformation(storage: Storage, id: string, definition: TransformationDefinition): Promise<void> {
  const kernel = requireKernel(definition.kernel);
  if (!Array.isArray(definition.inputs) || definition.inputs.length === 0 || !definition.inputs.every((input) => typeof input === 'string' && input !== '')) {
    throw new KernelError('inputs must be a non-empty list of array ids');
  }
  const params = kernel.params(definition.params ?? {});
  if (definition.output !== undefined && (!isDrainable(kernel) || definition.inputs.length !== 1)) {
    throw new KernelError('only block kernels (block_max, escalated_max) over exactly one input write an output array');
  }
  if (isDrainable(kernel) && definition.output === undefined) throw new KernelError(`${definition.kernel} needs an output array`);
  if (definition.output !== undefined && (definition.output === id || definition.inputs.includes(definition.output))) {
    throw new KernelError('the output array must be neither the transformation itself nor one of its inputs');
  }
  const existing = await storedDoc(storage, id);
  if (existing !== undefined && existing.kind !== 'fl-transformation') throw new StorageError('conflict', `${JSON.stringify(id)} holds a document that is not a transformation`);
  if (definition.output !== undefined) checkOutput(id, definition.output, await storedDoc(storage, definition.output));
  const doc: TransformationDoc = {
    kind: 'fl-transformation',
    version: 1,
    inputs: definition.inputs,
    kernel: definition.kernel,
    params,
    ...(definition.output ? { output: definition.output } : {}),
    positions: Object.fromEntries(definition.inputs.map((input) => [input, 0])),
    states: Object.fromEntries(definition.inputs.map((input) => [input, encodeState(kernel.init(params))])),
    output_length: 0,
    results: {},
  };
  if (!(storage.bulkDocs && storage.hasCapacity('bulk_docs'))) {
    await storage.put(id, doc as unknown as Doc);
    return;
  }
  const [result] = await storage.bulkDocs([{ id, doc: doc as unknown as Doc, expect: existing === undefined ? null : docHash(existing) }]);
  if (result && !result.ok) throw new StorageError(result.code as StorageErrorCode, result.message);
}

export class TransformationRunner extends EventTarget {
  readonly #storage: Storage;
  readonly #id: string;
  readonly #engine: ComputeEngine;

  constructor(storage: Storage, id: string, engine: ComputeEngine = new CpuEngine()) {
    super();
    this.#storage = storage;
    this.#id = id;
    this.#engine = engine;
  }

  async #load(): Promise<TransformationDoc> {
    const doc = (await this.#storage.get(this.#id)) as unknown as TransformationDoc;
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
    const kernel = requireKernel(doc.kernel);
    const params = doc.params;
    const arrays = await Promise.all(doc.inputs.map((input) => ChannelArray.open(this.#storage, input)));
    let output: ChannelArray | undefined;
    if (doc.output !== undefined) {
      output = await ChannelArray.open(this.#storage, doc.output).catch(async (error: unknown) => {
        if (error instanceof ArrayError && error.status === 404) return ChannelArray.create(this.#storage, doc.output!, { timing: 'explicit', producer: this.#id });
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
        const chunks: Chunk[] = [];
        for await (const chunk of array.chunks(from, to)) chunks.push(chunk);
        let state = await this.#engine.state(doc.kernel, params, chunks, decodeState(doc.states[array.id]));
        if (output && isDrainable(kernel)) {
          const drained = kernel.drain(state, params);
          state = drained.state;
          if (drained.output.length > 0) {
            const block = (params as { block: number }).block;
            const firstBlock = doc.output_length;
            const values = Float32Array.from(drained.output, (value) => value ?? Number.NaN);
            // Each output value is stamped with the time of its block's first sample.
            const times = new Float64Array(values.length);
            for (let offset = 0; offset < values.length; offset++) {
              times[offset] = (await array.times((firstBlock + offset) * block, (firstBlock + offset) * block + 1))[0]!;
            }
            await output.append(values, times);
            doc.output_length += values.length;
          }
        }
        doc.positions[array.id] = to;
        doc.states[array.id] = encodeState(state);
        doc.results[array.id] = encodeState(kernel.finish(state, params));
        // The checkpoint: position, state and output length together.
        await this.#storage.put(this.#id, doc as unknown as Record<string, never>);
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
