/**
 * Picks the best engine this browser offers: WebGPU when there is an adapter, else a Web Worker
 * pool, else the in-thread CPU engine. Each degrades to the next by itself.
 */
import { CpuEngine } from './cpu/cpu-engine';
import type { ComputeEngine, EngineName } from './engine';
import { WorkerPoolEngine } from './worker/worker-pool-engine';

/** The engine called `name`, or the best available for 'auto'. */
export async function createEngine(name: EngineName | 'auto' = 'auto'): Promise<ComputeEngine> {
  if (name === 'cpu') return new CpuEngine();
  const workers = typeof Worker === 'function' ? new WorkerPoolEngine() : undefined;
  if (name === 'worker') {
    if (!workers) throw new Error('Web Workers are not available here');
    return workers;
  }
  try {
    // Loaded on demand: the shaders stay out of bundles (and the server) that never use them.
    const { WebGpuEngine } = await import('./webgpu/webgpu-engine');
    // The workers are this engine's own: disposing it terminates them (they were left running).
    return await WebGpuEngine.create(workers ?? new CpuEngine(), { ownsFallback: true });
  } catch (error) {
    if (name === 'webgpu') {
      workers?.dispose();
      throw error;
    }
    return workers ?? new CpuEngine();
  }
}
