// Site and asset documents written through /api/docs (PUT, POST, bulk_docs) follow the asset
// model: required fields, and a parent that is an asset of the same site without a cycle, judged
// against what is stored inside the writing transaction. Over HTTP, on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

type Results = { results: Array<{ id: string; ok: boolean; status?: number; message?: string }> };

const asset = (site: string, title: string, extra: Record<string, unknown> = {}) => ({ type: 'asset', site, title, asset_type: 'turbine', ...extra });
const path = (id: string) => `/api/docs/${encodeURIComponent(id)}`;

describe.each([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
])('the asset model on the write paths (%s)', (_name, env) => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);
  const detail = async (response: Response | Promise<Response>) => {
    const answer = await response;
    return { status: answer.status, body: (await answer.json()) as { error?: string; detail?: string } };
  };

  beforeAll(async () => {
    test = await startTestServer(env());
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/north']);
    for (const [id, doc] of [
      ['site/north', { type: 'site', title: 'North', kind: 'wind_farm' }],
      ['site/south', { type: 'site', title: 'South' }],
      ['asset/north/t01', asset('site/north', 'T01')],
      ['asset/north/t01-gearbox', asset('site/north', 'T01 gearbox', { asset_type: 'gearbox', parent: 'asset/north/t01' })],
      ['asset/north/t01-bearing', asset('site/north', 'T01 main bearing', { asset_type: 'main_bearing', parent: 'asset/north/t01-gearbox' })],
      ['asset/south/s01', asset('site/south', 'S01')],
    ] as const) {
      expect((await call('admin', 'PUT', path(id), doc)).status, id).toBe(200);
    }
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  it('refuses a site without a title or with a bad kind (400 naming the field); a site with only a title is fine', async () => {
    expect(await detail(call('admin', 'PUT', path('site/east'), { type: 'site', kind: 'wind_farm' }))).toEqual({
      status: 400,
      body: { error: 'bad_request', detail: 'site "site/east": title must be a string' },
    });
    expect((await detail(call('admin', 'PUT', path('site/east'), { type: 'site', title: 'East', kind: 'volcano' }))).body.detail).toContain('kind must be one of');
    expect((await call('admin', 'GET', path('site/east'))).status).toBe(404);
    expect((await call('admin', 'PUT', path('site/east'), { type: 'site', title: 'East' })).status).toBe(200);
  });

  it('refuses an asset without site, title or asset_type, by POST and PUT', async () => {
    expect(await detail(call('admin', 'POST', '/api/docs', { type: 'asset', site: 'site/north', title: 'T02' }))).toMatchObject({ status: 400, body: { detail: expect.stringContaining('asset_type must be a string') } });
    expect((await detail(call('admin', 'PUT', path('asset/north/t02'), { type: 'asset', title: 'T02', asset_type: 'turbine' }))).body.detail).toBe('asset "asset/north/t02": site must be a string');
    expect((await detail(call('admin', 'PUT', path('asset/north/t02'), asset('site/north', 'T02', { commissioned: '2021-13-01' })))).body.detail).toContain('commissioned');
    expect((await call('admin', 'GET', path('asset/north/t02'))).status).toBe(404);
  });

  it('refuses a parent that is missing, of another site or not an asset, and one that makes a cycle', async () => {
    for (const parent of ['asset/north/none', 'asset/south/s01', 'site/north']) {
      const refused = await detail(call('admin', 'PUT', path('asset/north/t03'), asset('site/north', 'T03', { parent })));
      expect(refused, parent).toEqual({ status: 400, body: { error: 'bad_request', detail: `asset "asset/north/t03": parent ${JSON.stringify(parent)} is not an asset of site "site/north"` } });
    }
    // The turbine under its own main bearing: the bearing's ancestry (read from the store) holds it.
    const cycle = await detail(call('admin', 'PUT', path('asset/north/t01'), asset('site/north', 'T01', { parent: 'asset/north/t01-bearing' })));
    expect(cycle.status).toBe(400);
    expect(cycle.body.detail).toContain('would make a cycle');
    expect(((await (await call('admin', 'GET', path('asset/north/t01'))).json()) as { parent?: string }).parent).toBeUndefined();
    expect((await call('admin', 'PUT', path('asset/north/t03'), asset('site/north', 'T03', { parent: 'asset/north/t01' }))).status).toBe(200);
  });

  it('a technician gets the same answer for a parent in a site they cannot see', async () => {
    const refused = await detail(call('tom', 'PUT', path('asset/north/t04'), asset('site/north', 'T04', { parent: 'asset/south/s01' })));
    expect(refused.body.detail).toBe('asset "asset/north/t04": parent "asset/south/s01" is not an asset of site "site/north"');
    expect((await call('tom', 'PUT', path('asset/north/t04'), asset('site/north', 'T04', { parent: 'asset/north/t01' }))).status).toBe(200);
  });

  it('bulk_docs: a child pushed before the parent it came with is fine; a cycle made within the batch fails alone', async () => {
    const pushed = (await (
      await call('admin', 'POST', '/api/bulk_docs', {
        docs: [
          { id: 'asset/north/t05-gearbox', doc: asset('site/north', 'T05 gearbox', { asset_type: 'gearbox', parent: 'asset/north/t05' }) },
          { id: 'asset/north/t05', doc: asset('site/north', 'T05') },
          { id: 'asset/north/bad', doc: { type: 'asset', site: 'site/north', title: 'Bad' } },
          { id: 'note/1', doc: { type: 'note', site: 'site/north', text: 'not checked by the model' } },
        ],
      })
    ).json()) as Results;
    expect(pushed.results.map((result) => [result.id, result.ok, result.status])).toEqual([
      ['asset/north/t05-gearbox', true, undefined],
      ['asset/north/t05', true, undefined],
      ['asset/north/bad', false, 400],
      ['note/1', true, undefined],
    ]);
    // Each is valid against what is stored; together they would loop: the second sees the first.
    const looped = (await (
      await call('admin', 'POST', '/api/bulk_docs', {
        docs: [
          { id: 'asset/north/t05', doc: asset('site/north', 'T05', { parent: 'asset/north/t03' }) },
          { id: 'asset/north/t03', doc: asset('site/north', 'T03', { parent: 'asset/north/t05-gearbox' }) },
        ],
      })
    ).json()) as Results;
    expect(looped.results.map((result) => result.ok)).toEqual([true, false]);
    expect(looped.results[1]!.message).toContain('would make a cycle');
    const stored = (await (await call('admin', 'GET', path('asset/north/t03'))).json()) as { parent?: string };
    expect(stored.parent).toBe('asset/north/t01');
  });

  it('deletes and documents of other types are not judged by the model', async () => {
    expect((await call('admin', 'PUT', path('legacy/1'), { type: 'channel', site: 'site/north', title: 'Temp' })).status).toBe(200);
    expect((await call('admin', 'DELETE', path('asset/north/t04'))).status).toBe(200);
  });
});
