// A source's per-field channel metadata says which channels the server scores for anomalies
// (`anomaly: true`, alarms.md §3): given when the source is registered it is on the channel
// document ingest announces (and the runner makes the derived channel); PATCH /api/sources/:id
// {fields} changes it later and the channel documents follow (resent: nothing more; removed: the
// key goes, the title falls back to the field name). Bad metadata is a 400 that writes nothing.
// Over HTTP on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

const docPath = (id: string) => `/api/docs/${encodeURIComponent(id)}`;
const T0 = 1_700_000_000;

describe.each([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
])('anomaly flag in a source\'s field metadata (%s)', (_name, env) => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);
  type Registered = { id: string; tag: string; token: string };
  const json = async <T>(response: Response | Promise<Response>): Promise<T> => (await (await response).json()) as T;
  const ingest = (source: Registered, count: number) =>
    fetch(`${test.server.url}/api/ingest?reference=${encodeURIComponent(source.tag)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${source.token}`, 'content-type': 'application/x-ndjson' },
      body: Array.from({ length: count }, (_, i) => JSON.stringify({ time: T0 + i, temp: 20 + Math.sin(i / 10), speed: 5 })).join('\n'),
    });
  const register = async (tag: string, fields?: unknown): Promise<Registered> => {
    const created = await call('admin', 'POST', '/api/sources', { tag, site: 'site/north', asset: 'asset/north/t01', ...(fields === undefined ? {} : { fields }) });
    expect(created.status).toBe(201);
    return (await created.json()) as Registered;
  };
  const channelDoc = async (source: Registered, field: string) => json<Record<string, unknown>>(call('admin', 'GET', docPath(`channel/${source.id}/${field}`)));

  beforeAll(async () => {
    test = await startTestServer({ ...env(), ALARMS_POLL_MS: '100' });
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    tokens.eve = await test.addUser(tokens.admin, 'eve', 'engineer');
    for (const [id, doc] of [
      ['site/north', { type: 'site', title: 'North' }],
      ['asset/north/t01', { type: 'asset', site: 'site/north', title: 'T01', asset_type: 'turbine' }],
    ] as const) {
      expect((await call('admin', 'PUT', docPath(id), doc)).status).toBe(200);
    }
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  it('given at registration, the announced channel carries it and gets its derived anomaly channel', async () => {
    const source = await register('north.flagged', { temp: { title: 'Temperature', unit: '°C', anomaly: true }, speed: { anomaly: false } });
    expect((await json<{ fields: unknown }>(call('admin', 'GET', `/api/sources/${encodeURIComponent(source.id)}`))).fields).toEqual({ temp: { title: 'Temperature', unit: '°C', anomaly: true }, speed: { anomaly: false } });
    expect((await ingest(source, 120)).status).toBe(204);
    expect(await channelDoc(source, 'temp')).toMatchObject({ title: 'Temperature', unit: '°C', anomaly: true });
    expect(await channelDoc(source, 'speed')).toMatchObject({ title: 'speed', anomaly: false });
    await expect
      .poll(async () => ((await json<{ length?: number }>(call('admin', 'GET', `/api/arrays/${encodeURIComponent(`array/${source.id}/temp/anomaly`)}`))).length), { timeout: 20_000, interval: 100 })
      .toBe(120);
    expect(await channelDoc(source, 'temp/anomaly')).toMatchObject({ title: 'Temperature — anomaly score', derived: { kind: 'anomaly', from: `channel/${source.id}/temp` } });
    // The unflagged field has none (its sibling's was made, so the runner has looked).
    expect((await call('admin', 'GET', docPath(`channel/${source.id}/speed/anomaly`))).status).toBe(404);
  });

  it('PATCH {fields} flags a channel after the fact: its document follows, once; removing the flag takes it off', async () => {
    const source = await register('north.later');
    const patch = (body: unknown, who = 'admin') => call(who, 'PATCH', `/api/sources/${encodeURIComponent(source.id)}`, body);
    expect((await ingest(source, 60)).status).toBe(204);
    expect(await channelDoc(source, 'temp')).not.toHaveProperty('anomaly');
    expect((await patch({ fields: { temp: { anomaly: true } } }, 'eve')).status).toBe(403);

    const flagged = await json<{ source: { fields: unknown; site: string }; updated: number }>(patch({ fields: { temp: { title: 'Temperature', anomaly: true } } }));
    expect(flagged).toMatchObject({ source: { fields: { temp: { title: 'Temperature', anomaly: true } }, site: 'site/north' }, updated: 1 });
    expect(await channelDoc(source, 'temp')).toMatchObject({ title: 'Temperature', anomaly: true, site: 'site/north', asset: 'asset/north/t01' });
    await expect
      .poll(async () => (await call('admin', 'GET', docPath(`channel/${source.id}/temp/anomaly`))).status, { timeout: 20_000, interval: 100 })
      .toBe(200);
    // Sent again (a cut PATCH is finished by resending it): nothing more changes.
    expect((await json<{ updated: number }>(patch({ fields: { temp: { title: 'Temperature', anomaly: true } } }))).updated).toBe(0);

    expect((await json<{ updated: number }>(patch({ fields: {} }))).updated).toBe(1);
    const unflagged = await channelDoc(source, 'temp');
    expect(unflagged).not.toHaveProperty('anomaly');
    expect(unflagged.title).toBe('temp');
    expect((await json<{ fields: unknown }>(call('admin', 'GET', `/api/sources/${encodeURIComponent(source.id)}`))).fields).toEqual({});
  });

  it('refuses a flag that is not a boolean with a 400 that writes nothing', async () => {
    const refused = await call('admin', 'POST', '/api/sources', { tag: 'north.bad', fields: { temp: { anomaly: 'yes' } } });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'bad_request', detail: expect.stringContaining('fields["temp"].anomaly must be true or false') });
    expect((await json<{ sources: Array<{ tag: string }> }>(call('admin', 'GET', '/api/sources'))).sources.map((source) => source.tag)).not.toContain('north.bad');

    const source = await register('north.kept', { temp: { anomaly: true } });
    const response = await call('admin', 'PATCH', `/api/sources/${encodeURIComponent(source.id)}`, { fields: { temp: { anomaly: 1 } }, site: null });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'bad_request', detail: expect.stringContaining('anomaly must be true or false') });
    const kept = await json<{ fields: unknown; site: string }>(call('admin', 'GET', `/api/sources/${encodeURIComponent(source.id)}`));
    expect(kept).toMatchObject({ fields: { temp: { anomaly: true } }, site: 'site/north' });
  });
});
