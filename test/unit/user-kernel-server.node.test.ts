// User kernels on the server, over HTTP on SQLite and PostgreSQL: user_kernel documents (who
// writes them, checked on every write path), transformations over them run in sandbox threads
// (an endless loop answers 422 naming the limit while other requests are answered meanwhile),
// output 'blocks' into an output array, and the same result incrementally as at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage, type Storage } from '../../src/storage';
import { ReplicateStorage } from '../../src/storage/replicate/replicate-storage';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

const SUM_SOURCE = `
function init(params) { return { sum: 0, count: 0, max: null }; }
function step(state, chunk, params) {
  for (let i = 0; i < chunk.values.length; i++) {
    const v = chunk.values[i];
    if (v === v) { state.sum += v * params.scale; state.count++; if (state.max === null || v > state.max) state.max = v; }
  }
  return state;
}
function merge(a, b) { return { sum: a.sum + b.sum, count: a.count + b.count, max: a.max === null ? b.max : b.max === null ? a.max : Math.max(a.max, b.max) }; }
function finish(state) { return state; }
`;
const LOOP_SOURCE = 'function init() { return {}; }\nfunction step(state) { for (;;) {} }\nfunction merge(a) { return a; }\nfunction finish(s) { return s; }';
const BLOCK_SOURCE = 'function init() { return { max: null }; }\nfunction step(s, chunk) { for (const v of chunk.values) if (v === v && (s.max === null || v > s.max)) s.max = v; return s; }\nfunction merge(a, b) { return a; }\nfunction finish(s) { return s.max; }';

const kernelDoc = (source: string, extra: Record<string, unknown> = {}) => ({ type: 'user_kernel', title: 'Kernel', source, output: 'result', params: { scale: 2 }, owner: 'eve', created_at: 1, updated_at: 1, ...extra });

