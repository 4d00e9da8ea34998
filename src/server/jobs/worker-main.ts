/**
 * A standalone job worker process: `node --import tsx src/server/jobs/worker-main.ts` (npm run
 * worker) with the server's DATABASE_URL (or DATA_DIR). Start as many as you like, on as many
 * machines as share the database. WORKER_NAME names it (default: host:pid), JOB_LEASE_MS sets the
 * lease.
 */
import os from 'node:os';
import { loadConfig } from '../config';
import { projectRoot } from '../main';
import { openStore } from '../store/open-store';
import { JobWorker } from './job-worker';

const config = loadConfig(process.env, projectRoot);
const store = await openStore(config);
const worker = new JobWorker(store, {
  name: process.env.WORKER_NAME || `${os.hostname()}:${process.pid}`,
  leaseMs: Number(process.env.JOB_LEASE_MS || 30_000),
  pollMs: Number(process.env.JOB_POLL_MS || 200),
});
worker.start();
console.log(`fieldline worker ${process.pid} ready (${store.backend})`);
const stop = () => {
  void worker.stop().then(() => store.close()).then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
