// The anomaly runner inside the real server (started by startServer, ALARMS on), over HTTP on
// SQLite and PostgreSQL: data ingested for a channel flagged `anomaly: true` becomes a derived
// channel whose scores equal the kernel's one pass over the same samples; it reaches the site's
// technicians like any channel (documents, arrays, changes feed) and no one else; and nobody but
// its producer appends to it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initAnomaly, scoreAnomaly } from '../../src/core';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

const docPath = (id: string) => `/api/docs/${encodeURIComponent(id)}`;
const arrayPath = (id: string) => `/api/arrays/${encodeURIComponent(id)}`;
const COUNT = 600;
const T0 = 1_700_000_000;

/** Seconds since T0 → a temperature with a slow cycle and one jump near the end. */
const temperature = (second: number) => 40 + 3 * Math.sin(second / 40) + (second === 550 ? 25 : 0) + ((second * 7919) % 13) / 26;

describe.each([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
])('derived anomaly channel in the server (%s)', (_name, env) => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);
  let source: { id: string; tag: string; token: string };
  const channel = () => `channel/${source.id}/temp`;
  const derivedChannel = () => `${channel()}/anomaly`;
  const derivedArray = () => `array/${source.id}/temp/anomaly`;

  beforeAll(async () => {
    test = await startTestServer({ ...env(), ALARMS_POLL_MS: '100' });
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    tokens.nora = await test.addUser(tokens.admin, 'nora', 'technician', ['site/north']);
    tokens.sam = await test.addUser(tokens.admin, 'sam', 'technician', ['site/south']);
    for (const [id, doc] of [
      ['site/north', { type: 'site', title: 'North' }],
      ['site/south', { type: 'site', title: 'South' }],
      ['asset/north/t01', { type: 'asset', site: 'site/north', title: 'T01', asset_type: 'turbine' }],
    ] as const) {
      expect((await call('admin', 'PUT', docPath(id), doc)).status).toBe(200);
    }
    const created = await call('admin', 'POST', '/api/sources', { tag: 'north.t01', site: 'site/north', asset: 'asset/north/t01' });
    expect(created.status).toBe(201);
    source = (await created.json()) as typeof source;
    const ingest = (from: number, to: number) =>
      fetch(`${test.server.url}/api/ingest?reference=${encodeURIComponent(source.tag)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${source.token}`, 'content-type': 'application/x-ndjson' },
        body: Array.from({ length: to - from }, (_, i) => JSON.stringify({ time: T0 + from + i, temp: temperature(from + i) })).join('\n'),
      });
    expect((await ingest(0, 400)).status).toBe(204);
    // Flagged after some history: scored from its first sample.
    const doc = (await (await call('admin', 'GET', docPath(channel()))).json()) as Record<string, unknown>;
    expect((await call('admin', 'PUT', docPath(channel()), { ...doc, anomaly: true })).status).toBe(200);
    expect((await ingest(400, COUNT)).status).toBe(204);
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  it('scores every sample, equal to one pass of the kernel, at the input times', async () => {
    await expect
      .poll(async () => ((await (await call('nora', 'GET', arrayPath(derivedArray()))).json()) as { length?: number }).length, { timeout: 20_000, interval: 100 })
      .toBe(COUNT);
    const response = await call('nora', 'GET', `${arrayPath(derivedArray())}/values?start=0&end=${COUNT}`);
    expect(response.status).toBe(200);
    const scores = new Float32Array(await response.arrayBuffer());
    const times = Float64Array.from({ length: COUNT }, (_, i) => (T0 + i) * 1000);
    const values = Float32Array.from({ length: COUNT }, (_, i) => temperature(i));
    expect(scores).toEqual(scoreAnomaly(initAnomaly(), times, values).scores);
    const csv = await (await call('nora', 'GET', `${arrayPath(derivedArray())}/values?start=0&end=2&format=csv`)).text();
    expect(csv.split('\n')[1]).toMatch(/^2023-11-14T22:13:20(\.000)?Z,0$/);
  });

  it('reaches the site\'s technicians like any channel, and no one else', async () => {
    const doc = await call('nora', 'GET', docPath(derivedChannel()));
    expect(doc.status).toBe(200);
    expect(await doc.json()).toMatchObject({ type: 'channel', site: 'site/north', asset: 'asset/north/t01', array: derivedArray(), field: 'temp/anomaly', unit: '', normal: { min: 0, max: 1 }, derived: { kind: 'anomaly', from: channel() } });
    const changes = (await (await call('nora', 'GET', '/api/changes')).json()) as { results: Array<{ id: string }> };
    const ids = changes.results.map((change) => change.id);
    expect(ids).toContain(derivedChannel());
    expect(ids).toContain(derivedArray());
    expect([403, 404]).toContain((await call('sam', 'GET', docPath(derivedChannel()))).status);
    expect([403, 404]).toContain((await call('sam', 'GET', arrayPath(derivedArray()))).status);
  });

  it('refuses appends to the derived array from anyone but its producer (409)', async () => {
    const response = await call('admin', 'POST', `${arrayPath(derivedArray())}/values`, { times: [(T0 + COUNT + 10) * 1000], values: [0.5] });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { detail: string }).detail).toContain('only its producer appends');
    expect(((await (await call('nora', 'GET', arrayPath(derivedArray()))).json()) as { length: number }).length).toBe(COUNT);
  });
});
