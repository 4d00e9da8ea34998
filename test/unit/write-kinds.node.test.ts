// Writes are judged by what a document IS, before and after (documentKind): nobody but an admin
// turns a channel array's metadata into a work order (wiping the channel), writes transformation
// state as a plain document, or defines a transformation over someone else's document or array;
// and a write is checked in the transaction that makes it. Over HTTP, on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentKind } from '../../src/server/http/access';
import type { Query } from '../../src/server/store/sql/driver';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

describe('documentKind', () => {
  it('tells arrays and transformations by `kind` (which wins over `type`), other documents by `type`', () => {
    expect(documentKind({ kind: 'fl-channel-array', version: 1, length: 3 })).toBe('array');
    expect(documentKind({ kind: 'fl-channel-array', type: 'work_order' })).toBe('array');
    expect(documentKind({ kind: 'fl-transformation', type: 'alarm' })).toBe('transformation');
    expect(documentKind({ type: 'work_order', site: 'x' })).toBe('type:work_order');
    expect(documentKind({ type: 7 })).toBe('untyped');
    expect(documentKind({ note: 'x' })).toBe('untyped');
  });
});

const floats = (count: number, value: number) => new Uint8Array(new Float32Array(count).fill(value).buffer);

describe.each([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
])('writes by kind on %s', (_name, env) => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);
  const json = async <T>(response: Response | Promise<Response>): Promise<T> => (await (await response).json()) as T;
  const length = async (id: string) => (await json<{ length: number }>(call('admin', 'GET', `/api/arrays/${encodeURIComponent(id)}`))).length;

  beforeAll(async () => {
    test = await startTestServer(env());
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    tokens.eve = await test.addUser(tokens.admin, 'eve', 'engineer');
    tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/T07']);
    expect((await call('admin', 'PUT', '/api/docs/site%2FT07', { type: 'site', title: 'north' })).status).toBe(200);
    expect((await call('admin', 'PUT', '/api/docs/site%2FT08', { type: 'site', title: 'south' })).status).toBe(200);
    for (const [id, site] of [['array/T07/vib', 'site/T07'], ['array/T08/vib', 'site/T08']] as const) {
      expect((await call('admin', 'POST', '/api/arrays', { id, timing: 'regular', site })).status).toBe(201);
      expect((await call('admin', 'POST', `/api/arrays/${encodeURIComponent(id)}/values?t0=0&dt=10`, floats(1000, 1))).status).toBe(200);
    }
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  it('an engineer cannot overwrite, move, delete or attach to array metadata as a plain document', async () => {
    const workOrder = { type: 'work_order', site: 'site/T07', title: 'wipe' };
    expect((await call('eve', 'PUT', '/api/docs/array%2FT08%2Fvib', workOrder)).status).toBe(403);
    const bulk = await json<{ results: Array<{ ok: boolean; status?: number }> }>(call('eve', 'POST', '/api/bulk_docs', { docs: [{ id: 'array/T08/vib', doc: workOrder }, { id: 'array/T08/vib' }] }));
    expect(bulk.results.map((result) => result.status)).toEqual([403, 403]);
    expect((await call('eve', 'DELETE', '/api/docs/array%2FT08%2Fvib')).status).toBe(403);
    expect((await call('eve', 'PUT', '/api/docs/array%2FT08%2Fvib/attachments/values%2F0', floats(4, 9))).status).toBe(403);
    expect(await length('array/T08/vib')).toBe(1000);
    expect((await json<{ site: string }>(call('admin', 'GET', '/api/arrays/array%2FT08%2Fvib'))).site).toBe('site/T08');
    expect(new Float32Array(await (await call('admin', 'GET', '/api/arrays/array%2FT08%2Fvib/values?start=0&end=4')).arrayBuffer())).toEqual(new Float32Array(4).fill(1));
  });

  it('no one but an admin changes what a document is; technicians still write their own arrays', async () => {
    // A technician of the site: not into a work order, but the array itself (sync pushes readings).
    expect((await call('tom', 'PUT', '/api/docs/array%2FT07%2Fvib', { type: 'work_order', site: 'site/T07' })).status).toBe(403);
    const meta = await json<Record<string, unknown>>(call('tom', 'GET', '/api/docs/array%2FT07%2Fvib'));
    expect((await call('tom', 'PUT', '/api/docs/array%2FT07%2Fvib', { ...meta, unit: 'mm/s' })).status).toBe(200);
    expect((await call('tom', 'PUT', '/api/docs/array%2FT07%2Fvib', { ...meta, site: 'site/T08' })).status).toBe(403);
    // An engineer: work orders, but not over an untyped document or an array, nor the other way.
    expect((await call('admin', 'PUT', '/api/docs/note-1', { note: 'no type', site: 'site/T08' })).status).toBe(200);
    expect((await call('eve', 'PUT', '/api/docs/note-1', { type: 'work_order', site: 'site/T08' })).status).toBe(403);
    expect((await call('eve', 'PUT', '/api/docs/wo-1', { type: 'work_order', site: 'site/T08', title: 'Check', status: 'open' })).status).toBe(200);
    expect((await call('eve', 'PUT', '/api/docs/wo-1', { ...meta, site: 'site/T08' })).status).toBe(403);
    expect((await call('eve', 'PUT', '/api/docs/wo-1', { type: 'alarm', site: 'site/T08' })).status).toBe(403);
    expect(await json(call('admin', 'GET', '/api/docs/wo-1'))).toEqual({ type: 'work_order', site: 'site/T08', title: 'Check', status: 'open' });
    // An admin may (into a well-formed alarm: admins' alarms are checked too).
    const alarm = { type: 'alarm', site: 'site/T08', asset: 'asset/t08', channel: 'channel/source/t08/vib', rule: 'alarm_rule/vib', rule_title: 'Vibration', message: 'high', severity: 'high', state: 'active_unacked', raised_at: 1, count: 1, history: [] };
    expect((await call('admin', 'PUT', '/api/docs/wo-1', alarm)).status).toBe(200);
  });

  it('transformation state is written through its routes only', async () => {
    // `type: 'transformation'` is a type engineers write; `kind` is what the runner runs.
    const state = { type: 'transformation', kind: 'fl-transformation', version: 1, inputs: ['array/T08/vib'], kernel: 'block_max', params: { block: 256 }, output: 'array/T08/vib', positions: {}, states: {}, output_length: 0, results: {} };
    expect((await call('eve', 'PUT', '/api/docs/transformation%2Fsneaky', state)).status).toBe(403);
    expect((await call('eve', 'POST', '/api/docs', state)).status).toBe(403);
    expect((await call('tom', 'PUT', '/api/docs/transformation%2Fsneaky', { ...state, site: 'site/T07' })).status).toBe(403);
    expect((await call('eve', 'POST', '/api/transformations/transformation%2Fsneaky/run')).status).toBe(404);
    expect(await length('array/T08/vib')).toBe(1000);
  });

  it('a transformation lives under transformation/… and never replaces another document', async () => {
    const definition = { inputs: ['array/T07/vib'], kernel: 'sum' };
    const site = await json(call('admin', 'GET', '/api/docs/site%2FT08'));
    const replace = await call('eve', 'POST', '/api/transformations', { id: 'site/T08', ...definition });
    expect(replace.status).toBe(400);
    expect((await json<{ detail: string }>(replace)).detail).toMatch(/starts with "transformation\/"/);
    expect(await json(call('admin', 'GET', '/api/docs/site%2FT08'))).toEqual(site);
    expect((await call('admin', 'PUT', '/api/docs/transformation%2Fsquatted', { type: 'work_order', site: 'site/T08', title: 'Check', status: 'open' })).status).toBe(200);
    expect((await call('eve', 'POST', '/api/transformations', { id: 'transformation/squatted', ...definition })).status).toBe(409);
    expect(await json(call('admin', 'GET', '/api/docs/transformation%2Fsquatted'))).toEqual({ type: 'work_order', site: 'site/T08', title: 'Check', status: 'open' });
    expect((await call('eve', 'POST', '/api/transformations', { id: 'transformation/sum', ...definition })).status).toBe(201);
    // Redefining a transformation is fine.
    expect((await call('eve', 'POST', '/api/transformations', { id: 'transformation/sum', ...definition })).status).toBe(201);
  });

  it('a transformation writes only an output array it created (defining and running)', async () => {
    const block = { inputs: ['array/T07/vib'], kernel: 'block_max', params: { block: 256 } };
    // An existing channel as the output: refused, the channel keeps its data.
    const over = await call('eve', 'POST', '/api/transformations', { id: 'transformation/wipe', ...block, output: 'array/T08/vib' });
    expect(over.status).toBe(409);
    expect(await length('array/T08/vib')).toBe(1000);
    expect((await call('eve', 'POST', '/api/transformations', { id: 'transformation/wipe', ...block, output: 'site/T08' })).status).toBe(409);
    // Its own output: created by the first run, marked with its producer, rewritten by a redefinition.
    expect((await call('eve', 'POST', '/api/transformations', { id: 'transformation/max', ...block, output: 'array/T07/vib-max' })).status).toBe(201);
    expect((await json<{ output_length: number }>(call('eve', 'POST', '/api/transformations/transformation%2Fmax/run'))).output_length).toBe(3);
    expect(await json(call('admin', 'GET', '/api/docs/array%2FT07%2Fvib-max'))).toMatchObject({ kind: 'fl-channel-array', producer: 'transformation/max', length: 3 });
    expect((await call('eve', 'POST', '/api/transformations', { id: 'transformation/max', ...block, output: 'array/T07/vib-max' })).status).toBe(201);
    expect((await call('eve', 'POST', '/api/transformations/transformation%2Fmax/run')).status).toBe(200);
    expect(await length('array/T07/vib-max')).toBe(3);
    // Another transformation may not take it over.
    expect((await call('eve', 'POST', '/api/transformations', { id: 'transformation/other', ...block, output: 'array/T07/vib-max' })).status).toBe(409);
    // An array made under the output id after the definition is not the transformation's either.
    expect((await call('eve', 'POST', '/api/transformations', { id: 'transformation/later', ...block, output: 'array/T07/later' })).status).toBe(201);
    expect((await call('admin', 'POST', '/api/arrays', { id: 'array/T07/later', timing: 'explicit', site: 'site/T07' })).status).toBe(201);
    expect((await call('admin', 'POST', '/api/arrays/array%2FT07%2Flater/values', { times: [1, 2], values: [5, 6] })).status).toBe(200);
    expect((await call('eve', 'POST', '/api/transformations/transformation%2Flater/run')).status).toBe(409);
    expect(await length('array/T07/later')).toBe(2);
  });

  it('an array is never created over another document', async () => {
    expect((await call('admin', 'PUT', '/api/docs/wo-2', { type: 'work_order', site: 'site/T07', title: 'keep', status: 'open' })).status).toBe(200);
    expect((await call('tom', 'POST', '/api/arrays', { id: 'wo-2', timing: 'regular', site: 'site/T07' })).status).toBe(403);
    expect((await call('admin', 'POST', '/api/arrays', { id: 'wo-2', timing: 'regular', site: 'site/T07' })).status).toBe(409);
    expect(await json(call('admin', 'GET', '/api/docs/wo-2'))).toEqual({ type: 'work_order', site: 'site/T07', title: 'keep', status: 'open' });
    // Nor over a deleted document of a site the technician is not assigned to.
    expect((await call('admin', 'PUT', '/api/docs/gone-08', { type: 'inspection', site: 'site/T08' })).status).toBe(200);
    expect((await call('admin', 'DELETE', '/api/docs/gone-08')).status).toBe(200);
    expect((await call('tom', 'POST', '/api/arrays', { id: 'gone-08', timing: 'regular', site: 'site/T07' })).status).toBe(403);
  });

  it('DELETE keeps its answers: 404 unknown, 403 another site, 404 already deleted', async () => {
    expect((await call('admin', 'PUT', '/api/docs/gone-08', { type: 'inspection', site: 'site/T08' })).status).toBe(200);
    expect((await call('admin', 'DELETE', '/api/docs/gone-08')).status).toBe(200);
    expect((await call('tom', 'DELETE', '/api/docs/never-was')).status).toBe(404);
    expect((await call('tom', 'DELETE', '/api/docs/gone-08')).status).toBe(403);
    expect((await call('admin', 'DELETE', '/api/docs/gone-08')).status).toBe(404);
    expect((await call('tom', 'PUT', '/api/docs/mine', { type: 'inspection', site: 'site/T07' })).status).toBe(200);
    expect((await call('tom', 'DELETE', '/api/docs/mine')).status).toBe(200);
    expect((await call('tom', 'GET', '/api/docs/mine')).status).toBe(404);
  });

  it('PUT checks and writes in one transaction: a move to another site just after the check is not undone', async () => {
    expect((await call('admin', 'PUT', '/api/docs/race', { type: 'inspection', site: 'site/T07', v: 0 })).status).toBe(200);
    // Right after the first transaction of tom's PUT that reads documents commits, an admin (in
    // another request, another process) moves the document to site T08.
    const driver = test.server.store.driver;
    const original = driver.transaction.bind(driver);
    let armed = true;
    driver.transaction = async <T>(work: (query: Query) => Promise<T>): Promise<T> => {
      let touched = false;
      const result = await original((query) => work((sql, params) => ((touched ||= /\bdocuments\b/.test(sql)), query(sql, params))));
      if (armed && touched) {
        armed = false;
        await test.server.store.documents.put('race', { type: 'inspection', site: 'site/T08', v: 'moved' });
      }
      return result;
    };
    try {
      const response = await call('tom', 'PUT', '/api/docs/race', { type: 'inspection', site: 'site/T07', v: 'tom' });
      expect(armed).toBe(false);
      // Checked and written before the move: allowed, and the move then stands.
      expect(response.status).toBe(200);
    } finally {
      driver.transaction = original;
    }
    expect(await json(call('admin', 'GET', '/api/docs/race'))).toEqual({ type: 'inspection', site: 'site/T08', v: 'moved' });
    // Now it is another site's: refused.
    expect((await call('tom', 'PUT', '/api/docs/race', { type: 'inspection', site: 'site/T07', v: 'tom again' })).status).toBe(403);
  });

  it('an attachment write holds to the version its access check judged: a move to another site just after the check refuses it (409)', async () => {
    expect((await call('admin', 'PUT', '/api/docs/race-photo', { type: 'inspection', site: 'site/T07' })).status).toBe(200);
    const documents = test.server.store.documents;
    const original = documents.stored.bind(documents);
    let calls = 0;
    // The route looks at the stored document before reading the body and again after it; right
    // after the second look, an admin moves the document to site T08.
    documents.stored = async (id: string) => {
      const result = await original(id);
      if (id === 'race-photo' && ++calls === 2) await documents.put('race-photo', { type: 'inspection', site: 'site/T08', v: 'moved' });
      return result;
    };
    try {
      const response = await call('tom', 'PUT', '/api/docs/race-photo/attachments/photo.jpg', new Uint8Array([0xff, 0xd8, 0xff]), { 'content-type': 'image/jpeg' });
      expect(calls).toBe(2);
      expect(response.status).toBe(409);
    } finally {
      documents.stored = original;
    }
    expect(await json(call('admin', 'GET', '/api/docs/race-photo/attachments'))).toEqual({});
  });
});
