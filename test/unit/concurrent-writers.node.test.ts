// Several writers on one channel array: two real server processes on one database (PostgreSQL, and
// one SQLite file in WAL mode), each with its own connection and its own cache of array metadata.
// One source's events over two forward connections (one to each process), and HTTP appends to one
// array from both: every acknowledged sample is stored exactly once, in time order.
import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { FluentClient } from '@fluent-org/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/server';
import { makeTempDir } from '../support/temp-dir';
import { startPostgres, type Postgres } from '../support/postgres';
import { freePort } from '../support/free-port';

const PASSWORD = 'two-writers-password';


interface Process {
  url: string;
  forwardPort: number;
  child: ChildProcess;
}

/** Starts `node src/server/main.ts` with `env` and waits (bounded) until it answers. */
async function startProcess(env: Record<string, string>): Promise<Process> {
  const [httpPort, forwardPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: projectRoot,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(httpPort), FORWARD_PORT: String(forwardPort), ADMIN_PASSWORD: PASSWORD, JOB_THREADS: '0', LOG_LEVEL: 'warn', DEMO: '0', ...env },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${httpPort}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) return { url, forwardPort, child };
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server did not start');
}

async function stopProcess(server: Process | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return;
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
}

async function login(url: string): Promise<string> {
  const response = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
  if (!response.ok) throw new Error(`login failed: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

/** Runs `tasks` with at most `concurrency` at a time. */
async function limited(tasks: Array<() => Promise<void>>, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < tasks.length) await tasks[next++]!();
  }));
}

const backends: Array<{ name: string; env: () => Record<string, string> }> = [];
let postgres: Postgres | undefined;
const tempDirs: string[] = [];

backends.push({ name: 'PostgreSQL', env: () => ({ DATABASE_URL: postgres!.url, DATA_DIR: tempDir() }) });
// Two processes on one SQLite file: WAL mode and BEGIN IMMEDIATE let one writer in at a time.
let sqliteDir: string | undefined;
backends.push({ name: 'SQLite (one file, two connections)', env: () => ({ DATA_DIR: (sqliteDir ??= tempDir()) }) });

function tempDir(): string {
  const dir = makeTempDir('fieldline-writers-');
  tempDirs.push(dir);
  return dir;
}

beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);

afterAll(() => {
  postgres?.stop();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

for (const backend of backends) {
  describe(`two server processes on one ${backend.name}`, () => {
    let first: Process | undefined;
    let second: Process | undefined;
    let token = '';
    const api = (server: Process, method: string, route: string, body?: unknown): Promise<Response> =>
      fetch(`${server.url}${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    beforeAll(async () => {
      // One after the other: the first runs the migrations.
      first = await startProcess(backend.env());
      second = await startProcess(backend.env());
      token = await login(first.url);
    }, 120_000);

    afterAll(async () => {
      await stopProcess(first);
      await stopProcess(second);
    });

    it('one source over two forward connections, one to each process: every acknowledged event once, in time order', async () => {
      const created = await api(first!, 'POST', '/api/sources', { tag: 'fleet.car7' });
      expect(created.status).toBe(201);
      const source = (await created.json()) as { id: string };
      const clients = [first!, second!].map(
        (server) =>
          new FluentClient('fleet', {
            eventMode: 'PackedForward',
            // No idle timeout (the client's 3 s would close a connection waiting for a slow commit's ack).
            socket: { host: '127.0.0.1', port: server.forwardPort, timeout: -1 },
            ack: { ackTimeout: 60_000 },
            milliseconds: true,
            flushInterval: 5,
          }),
      );
      const total = 20_000;
      const t0 = 1_760_000_000_000;
      const sends: Array<Promise<void>> = [];
      // Runs of 50 events alternate between the connections, so both processes append to the same arrays all along.
      for (let event = 0; event < total; event++) {
        sends.push(clients[Math.floor(event / 50) % 2]!.emit('car7', { speed: event, rpm: -event }, t0 + event));
        // Paced a little, so each connection's events go as many chunks (not one big one).
        if (event % 500 === 499) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await Promise.all(sends);
      await Promise.all(clients.map((client) => client.disconnect()));

      const status = (await (await api(second!, 'GET', `/api/sources/${encodeURIComponent(source.id)}`)).json()) as { events_stored: number; late_pending: number };
      expect(status.events_stored).toBe(total);
      // Runs that reached the arrays after later ones wait in the raw stream (arrays are ordered by
      // time) — counted, never lost: what is in the array and what waits add up to every event.
      const arrayId = encodeURIComponent(`array/${source.id}/speed`);
      const before = (await (await api(first!, 'GET', `/api/arrays/${arrayId}`)).json()) as { length: number };
      expect(before.length + status.late_pending).toBe(total);

      const rebuilt = await api(second!, 'POST', `/api/sources/${encodeURIComponent(source.id)}/rebuild`);
      expect(rebuilt.status).toBe(200);
      for (const [field, sign] of [['speed', 1], ['rpm', -1]] as const) {
        const id = encodeURIComponent(`array/${source.id}/${field}`);
        expect(((await (await api(first!, 'GET', `/api/arrays/${id}`)).json()) as { length: number }).length).toBe(total);
        const csv = await (await api(first!, 'GET', `/api/arrays/${id}/values?start=0&end=${total}&format=csv`)).text();
        const rows = csv.trim().split('\n').slice(1).map((line) => line.split(','));
        expect(rows).toHaveLength(total);
        const wrong = rows.findIndex(([time, value], index) => Date.parse(time!) !== t0 + index || Number(value) !== sign * index);
        expect(wrong).toBe(-1);
      }
      const channels = (await (await api(first!, 'GET', '/api/channels')).json()) as { rows: Array<{ id: string }> };
      expect(channels.rows.filter((row) => row.id.startsWith(`channel/${source.id}/`)).map((row) => row.id).sort()).toEqual([`channel/${source.id}/rpm`, `channel/${source.id}/speed`]);
    }, 180_000);

    it('HTTP appends to one array from both processes at once: all land, each whole and once', async () => {
      const id = `shared-${backend.name.length}-${Date.now()}`;
      expect((await api(first!, 'POST', '/api/arrays', { id, timing: 'explicit' })).status).toBe(201);
      const appends = 40;
      const size = 5000; // 200 000 samples: chunks are shared by consecutive appends and crossed
      const tasks = Array.from({ length: appends }, (_, index) => async () => {
        const server = index % 2 === 0 ? first! : second!;
        // Equal times: any order of the appends keeps the array in time order, so each must land.
        const response = await api(server, 'POST', `/api/arrays/${encodeURIComponent(id)}/values`, { times: new Array(size).fill(1_000), values: new Array(size).fill(index) });
        expect(response.status).toBe(200);
      });
      await limited(tasks, 6);
      const meta = (await (await api(second!, 'GET', `/api/arrays/${encodeURIComponent(id)}`)).json()) as { length: number };
      expect(meta.length).toBe(appends * size);
      const values = new Float32Array(await (await api(second!, 'GET', `/api/arrays/${encodeURIComponent(id)}/values?start=0&end=${appends * size}`)).arrayBuffer());
      expect(values).toHaveLength(appends * size);
      const counts = new Map<number, number>();
      let runs = 1;
      for (let index = 0; index < values.length; index++) {
        counts.set(values[index]!, (counts.get(values[index]!) ?? 0) + 1);
        if (index > 0 && values[index] !== values[index - 1]) runs++;
      }
      expect([...counts].sort((a, b) => a[0] - b[0])).toEqual(Array.from({ length: appends }, (_, index) => [index, size]));
      expect(runs).toBe(appends);
      const summaries = (await (await api(first!, 'GET', `/api/arrays/${encodeURIComponent(id)}/summaries?start=0&end=${appends * size}&width=1`)).json()) as { summaries: Array<{ count: number; max: number }> };
      expect(summaries.summaries[0]).toMatchObject({ count: appends * size, max: appends - 1 });
    }, 180_000);
  });
}
