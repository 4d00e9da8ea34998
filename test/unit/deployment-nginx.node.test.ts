// The deployment of the README's guide: three server processes on one PostgreSQL behind Debian's
// nginx with the repository's deploy/nginx/fieldline-locations.conf. One source's events go over
// two keep-alive connections to nginx, which spreads their requests over the processes; one
// process is SIGKILLed mid-run. Every batch is sent until acknowledged, under its Idempotency-Key
// (the way an agent resends), so at the end every event must be stored exactly once: the source's
// count, the arrays' lengths, their times in order with nothing twice, their values. A session
// made through one process works on the others; the live stream through nginx tells appends
// written by any process.
import http from 'node:http';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { PostgresStore, projectRoot } from '../../src/server';
import { freePort } from '../support/free-port';
import { makeTempDir } from '../support/temp-dir';
import { startPostgres, type Postgres } from '../support/postgres';
import { startNginx, type Nginx } from '../support/nginx';

const PASSWORD = 'deployment-test-password';
const BATCHES = 60;
const PER_BATCH = 1000;
const T0 = Date.UTC(2026, 10, 20);
const dir = makeTempDir('fieldline-deploy-');

interface Process {
  child: ChildProcess;
  port: number;
  url: string;
}

let postgres: Postgres;
let nginx: Nginx;
const processes: Process[] = [];

async function startProcess(port: number): Promise<Process> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      FORWARD_PORT: '0',
      DATABASE_URL: postgres.url,
      DATA_DIR: dir,
      CLIENT_DIR: path.join(dir, 'none'),
      ADMIN_PASSWORD: PASSWORD,
      TRUST_PROXY: '127.0.0.1',
      JOB_THREADS: '0',
      LOG_LEVEL: 'warn',
      DEMO: '0',
      ALARMS: '0',
      PREDICT: '0',
    },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null) throw new Error(`server on ${port} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) return { child, port, url };
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server on ${port} did not start`);
}

beforeAll(async () => {
  postgres = await startPostgres();
  const ports = [await freePort(), await freePort(), await freePort()];
  // All three at once: migrations run under an advisory lock, whichever gets it first.
  processes.push(...(await Promise.all(ports.map((port) => startProcess(port)))));
  nginx = await startNginx(ports, projectRoot);
}, 120_000);

afterAll(async () => {
  for (const { child } of processes) if (child.exitCode === null) child.kill('SIGKILL');
  await nginx?.stop();
  postgres?.stop();
});

/** Event `index` of the source: a time (one a second) and two fields. */
const eventAt = (index: number) => ({ time: T0 + index * 1000, temp: 20 + (index % 97) / 10, power: index });

/** JSON lines of batch `batch`. */
function body(batch: number): string {
  const lines: string[] = [];
  for (let index = batch * PER_BATCH; index < (batch + 1) * PER_BATCH; index++) {
    const event = eventAt(index);
    lines.push(JSON.stringify({ time: new Date(event.time).toISOString(), temp: event.temp, power: event.power }));
  }
  return `${lines.join('\n')}\n`;
}

