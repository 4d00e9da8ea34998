/**
 * The WebGPU engine: WGSL compute shaders for max, min, peak-to-peak, sum, mean, histogram and M4;
 * every other kernel goes to the fallback engine. Data is uploaded in batches of consecutive
 * chunks (as large as the device allows); per-batch results become kernel states that merge on
 * the CPU. Values are compared through their bits (see common.wgsl), so max, min, M4 and
 * histogram equal the CPU reference exactly; sums use Kahan per thread.
 *
 * A lost device (driver reset, tab in background on mobile) is replaced on the next batch; when
 * no device can be had, the batch is computed on the CPU and later calls use the fallback engine.
 */
import { histogramEdges, m4Bucket, m4BucketStart, type Chunk, type HistogramParams, type KernelName, type M4Params, type M4State } from '../../core';
import { inputChunks, requireKernel, type ComputeEngine, type ComputeInput } from '../engine';
import commonSource from './common.wgsl?raw';
import minmaxSource from './minmax.wgsl?raw';
import sumSource from './sum.wgsl?raw';
import histogramSource from './histogram.wgsl?raw';
import m4Source from './m4.wgsl?raw';

type ShaderName = 'minmax' | 'sum' | 'histogram' | 'm4';
const sources: Record<ShaderName, string> = { minmax: minmaxSource, sum: sumSource, histogram: histogramSource, m4: m4Source };
const gpuKernels = new Set<string>(['max', 'min', 'peak_to_peak', 'sum', 'mean', 'histogram', 'm4']);

/** Raised when this browser or machine has no usable WebGPU adapter. */
export class WebGpuUnavailable extends Error {
  override name = 'WebGpuUnavailable';
}

/** The float32 value of an order key (inverse of order_key in common.wgsl). */
function keyToFloat(key: number): number {
  const bits = key & 0x80000000 ? key & 0x7fffffff : ~key >>> 0;
  return new Float32Array(new Uint32Array([bits]).buffer)[0]!;
}

/** The order key of a float32 value (the same mapping as common.wgsl). */
function floatToKey(value: number): number {
  const bits = new Uint32Array(new Float32Array([value]).buffer)[0]!;
  return bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
}

interface Gpu {
  device: GPUDevice;
  maxFloats: number;
  pipelines: Map<ShaderName, GPUComputePipeline>;
  data: GPUBuffer | undefined;
}

export class WebGpuEngine implements ComputeEngine {
  readonly name = 'webgpu' as const;
  readonly #fallback: ComputeEngine;
  #gpu: Promise<Gpu> | undefined;
  #degraded = false;
  /** Adapter description, for diagnostics and test logs. */
  adapterInfo = '';

  /** The fallback was made for this engine alone (createEngine's workers): disposed with it. */
  readonly #ownsFallback: boolean;

  private constructor(fallback: ComputeEngine, ownsFallback: boolean) {
    this.#fallback = fallback;
    this.#ownsFallback = ownsFallback;
  }

  /**
   * A WebGPU engine, or WebGpuUnavailable when there is no adapter. With `ownsFallback`, disposing
   * it disposes the fallback too (a caller's own fallback, by default, stays the caller's).
   */
  static async create(fallback: ComputeEngine, options: { ownsFallback?: boolean } = {}): Promise<WebGpuEngine> {
    const engine = new WebGpuEngine(fallback, options.ownsFallback ?? false);
    await engine.#ready();
    return engine;
  }

