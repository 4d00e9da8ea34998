// Every engine against the CPU reference in real Chromium, on random data with NaN, ±Infinity,
// empty inputs and lengths that are not a multiple of the chunk size. WebGPU runs on Chromium's
// software adapter (--enable-unsafe-webgpu) where no GPU exists; it skips, saying why, only when
// there is no adapter at all.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Chunk, KernelName } from '../../src/core';
import { CpuEngine, WorkerPoolEngine, createEngine, type ComputeEngine } from '../../src/compute';
import type { WebGpuEngine } from '../../src/compute/webgpu/webgpu-engine';

const cpu = new CpuEngine();
const workers = new WorkerPoolEngine(2);
let webgpu: WebGpuEngine | undefined;
let noGpuReason = '';

beforeAll(async () => {
  const { WebGpuEngine } = await import('../../src/compute/webgpu/webgpu-engine');
  try {
    webgpu = await WebGpuEngine.create(cpu);
    console.log(`WebGPU adapter: ${webgpu.adapterInfo}`);
  } catch (error) {
    noGpuReason = (error as Error).message;
    console.log(`WebGPU tests skipped: ${noGpuReason}`);
  }
});

afterAll(() => {
  workers.dispose();
  webgpu?.dispose();
});

const samples = fc.float32Array({ maxLength: 5000 });

function splitInto(values: Float32Array, cuts: number[]): Chunk[] {
  const points = [0, ...cuts.map((cut) => Math.min(cut, values.length)).sort((a, b) => a - b), values.length];
  const chunks: Chunk[] = [];
  for (let index = 0; index + 1 < points.length; index++) chunks.push({ values: values.slice(points[index], points[index + 1]), offset: points[index]! });
  return chunks;
}

const exactKernels: Array<[KernelName, (length: number) => unknown]> = [
  ['max', () => ({})],
  ['min', () => ({})],
  ['peak_to_peak', () => ({})],
  ['histogram', () => ({ min: -1000, max: 1000.5, bins: 37 })],
  ['m4', (length) => ({ start: Math.floor(length / 7), end: Math.max(Math.floor(length / 7) + 1, length), buckets: 23 })],
];

async function agreesWithCpu(engine: ComputeEngine, values: Float32Array, cuts: number[]): Promise<void> {
  for (const [kernel, paramsFor] of exactKernels) {
    const params = paramsFor(values.length);
    const expected = await cpu.run(kernel, params, values);
    expect(await engine.run(kernel, params, values), `${engine.name} ${kernel} (whole array)`).toEqual(expected);
    expect(await engine.run(kernel, params, splitInto(values, cuts)), `${engine.name} ${kernel} (chunks)`).toEqual(expected);
  }
  const finite = values.map((value) => (Number.isFinite(value) ? value : 0));
  const scale = finite.reduce((total, value) => total + Math.abs(value), 0);
  for (const kernel of ['sum', 'mean'] as const) {
    const expected = (await cpu.run(kernel, {}, values)) as number | null;
    const actual = (await engine.run(kernel, {}, values)) as number | null;
    if (expected === null || !Number.isFinite(expected)) expect(actual, `${engine.name} ${kernel}`).toEqual(expected);
    else expect(Math.abs(actual! - expected), `${engine.name} ${kernel}`).toBeLessThanOrEqual(1e-5 * (kernel === 'mean' ? scale / finite.length : scale) + 1e-30);
  }
}

