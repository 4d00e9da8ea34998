/**
 * A job worker in a worker thread of the server process, with its own database connection. It
 * rides out database outages (JobWorker waits and retries); should it exit anyway (its database
 * unreachable when it starts, say), the server starts it again (jobs/job-threads.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ServerConfig } from '../config';
import { openStore } from '../store/open-store';
import { JobWorker } from './job-worker';

const { config, name } = workerData as { config: ServerConfig; name: string };
const store = await openStore(config);
const worker = new JobWorker(store, {
  name,
  leaseMs: config.jobLeaseMs,
  pollMs: config.jobPollMs,
  onError: (error, failures) => console.warn(`fieldline job thread ${name}: ${failures} failure(s) in a row, retrying: ${error instanceof Error ? error.message : String(error)}`),
});
worker.start();
parentPort?.on('message', (message: unknown) => {
  if (message === 'stop') void worker.stop().then(() => store.close()).then(() => process.exit(0));
});