describe.each([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
])('user kernels on %s', (_name, env) => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);
  const put = (who: string, id: string, doc: unknown) => call(who, 'PUT', `/api/docs/${encodeURIComponent(id)}`, doc);
  const values = Array.from({ length: 3_000 }, (_, index) => (index % 7 === 3 ? null : (index % 101) - 50));
  const append = (array: string, from: number, to: number) =>
    call('admin', 'POST', `/api/arrays/${encodeURIComponent(array)}/values`, { times: values.slice(from, to).map((_, index) => 1_000 + (from + index) * 1_000), values: values.slice(from, to) });

  /** A device with the app's replication query (src/main.ts): records sync, arrays and device-scoped documents do not. */
  const device = (who: string): { local: Storage; replica: ReplicateStorage } => {
    const local = createStorage({ type: 'memory' });
    const remote = createStorage({ type: 'http', url: test.server.url, token: tokens[who]! });
    return { local, replica: new ReplicateStorage(local, remote, createStorage({ type: 'memory' }), { query: 'NOT kind:"fl-channel-array" AND NOT scope:device' }) };
  };

  beforeAll(async () => {
    test = await startTestServer(env());
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    tokens.eve = await test.addUser(tokens.admin, 'eve', 'engineer');
    tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/T07']);
    tokens.ed = await test.addUser(tokens.admin, 'eddie', 'engineer');
    expect((await put('admin', 'site/T07', { type: 'site', title: 'T07' })).status).toBe(200);
    for (const array of ['array/t07/x', 'array/t07/whole']) {
      expect((await call('admin', 'POST', '/api/arrays', { id: array, timing: 'explicit', site: 'site/T07' })).status).toBe(201);
    }
    expect((await append('array/t07/whole', 0, 3_000)).status).toBeLessThan(300);
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  it('user_kernel documents: engineers write them (checked), technicians do not', async () => {
    expect((await put('eve', 'user_kernel/sum', kernelDoc(SUM_SOURCE))).status).toBe(200);
    const technician = await put('tom', 'user_kernel/tom', kernelDoc(SUM_SOURCE, { owner: 'tom' }));
    expect(technician.status).toBe(403);
    expect(((await technician.json()) as { detail: string }).detail).toMatch(/only engineers and admins write user kernels/);
    const big = await put('eve', 'user_kernel/big', kernelDoc('x'.repeat(70 * 1024)));
    expect(big.status).toBe(400);
    expect(((await big.json()) as { detail: string }).detail).toMatch(/source must be at most 65536 bytes/);
    const blocks = await call('eve', 'POST', '/api/bulk_docs', { docs: [{ id: 'user_kernel/no-block', doc: kernelDoc(SUM_SOURCE, { output: 'blocks' }) }, { id: 'user_kernel/Bad Slug', doc: kernelDoc(SUM_SOURCE) }] });
    const results = ((await blocks.json()) as { results: Array<{ ok: boolean; message?: string }> }).results;
    expect(results.map((result) => result.ok)).toEqual([false, false]);
    expect(results[0]!.message).toMatch(/block \(samples per block\) is required/);
    expect(results[1]!.message).toMatch(/slug/);
  });

  it('the owner is who saved it: another engineer neither names someone else nor changes it, but may edit the kernel', async () => {
    const forged = await put('ed', 'user_kernel/forged', kernelDoc(SUM_SOURCE, { owner: 'eve' }));
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { detail: string }).detail).toMatch(/user kernel "user_kernel\/forged": owner must be who saves it, "eddie"/);
    expect((await put('eve', 'user_kernel/shared', kernelDoc(SUM_SOURCE))).status).toBe(200);
    const stored = (await (await call('ed', 'GET', '/api/docs/user_kernel%2Fshared')).json()) as Record<string, unknown>;
    const taken = await put('ed', 'user_kernel/shared', { ...stored, owner: 'eddie' });
    expect(taken.status).toBe(403);
    expect(((await taken.json()) as { detail: string }).detail).toMatch(/owner stays "eve"/);
    expect((await put('ed', 'user_kernel/shared', { ...stored, title: 'Kernel, edited' })).status).toBe(200);
  });

  it('runs a user kernel transformation incrementally to the same result as over everything', async () => {
    expect((await put('eve', 'user_kernel/sum', kernelDoc(SUM_SOURCE))).status).toBeLessThan(300);
    for (const [id, input] of [['transformation/sum-inc', 'array/t07/x'], ['transformation/sum-all', 'array/t07/whole']]) {
      const defined = await call('eve', 'POST', '/api/transformations', { id, inputs: [input], user_kernel: 'user_kernel/sum' });
      expect(defined.status, await defined.clone().text()).toBe(201);
    }
    const run = async (id: string) => {
      const response = await call('eve', 'POST', `/api/transformations/${encodeURIComponent(id)}/run`);
      expect(response.status, await response.clone().text()).toBe(200);
      return (await response.json()) as { results: Record<string, unknown>; kernel: string };
    };
    for (const [from, to] of [[0, 1_001], [1_001, 2_222], [2_222, 3_000]]) {
      expect((await append('array/t07/x', from!, to!)).status).toBeLessThan(300);
      await run('transformation/sum-inc');
    }
    const incremental = (await run('transformation/sum-inc')).results['array/t07/x'];
    const whole = (await run('transformation/sum-all')).results['array/t07/whole'];
    const present = values.filter((value): value is number => value !== null);
    expect(whole).toEqual({ sum: present.reduce((sum, value) => sum + value * 2, 0), count: present.length, max: 50 });
    expect(incremental).toEqual(whole);
  });

  it("writes output 'blocks' to the output array", async () => {
    expect((await put('eve', 'user_kernel/block-max', kernelDoc(BLOCK_SOURCE, { output: 'blocks', block: 500, params: {} }))).status).toBeLessThan(300);
    const defined = await call('eve', 'POST', '/api/transformations', { id: 'transformation/blocks', inputs: ['array/t07/whole'], user_kernel: 'user_kernel/block-max', output: 'array/t07/whole-block-max' });
    expect(defined.status, await defined.clone().text()).toBe(201);
    const run = await call('eve', 'POST', '/api/transformations/transformation%2Fblocks/run');
    expect(run.status, await run.clone().text()).toBe(200);
    expect(((await run.json()) as { output_length: number }).output_length).toBe(6);
    const read = (await (await call('eve', 'GET', '/api/arrays/array%2Ft07%2Fwhole-block-max/values?format=csv')).text()).trim().split('\n').slice(1);
    expect(read.map((line) => Number(line.split(',')[1]))).toEqual([50, 50, 50, 50, 50, 50]);
  });

  it('stops a kernel that loops forever with 422 naming the limit, answering other requests meanwhile', async () => {
    expect((await put('eve', 'user_kernel/loop', kernelDoc(LOOP_SOURCE, { params: {} }))).status).toBeLessThan(300);
    expect((await call('eve', 'POST', '/api/transformations', { id: 'transformation/loop', inputs: ['array/t07/whole'], user_kernel: 'user_kernel/loop' })).status).toBe(201);
    let finished = false;
    const looping = call('eve', 'POST', '/api/transformations/transformation%2Floop/run').then((response) => {
      finished = true;
      return response;
    });
    // The loop takes its whole CPU limit (1 s) in its thread: meanwhile the event loop answers.
    const other = await call('eve', 'GET', '/api/arrays/array%2Ft07%2Fwhole');
    expect(other.status).toBe(200);
    const sum = await call('eve', 'GET', '/api/transformations/transformation%2Fsum-all');
    expect(sum.status).toBe(200);
    expect(finished).toBe(false);
    const response = await looping;
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: string; detail: string };
    expect(body.error).toBe('timeout');
    expect(body.detail).toMatch(/longer than 1000 ms in one call.*limit of CPU time per call/);
    // Nothing half-written: the transformation is where it was.
    const status = (await (await call('eve', 'GET', '/api/transformations/transformation%2Floop')).json()) as { positions: Record<string, number> };
    expect(status.positions['array/t07/whole']).toBe(0);
  });

  it('refuses a kernel that does not compile with 422 syntax, and technicians', async () => {
    expect((await put('eve', 'user_kernel/broken', kernelDoc('function init( {', { params: {} }))).status).toBeLessThan(300);
    const response = await call('eve', 'POST', '/api/transformations', { id: 'transformation/broken', inputs: ['array/t07/whole'], user_kernel: 'user_kernel/broken' });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { error: string }).error).toBe('syntax');
    const both = await call('eve', 'POST', '/api/transformations', { id: 'transformation/both', inputs: ['array/t07/whole'], user_kernel: 'user_kernel/sum', kernel: 'max' });
    expect(both.status).toBe(400);
    const missing = await call('eve', 'POST', '/api/transformations', { id: 'transformation/missing', inputs: ['array/t07/whole'], user_kernel: 'user_kernel/none' });
    expect(missing.status).toBe(404);
    expect((await call('tom', 'POST', '/api/transformations', { id: 'transformation/tom', inputs: ['array/t07/whole'], user_kernel: 'user_kernel/sum' })).status).toBe(403);
  });

  it("a kernel saved on one engineer's device syncs to other engineers' devices (it has no site), not to a technician's", async () => {
    const eve = device('eve');
    const saved = kernelDoc(BLOCK_SOURCE, { title: 'Synced kernel', output: 'blocks', block: 100, params: {} });
    await eve.local.put('user_kernel/synced', saved as never);
    expect((await eve.replica.sync()).refused).toEqual([]);
    const ed = device('ed');
    expect((await ed.replica.sync()).refused).toEqual([]);
    expect(await ed.local.get('user_kernel/synced')).toEqual(saved);
    const tom = device('tom');
    expect((await tom.replica.sync()).refused).toEqual([]);
    // The sync ran (it brought the technician's site) and no kernel.
    expect(await tom.local.get('site/T07')).toMatchObject({ type: 'site' });
    const { rows } = await tom.local.allDocs({ query: { type: 'simple', key: 'type', operator: '=', value: 'user_kernel' } });
    expect(rows).toEqual([]);
  });
});
