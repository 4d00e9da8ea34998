/**
 * Batch processing of a big array: a kernel is split into chunk-range jobs that any worker (any
 * thread, any server process) can take; when the group is done, the states merge in order into
 * the kernel's result — the same kernels and merge as in the browser.
 */
import { decodeState, kernelByName, KernelError, type KernelName } from '../../core';
import { ChannelArray, CHUNK_SIZE } from '../../arrays';
import type { Store } from '../store/store';
import type { JobQueue } from './job-queue';

/** Enqueues one job per `range` samples (a multiple of the chunk size); returns the group id. */
export async function enqueueKernel(store: Store, queue: JobQueue, options: { array: string; kernel: KernelName; params?: unknown; range?: number }): Promise<string> {
  const kernel = kernelByName(options.kernel);
  if (!kernel) throw new KernelError(`unknown kernel ${JSON.stringify(options.kernel)}`);
  const params = kernel.params(options.params ?? {});
  const array = await ChannelArray.open(store.documents, options.array);
  const range = Math.max(CHUNK_SIZE, Math.round((options.range ?? 16 * CHUNK_SIZE) / CHUNK_SIZE) * CHUNK_SIZE);
  const group = `kernel/${crypto.randomUUID()}`;
  const jobs = [];
  for (let start = 0; start < array.length; start += range) {
    jobs.push({ kind: 'kernel-range', group, payload: { array: options.array, kernel: options.kernel, params, start, end: Math.min(array.length, start + range) } });
  }
  if (jobs.length === 0) jobs.push({ kind: 'kernel-range', group, payload: { array: options.array, kernel: options.kernel, params, start: 0, end: 0 } });
  await queue.enqueue(jobs);
  return group;
}

/** The merged result of a kernel group, or undefined while jobs are unfinished. */
export async function kernelGroupResult(queue: JobQueue, group: string, kernelName: KernelName, rawParams: unknown): Promise<unknown> {
  const states = await queue.groupResults(group);
  if (!states) return undefined;
  const kernel = kernelByName(kernelName)!;
  const params = kernel.params(rawParams ?? {});
  const merged = states.map((state) => decodeState(state)).reduce((total, state) => kernel.merge(total, state, params), kernel.init(params));
  return kernel.finish(merged, params);
}
