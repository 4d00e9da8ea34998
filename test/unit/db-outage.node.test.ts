// Database failures the server must ride out, with real parts: a throwaway PostgreSQL cluster
// stopped and started again on the same port under a running server (in this process, and as the
// real `main.ts` process with a job thread), worker threads that exit and are started again, and
// a SQLite database that really runs out of pages (max_page_count) for the 507.
import { spawn, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { pack } from 'msgpackr';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore, projectRoot, type SqliteStore } from '../../src/server';
import { JobQueue } from '../../src/server/jobs/job-queue';
import { JobThreads } from '../../src/server/jobs/job-threads';
import { JobWorker } from '../../src/server/jobs/job-worker';
import { translatePostgresError } from '../../src/server/store/sql/database-errors';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';
import { forwardExchange, type ForwardExchange } from '../support/forward-client';
import { startPostgres, type Postgres } from '../support/postgres';
import { makeTempDir } from '../support/temp-dir';

/** pg's own error class for a server's ErrorResponse (from pg-protocol). */
const PgDatabaseError = pg.DatabaseError;

const UNAVAILABLE = { error: 'unavailable', detail: 'the database is unreachable; try again' };

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

/** One forward-protocol frame on a new connection; resolves with the answers once the server acks or closes. */
const forwardFrame = (port: number, frame: Buffer): Promise<ForwardExchange> => forwardExchange(port, frame, { answers: 1, boundMs: 20_000 });