/** One POST on `agent` (a keep-alive connection); resolves with the status, rejects when the connection fails. */
function post(agent: http.Agent, url: string, headers: Record<string, string>, payload: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(payload)) } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/** Sends `batch` through nginx on `agent` until it is acknowledged; resolves with how many tries it took. */
async function sendUntilAcked(agent: http.Agent, token: string, tag: string, batch: number): Promise<number> {
  for (let attempt = 1; attempt <= 60; attempt++) {
    let status = 0;
    try {
      status = await post(agent, `${nginx.url}/api/ingest?reference=${encodeURIComponent(tag)}`, { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson', 'idempotency-key': `batch-${batch}` }, body(batch));
    } catch {
      // The connection broke (the process died under the request): send it again.
    }
    if (status === 204) return attempt;
    if (status !== 0 && status < 500) throw new Error(`batch ${batch}: ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`batch ${batch} was never acknowledged`);
}

describe('three processes behind nginx on one PostgreSQL', () => {
  it('stores exactly the events sent, once, in time order, with one process SIGKILLed mid-run', async () => {
    const login = await fetch(`${nginx.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
    expect(login.status).toBe(200);
    const { token: session } = (await login.json()) as { token: string };
    const admin = { authorization: `Bearer ${session}`, 'content-type': 'application/json' };
    // The session made through one process is known to every other (asked of each directly).
    for (const { url } of processes) expect((await fetch(`${url}/api/session`, { headers: admin })).status).toBe(200);
    const created = await fetch(`${nginx.url}/api/sources`, { method: 'POST', headers: admin, body: JSON.stringify({ tag: 'deploy.t01' }) });
    expect(created.status).toBe(201);
    const source = (await created.json()) as { id: string; tag: string; token: string };

    // Two connections, each its own half of the batches, in order; a third of the way, three
    // batches go out slowly on connections of their own — nginx passes successive requests to
    // successive processes, so one of them is on the second process — which is SIGKILLed while
    // they are half sent. That one fails and is sent again.
    const connections = [new http.Agent({ keepAlive: true, maxSockets: 1 }), new http.Agent({ keepAlive: true, maxSockets: 1 })];
    const retried: number[] = [];
    const lanes = (from: number, to: number) =>
      Promise.all(
        connections.map(async (agent, lane) => {
          for (let batch = from + lane; batch < to; batch += 2) if ((await sendUntilAcked(agent, source.token, source.tag, batch)) > 1) retried.push(batch);
        }),
      );
    const third = Math.floor(BATCHES / 3);
    await lanes(0, third);
    const slow = [third, third + 1, third + 2].map((batch) => {
      const payload = body(batch);
      let sent!: () => void;
      const halfway = new Promise<void>((resolve) => (sent = resolve));
      const outcome = new Promise<number>((resolve) => {
        const request = http.request(`${nginx.url}/api/ingest?reference=${encodeURIComponent(source.tag)}`, {
          method: 'POST',
          agent: false,
          headers: { authorization: `Bearer ${source.token}`, 'content-type': 'application/x-ndjson', 'idempotency-key': `batch-${batch}`, 'content-length': String(Buffer.byteLength(payload)) },
        }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', () => resolve(0));
        });
        request.on('error', () => resolve(0));
        request.write(payload.slice(0, payload.length / 2), () => sent());
        halfway.then(() => new Promise((wait) => setTimeout(wait, 400))).then(() => request.end(payload.slice(payload.length / 2)));
      });
      return { batch, halfway, outcome };
    });
    await Promise.all(slow.map(({ halfway }) => halfway));
    await new Promise((resolve) => setTimeout(resolve, 200)); // nginx has passed each on to its process
    processes[1]!.child.kill('SIGKILL');
    const outcomes = await Promise.all(slow.map(({ outcome }) => outcome));
    expect(outcomes.filter((status) => status === 204).length, `slow batches: ${outcomes.join(', ')}`).toBe(2);
    const resend = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (const [index, { batch }] of slow.entries()) {
      if (outcomes[index] === 204) continue;
      retried.push(batch);
      await sendUntilAcked(resend, source.token, source.tag, batch);
    }
    resend.destroy();
    await lanes(third + 3, BATCHES);
    for (const agent of connections) agent.destroy();
    expect(processes[1]!.child.exitCode ?? processes[1]!.child.signalCode).toBeTruthy();
    console.log(`deployment: ${BATCHES} batches acknowledged, ${retried.length} of them sent more than once (${retried.join(', ')})`);

    // The two connections interleave: batches that arrived after a later one are late; a rebuild
    // (through nginx, on whichever process) merges them.
    const rebuilt = await fetch(`${nginx.url}/api/sources/${encodeURIComponent(source.id)}/rebuild`, { method: 'POST', headers: { authorization: `Bearer ${session}` } });
    expect(rebuilt.status).toBe(200);
    const status = (await (await fetch(`${nginx.url}/api/sources/${encodeURIComponent(source.id)}`, { headers: admin })).json()) as { events_stored: number; late_pending: number };
    expect(status).toMatchObject({ events_stored: BATCHES * PER_BATCH, late_pending: 0 });

    const store = await PostgresStore.open(postgres.url, { max: 1 });
    try {
      for (const field of ['temp', 'power'] as const) {
        const array = await ChannelArray.open(store.documents, `array/${source.id}/${field}`);
        expect(array.length, field).toBe(BATCHES * PER_BATCH);
        const { values, times } = await array.read(0, array.length);
        const expectedTimes = Array.from({ length: BATCHES * PER_BATCH }, (_, index) => eventAt(index).time);
        expect([...times], `${field} times`).toEqual(expectedTimes);
        expect([...values], `${field} values`).toEqual(Array.from({ length: BATCHES * PER_BATCH }, (_, index) => Math.fround(eventAt(index)[field])));
      }
    } finally {
      await store.close();
    }
  }, 240_000);

  it('tells on the live stream through nginx the appends any process writes', async () => {
    const login = await fetch(`${nginx.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
    const { token: session } = (await login.json()) as { token: string };
    const admin = { authorization: `Bearer ${session}`, 'content-type': 'application/json' };
    const created = await fetch(`${nginx.url}/api/sources`, { method: 'POST', headers: admin, body: JSON.stringify({ tag: 'deploy.live' }) });
    const source = (await created.json()) as { id: string; tag: string; token: string };
    const live = [processes[0]!, processes[2]!];
    // Streams through nginx (on whichever process it picks) and straight on the first process;
    // the batches go straight to the third one, so at least the second stream is another process's.
    const streams = [nginx.url, live[0]!.url].map(async (base) => {
      const abort = new AbortController();
      const response = await fetch(`${base}/api/events`, { headers: { authorization: `Bearer ${session}`, accept: 'text/event-stream' }, signal: abort.signal });
      expect(response.status).toBe(200);
      return { reader: response.body!.getReader(), abort, text: '' };
    });
    const opened = await Promise.all(streams);
    for (let batch = 0; batch < 3; batch++) {
      const lines = Array.from({ length: 10 }, (_, index) => JSON.stringify({ time: new Date(T0 + (batch * 10 + index) * 1000).toISOString(), level: index }));
      const response = await fetch(`${live[1]!.url}/api/ingest?reference=${encodeURIComponent(source.tag)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${source.token}`, 'content-type': 'application/x-ndjson' },
        body: `${lines.join('\n')}\n`,
      });
      expect(response.status).toBe(204);
    }
    const array = `array/${source.id}/level`;
    const decoder = new TextDecoder();
    await Promise.all(
      opened.map(async (stream) => {
        const deadline = Date.now() + 20_000;
        // Until a samples event of the array says its final length (30).
        while (!new RegExp(`"array":"${array.replace(/[/]/g, '\\/')}"[^\\n]*"length":30\\b`).test(stream.text)) {
          if (Date.now() > deadline) throw new Error(`no samples event with length 30 for ${array}; got ${stream.text.slice(-500)}`);
          const { value, done } = await stream.reader.read();
          if (done) throw new Error('the stream ended');
          stream.text += decoder.decode(value, { stream: true });
        }
        stream.abort.abort();
      }),
    );
  }, 60_000);
});
