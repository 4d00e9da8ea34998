// User kernels in the transformation runner: output 'result' and 'blocks', the same result
// incrementally as in one run, the document and the output kept in storages of their own.
import { describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { InThreadUserKernels, SandboxError, TransformationRunner, defineTransformation } from '../../src/compute/isomorphic';
import { blockMax, runKernel, type UserKernelDoc } from '../../src/core';
import { createStorage, type Storage } from '../../src/storage';

const MAX_SOURCE = `
function init(params) { return { max: null, count: 0 }; }
function step(state, chunk, params) {
  for (const v of chunk.values) if (v === v) { state.count++; if (state.max === null || v > state.max) state.max = v; }
  return state;
}
function merge(a, b) { return { max: a.max === null ? b.max : b.max === null ? a.max : Math.max(a.max, b.max), count: a.count + b.count }; }
function finish(state) { return state; }
`;

const BLOCK_MAX_SOURCE = MAX_SOURCE.replace('function finish(state) { return state; }', 'function finish(state) { return state.max; }');

function userKernel(source: string, extra: Partial<UserKernelDoc> = {}): UserKernelDoc {
  return { type: 'user_kernel', title: 'Test kernel', source, output: 'result', owner: 'eng', created_at: 1, updated_at: 1, ...extra };
}

/** What `promise` rejects with (fails the test when it resolves). */
function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

function memory(): Storage {
  return createStorage({ type: 'memory' });
}

async function channel(storage: Storage, id: string, values: Float32Array, t0 = 1_000): Promise<ChannelArray> {
  const array = await ChannelArray.create(storage, id, { timing: 'regular' });
  await array.append(values, { t0, dt: 10 });
  return array;
}

/** Pseudo-random but fixed values with a few missing ones (NaN). */
function values(count: number, seed = 1): Float32Array {
  const out = new Float32Array(count);
  let x = seed;
  for (let index = 0; index < count; index++) {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    out[index] = index % 97 === 13 ? Number.NaN : (x / 2_147_483_648) * 100 - 50;
  }
  return out;
}

describe('user kernels in the transformation runner', () => {
  it("runs output 'result' and gives the same result incrementally as over everything at once", async () => {
    const data = values(200_000);
    const kernel = userKernel(MAX_SOURCE);
    const once = memory();
    await channel(once, 'array/x', data);
    await once.put('user_kernel/max', kernel as never);
    await defineTransformation(once, 'transformation/max', { inputs: ['array/x'], user_kernel: 'user_kernel/max' });
    const all = await new TransformationRunner(once, 'transformation/max').run();

    const incremental = memory();
    const array = await channel(incremental, 'array/x', data.subarray(0, 70_001));
    await defineTransformation(incremental, 'transformation/max', { inputs: ['array/x'], user_kernel: kernel });
    const executor = new InThreadUserKernels();
    const runner = new TransformationRunner(incremental, 'transformation/max', { userKernels: executor });
    await runner.run();
    await array.append(data.subarray(70_001, 133_333), { t0: 1_000 + 70_001 * 10, dt: 10 });
    await runner.run();
    await array.append(data.subarray(133_333), { t0: 1_000 + 133_333 * 10, dt: 10 });
    const last = await runner.run();
    executor.dispose();

    let max = -Infinity;
    let count = 0;
    for (const value of data) if (!Number.isNaN(value)) {
      count++;
      max = Math.max(max, value);
    }
    expect(all.results['array/x']).toEqual({ max, count });
    expect(last.results['array/x']).toEqual(all.results['array/x']);
    expect(last.states['array/x']).toEqual(all.states['array/x']);
    expect(last.kernel).toBe('user');
    expect(last.user_kernel?.doc.source).toBe(MAX_SOURCE);
  });

  it("appends one value per block for output 'blocks', like block_max, also across runs", async () => {
    const data = values(100_003, 7);
    const kernel = userKernel(BLOCK_MAX_SOURCE, { output: 'blocks', block: 1_000 });
    const storage = memory();
    const array = await channel(storage, 'array/x', data.subarray(0, 40_500));
    await defineTransformation(storage, 'transformation/blocks', { inputs: ['array/x'], user_kernel: kernel, output: 'array/x-blocks' });
    const runner = new TransformationRunner(storage, 'transformation/blocks');
    await runner.run();
    await array.append(data.subarray(40_500), { t0: 1_000 + 40_500 * 10, dt: 10 });
    const doc = await runner.run();
    const output = await ChannelArray.open(storage, 'array/x-blocks');
    const read = await output.read(0, output.length);
    const expected = runKernel(blockMax, { block: 1_000 }, [{ values: data, offset: 0 }]).slice(0, 100);
    expect(doc.output_length).toBe(100);
    expect(Array.from(read.values)).toEqual(Array.from(Float32Array.from(expected, (value) => value ?? Number.NaN)));
    // Stamped at each block's first sample.
    expect(read.times[0]).toBe(1_000);
    expect(read.times[99]).toBe(1_000 + 99_000 * 10);
    expect(output.meta.producer).toBe('transformation/blocks');
  });

  it('keeps the document and the output in their own storages, reading only the inputs from the input storage', async () => {
    const inputs = memory();
    const local = memory();
    await channel(inputs, 'array/x', values(5_000));
    await inputs.put('user_kernel/max', userKernel(BLOCK_MAX_SOURCE, { output: 'blocks', block: 100 }) as never);
    const options = { docStorage: local, outputStorage: local };
    await defineTransformation(inputs, 'transformation/local', { inputs: ['array/x'], user_kernel: 'user_kernel/max', output: 'array/local-out' }, options);
    const doc = await new TransformationRunner(inputs, 'transformation/local', options).run();
    expect(doc.output_length).toBe(50);
    expect((await ChannelArray.open(local, 'array/local-out')).length).toBe(50);
    expect((await inputs.allDocs()).rows.map((row) => row.id).filter((id) => id.startsWith('transformation/') || id.startsWith('array/local-out'))).toEqual([]);
    expect((await local.get('transformation/local')).kind).toBe('fl-transformation');
  });

  it('refuses a kernel that does not compile when defining, naming it', async () => {
    const storage = memory();
    await channel(storage, 'array/x', values(10));
    const error = await rejection(defineTransformation(storage, 'transformation/bad', { inputs: ['array/x'], user_kernel: userKernel('function init( {') }));
    expect(error).toBeInstanceOf(SandboxError);
    expect((error as SandboxError).code).toBe('syntax');
    const missing = await rejection(defineTransformation(storage, 'transformation/bad', { inputs: ['array/x'], user_kernel: userKernel('function init() { return {} }') }));
    expect((missing as SandboxError).message).toMatch(/must define function step/);
    const unknown = await rejection(defineTransformation(storage, 'transformation/bad', { inputs: ['array/x'], user_kernel: 'user_kernel/none' }));
    expect((unknown as { status?: number }).status).toBe(404);
  });
});
