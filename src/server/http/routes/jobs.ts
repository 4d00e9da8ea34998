/**
 * Batch jobs over HTTP (engineers and admins):
 *   POST /api/jobs/kernel  {array, kernel, params?, range?} → {group}: the kernel split into
 *                          chunk-range jobs for every worker thread and process sharing the database
 *   GET  /api/jobs/:group  {counts, result?}: the merged result once every job is done
 */
import type { FastifyInstance } from 'fastify';
import type { KernelName } from '../../../core';
import type { Store } from '../../store/store';
import { HttpError } from '../../errors';
import { JobQueue } from '../../jobs/job-queue';
import { enqueueKernel, kernelGroupResult } from '../../jobs/kernel-jobs';
import { requireUser } from '../access';
import { kernelJobSchema } from '../../../core';

export async function jobRoutes(app: FastifyInstance, options: { store: Store }): Promise<void> {
  const queue = new JobQueue(options.store.driver);
  const groups = new Map<string, { kernel: KernelName; params: unknown }>();

  app.post('/api/jobs/kernel', {
    schema: { body: kernelJobSchema },
  }, async (request, reply) => {
    const user = requireUser(request);
    if (user.role === 'technician') throw new HttpError(403, 'forbidden', 'engineers and admins start batch jobs');
    const body = request.body as { array: string; kernel: KernelName; params?: unknown; range?: number };
    const group = await enqueueKernel(options.store, queue, body);
    groups.set(group, { kernel: body.kernel, params: body.params ?? {} });
    return reply.status(202).send({ group });
  });

  app.get<{ Params: { group: string } }>('/api/jobs/:group', async (request) => {
    if (requireUser(request).role === 'technician') throw new HttpError(403, 'forbidden', 'engineers and admins read batch jobs');
    const group = request.params.group;
    const counts = await queue.counts(group);
    if (counts.queued + counts.running + counts.done + counts.failed === 0) throw new HttpError(404, 'not_found', `no job group ${JSON.stringify(group)}`);
    const known = groups.get(group);
    const result = known ? await kernelGroupResult(queue, group, known.kernel, known.params) : undefined;
    return result === undefined ? { group, counts } : { group, counts, result };
  });
}