  /** The device in use (diagnostics; tests destroy it to check recovery). */
  async device(): Promise<GPUDevice> {
    return (await this.#ready()).device;
  }

  #ready(): Promise<Gpu> {
    this.#gpu ??= this.#connect().catch((error: unknown) => {
      this.#gpu = undefined;
      throw error;
    });
    return this.#gpu;
  }

  async #connect(): Promise<Gpu> {
    if (!globalThis.navigator?.gpu) throw new WebGpuUnavailable('this browser has no WebGPU (navigator.gpu is missing)');
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new WebGpuUnavailable('no WebGPU adapter is available on this machine');
    this.adapterInfo = `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.trim();
    const bindable = Math.min(adapter.limits.maxStorageBufferBindingSize, adapter.limits.maxBufferSize);
    const device = await adapter.requestDevice({
      requiredLimits: { maxStorageBufferBindingSize: bindable, maxBufferSize: bindable },
    });
    const gpu: Gpu = { device, maxFloats: Math.floor(Math.min(bindable, 256 * 1024 * 1024) / 4), pipelines: new Map(), data: undefined };
    void device.lost.then(() => {
      // Replace the device on the next call (unless it was us who destroyed it on dispose).
      if (this.#gpu) this.#gpu = undefined;
    });
    return gpu;
  }

  #pipeline(gpu: Gpu, shader: ShaderName): GPUComputePipeline {
    let pipeline = gpu.pipelines.get(shader);
    if (!pipeline) {
      const module = gpu.device.createShaderModule({ code: `${commonSource}\n${sources[shader]}`, label: shader });
      pipeline = gpu.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: shader });
      gpu.pipelines.set(shader, pipeline);
    }
    return pipeline;
  }

  #upload(gpu: Gpu, values: Float32Array): GPUBuffer {
    const bytes = Math.max(16, Math.ceil((values.length * 4) / 16) * 16);
    if (!gpu.data || gpu.data.size < bytes) {
      gpu.data?.destroy();
      gpu.data = gpu.device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, label: 'values' });
    }
    gpu.device.queue.writeBuffer(gpu.data, 0, values.buffer, values.byteOffset, values.byteLength);
    return gpu.data;
  }

  /** Runs `shader` over the uploaded data and reads back `outputBytes` of its output buffer. */
  async #dispatch(
    gpu: Gpu,
    shader: ShaderName,
    data: GPUBuffer,
    uniform: Uint32Array<ArrayBuffer>,
    outputBytes: number,
    extra: Uint32Array<ArrayBuffer> | undefined,
    groups: [number, number],
    clearOutput = false,
  ): Promise<ArrayBuffer> {
    const device = gpu.device;
    const output = device.createBuffer({ size: outputBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    if (clearOutput) device.queue.writeBuffer(output, 0, new Uint32Array(outputBytes / 4));
    const params = device.createBuffer({ size: Math.max(16, uniform.byteLength), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(params, 0, uniform);
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: data } },
      { binding: 1, resource: { buffer: output } },
      { binding: 2, resource: { buffer: params } },
    ];
    let extraBuffer: GPUBuffer | undefined;
    if (extra) {
      extraBuffer = device.createBuffer({ size: Math.max(16, Math.ceil(extra.byteLength / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(extraBuffer, 0, extra);
      entries.push({ binding: 3, resource: { buffer: extraBuffer } });
    }
    const pipeline = this.#pipeline(gpu, shader);
    const readback = device.createBuffer({ size: outputBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    device.pushErrorScope('validation');
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }));
    pass.dispatchWorkgroups(groups[0], groups[1]);
    pass.end();
    encoder.copyBufferToBuffer(output, 0, readback, 0, outputBytes);
    device.queue.submit([encoder.finish()]);
    const validation = await device.popErrorScope();
    if (validation) throw new Error(`WebGPU ${shader}: ${validation.message}`);
    await readback.mapAsync(GPUMapMode.READ);
    const result = readback.getMappedRange().slice(0);
    readback.unmap();
    for (const buffer of [output, params, readback, extraBuffer]) buffer?.destroy();
    return result;
  }

  /** Smallest and largest non-NaN value of the uploaded data (null when there is none). */
  async #minMax(gpu: Gpu, data: GPUBuffer, length: number, groups: number): Promise<{ min: number | null; max: number | null }> {
    const out = new Uint32Array(await this.#dispatch(gpu, 'minmax', data, new Uint32Array([length, groups, 0, 0]), groups * 16, undefined, [groups, 1]));
    let low = 0xffffffff;
    let high = 0;
    let count = 0;
    for (let group = 0; group < groups; group++) {
      if (out[group * 4 + 2] === 0) continue;
      low = Math.min(low, out[group * 4]!);
      high = Math.max(high, out[group * 4 + 1]!);
      count += out[group * 4 + 2]!;
    }
    // -0 and +0 are equal; report +0 as the CPU kernels do.
    return count ? { min: keyToFloat(low) || 0, max: keyToFloat(high) || 0 } : { min: null, max: null };
  }

  /** The kernel state of one contiguous batch, computed on the GPU. */
  async #gpuState(gpu: Gpu, name: string, params: unknown, chunk: Chunk): Promise<unknown> {
    const values = chunk.values;
    const data = this.#upload(gpu, values);
    const groups = Math.min(4096, Math.max(1, Math.ceil(values.length / 256)));
    switch (name) {
      case 'max':
      case 'min':
      case 'peak_to_peak': {
        const { min, max } = await this.#minMax(gpu, data, values.length, groups);
        return name === 'max' ? { max } : name === 'min' ? { min } : { min, max };
      }
      case 'sum':
      case 'mean': {
        const kernel = requireKernel(name);
        const { min, max } = await this.#minMax(gpu, data, values.length, groups);
        const largest = Math.max(Math.abs(min ?? 0), Math.abs(max ?? 0));
        // With an infinity the sum is ±∞ or NaN whatever the rest; with only tiny (subnormal) values
        // a GPU flushes them to zero, so those few batches are summed on the CPU.
        if (largest !== 0 && largest < 2 ** -100) return kernel.step(kernel.init(params), chunk, params);
        const exponent = largest === 0 || !Number.isFinite(largest) ? 0 : 100 - Math.ceil(Math.log2(largest));
        const half = Math.trunc(exponent / 2);
        const uniform = new Uint32Array(4);
        uniform.set([values.length, groups]);
        new Float32Array(uniform.buffer).set([2 ** half, 2 ** (exponent - half)], 2);
        const raw = await this.#dispatch(gpu, 'sum', data, uniform, groups * 16, undefined, [groups, 1]);
        const sums = new Float32Array(raw);
        const words = new Uint32Array(raw);
        let state = kernel.init(params);
        for (let group = 0; group < groups; group++) {
          const partial = {
            sum: sums[group * 4]! * 2 ** -exponent,
            compensation: 0,
            count: words[group * 4 + 1]!,
            positiveInfinity: words[group * 4 + 2] === 1,
            negativeInfinity: words[group * 4 + 3] === 1,
          };
          state = kernel.merge(state, partial, params);
        }
        return state;
      }
      case 'histogram': {
        const histogramParams = params as HistogramParams;
        const edgeKeys = Uint32Array.from(histogramEdges(histogramParams), floatToKey);
        const uniform = new Uint32Array([values.length, groups, histogramParams.bins, 0]);
        const out = new Uint32Array(await this.#dispatch(gpu, 'histogram', data, uniform, (histogramParams.bins + 2) * 4, edgeKeys, [groups, 1], true));
        return { counts: Array.from(out.subarray(0, histogramParams.bins)), below: out[histogramParams.bins]!, above: out[histogramParams.bins + 1]! };
      }
      case 'm4':
        return this.#m4State(gpu, params as M4Params, chunk, data);
      default:
        throw new Error(`no shader for ${name}`);
    }
  }

  async #m4State(gpu: Gpu, params: M4Params, chunk: Chunk, data: GPUBuffer): Promise<M4State> {
    const kernel = requireKernel('m4');
    const state = kernel.init(params) as M4State;
    const from = Math.max(params.start, chunk.offset);
    const to = Math.min(params.end, chunk.offset + chunk.values.length);
    if (to <= from) return state;
    const firstBucket = m4Bucket(from, params);
    const lastBucket = m4Bucket(to - 1, params);
    const count = lastBucket - firstBucket + 1;
    // Bucket starts are computed here, in float64 (no u32 overflow on the GPU).
    const bounds = new Uint32Array(count + 1);
    for (let index = 0; index <= count; index++) {
      bounds[index] = Math.min(to, Math.max(from, m4BucketStart(firstBucket + index, params))) - chunk.offset;
    }
    const row = Math.min(count, 65_535);
    const out = new Uint32Array(
      await this.#dispatch(gpu, 'm4', data, new Uint32Array([count, row, 0, 0]), count * 16, bounds, [row, Math.ceil(count / row)]),
    );
    for (let index = 0; index < count; index++) {
      const last = out[index * 4 + 1]!;
      if (last === 0) continue;
      const first = out[index * 4]!;
      const bucket = firstBucket + index;
      state.firstIndex[bucket] = chunk.offset + first;
      state.first[bucket] = chunk.values[first]!;
      state.lastIndex[bucket] = chunk.offset + last - 1;
      state.last[bucket] = chunk.values[last - 1]!;
      state.min[bucket] = keyToFloat(out[index * 4 + 2]!) || 0;
      state.max[bucket] = keyToFloat(out[index * 4 + 3]!) || 0;
    }
    return state;
  }

  /** Joins consecutive chunks into uploads of at most `maxFloats` samples. */
  async *#batches(input: ComputeInput, maxFloats: number): AsyncGenerator<Chunk> {
    if (input instanceof Float32Array) {
      for (let start = 0; start < input.length; start += maxFloats) yield { values: input.subarray(start, start + maxFloats), offset: start };
      return;
    }
    let pending: Chunk[] = [];
    let pendingLength = 0;
    const flush = (): Chunk => {
      const values = new Float32Array(pendingLength);
      let at = 0;
      for (const chunk of pending) {
        values.set(chunk.values, at);
        at += chunk.values.length;
      }
      const batch = { values, offset: pending[0]!.offset };
      pending = [];
      pendingLength = 0;
      return batch;
    };
    for await (const chunk of inputChunks(input, maxFloats)) {
      const contiguous = pending.length === 0 || pending.at(-1)!.offset + pending.at(-1)!.values.length === chunk.offset;
      if (pending.length > 0 && (!contiguous || pendingLength + chunk.values.length > maxFloats)) yield pending.length === 1 ? pending.splice(0)[0]! : flush();
      pending.push(chunk);
      pendingLength = pending.reduce((total, item) => total + item.values.length, 0);
    }
    if (pending.length === 1) yield pending[0]!;
    else if (pending.length > 1) yield flush();
  }

  async state(name: KernelName, rawParams: unknown, input: ComputeInput, from?: unknown): Promise<unknown> {
    const kernel = requireKernel(name);
    const params = kernel.params(rawParams);
    if (!gpuKernels.has(name) || this.#degraded) return this.#fallback.state(name, params, input, from);
    let state = from ?? kernel.init(params);
    const gpu = await this.#ready();
    for await (const batch of this.#batches(input, gpu.maxFloats)) {
      let batchState: unknown;
      try {
        batchState = await this.#gpuState(await this.#ready(), name, params, batch);
      } catch (error) {
        // A lost device is replaced once; if that fails too, this batch runs on the CPU.
        try {
          this.#gpu = undefined;
          batchState = await this.#gpuState(await this.#ready(), name, params, batch);
        } catch {
          console.warn('WebGPU failed; continuing on the CPU', error);
          this.#degraded = true;
          batchState = kernel.step(kernel.init(params), batch, params);
        }
      }
      state = kernel.merge(state, batchState, params);
    }
    return state;
  }

  async run(name: KernelName, rawParams: unknown, input: ComputeInput): Promise<unknown> {
    const kernel = requireKernel(name);
    const params = kernel.params(rawParams);
    return kernel.finish(await this.state(name, params, input), params);
  }

  dispose(): void {
    const gpu = this.#gpu;
    this.#gpu = undefined;
    void gpu?.then((ready) => ready.device.destroy()).catch(() => undefined);
    if (this.#ownsFallback) this.#fallback.dispose();
  }
}