describe('PostgreSQL outage under a running server', () => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);

  it('answers 503 with Retry-After while PostgreSQL is down, stays up, recovers by itself; ingest is refused without ack and stored once after; a job worker carries on', async () => {
    test = await startTestServer({ DATABASE_URL: postgres.url });
    const workerStore = await PostgresStore.open(postgres.url, { max: 2, onConnectionError: () => undefined });
    const worker = new JobWorker(workerStore, { name: 'outage-worker', pollMs: 20 });
    worker.start();
    try {
      tokens.admin = await test.login('admin', ADMIN_PASSWORD);
      expect((await call('admin', 'PUT', '/api/docs/note%2F1', { type: 'note', title: 'before' })).ok).toBe(true);
      const created = await call('admin', 'POST', '/api/sources', { tag: 'outage.car' });
      expect(created.status).toBe(201);
      const source = (await created.json()) as { id: string; token: string };
      const ingest = () =>
        fetch(`${test.server.url}/api/ingest?reference=outage.car`, {
          method: 'POST',
          headers: { authorization: `Bearer ${source.token}`, 'content-type': 'application/x-msgpack', 'idempotency-key': 'http-batch-1' },
          body: pack([1_700_000_000, { speed: 1 }]) as BodyInit,
        });
      const frame = pack(['outage.car', [[1_700_000_100, { speed: 2 }]], { chunk: 'forward-chunk-1' }]);
      // The pool keeps idle connections between requests: the ones whose 'error' event used to
      // exit the process when PostgreSQL went away.
      expect((test.server.store as PostgresStore).driver.pool.idleCount).toBeGreaterThan(0);

      postgres.stopServer('fast');

      const health = await fetch(`${test.server.url}/api/health`);
      expect(health.status).toBe(503);
      expect(health.headers.get('retry-after')).toBe('5');
      expect(await health.json()).toEqual(UNAVAILABLE);
      const read = await call('admin', 'GET', '/api/docs/note%2F1');
      expect(read.status).toBe(503);
      expect(await read.json()).toEqual(UNAVAILABLE);
      const bulk = await call('admin', 'POST', '/api/bulk_docs', { docs: [{ id: 'note/2', doc: { type: 'note' } }] });
      expect(bulk.status).toBe(503);
      const refusedIngest = await ingest();
      expect(refusedIngest.status).toBe(503);
      expect(refusedIngest.headers.get('retry-after')).toBe('5');
      // The forward protocol has no error answer: no ack (fluentd sends the chunk again later).
      const failures = test.server.forward.stats.storeFailures;
      const protocolErrors = test.server.forward.stats.protocolErrors;
      const refusedFrame = await forwardFrame(test.server.forwardPort, frame);
      expect(refusedFrame).toEqual({ closed: true, answers: [] });
      // Counted as what it is: the frame was fine, storing it failed.
      expect(test.server.forward.stats.storeFailures).toBe(failures + 1);
      expect(test.server.forward.stats.protocolErrors).toBe(protocolErrors);

      postgres.startServer();

      await expect.poll(async () => (await fetch(`${test.server.url}/api/health`)).status, { timeout: 30_000, interval: 100 }).toBe(200);
      expect(await (await call('admin', 'GET', '/api/docs/note%2F1')).json()).toEqual({ type: 'note', title: 'before' });
      expect((await call('admin', 'PUT', '/api/docs/note%2F3', { type: 'note', title: 'after' })).ok).toBe(true);
      expect((await ingest()).status).toBe(204);
      expect(await forwardFrame(test.server.forwardPort, frame)).toEqual({ closed: false, answers: [{ ack: 'forward-chunk-1' }] });
      expect(await forwardFrame(test.server.forwardPort, frame)).toEqual({ closed: false, answers: [{ ack: 'forward-chunk-1' }] });
      const status = (await (await call('admin', 'GET', `/api/sources/${encodeURIComponent(source.id)}`)).json()) as { events_stored: number };
      expect(status.events_stored).toBe(2);

      // The worker polled all along (its own pool lost its connections too) and takes new jobs.
      const queue = new JobQueue(test.server.store.driver);
      await queue.enqueue([{ kind: 'probe', payload: { ms: 1 }, group: 'after-outage' }]);
      await expect.poll(async () => (await queue.counts('after-outage')).done, { timeout: 30_000, interval: 50 }).toBe(1);
    } finally {
      postgres.startServer();
      await worker.stop();
      await workerStore.close();
      await test.stop();
    }
  }, 120_000);

  it('a transaction that loses its connection mid-way fails with 503 and the next one works (no client reused broken)', async () => {
    const store = await PostgresStore.open(postgres.url, { max: 1, onConnectionError: () => undefined });
    try {
      const killed = store.driver.transaction(async (query) => {
        const [me] = await query('SELECT pg_backend_pid() AS pid');
        // Another connection ends this one's backend while the transaction is open, between two
        // statements (and waits until it has exited).
        const killer = await PostgresStore.open(postgres.url, { max: 1, onConnectionError: () => undefined });
        try {
          await killer.driver.transaction((other) => other('SELECT pg_terminate_backend(?, 10000)', [me!.pid]));
        } finally {
          await killer.close();
        }
        await query('SELECT 1');
      });
      await expect(killed).rejects.toMatchObject({ name: 'DatabaseError', status: 503, code: 'unavailable' });
      await expect(store.driver.transaction((query) => query('SELECT 2 AS two'))).resolves.toEqual([{ two: 2 }]);
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe('the server process through a PostgreSQL restart', () => {
  it('main.ts with a job thread: stays up, 503 meanwhile, then serves and runs a queued job without a restart by hand', async () => {
    const dataDir = makeTempDir('fieldline-outage-');
    const env = { ...process.env, HOST: '127.0.0.1', PORT: '0', FORWARD_PORT: '0', DATA_DIR: dataDir, CLIENT_DIR: `${dataDir}/none`, ADMIN_PASSWORD, DATABASE_URL: postgres.url, JOB_THREADS: '1', LOG_LEVEL: 'info' };
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr!.on('data', (data: Buffer) => (output += data.toString()));
    const store = await PostgresStore.open(postgres.url, { max: 1, onConnectionError: () => undefined });
    try {
      // The log line names the address (PORT=0 picks one).
      await expect.poll(() => /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1], { timeout: 60_000, interval: 100 }).toBeDefined();
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
      const queue = new JobQueue(store.driver);
      await queue.enqueue([{ kind: 'probe', payload: { ms: 1 }, group: 'before' }]);
      await expect.poll(async () => (await queue.counts('before')).done, { timeout: 60_000, interval: 100 }).toBe(1);
      expect((await fetch(`${url}/api/health`)).status).toBe(200);

      postgres.stopServer('immediate');
      const health = await fetch(`${url}/api/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual(UNAVAILABLE);
      postgres.startServer();

      await expect.poll(async () => (await fetch(`${url}/api/health`)).status, { timeout: 30_000, interval: 100 }).toBe(200);
      await queue.enqueue([{ kind: 'probe', payload: { ms: 1 }, group: 'after' }]);
      await expect.poll(async () => (await queue.counts('after')).done, { timeout: 60_000, interval: 100 }).toBe(1);
      expect(child.exitCode, output).toBeNull();
    } finally {
      postgres.startServer();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await store.close();
    }
  }, 180_000);
});

describe('job threads', () => {
  it('a thread that exits unexpectedly is started again, with a growing delay, and stop() ends it for good', async () => {
    const logged: string[] = [];
    const log = { info: (_: object, message: string) => logged.push(message), error: (_: object, message: string) => logged.push(message) };
    let spawned = 0;
    const threads = new JobThreads({
      count: 1,
      restartDelayMs: 10,
      log,
      // The first two die at once (as a thread whose database is unreachable at its start); the third stays until told to stop.
      spawn: () =>
        ++spawned <= 2
          ? new Worker('process.exit(1)', { eval: true })
          : new Worker("require('node:worker_threads').parentPort.on('message', (m) => { if (m === 'stop') process.exit(0); });", { eval: true }),
    });
    threads.start();
    await expect.poll(() => threads.restarts, { timeout: 10_000 }).toBe(2);
    expect(threads.running).toBe(1);
    expect(logged.filter((line) => line.includes('restarting it in'))).toEqual(['job thread 0 stopped unexpectedly; restarting it in 10 ms', 'job thread 0 stopped unexpectedly; restarting it in 20 ms']);
    await threads.stop();
    expect(threads.running).toBe(0);
    expect(spawned).toBe(3);
  });
});

describe('out of space', () => {
  it('SQLite at its size limit (SQLITE_FULL): 507 out_of_space, nothing half-written, and writes work again once there is room', async () => {
    const test = await startTestServer();
    try {
      const token = await test.login('admin', ADMIN_PASSWORD);
      const call = apiCaller(() => test, { admin: token });
      expect((await call('admin', 'PUT', '/api/docs/report', { type: 'report' })).ok).toBe(true);
      const db = (test.server.store as SqliteStore).driver.db;
      const pages = Number(db.pragma('page_count', { simple: true }));
      // A real limit of the database file: a few pages more than it has (a full disk says the same, SQLITE_FULL).
      db.pragma(`max_page_count = ${pages + 4}`);
      const big = new Uint8Array(512 * 1024).fill(7);
      const full = await call('admin', 'PUT', '/api/docs/report/attachments/scan.bin', big);
      expect(full.status).toBe(507);
      expect(await full.json()).toEqual({ error: 'out_of_space', detail: expect.stringContaining('out of storage space') });
      expect((await call('admin', 'GET', '/api/docs/report/attachments/scan.bin')).status).toBe(404);
      db.pragma('max_page_count = 1073741823');
      expect((await call('admin', 'PUT', '/api/docs/report/attachments/scan.bin', big)).ok).toBe(true);
    } finally {
      await test.stop();
    }
  });

  it("PostgreSQL's disk_full (53100) is the same 507, and its connection errors a 503, each keeping the driver's error as cause", () => {
    // pg-protocol's own error class, as the driver raises it for an ErrorResponse.
    const diskFull = Object.assign(new PgDatabaseError('could not extend file "base/5/16384": No space left on device', 80, 'error'), { code: '53100' });
    expect(translatePostgresError(diskFull)).toMatchObject({ name: 'DatabaseError', status: 507, code: 'out_of_space', cause: diskFull });
    const shutdown = Object.assign(new PgDatabaseError('terminating connection due to administrator command', 80, 'error'), { code: '57P01' });
    expect(translatePostgresError(shutdown)).toMatchObject({ status: 503, code: 'unavailable', cause: shutdown });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(translatePostgresError(refused)).toMatchObject({ status: 503, cause: refused });
    const unique = Object.assign(new PgDatabaseError('duplicate key value violates unique constraint', 80, 'error'), { code: '23505' });
    expect(translatePostgresError(unique)).toBe(unique);
  });
});
