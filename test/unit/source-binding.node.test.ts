// PATCH /api/sources/:id rebinds a data source to another asset or site: checked against the
// stored site and asset documents, and the source's channels and arrays follow it (history
// included), so the new site's technicians see the data and the old site's no longer do.
// Over HTTP on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

const path = (id: string) => `/api/docs/${encodeURIComponent(id)}`;

describe.each([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
])('rebinding a source (%s)', (_name, env) => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);
  let source: { id: string; tag: string; token: string };
  const json = async <T>(response: Response | Promise<Response>): Promise<T> => (await (await response).json()) as T;
  const ingest = (time: number, temp: number) =>
    fetch(`${test.server.url}/api/ingest?reference=${encodeURIComponent(source.tag)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${source.token}`, 'content-type': 'application/x-ndjson' },
      body: JSON.stringify({ time, temp }),
    });
  const patch = (body: unknown, who = 'admin') => call(who, 'PATCH', `/api/sources/${encodeURIComponent(source.id)}`, body);

  beforeAll(async () => {
    test = await startTestServer(env());
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    tokens.nora = await test.addUser(tokens.admin, 'nora', 'technician', ['site/north']);
    tokens.sam = await test.addUser(tokens.admin, 'sam', 'technician', ['site/south']);
    tokens.eve = await test.addUser(tokens.admin, 'eve', 'engineer');
    for (const [id, doc] of [
      ['site/north', { type: 'site', title: 'North' }],
      ['site/south', { type: 'site', title: 'South' }],
      ['asset/north/t01', { type: 'asset', site: 'site/north', title: 'T01', asset_type: 'turbine' }],
      ['asset/south/t01', { type: 'asset', site: 'site/south', title: 'T01', asset_type: 'turbine' }],
      ['asset/south/t02', { type: 'asset', site: 'site/south', title: 'T02', asset_type: 'turbine' }],
    ] as const) {
      expect((await call('admin', 'PUT', path(id), doc)).status).toBe(200);
    }
    const created = await call('admin', 'POST', '/api/sources', { tag: 'north.t01', site: 'site/north', asset: 'asset/north/t01' });
    expect(created.status).toBe(201);
    source = (await created.json()) as typeof source;
    for (let second = 0; second < 3; second++) expect((await ingest(1_700_000_000 + second, 20 + second)).status).toBe(204);
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  const array = () => `/api/arrays/${encodeURIComponent(`array/${source.id}/temp`)}`;
  const channel = () => path(`channel/${source.id}/temp`);

  it('refuses what would bind it wrongly (400), an unknown source (404) and anyone but an admin (403)', async () => {
    const refusals: Array<[unknown, string]> = [
      [{ asset: 'asset/south/t01', site: 'site/north' }, 'belongs to site "site/south", not "site/north"'],
      [{ asset: 'asset/none' }, 'asset "asset/none" is not an asset document'],
      [{ asset: 'site/south' }, 'is not an asset document'],
      [{ site: 'site/none', asset: null }, 'site "site/none" is not a site document'],
      [{ site: 'site/south' }, 'asset "asset/north/t01" belongs to site "site/north"'],
      [{}, 'nothing to change'],
      [{ tag: 'renamed' }, 'nothing to change'],
    ];
    for (const [body, detail] of refusals) {
      const response = await patch(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { detail: string }).detail).toContain(detail);
    }
    expect((await patch({ asset: 'asset/south/t01' }, 'eve')).status).toBe(403);
    expect((await call('admin', 'PATCH', `/api/sources/${encodeURIComponent('source/none')}`, { asset: 'asset/south/t01' })).status).toBe(404);
    expect(await json(call('admin', 'GET', `/api/sources/${encodeURIComponent(source.id)}`))).toMatchObject({ site: 'site/north', asset: 'asset/north/t01' });
  });

  it('moves the channel and the array with their history; the new site sees them, the old one no longer', async () => {
    expect((await call('nora', 'GET', array())).status).toBe(200);
    const rebound = await json<{ source: { site: string; asset: string }; moved: { channels: number; arrays: number } }>(patch({ asset: 'asset/south/t01' }));
    expect(rebound).toMatchObject({ source: { site: 'site/south', asset: 'asset/south/t01' }, moved: { channels: 1, arrays: 1 } });
    expect(await json(call('admin', 'GET', channel()))).toMatchObject({ site: 'site/south', asset: 'asset/south/t01', field: 'temp' });
    expect(await json(call('sam', 'GET', array()))).toMatchObject({ site: 'site/south', length: 3 });
    expect((await call('nora', 'GET', array())).status).toBe(403);
    expect((await call('nora', 'GET', channel())).status).toBe(403);
  });

  it('goes on ingesting into the same array after the move, losing nothing', async () => {
    expect((await ingest(1_700_000_010, 30)).status).toBe(204);
    const csv = await (await call('sam', 'GET', `${array()}/values?format=csv`)).text();
    expect(csv.trim().split('\n')).toHaveLength(1 + 4);
    // Within the site, to another asset: the channel follows, the array stays where it is.
    const moved = await json<{ moved: { channels: number; arrays: number } }>(patch({ asset: 'asset/south/t02' }));
    expect(moved.moved).toEqual({ channels: 1, arrays: 0 });
    expect(await json(call('sam', 'GET', channel()))).toMatchObject({ asset: 'asset/south/t02' });
    // Sent again, the same PATCH moves nothing more (a cut PATCH is finished by resending it).
    expect((await json<{ moved: unknown }>(patch({ asset: 'asset/south/t02' }))).moved).toEqual({ channels: 0, arrays: 0 });
  });
});
