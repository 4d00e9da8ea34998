// Channel arrays and transformations through the HTTP API: binary, .npy and CSV reads, summaries,
// bad input, access by role and site.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';
import { JobWorker } from '../../src/server/jobs/job-worker';
import { CHUNK_SIZE } from '../../src/arrays';

let test: TestServer;
const tokens: Record<string, string> = {};

const call = apiCaller(() => test, tokens);

const samples = Float32Array.from({ length: 200_000 }, (_, index) => Math.sin(index / 100) * 10 + (index % 7));

beforeAll(async () => {
  test = await startTestServer();
  tokens.admin = await test.login('admin', ADMIN_PASSWORD);
  tokens.eve = await test.addUser(tokens.admin, 'eve', 'engineer');
  tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/T07']);
  tokens.tia = await test.addUser(tokens.admin, 'tia', 'technician', ['site/T08']);
  expect((await call('admin', 'POST', '/api/arrays', { id: 'array/T07/vib-x', timing: 'regular', unit: 'mm/s', site: 'site/T07' })).status).toBe(201);
  const bytes = new Uint8Array(samples.buffer);
  expect((await call('tom', 'POST', '/api/arrays/array%2FT07%2Fvib-x/values?t0=1000&dt=10', bytes.subarray(0, 400_000))).status).toBe(200);
  expect((await call('tom', 'POST', '/api/arrays/array%2FT07%2Fvib-x/values?t0=1001000&dt=10', bytes.subarray(400_000))).status).toBe(200);
});

afterAll(async () => {
  await test.stop();
});

const path = '/api/arrays/array%2FT07%2Fvib-x';

