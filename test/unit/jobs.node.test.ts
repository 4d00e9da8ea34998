// The job queue: chunk-range kernel jobs merged into the same result as one run, and several
// worker processes on one PostgreSQL finishing 1000 jobs exactly once while one is SIGKILLed.
import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { CpuEngine } from '../../src/compute/isomorphic';
import { PostgresStore, SqliteStore, projectRoot } from '../../src/server';
import { JobQueue } from '../../src/server/jobs/job-queue';
import { JobWorker } from '../../src/server/jobs/job-worker';
import { enqueueKernel, kernelGroupResult } from '../../src/server/jobs/kernel-jobs';
import { signal } from '../conformance/arrays-conformance';
import { makeTempDir } from '../support/temp-dir';
import { startPostgres, type Postgres } from '../support/postgres';

const until = async (check: () => Promise<boolean>, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('kernel jobs', () => {
  it('a kernel split into chunk-range jobs merges into the same result as one run', async () => {
    const dir = makeTempDir();
    const store = await SqliteStore.open(dir);
    const values = signal(1_000_000, 3);
    const array = await ChannelArray.create(store.documents, 'array/big', { timing: 'regular' });
    await array.append(values, { t0: 0, dt: 1 });
    const queue = new JobQueue(store.driver);
    const workers = [new JobWorker(store, { name: 'a', pollMs: 20 }), new JobWorker(store, { name: 'b', pollMs: 20 })];
    workers.forEach((worker) => worker.start());
    try {
      for (const [kernel, params] of [['max', {}], ['histogram', { min: -20, max: 20, bins: 16 }], ['escalated_max', { block: 65_536 }]] as const) {
        const group = await enqueueKernel(store, queue, { array: 'array/big', kernel, params, range: 200_000 });
        await until(async () => (await queue.counts(group)).done > 0 && (await queue.counts(group)).queued + (await queue.counts(group)).running === 0, 30_000, `${kernel} jobs`);
        expect((await queue.counts(group)).done).toBe(Math.ceil(1_000_000 / 196_608));
        expect(await kernelGroupResult(queue, group, kernel, params)).toEqual(await new CpuEngine().run(kernel, params, values));
      }
      // Kernels over time get the samples' times in every range (1 ms apart here, so a 1 s gap never cuts).
      const times = Float64Array.from({ length: values.length }, (_, index) => index);
      for (const [kernel, params] of [['operating_hours', { threshold: 0, max_gap_s: 1 }], ['energy_mwh', { unit: 'MW', max_gap_s: 1 }]] as const) {
        const group = await enqueueKernel(store, queue, { array: 'array/big', kernel, params, range: 200_000 });
        await until(async () => (await queue.counts(group)).done > 0 && (await queue.counts(group)).queued + (await queue.counts(group)).running === 0, 30_000, `${kernel} jobs`);
        const result = (await kernelGroupResult(queue, group, kernel, params)) as number;
        expect(result).toBeGreaterThan(0);
        expect(result).toBeCloseTo((await new CpuEngine().run(kernel, params, [{ values, times, offset: 0 }])) as number, 9);
      }
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('several worker processes on one PostgreSQL', () => {
  let postgres: Postgres;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(() => postgres?.stop());

  it('finish 1000 jobs, each exactly once, while one worker is SIGKILLed mid-job', async () => {
    const store = await PostgresStore.open(postgres.url);
    const queue = new JobQueue(store.driver);
    await queue.enqueue(Array.from({ length: 1000 }, () => ({ kind: 'probe', payload: { ms: 8 }, group: 'probe' })));
    const workers = new Map<string, ChildProcess>();
    const spawnWorker = (name: string) =>
      workers.set(
        name,
        spawn(process.execPath, ['--import', 'tsx', 'src/server/jobs/worker-main.ts'], {
          cwd: projectRoot,
          env: { ...process.env, DATABASE_URL: postgres.url, WORKER_NAME: name, JOB_LEASE_MS: '1500', JOB_POLL_MS: '50' },
          stdio: 'ignore',
        }),
      );
    ['w1', 'w2', 'w3'].forEach(spawnWorker);
    try {
      const heldBy = async (name: string) => store.driver.transaction((query) => query("SELECT id FROM jobs WHERE worker = ? AND state = 'running'", [name]));
      await until(async () => (await queue.counts('probe')).done >= 100, 60_000, 'the first 100 jobs');
      // Kill a worker while it holds a job. What it held is read after it died (it may finish
      // one job and take the next between our look and the kill); should it die between two
      // jobs, a fresh worker is started and killed the same way.
      let held: number | undefined;
      for (let attempt = 0; attempt < 5 && held === undefined; attempt++) {
        const victim = attempt === 0 ? 'w2' : `w2-${attempt}`;
        if (attempt > 0) spawnWorker(victim);
        await until(async () => (await heldBy(victim)).length > 0, 30_000, `${victim} to hold a job`);
        const child = workers.get(victim)!;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
        const [row] = await heldBy(victim);
        if (row) held = Number(row.id);
      }
      expect(held, 'a worker killed while holding a job').toBeDefined();
      await until(async () => (await queue.counts('probe')).done === 1000, 120_000, 'all 1000 jobs');

      const records = await store.driver.transaction((query) => query('SELECT job_id, COUNT(*) AS times FROM job_records GROUP BY job_id'));
      expect(records).toHaveLength(1000);
      expect(records.every((row) => Number(row.times) === 1)).toBe(true);
      // The job w2 died holding was taken over after its lease expired.
      const [retaken] = await store.driver.transaction((query) => query('SELECT worker, attempts, state FROM jobs WHERE id = ?', [held]));
      expect(retaken).toMatchObject({ state: 'done' });
      expect(String(retaken!.worker)).not.toMatch(/^w2/);
      expect(Number(retaken!.attempts)).toBeGreaterThanOrEqual(2);
      const byWorker = await store.driver.transaction((query) => query('SELECT worker, COUNT(*) AS count FROM job_records GROUP BY worker ORDER BY worker'));
      expect(byWorker.map((row) => row.worker)).toEqual(expect.arrayContaining(['w1', 'w3']));
    } finally {
      for (const child of workers.values()) if (child.exitCode === null) child.kill('SIGKILL');
      await store.close();
    }
  }, 180_000);
});
