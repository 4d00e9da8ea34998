// The same user kernel on this device (a dedicated worker) and on the real server (its sandbox
// thread) over the same array gives exactly the same JSON, in real Chromium; the device keeps
// its transformation and output in a storage of its own; a worker call that overruns its hard
// deadline is terminated and the next call gets a new worker.
import { afterAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { SandboxError, TransformationRunner, WorkerUserKernelRunner, defineTransformation } from '../../src/compute';
import type { UserKernelDoc } from '../../src/core';
import { createStorage } from '../../src/storage';
import { TEST_SERVER_ADMIN_PASSWORD, TEST_SERVER_URL, login, serverExpect } from './support/test-server';

const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const COUNT = 20_000;

// Float arithmetic where the order and the library matter (sin, exp, sums of float32 products):
// equal JSON means the same engine did the same steps.
const RESULT_SOURCE = `
function init(params) { return { sum: 0, energy: 0, wave: 0, max: null, n: 0 }; }
function step(state, chunk, params) {
  const v = chunk.values;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== x) continue;
    state.sum += x;
    state.energy += Math.fround(x * x) * params.gain;
    state.wave += Math.sin(x) * Math.exp(-Math.abs(x) / 40) + Math.log1p(Math.abs(x)) / (chunk.times[i] % 977 + 1);
    if (state.max === null || x > state.max) state.max = x;
    state.n++;
  }
  return state;
}
function merge(a, b) { return { sum: a.sum + b.sum, energy: a.energy + b.energy, wave: a.wave + b.wave, max: a.max === null ? b.max : b.max === null ? a.max : Math.max(a.max, b.max), n: a.n + b.n }; }
function finish(state) { return { ...state, mean: state.n ? state.sum / state.n : null, rms: state.n ? Math.sqrt(state.energy / state.n) : null }; }
`;
const BLOCK_SOURCE = `
function init() { return { peak: -Infinity, acc: 0 }; }
function step(s, chunk) { for (const x of chunk.values) { if (x === x) { s.acc = 0.9 * s.acc + 0.1 * Math.abs(x); s.peak = Math.max(s.peak, s.acc); } } return s; }
function merge(a, b) { return b; }
function finish(s) { return s.peak === -Infinity ? null : s.peak; }
`;
const LOOP_SOURCE = 'function init() { return {}; }\nfunction step(s, chunk) { if (chunk.offset === 0) for (;;) {} return s; }\nfunction merge(a) { return a; }\nfunction finish(s) { return s; }';

const kernel = (title: string, source: string, extra: Partial<UserKernelDoc> = {}): UserKernelDoc => ({ type: 'user_kernel', title, source, output: 'result', owner: `eve-${stamp}`, created_at: 1, updated_at: 1, ...extra });

const runners: WorkerUserKernelRunner[] = [];
afterAll(() => {
  for (const runner of runners) runner.dispose();
});

describe('user kernels on the device worker and on the server', () => {
  it('give identical JSON results and identical block outputs over the same array', async () => {
    const admin = await login('admin', TEST_SERVER_ADMIN_PASSWORD);
    const site = `site/uk-${stamp}`;
    const username = `eve-${stamp}`;
    await serverExpect(200, admin, 'PUT', `/api/docs/${encodeURIComponent(site)}`, { type: 'site', title: `User kernels ${stamp}` });
    await serverExpect(201, admin, 'POST', '/api/users', { username, password: `${username}-password`, role: 'engineer', sites: [] });
    const array = `array/uk-${stamp}/vibration`;
    await serverExpect(201, admin, 'POST', '/api/arrays', { id: array, timing: 'explicit', site });
    const values = Array.from({ length: COUNT }, (_, i) => (i % 113 === 5 ? null : Math.fround(30 * Math.sin(i / 17) + ((i * 7919) % 23) - 11.5)));
    const times = values.map((_, i) => 1_700_000_000_000 + i * 37);
    await serverExpect(200, admin, 'POST', `/api/arrays/${encodeURIComponent(array)}/values`, { times, values });

    const token = await login(username, `${username}-password`);
    const server = createStorage({ type: 'http', url: TEST_SERVER_URL, token });
    const resultKernel = `user_kernel/uk-result-${stamp}`;
    const blockKernel = `user_kernel/uk-blocks-${stamp}`;
    await server.put(resultKernel, kernel('Wave energy', RESULT_SOURCE, { params: { gain: 0.5 } }) as never);
    await server.put(blockKernel, kernel('Envelope peak', BLOCK_SOURCE, { output: 'blocks', block: 1_000 }) as never);

    // The server: defined and run through its API (its sandbox thread).
    const serverResult = `transformation/uk-result-${stamp}`;
    const serverBlocks = `transformation/uk-blocks-${stamp}`;
    await serverExpect(201, token, 'POST', '/api/transformations', { id: serverResult, inputs: [array], user_kernel: resultKernel });
    await serverExpect(201, token, 'POST', '/api/transformations', { id: serverBlocks, inputs: [array], user_kernel: blockKernel, output: `${array}-peaks` });
    const onServer = await serverExpect<{ results: Record<string, unknown>; states: Record<string, unknown> }>(200, token, 'POST', `/api/transformations/${encodeURIComponent(serverResult)}/run`);
    const blocksOnServer = await serverExpect<{ output_length: number }>(200, token, 'POST', `/api/transformations/${encodeURIComponent(serverBlocks)}/run`);

    // The device: the same kernels from the synced documents, the server's array as input, the
    // transformation and its output in a local storage that never syncs, calls in its worker.
    const local = createStorage({ type: 'memory' });
    const userKernels = new WorkerUserKernelRunner();
    runners.push(userKernels);
    const options = { docStorage: local, outputStorage: local, kernelStorage: server, userKernels };
    await defineTransformation(server, 'transformation/device-result', { inputs: [array], user_kernel: resultKernel }, options);
    await defineTransformation(server, 'transformation/device-blocks', { inputs: [array], user_kernel: blockKernel, output: 'array/device-peaks' }, options);
    const onDevice = await new TransformationRunner(server, 'transformation/device-result', options).run();
    const blocksOnDevice = await new TransformationRunner(server, 'transformation/device-blocks', options).run();

    expect(JSON.stringify(onDevice.results[array])).toBe(JSON.stringify(onServer.results[array]));
    expect(JSON.stringify(onDevice.states[array])).toBe(JSON.stringify(onServer.states[array]));
    expect((onDevice.results[array] as { n: number }).n).toBe(values.filter((value) => value !== null).length);
    expect(blocksOnDevice.output_length).toBe(20);
    expect(blocksOnServer.output_length).toBe(20);
    const devicePeaks = await (await ChannelArray.open(local, 'array/device-peaks')).read(0, 20);
    const serverPeaks = await (await ChannelArray.open(server, `${array}-peaks`)).read(0, 20);
    expect(new Uint8Array(devicePeaks.values.buffer)).toEqual(new Uint8Array(serverPeaks.values.buffer, serverPeaks.values.byteOffset, serverPeaks.values.byteLength));
    expect(Array.from(devicePeaks.times)).toEqual(Array.from(serverPeaks.times));
    // Nothing of the device's run went to the server.
    await expect(server.get('transformation/device-result')).rejects.toMatchObject({ status: 404 });
  }, 120_000);

  it('terminates the worker when a call overruns its hard deadline, and the next call runs in a new one', async () => {
    // The sandbox's own CPU limit (a minute) comes after the hard deadline (1 s per chunk + 10 s start).
    const userKernels = new WorkerUserKernelRunner({ limits: { cpuMsPerCall: 60_000 }, hardMsPerChunk: 1_000, hardStartMs: 10_000 });
    runners.push(userKernels);
    const loop = kernel('Loops', LOOP_SOURCE);
    const error = await userKernels.fold(loop, {}, [{ values: new Float32Array(4), offset: 0 }]).then(
      () => expect.fail('expected the hard deadline'),
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(SandboxError);
    expect((error as SandboxError).code).toBe('timeout');
    expect((error as SandboxError).message).toMatch(/its thread was stopped/);
    expect(userKernels.terminations).toBe(1);
    expect(await userKernels.fold(loop, {}, [{ values: new Float32Array(4), offset: 8 }])).toEqual({ state: {}, blocks: [], result: {} });
  }, 60_000);
});
