/**
 * Remaining-life trainings over HTTP (engineers and admins):
 *   POST /api/prediction-models/<slug>/train → 202 {job, href}: a `rul-train` job for any worker
 *        thread or process (predict/training-job.ts); 409 while one of that model is queued or
 *        running; 422 {error: 'no_failures', detail} when no failure of its asset type is
 *        recorded; 404 for no such spec; the body, if any, is an empty object.
 *   GET  /api/prediction-models/<slug>/jobs/<job> → {state: 'queued'|'running'|'done'|'failed',
 *        progress?: {done, total, phase}, error?, version?}: 404 for a job that is not a training
 *        of that model.
 * A slug is 1 to 100 of a-z, 0-9, '_' and '-' (starting with a letter or digit); a job id a
 * whole number: anything else is a 400 naming the parameter.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../errors';
import type { Store } from '../../store/store';
import { failureCount, MODEL_SLUG, readSpec } from '../../predict/model-inputs';
import { enqueueTraining, trainingView, TrainingBusy } from '../../predict/training-job';
import { requireUser } from '../access';

function slugOf(value: unknown): string {
  if (typeof value !== 'string' || !MODEL_SLUG.test(value)) throw new HttpError(400, 'bad_request', 'slug must be 1 to 100 of a-z, 0-9, "_" and "-", starting with a letter or digit');
  return value;
}

function engineer(request: Parameters<typeof requireUser>[0], what: string): string {
  const user = requireUser(request);
  if (user.role === 'technician') throw new HttpError(403, 'forbidden', `engineers and admins ${what}`);
  return user.username;
}

export async function predictionModelRoutes(app: FastifyInstance, options: { store: Store }): Promise<void> {
  const { store } = options;

  app.post<{ Params: { slug: string } }>('/api/prediction-models/:slug/train', async (request, reply) => {
    const by = engineer(request, 'train prediction models');
    const slug = slugOf(request.params.slug);
    const body = request.body;
    if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length > 0)) {
      throw new HttpError(400, 'bad_request', 'the body of a training request is empty (or {}): the spec says what to train');
    }
    const read = await store.driver.transaction((query) => readSpec(query, slug));
    if (!read) throw new HttpError(404, 'not_found', `no prediction model prediction_model/${slug}`);
    if (!read.spec) return reply.status(422).send({ error: 'invalid_spec', detail: `prediction_model/${slug} cannot be trained: ${read.problem}` });
    const failures = await store.driver.transaction((query) => failureCount(query, read.spec!.doc.asset_type));
    if (failures === 0) {
      return reply.status(422).send({ error: 'no_failures', detail: `no failures of parts of type ${JSON.stringify(read.spec.doc.asset_type)} are recorded: record failures to learn from, then train` });
    }
    try {
      const job = await enqueueTraining(store, slug, by);
      return await reply.status(202).send({ job, href: `/api/prediction-models/${slug}/jobs/${job}` });
    } catch (error) {
      if (error instanceof TrainingBusy) throw new HttpError(409, 'conflict', error.message);
      throw error;
    }
  });

  app.get<{ Params: { slug: string; job: string } }>('/api/prediction-models/:slug/jobs/:job', async (request) => {
    engineer(request, 'read trainings');
    const slug = slugOf(request.params.slug);
    const text = request.params.job;
    if (!/^[1-9][0-9]{0,14}$/.test(text)) throw new HttpError(400, 'bad_request', 'job must be a whole number from 1');
    const view = await trainingView(store, slug, Number(text));
    if (!view) throw new HttpError(404, 'not_found', `no training job ${text} of prediction_model/${slug}`);
    return view;
  });
}