describe('compute engines agree with the CPU reference', () => {
  it('worker pool: every shader kernel, whole and chunked', async () => {
    await fc.assert(
      fc.asyncProperty(samples, fc.array(fc.nat(5000), { maxLength: 5 }), (values, cuts) => agreesWithCpu(workers, values, cuts)),
      { numRuns: 25 },
    );
  });

  it('worker pool: stateful kernels too (variance, crossings, block max, spectrum)', async () => {
    const values = new Float32Array(300_001).map((_, index) => Math.sin(index / 30) + (index % 1001 === 0 ? Number.NaN : 0));
    expect(await workers.run('crossings', { threshold: 0.2 }, values)).toEqual(await cpu.run('crossings', { threshold: 0.2 }, values));
    expect(await workers.run('block_max', { block: 4096 }, values)).toEqual(await cpu.run('block_max', { block: 4096 }, values));
    const variance = (await workers.run('variance', {}, values)) as { variance: number };
    expect(variance.variance).toBeCloseTo(((await cpu.run('variance', {}, values)) as { variance: number }).variance, 9);
    const spectrum = (await workers.run('spectrum', { size: 1024 }, values)) as { magnitudes: number[] };
    const reference = (await cpu.run('spectrum', { size: 1024 }, values)) as { magnitudes: number[] };
    spectrum.magnitudes.forEach((value, index) => expect(value).toBeCloseTo(reference.magnitudes[index]!, 9));
  });

  it('worker pool: chunks read out of core are transferred, not copied', async () => {
    const chunks = [new Float32Array(65_536).fill(1), new Float32Array(1000).fill(3)].map((values, index) => ({ values, offset: index * 65_536 }));
    expect(await workers.run('max', {}, chunks)).toBe(3);
    expect(chunks.map((chunk) => chunk.values.byteLength)).toEqual([0, 0]);
    const mine = new Float32Array(10).fill(2);
    expect(await workers.run('max', {}, mine)).toBe(2);
    expect(mine.byteLength).toBe(40);
  });

  it('usage kernels (operating hours, energy) get the samples\' times on every engine: chunked, equal to the CPU', async () => {
    // 1 Hz power with missing samples and an hour's hole in the middle (it counts nothing).
    const count = 200_003;
    const times = Float64Array.from({ length: count }, (_, index) => 1_700_000_000_000 + index * 1000 + (index > 100_000 ? 3_600_000 : 0));
    const values = Float32Array.from({ length: count }, (_, index) => (index % 997 === 0 ? Number.NaN : 1500 + 1000 * Math.sin(index / 5000)));
    const chunks = (): Chunk[] => [0, 65_536, 100_001, 180_000].map((from, at, all) => {
      const to = all[at + 1] ?? count;
      return { values: values.slice(from, to), times: times.slice(from, to), offset: from };
    });
    const engines: ComputeEngine[] = [workers, ...(webgpu ? [webgpu] : [])];
    for (const [kernel, params] of [['operating_hours', { threshold: 1000, max_gap_s: 60 }], ['energy_mwh', { unit: 'kW', max_gap_s: 60 }]] as const) {
      const expected = (await cpu.run(kernel, params, chunks())) as number;
      expect(expected).toBeGreaterThan(0);
      for (const engine of engines) expect((await engine.run(kernel, params, chunks())) as number, `${engine.name} ${kernel}`).toBeCloseTo(expected, 9);
    }
    // Without times there is nothing to integrate: refused, not zero.
    await expect(workers.run('energy_mwh', {}, values)).rejects.toThrow(/times/);
  });

  it('WebGPU: every shader kernel, whole and chunked', async ({ skip }) => {
    if (!webgpu) skip(`no WebGPU adapter: ${noGpuReason}`);
    await fc.assert(
      fc.asyncProperty(samples, fc.array(fc.nat(5000), { maxLength: 5 }), (values, cuts) => agreesWithCpu(webgpu!, values, cuts)),
      { numRuns: 25 },
    );
  }, 120_000);

  it('WebGPU: a million samples with NaN and infinities, exactly', async ({ skip }) => {
    if (!webgpu) skip(`no WebGPU adapter: ${noGpuReason}`);
    const values = new Float32Array(1_000_003).map((_, index) => Math.fround(Math.sin(index * 0.001) * 1000 + (index % 7) * 0.25));
    values[17] = Number.NaN;
    values[500_000] = Infinity;
    values[999_999] = -Infinity;
    values[3] = -0;
    await agreesWithCpu(webgpu!, values, [65_536, 131_072, 700_001]);
  }, 120_000); // a software GPU, sharing two cores with the rest of the suite

  it('WebGPU: recovers from a lost device', async ({ skip }) => {
    if (!webgpu) skip(`no WebGPU adapter: ${noGpuReason}`);
    const values = new Float32Array(100_000).map((_, index) => (index * 37) % 1001);
    const device = await webgpu!.device();
    device.destroy();
    await device.lost;
    expect(await webgpu!.run('max', {}, values)).toBe(1000);
    expect(await webgpu!.run('m4', { start: 0, end: 100_000, buckets: 10 }, values)).toEqual(await cpu.run('m4', { start: 0, end: 100_000, buckets: 10 }, values));
  });

  it('kernels without a shader run on the fallback engine', async ({ skip }) => {
    if (!webgpu) skip(`no WebGPU adapter: ${noGpuReason}`);
    const values = new Float32Array([1, 5, 2, 8, 3]);
    expect(await webgpu!.run('crossings', { threshold: 4 }, values)).toEqual({ count: 4, positions: [1, 2, 3, 4] });
  });

  it('createEngine picks WebGPU here, and a named engine on request', async () => {
    const auto = await createEngine('auto');
    expect(auto.name).toBe(webgpu ? 'webgpu' : 'worker');
    auto.dispose();
    const named = await createEngine('cpu');
    expect(named.name).toBe('cpu');
  });

  it('unknown kernels and bad parameters are refused', async () => {
    await expect(cpu.run('nope' as KernelName, {}, new Float32Array(1))).rejects.toThrow(/unknown kernel/);
    await expect(workers.run('histogram', { min: 2, max: 1 }, new Float32Array(1))).rejects.toThrow(/greater than min/);
  });
});
