/**
 * The server's training routes for the Models view, through the app's one HTTP client: ask for a
 * new version of a spec (POST /api/prediction-models/<slug>/train → 202 {job}; 409 one is already
 * queued or running; 422 no failures to learn from), follow the job (GET …/jobs/<job>), and read a
 * version the job wrote before a sync brings it (GET /api/docs/<id>). Failures are ApiErrors with
 * the server's status and detail; no network is status 0.
 */
import type { PredictionModelVersionDoc } from '../../core';
import { apiClient, sameOriginApi, type ApiClient, type ApiClientOptions } from '../api-client';

/** A training job's state as the server reports it. */
export interface TrainingJob {
  state: 'queued' | 'running' | 'done' | 'failed';
  progress?: { done: number; total: number; phase: string };
  /** Why it failed, in words. */
  error?: string;
  /** The version it wrote (when done). */
  version?: number;
}

export interface PredictionModelsApi {
  /** Queues a training of the spec `slug`; resolves the job's id. */
  train(slug: string): Promise<string>;
  /** The job's state now. */
  job(slug: string, job: string): Promise<TrainingJob>;
  /** A version document as the server stores it. */
  version(id: string): Promise<PredictionModelVersionDoc>;
}

/** The routes over `client` (default: the app's same-origin client). */
export function predictionModelsApi(client: ApiClient = sameOriginApi): PredictionModelsApi {
  const base = (slug: string) => `/api/prediction-models/${encodeURIComponent(slug)}`;
  return {
    async train(slug) {
      const answer = await client.call<{ job?: unknown }>(`${base(slug)}/train`, { method: 'POST', body: '{}' });
      if (typeof answer?.job !== 'string' && typeof answer?.job !== 'number') throw new Error('the server did not say which job trains the model');
      return String(answer.job);
    },
    job(slug, job) {
      return client.call<TrainingJob>(`${base(slug)}/jobs/${encodeURIComponent(job)}`);
    },
    version(id) {
      return client.call<PredictionModelVersionDoc>(`/api/docs/${encodeURIComponent(id)}`);
    },
  };
}

/** The routes on another server or with a bearer token (tests, other hosts). */
export function predictionModelsApiAt(options: ApiClientOptions): PredictionModelsApi {
  return predictionModelsApi(apiClient(options));
}
