/** The in-thread engine: the reference every other engine is tested against. */
import type { KernelName } from '../../core';
import { ENGINE_CHUNK, inputChunks, requireKernel, type ComputeEngine, type ComputeInput } from '../engine';

export class CpuEngine implements ComputeEngine {
  readonly name = 'cpu' as const;

  async state(name: KernelName, rawParams: unknown, input: ComputeInput, from?: unknown): Promise<unknown> {
    const kernel = requireKernel(name);
    const params = kernel.params(rawParams);
    let state = from ?? kernel.init(params);
    // A whole in-memory array is one step: no chunking overhead on the hot path.
    if (input instanceof Float32Array) return kernel.step(state, { values: input, offset: 0 }, params);
    for await (const chunk of inputChunks(input, ENGINE_CHUNK)) state = kernel.step(state, chunk, params);
    return state;
  }

  async run(name: KernelName, rawParams: unknown, input: ComputeInput): Promise<unknown> {
    const kernel = requireKernel(name);
    const params = kernel.params(rawParams);
    return kernel.finish(await this.state(name, params, input), params);
  }

  dispose(): void {}
}
