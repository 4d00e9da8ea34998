/**
 * Batch jobs over HTTP (engineers and admins):
 *   POST /api/jobs/kernel  {array, kernel, params?, range?} → {group, href}: the kernel split into
 *                          chunk-range jobs for every worker thread and process sharing the database
 *   GET  /api/jobs/<group> {counts, result?}: the merged result once every job is done. Group ids
 *                          hold a `/` (`kernel/<uuid>`): the id works as returned (the rest of the
 *                          path) and URL-encoded (`kernel%2F<uuid>`) alike; `href` is its address.
 */
import type { FastifyInstance } from 'fastify';
import type { KernelName } from '../../../core';
import type { Store } from '../../store/store';
import { HttpError } from '../../errors';
import { JobQueue } from '../../jobs/job-queue';
import { enqueueKernel, kernelGroupResult } from '../../jobs/kernel-jobs';
import { requireUser } from '../access';
import { kernelJobSchema } from '../../../core';

/** Longest group id looked up (ids made here are ~44 characters). */
const MAX_GROUP_LENGTH = 200;

/** The address of a job group: its id as path segments, each URL-encoded. */
export function jobGroupHref(group: string): string {
  return `/api/jobs/${group.split('/').map(encodeURIComponent).join('/')}`;
}

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
    return reply.status(202).send({ group, href: jobGroupHref(group) });
  });

  // A wildcard, not `:group`: a parameter stops at the first `/`, so the id as returned
  // (`kernel/<uuid>`) answered 404. The router decodes the rest of the path (%2F included) once.
  app.get<{ Params: { '*': string } }>('/api/jobs/*', async (request) => {
    if (requireUser(request).role === 'technician') throw new HttpError(403, 'forbidden', 'engineers and admins read batch jobs');
    const group = request.params['*'];
    if (group === '' || group.length > MAX_GROUP_LENGTH) throw new HttpError(400, 'bad_request', `a job group id has 1 to ${MAX_GROUP_LENGTH} characters`);
    const counts = await queue.counts(group);
    if (counts.queued + counts.running + counts.done + counts.failed === 0) throw new HttpError(404, 'not_found', `no job group ${JSON.stringify(group)}`);
    const known = groups.get(group);
    const result = known ? await kernelGroupResult(queue, group, known.kernel, known.params) : undefined;
    return result === undefined ? { group, counts } : { group, counts, result };
  });
}
