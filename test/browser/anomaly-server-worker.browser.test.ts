// The real server's derived anomaly channel against the browser's worker, in real Chromium: data
// ingested for a channel flagged `anomaly: true` is scored by the server's runner (Node); the same
// samples scored in this page's worker pool give the same bytes. The technician reads the derived
// array as charts do (HTTP storage) and gets its channel document by the normal sync.
import { afterAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { WorkerPoolEngine } from '../../src/compute';
import { initAnomaly } from '../../src/core';
import { ReplicateStorage, createStorage } from '../../src/storage';
import { TEST_SERVER_ADMIN_PASSWORD, TEST_SERVER_URL, login, serverExpect } from './support/test-server';

const workers = new WorkerPoolEngine(2);
afterAll(() => workers.dispose());

const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const COUNT = 5000;
const T0 = 1_700_000_000;
const temperature = (second: number) => 60 + 6 * Math.sin(second / 300) + (second > 4000 ? 9 : 0) + (second === 3000 ? 30 : 0) + ((second * 7919) % 17) / 34;

describe('the server\'s anomaly scores and the worker\'s', () => {
  it('are the same bytes for the same samples, and the derived channel reaches the technician', async () => {
    const site = `site/anomaly-${stamp}`;
    const asset = `asset/anomaly-${stamp}/t01`;
    const username = `anomaly-tech-${stamp}`;
    const admin = await login('admin', TEST_SERVER_ADMIN_PASSWORD);
    await serverExpect(200, admin, 'PUT', `/api/docs/${encodeURIComponent(site)}`, { type: 'site', title: `Anomaly site ${stamp}` });
    await serverExpect(200, admin, 'PUT', `/api/docs/${encodeURIComponent(asset)}`, { type: 'asset', site, title: 'T01', asset_type: 'turbine' });
    await serverExpect(201, admin, 'POST', '/api/users', { username, password: `${username}-password`, role: 'technician', sites: [site] });
    const source = await serverExpect<{ id: string; tag: string; token: string }>(201, admin, 'POST', '/api/sources', { tag: `anomaly.${stamp}`, site, asset });
    const ingested = await fetch(`${TEST_SERVER_URL}/api/ingest?reference=${encodeURIComponent(source.tag)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${source.token}`, 'content-type': 'application/x-ndjson' },
      body: Array.from({ length: COUNT }, (_, i) => JSON.stringify({ time: T0 + i, gearbox_temp: temperature(i) })).join('\n'),
    });
    expect(ingested.status).toBe(204);
    const channel = `channel/${source.id}/gearbox_temp`;
    const doc = await serverExpect<Record<string, unknown>>(200, admin, 'GET', `/api/docs/${encodeURIComponent(channel)}`);
    await serverExpect(200, admin, 'PUT', `/api/docs/${encodeURIComponent(channel)}`, { ...doc, anomaly: true });

    // The technician reads both arrays as a chart does: through the HTTP storage.
    const token = await login(username, `${username}-password`);
    const server = createStorage({ type: 'http', url: TEST_SERVER_URL, token });
    const derivedId = `array/${source.id}/gearbox_temp/anomaly`;
    await expect
      .poll(async () => (await ChannelArray.open(server, derivedId).catch(() => undefined))?.length, { timeout: 20_000, interval: 200 })
      .toBe(COUNT);
    const derived = await ChannelArray.open(server, derivedId);
    const input = await ChannelArray.open(server, `array/${source.id}/gearbox_temp`);
    const samples = await input.read(0, COUNT);
    const serverScores = (await derived.read(0, COUNT)).values;
    expect(serverScores.some((score) => score > 0.5)).toBe(true);

    const worker = await workers.scoreAnomaly(initAnomaly(), samples.times, samples.values);
    expect(new Uint8Array(worker.scores.buffer)).toEqual(new Uint8Array(serverScores.buffer, serverScores.byteOffset, serverScores.byteLength));
    expect((await derived.read(0, COUNT)).times).toEqual(samples.times);

    // Its channel document comes down by the normal sync, like any channel of the site.
    const local = createStorage({ type: 'query', sub_storage: { type: 'uuid', sub_storage: { type: 'indexeddb', database: `anomaly-local-${stamp}`, index: ['type', 'site', 'asset', 'kind'] } } });
    const replica = new ReplicateStorage(local, server, createStorage({ type: 'indexeddb', database: `anomaly-signatures-${stamp}` }), { query: 'NOT kind:"fl-channel-array"' });
    await replica.sync();
    expect(await local.get(`${channel}/anomaly`)).toMatchObject({ type: 'channel', site, array: derivedId, title: 'gearbox_temp — anomaly score', derived: { kind: 'anomaly', from: channel } });
  }, 60_000);
});
