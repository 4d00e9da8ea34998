/**
 * A standalone job worker process: `node --import tsx src/server/jobs/worker-main.ts` (npm run
 * worker) with the server's DATABASE_URL (or DATA_DIR). Start as many as you like, on as many
 * machines as share the database. WORKER_NAME names it (default: host:pid), JOB_LEASE_MS sets the
 * lease. It waits for a database that is unreachable at its start, and rides out outages later.
 */
import os from 'node:os';
import { loadConfig } from '../config';
import { DatabaseError } from '../errors';
import { projectRoot } from '../main';
import { openStore } from '../store/open-store';
import type { Store } from '../store/store';
import { JobWorker } from './job-worker';

const config = loadConfig(process.env, projectRoot);
let stopping = false;
let worker: JobWorker | undefined;
let store: Store | undefined;
const stop = () => {
  stopping = true;
  void (worker?.stop() ?? Promise.resolve()).then(() => store?.close()).then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

// A database that is not up yet (started together with this worker, or restarting) is waited for.
for (let attempt = 1; store === undefined && !stopping; attempt++) {
  try {
    store = await openStore(config);
  } catch (error) {
    if (!(error instanceof DatabaseError && error.status === 503)) throw error;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt - 1, 6));
    console.warn(`fieldline worker ${process.pid}: ${error.message} (${(error.cause as Error | undefined)?.message ?? ''}); trying again in ${delay} ms`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
if (store && !stopping) {
  worker = new JobWorker(store, {
    name: process.env.WORKER_NAME || `${os.hostname()}:${process.pid}`,
    leaseMs: config.jobLeaseMs,
    pollMs: config.jobPollMs,
    onError: (error, failures) => console.warn(`fieldline worker ${process.pid}: ${failures} failure(s) in a row, retrying: ${error instanceof Error ? error.message : String(error)}`),
  });
  worker.start();
  console.log(`fieldline worker ${process.pid} ready (${store.backend})`);
}
