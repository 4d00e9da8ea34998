/**
 * What each kind of job does. A handler returns its result and, optionally, an effect that is
 * written in the same transaction as the job's completion (so it happens exactly once).
 *
 * - `kernel-range`: one kernel over samples [start, end) of an array; the result is the kernel's
 *   state, which the group's coordinator merges in order (the same kernels as in the browser).
 * - `probe`: waits `ms` and logs its completion in `job_records`: a check of the job system.
 * - `rul-train`: trains a remaining-life model and writes its next version (predict/training-job.ts).
 */
import { encodeState, kernelByName, type Chunk, type KernelName } from '../../core';
import { CHUNK_SIZE, ChannelArray } from '../../arrays';
import { CpuEngine } from '../../compute/isomorphic';
import type { Query } from '../store/sql/driver';
import type { Store } from '../store/store';
import type { Job } from './job-queue';
import { RUL_TRAIN, rulTrainHandler } from '../predict/training-job';

export interface HandlerOutcome {
  result: unknown;
  effect?: (query: Query) => Promise<void>;
}

export type JobHandler = (job: Job, store: Store) => Promise<HandlerOutcome>;

interface KernelRangePayload {
  array: string;
  kernel: KernelName;
  params: unknown;
  start: number;
  end: number;
}

/** Samples [start, end) of `array` as chunks with their times, one storage chunk at a time. */
async function* timedChunks(array: ChannelArray, start: number, end: number): AsyncGenerator<Chunk> {
  for (let from = start; from < end; from += CHUNK_SIZE) {
    const to = Math.min(end, from + CHUNK_SIZE);
    const { values, times } = await array.read(from, to);
    yield { values, times, offset: from };
  }
}

export const handlers: Record<string, JobHandler> = {
  async 'kernel-range'(job, store) {
    const payload = job.payload as KernelRangePayload;
    const array = await ChannelArray.open(store.documents, payload.array);
    // Kernels over time (operating hours, energy) get each chunk's sample times too.
    const chunks = kernelByName(payload.kernel)?.needsTimes ? timedChunks(array, payload.start, payload.end) : array.chunks(payload.start, payload.end);
    const state = await new CpuEngine().state(payload.kernel, payload.params, chunks);
    return { result: encodeState(state) };
  },

  async probe(job) {
    const ms = Number((job.payload as { ms?: unknown }).ms ?? 0);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    return {
      result: 'ok',
      effect: async (query) => {
        await query('INSERT INTO job_records (job_id, worker, at) VALUES (?, ?, ?)', [job.id, job.worker, Date.now()]);
      },
    };
  },

  [RUL_TRAIN]: rulTrainHandler,
};