describe('arrays API', () => {
  it('reports metadata and reads ranges back as Float32, .npy and CSV', async () => {
    const meta = (await (await call('eve', 'GET', path)).json()) as { length: number; unit: string };
    expect(meta).toMatchObject({ length: 200_000, unit: 'mm/s', timing: 'regular' });
    const binary = await call('eve', 'GET', `${path}/values?start=99990&end=100010`);
    expect(binary.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Float32Array(await binary.arrayBuffer())).toEqual(samples.slice(99_990, 100_010));

    const npy = Buffer.from(await (await call('eve', 'GET', `${path}/values?start=5&end=9&format=npy`)).arrayBuffer());
    expect(npy.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
    const headerLength = npy.readUInt16LE(8);
    expect(npy.subarray(10, 10 + headerLength).toString('latin1')).toMatch(/'descr': '<f4'.*'shape': \(4,\)/);
    expect((10 + headerLength) % 64).toBe(0);
    expect(new Float32Array(npy.buffer.slice(npy.byteOffset + 10 + headerLength, npy.byteOffset + npy.length))).toEqual(samples.slice(5, 9));

    const csv = await (await call('eve', 'GET', `${path}/values?from=1000&to=1020&format=csv`)).text();
    expect(csv.trim().split('\n')).toEqual(['time,value', `1970-01-01T00:00:01.000Z,${samples[0]}`, `1970-01-01T00:00:01.010Z,${samples[1]}`, `1970-01-01T00:00:01.020Z,${samples[2]}`]);
  });

  it('summarizes a time range into pixel columns exactly', async () => {
    const body = (await (await call('eve', 'GET', `${path}/summaries?width=100`)).json()) as { summaries: Array<{ count: number; max: number }>; edges: number[] };
    expect(body.summaries).toHaveLength(100);
    expect(body.summaries.reduce((total, column) => total + column.count, 0)).toBe(200_000);
    expect(Math.max(...body.summaries.map((column) => column.max))).toBe(samples.reduce((a, b) => Math.max(a, b), -Infinity));
  });

  it('refuses bad input clearly and keeps the array unchanged', async () => {
    const cases: Array<[string, string, unknown]> = [
      ['POST', `${path}/values?t0=0&dt=10`, new Uint8Array(3)],
      ['POST', `${path}/values`, new Uint8Array(8)],
      ['POST', `${path}/values?t0=5&dt=10`, new Uint8Array(8)],
      ['POST', `${path}/values`, { times: [1], values: ['x'] }],
      ['GET', `${path}/values?start=-1`, undefined],
      ['GET', `${path}/values?format=xml`, undefined],
      ['GET', `${path}/summaries?width=0`, undefined],
      ['POST', '/api/arrays', { id: 'x', timing: 'sometimes', site: 'site/T07' }],
    ];
    for (const [method, url, body] of cases) {
      const response = await call('admin', method, url, body);
      expect(response.status, `${method} ${url}`).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBeTruthy();
    }
    expect(((await (await call('admin', 'GET', path)).json()) as { length: number }).length).toBe(200_000);
    expect((await call('admin', 'GET', '/api/arrays/nope')).status).toBe(404);
  });

  it('follows the site rules: other technicians and engineers cannot write, other sites cannot read', async () => {
    expect((await call('tia', 'GET', path)).status).toBe(403);
    expect((await call('tia', 'GET', `${path}/values?start=0&end=10`)).status).toBe(403);
    expect((await call('tia', 'POST', `${path}/values?t0=99999999&dt=1`, new Uint8Array(4))).status).toBe(403);
    expect((await call('eve', 'POST', `${path}/values?t0=99999999&dt=1`, new Uint8Array(4))).status).toBe(403);
    expect((await call('tia', 'POST', '/api/arrays', { id: 'array/x', timing: 'regular', site: 'site/T07' })).status).toBe(403);
  });
});

describe('time ranges (?from=&to=, `to` inclusive)', () => {
  /** Creates an explicit-timing array on site T07 holding `times` (values: the sample numbers). */
  async function explicitArray(id: string, times: number[]): Promise<string> {
    expect((await call('admin', 'POST', '/api/arrays', { id, timing: 'explicit', site: 'site/T07' })).status).toBe(201);
    const url = `/api/arrays/${encodeURIComponent(id)}`;
    const response = await call('tom', 'POST', `${url}/values`, { times, values: times.map((_, index) => index) });
    expect(response.status, await response.text()).toBe(200);
    return url;
  }

  it('returns all 300,000 samples stamped with one millisecond, in a few storage reads (each step was one: 34 s)', async () => {
    const time = 1_700_000_000_000;
    const count = 300_000;
    const url = await explicitArray('array/T07/same-ms', new Array<number>(count).fill(time));
    const reads = vi.spyOn(test.server.store.documents, 'getAttachment');
    try {
      const summaries = (await (await call('eve', 'GET', `${url}/summaries?from=${time}&to=${time}&width=10`)).json()) as { start: number; end: number; summaries: Array<{ count: number }> };
      expect([summaries.start, summaries.end]).toEqual([0, count]);
      expect(summaries.summaries.reduce((total, column) => total + column.count, 0)).toBe(count);
      // Summary pieces and edge samples, not one read per sample stamped `to`.
      expect(reads.mock.calls.length).toBeLessThan(100);

      reads.mockClear();
      const values = await call('eve', 'GET', `${url}/values?from=${time}&to=${time}`);
      expect(values.headers.get('x-fieldline-start')).toBe('0');
      expect((await values.arrayBuffer()).byteLength).toBe(count * 4);
      // Two lookups (one chunk each), then values and times of every chunk.
      const chunks = Math.ceil(count / CHUNK_SIZE);
      expect(reads.mock.calls.length).toBeLessThanOrEqual(2 + 2 * chunks);

      reads.mockClear();
      const none = (await (await call('eve', 'GET', `${url}/summaries?from=${time + 1}&to=${time + 5}`)).json()) as { start: number; end: number };
      expect([none.start, none.end]).toEqual([count, count]);
      expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      reads.mockRestore();
    }
  });

  it('agrees with a brute-force search where runs of equal times cross chunk boundaries', async () => {
    const count = 3 * CHUNK_SIZE + 100;
    const runEnds = [10, CHUNK_SIZE, CHUNK_SIZE + 1, CHUNK_SIZE + 40, 3 * CHUNK_SIZE - 7, 3 * CHUNK_SIZE + 60, count];
    const times: number[] = [];
    let run = 0;
    for (let index = 0; index < count; index++) {
      while (index >= runEnds[run]!) run++;
      times.push(5000 + 10 * run);
    }
    const url = await explicitArray('array/T07/runs', times);
    const first = (time: number, strict: boolean) => {
      const found = times.findIndex((value) => (strict ? value > time : value >= time));
      return found === -1 ? count : found;
    };
    const probes = [4990, 5000, 5005, 5010, 5020, 5030, 5040, 5045, 5050, 5060, 5070];
    for (const from of probes) {
      for (const to of probes.filter((value) => value >= from)) {
        const body = (await (await call('eve', 'GET', `${url}/summaries?from=${from}&to=${to}&width=4`)).json()) as { start: number; end: number };
        expect([body.start, body.end], `from=${from}&to=${to}`).toEqual([first(from, false), first(to, true)]);
      }
    }
  });
});

describe('transformations API', () => {
  it('engineers define and run a transformation; it processes only new data', async () => {
    const definition = { id: 'transformation/T07/escalated', inputs: ['array/T07/vib-x'], kernel: 'escalated_max', params: { block: 65_536 }, output: 'array/T07/vib-x-escalated' };
    expect((await call('tom', 'POST', '/api/transformations', definition)).status).toBe(403);
    expect((await call('eve', 'POST', '/api/transformations', definition)).status).toBe(201);
    const run = (await (await call('eve', 'POST', '/api/transformations/transformation%2FT07%2Fescalated/run')).json()) as { positions: Record<string, number>; output_length: number };
    expect(run.positions['array/T07/vib-x']).toBe(200_000);
    expect(run.output_length).toBe(3);
    expect((await call('tom', 'GET', '/api/transformations/transformation%2FT07%2Fescalated')).status).toBe(403);
    const status = (await (await call('eve', 'GET', '/api/transformations/transformation%2FT07%2Fescalated')).json()) as { output_length: number };
    expect(status.output_length).toBe(3);
    expect((await call('eve', 'POST', '/api/transformations', { id: 't2', inputs: ['a'], kernel: 'teleport' })).status).toBe(400);
  });
});

describe('batch jobs API', () => {
  it('splits a kernel into jobs that a worker runs, and returns the merged result', async () => {
    expect((await call('tom', 'POST', '/api/jobs/kernel', { array: 'array/T07/vib-x', kernel: 'max' })).status).toBe(403);
    const started = await call('eve', 'POST', '/api/jobs/kernel', { array: 'array/T07/vib-x', kernel: 'max', range: 65_536 });
    expect(started.status).toBe(202);
    const { group } = (await started.json()) as { group: string };
    const worker = new JobWorker(test.server.store, { name: 'test-worker', pollMs: 20 });
    worker.start();
    try {
      let body: { counts: { done: number }; result?: number } = { counts: { done: 0 } };
      for (let attempt = 0; attempt < 200 && body.result === undefined; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        body = (await (await call('eve', 'GET', `/api/jobs/${encodeURIComponent(group)}`)).json()) as typeof body;
      }
      expect(body.counts.done).toBe(4);
      expect(body.result).toBe(samples.reduce((a, b) => Math.max(a, b), -Infinity));
    } finally {
      await worker.stop();
    }
    expect((await call('eve', 'GET', '/api/jobs/nope')).status).toBe(404);
    expect((await call('tom', 'GET', `/api/jobs/${encodeURIComponent(group)}`)).status).toBe(403);
    expect((await call('eve', 'POST', '/api/jobs/kernel', { array: 'array/T07/vib-x', kernel: 'nope' })).status).toBe(400);
  });
});
