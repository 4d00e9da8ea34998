/**
 * Runs in Chromium (cross-origin isolated, so shared memory is available): max and M4 over 100 M
 * samples in memory with every engine, next to the same run's Float32Array copy bandwidth.
 */
import { CpuEngine, WorkerPoolEngine, type ComputeEngine } from '../../src/compute';
import { WebGpuEngine } from '../../src/compute/webgpu/webgpu-engine';
import { timed } from './measure';

const SAMPLES = 100_000_000;



function makeData(): Float32Array {
  const buffer = crossOriginIsolated ? new SharedArrayBuffer(SAMPLES * 4) : new ArrayBuffer(SAMPLES * 4);
  const values = new Float32Array(buffer);
  for (let index = 0; index < SAMPLES; index++) values[index] = Math.sin(index * 0.001) * 100 + (index % 13);
  values[12_345] = Number.NaN;
  return values;
}

export interface ComputeFigures {
  copyGBps: number;
  engines: Record<string, { maxGBps: number; m4GBps: number }>;
  workers: number;
  gpu: string;
  isolated: boolean;
}

async function run(): Promise<ComputeFigures> {
  const values = makeData();
  const bytes = SAMPLES * 4;
  const target = new Float32Array(SAMPLES);
  const copyMs = await timed(5, () => target.set(values));
  const engines: Array<[string, ComputeEngine]> = [['cpu', new CpuEngine()], ['worker', new WorkerPoolEngine()]];
  let gpu = 'none';
  try {
    const webgpu = await WebGpuEngine.create(new CpuEngine());
    gpu = webgpu.adapterInfo;
    engines.push(['webgpu', webgpu]);
  } catch (error) {
    gpu = `unavailable: ${(error as Error).message}`;
  }
  const m4Params = { start: 0, end: SAMPLES, buckets: 1000 };
  const reference = { max: await engines[0]![1].run('max', {}, values), m4: JSON.stringify(await engines[0]![1].run('m4', m4Params, values)) };
  const result: ComputeFigures['engines'] = {};
  for (const [name, engine] of engines) {
    if ((await engine.run('max', {}, values)) !== reference.max) throw new Error(`${name} max differs`);
    if (JSON.stringify(await engine.run('m4', m4Params, values)) !== reference.m4) throw new Error(`${name} m4 differs`);
    const maxMs = await timed(5, () => engine.run('max', {}, values));
    const m4Ms = await timed(3, () => engine.run('m4', m4Params, values));
    result[name] = { maxGBps: bytes / maxMs / 1e6, m4GBps: bytes / m4Ms / 1e6 };
    engine.dispose();
  }
  return { copyGBps: bytes / copyMs / 1e6, engines: result, workers: navigator.hardwareConcurrency, gpu, isolated: crossOriginIsolated };
}

Object.assign(window, { computeBench: { run }, benchReady: true });
export type ComputeBenchApi = { run: typeof run };
