// Manual readings on the server, over HTTP on SQLite and PostgreSQL: a reading becomes a sample at
// its time in its asset's manual-reading channels (found by asset, field and manual: true), once —
// before the write's answer, also when sent twice, through a device's sync (bulk_docs from the
// replicate storage over the http storage), out of order (two technicians offline), when the
// document got in without its append (the sweep), and with two server processes on one
// PostgreSQL. Bad readings are refused with 400 naming the field; readings are immutable; the
// manual channels and arrays are the server's (plain value appends 409, their ids 403).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { manualArrayId, manualChannelId, type ReadingDoc } from '../../src/core';
import { createStorage } from '../../src/storage';
import { ReplicateStorage } from '../../src/storage/replicate/replicate-storage';
import type { Store } from '../../src/server';
import { ReadingApplier } from '../../src/server/maintenance/reading-applier';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

const SITE = 'site/T07';
const T0 = Date.UTC(2026, 10, 20, 8);
const HOUR = 3_600_000;
const quiet = { info: () => undefined, warn: () => undefined };

/** A reading of `asset` in SITE by `by`. */
function reading(asset: string, at: number, values: Record<string, number>, extra: Partial<ReadingDoc> = {}): ReadingDoc {
  return { type: 'reading', site: SITE, asset, at, values, by: 'tom', ...extra };
}

/** The samples of a manual channel as stored: [time, value] pairs (empty when there is no array yet). */
async function samples(store: Store, asset: string, field: string): Promise<Array<[number, number]>> {
  const array = await ChannelArray.open(store.documents, manualArrayId(asset, field)).catch(() => undefined);
  if (!array) return [];
  const read = await array.read(0, array.length);
  return Array.from(read.times, (time, index) => [time, read.values[index]!]);
}

describe.each([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
])('manual readings on %s', (_name, env) => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);
  const detail = async (response: Response) => ((await response.json()) as { error: string; detail: string }).detail;
  const put = (who: string, id: string, doc: unknown) => call(who, 'PUT', `/api/docs/${encodeURIComponent(id)}`, doc);
  const bulk = async (who: string, docs: unknown[]) => ((await (await call(who, 'POST', '/api/bulk_docs', { docs })).json()) as { results: Array<{ ok: boolean; status?: number; message?: string }> }).results;
  let assetCount = 0;
  /** A fresh asset of SITE (each test its own channels). */
  const newAsset = async (): Promise<string> => {
    const id = `asset/t07/t${++assetCount}`;
    expect((await put('admin', id, { type: 'asset', site: SITE, title: `Turbine ${assetCount}`, asset_type: 'turbine' })).status).toBe(200);
    return id;
  };

  beforeAll(async () => {
    test = await startTestServer(env());
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    tokens.eve = await test.addUser(tokens.admin, 'eve', 'engineer');
    tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', [SITE]);
    tokens.tina = await test.addUser(tokens.admin, 'tina', 'technician', ['site/T08']);
    for (const site of [SITE, 'site/T08']) expect((await put('admin', site, { type: 'site', title: site, kind: 'wind_farm' })).status).toBe(200);
    expect((await put('admin', 'asset/t08/x', { type: 'asset', site: 'site/T08', title: 'Other', asset_type: 'turbine' })).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  it('a reading is a sample at its time in each of its fields\' manual channels when the write answers, once, also when sent twice', async () => {
    const asset = await newAsset();
    const doc = reading(asset, T0, { gearbox_oil_level: 87.5, fan_current: 2.3 }, { units: { gearbox_oil_level: '%' } });
    expect((await put('tom', 'reading/r1', doc)).status).toBe(200);
    // No waiting: the append happened before the answer.
    expect(await samples(test.server.store, asset, 'gearbox_oil_level')).toEqual([[T0, 87.5]]);
    expect(await samples(test.server.store, asset, 'fan_current')).toEqual([[T0, Math.fround(2.3)]]);
    // The channels, found by their keys as the technician sees them.
    const listed = (await (await call('tom', 'GET', '/api/channels')).json()) as { rows: Array<{ id: string; doc: Record<string, unknown> }> };
    const mine = listed.rows.filter((row) => row.doc.asset === asset && row.doc.manual === true).map((row) => row.doc);
    expect(mine.sort((a, b) => String(a.field).localeCompare(String(b.field)))).toEqual([
      { type: 'channel', site: SITE, asset, source: 'manual', array: manualArrayId(asset, 'fan_current'), field: 'fan_current', title: 'Fan current', unit: '', manual: true },
      { type: 'channel', site: SITE, asset, source: 'manual', array: manualArrayId(asset, 'gearbox_oil_level'), field: 'gearbox_oil_level', title: 'Gearbox oil level', unit: '%', manual: true },
    ]);
    // Sent again (a sync that lost its answer): accepted, and nothing more appended.
    expect((await put('tom', 'reading/r1', doc)).status).toBe(200);
    expect((await bulk('tom', [{ id: 'reading/r1', doc }]))[0]!.ok).toBe(true);
    await test.server.readings.sweep();
    expect(await samples(test.server.store, asset, 'gearbox_oil_level')).toEqual([[T0, 87.5]]);
    // A later reading with the unit the first lacked: the channel takes it (first seen), the array appends.
    expect((await put('tom', 'reading/r2', reading(asset, T0 + HOUR, { fan_current: 2.5 }, { units: { fan_current: 'A' } }))).status).toBe(200);
    expect((await test.server.store.documents.get(manualChannelId(asset, 'fan_current'))).unit).toBe('A');
    expect(await samples(test.server.store, asset, 'fan_current')).toEqual([[T0, Math.fround(2.3)], [T0 + HOUR, 2.5]]);
  });

  it('readings that arrive out of order end up in time order (two technicians offline for days)', async () => {
    const asset = await newAsset();
    const order: Array<[string, number, number]> = [
      ['late-3', T0 + 3 * 24 * HOUR, 63],
      ['late-1', T0 + 1 * 24 * HOUR, 61],
      ['late-0', T0, 60],
      ['late-2', T0 + 2 * 24 * HOUR, 62],
      ['late-0b', T0, 59], // the same time as another reading: both kept, in the order applied
    ];
    for (const [id, at, value] of order) expect((await put(id.endsWith('b') ? 'eve' : 'tom', `reading/${id}`, reading(asset, at, { main_bearing_temp: value }, { by: id.endsWith('b') ? 'eve' : 'tom' }))).status).toBe(200);
    expect(await samples(test.server.store, asset, 'main_bearing_temp')).toEqual([
      [T0, 60],
      [T0, 59],
      [T0 + 24 * HOUR, 61],
      [T0 + 2 * 24 * HOUR, 62],
      [T0 + 3 * 24 * HOUR, 63],
    ]);
  });

  it("a device's sync (bulk_docs through the http storage) appends its readings before the push answers; the next pull brings the array", async () => {
    const asset = await newAsset();
    const remote = createStorage({ type: 'http', url: test.server.url, token: tokens.tom! });
    const local = createStorage({ type: 'memory' });
    const device = new ReplicateStorage(local, remote, createStorage({ type: 'memory' }));
    await device.sync();
    // Recorded offline, the newest first.
    for (const [index, at] of [T0 + 2 * HOUR, T0, T0 + HOUR].entries()) await local.put(`reading/sync-${index}`, reading(asset, at, { gearbox_oil_level: 80 + index }) as never);
    const groupsBefore = test.server.readings.counts.groups;
    const report = await device.sync();
    expect(report.refused).toEqual([]);
    expect(report.pushed).toBe(3);
    // One transaction for the three (group commit), not one each.
    expect(test.server.readings.counts.groups - groupsBefore).toBe(1);
    expect(await samples(test.server.store, asset, 'gearbox_oil_level')).toEqual([
      [T0, 81],
      [T0 + HOUR, 82],
      [T0 + 2 * HOUR, 80],
    ]);
    // The next sync pulls the channel and its array (the device never pushes it back).
    const again = await device.sync();
    expect(again.refused).toEqual([]);
    const pulled = await ChannelArray.open(local, manualArrayId(asset, 'gearbox_oil_level'));
    expect(Array.from((await pulled.read(0, pulled.length)).values)).toEqual([81, 82, 80]);
    expect((await local.get(manualChannelId(asset, 'gearbox_oil_level'))).manual).toBe(true);
    expect(await samples(test.server.store, asset, 'gearbox_oil_level')).toHaveLength(3);
  });

  it('a reading stored without its append (a crash between the two, another process) is appended by the sweep, once', async () => {
    const asset = await newAsset();
    // Straight into the store, past the routes: the state a crash right after the document's commit leaves.
    await test.server.store.documents.put('reading/swept', reading(asset, T0, { fan_current: 3 }) as never);
    await expect.poll(() => samples(test.server.store, asset, 'fan_current'), { timeout: 20_000 }).toEqual([[T0, 3]]);
    await test.server.readings.sweep();
    expect(await test.server.readings.apply('reading/swept', reading(asset, T0, { fan_current: 3 }))).toBe('done_before');
    expect(await samples(test.server.store, asset, 'fan_current')).toEqual([[T0, 3]]);
    // One that cannot apply (malformed: written past the checks) is refused alone (its row says so); the other goes in.
    const refusedBefore = test.server.readings.counts.refused;
    await test.server.store.documents.put('reading/swept-bad', { ...reading(asset, T0 + HOUR, { fan_current: 1 }), values: { fan_current: 'x' } } as never);
    await test.server.store.documents.put('reading/swept-good', reading(asset, T0 + 2 * HOUR, { fan_current: 5 }) as never);
    await expect.poll(() => samples(test.server.store, asset, 'fan_current'), { timeout: 20_000 }).toEqual([[T0, 3], [T0 + 2 * HOUR, 5]]);
    await expect.poll(() => test.server.readings.counts.refused - refusedBefore, { timeout: 20_000 }).toBe(1);
    expect(await test.server.readings.apply('reading/swept-bad', { ...reading(asset, T0 + HOUR, { fan_current: 1 }), values: { fan_current: 'x' as unknown as number } })).toBe('done_before');
  });

  it('an append another writer makes between the read and the write is not lost: the write is refused (409) and prepared again', async () => {
    const asset = await newAsset();
    // Two appliers on one store: what two server processes on one database are to each other.
    const other = new ReadingApplier({ store: test.server.store, log: quiet });
    let raced = false;
    const racing = new ReadingApplier({
      store: test.server.store,
      log: quiet,
      beforeWrite: async () => {
        if (raced) return;
        raced = true;
        // Creates the channel first, with a later reading: the prepared creation and append of the older one are stale.
        expect(await other.apply('reading/race-later', reading(asset, T0 + HOUR, { oil: 2 }))).toBe('applied');
      },
    });
    expect(await racing.apply('reading/race-older', reading(asset, T0, { oil: 1 }))).toBe('applied');
    expect(racing.counts.conflicts).toBe(1);
    expect(await samples(test.server.store, asset, 'oil')).toEqual([[T0, 1], [T0 + HOUR, 2]]);
    // Each once, whoever asks again.
    expect(await other.apply('reading/race-older', reading(asset, T0, { oil: 1 }))).toBe('done_before');
    expect(await racing.apply('reading/race-later', reading(asset, T0 + HOUR, { oil: 2 }))).toBe('done_before');
    expect(await samples(test.server.store, asset, 'oil')).toHaveLength(2);
  });

  it('alarm rules see readings like any samples: a reading beyond a threshold raises an alarm at its time', async () => {
    const asset = await newAsset();
    const channel = manualChannelId(asset, 'gearbox_oil_level');
    const rule = { type: 'alarm_rule', site: SITE, title: 'Gearbox oil low', enabled: true, target: { channel }, condition: { kind: 'threshold', direction: 'low', level: 40 }, severity: 'high' };
    expect((await put('eve', `alarm_rule/oil-low-${assetCount}`, rule)).status).toBe(200);
    expect((await put('tom', 'reading/oil-ok', reading(asset, T0, { gearbox_oil_level: 80 }, { units: { gearbox_oil_level: '%' } }))).status).toBe(200);
    expect((await put('tom', 'reading/oil-low', reading(asset, T0 + HOUR, { gearbox_oil_level: 31 }))).status).toBe(200);
    const alarms = async () => (await test.server.store.documents.allDocs({ include_docs: true })).rows.map((row) => row.doc!).filter((doc) => doc.type === 'alarm' && doc.channel === channel);
    await expect.poll(async () => (await alarms()).length, { timeout: 20_000 }).toBe(1);
    expect((await alarms())[0]).toMatchObject({ state: 'active_unacked', raised_at: T0 + HOUR, asset, severity: 'high' });
  });

  it('bad readings are refused with 400 naming the field, nothing of them stored', async () => {
    const asset = await newAsset();
    const cases: Array<[unknown, RegExp]> = [
      [reading(asset, T0, { oil: 'high' as unknown as number }), /values\["oil"\] must be a finite number/],
      [reading(asset, T0, {}), /values must have at least one field/],
      [reading(asset, T0, { oil: 1e39 }), /values\["oil"\].*float32/],
      [reading(asset, Date.now() + 3 * 24 * HOUR, { oil: 1 }), /at .*INGEST_MAX_FUTURE_MS/],
      [reading(asset, T0, { 'a\u0000b': 1 }), /NUL/],
      [reading(asset, T0, { oil: 1 }, { units: { gas: '%' } }), /units\["gas"\] names no field/],
      [reading('asset/t07/none', T0, { oil: 1 }), /asset: there is no asset "asset\/t07\/none"/],
      [reading('asset/t08/x', T0, { oil: 1 }), /site must be its asset's \("site\/T08"\)/],
    ];
    for (const [doc, message] of cases) {
      const response = await put('tom', 'reading/bad', doc);
      expect(response.status, JSON.stringify(doc)).toBe(400);
      expect(await detail(response)).toMatch(message);
    }
    // In a batch: the bad one is its own 400, the good one is stored and appended.
    const results = await bulk('tom', [
      { id: 'reading/bad', doc: reading(asset, T0, { oil: Number.MAX_VALUE }) },
      { id: 'reading/good', doc: reading(asset, T0, { oil: 4 }) },
    ]);
    expect(results.map((result) => result.status ?? 200)).toEqual([400, 200]);
    expect(results[0]!.message).toMatch(/values\["oil"\]/);
    expect((await call('admin', 'GET', '/api/docs/reading%2Fbad')).status).toBe(404);
    expect(await samples(test.server.store, asset, 'oil')).toEqual([[T0, 4]]);
    // Someone else's name, another site's technician.
    const forged = await put('tom', 'reading/forged', reading(asset, T0, { oil: 1 }, { by: 'eve' }));
    expect(forged.status).toBe(403);
    expect(await detail(forged)).toMatch(/"by" must be "tom"/);
    expect((await put('tina', 'reading/elsewhere', reading(asset, T0, { oil: 1 }, { by: 'tina' }))).status).toBe(403);
  });

  it('readings are immutable: no change, no delete, no attachment, for any role', async () => {
    const asset = await newAsset();
    const doc = reading(asset, T0, { oil: 5 });
    expect((await put('tom', 'reading/fixed', doc)).status).toBe(200);
    const changed = await put('tom', 'reading/fixed', { ...doc, values: { oil: 6 } });
    expect(changed.status).toBe(409);
    expect(await detail(changed)).toMatch(/already written and cannot be changed; write a new reading/);
    for (const who of ['tom', 'eve', 'admin']) {
      const deleted = await call(who, 'DELETE', '/api/docs/reading%2Ffixed');
      expect(deleted.status, who).toBe(409);
      expect(await detail(deleted)).toMatch(/cannot be deleted/);
    }
    expect((await bulk('tom', [{ id: 'reading/fixed' }]))[0]!.status).toBe(409);
    expect((await call('tom', 'PUT', '/api/docs/reading%2Ffixed/attachments/note.txt', 'x', { 'content-type': 'text/plain' })).status).toBe(409);
    expect(await samples(test.server.store, asset, 'oil')).toEqual([[T0, 5]]);
  });

  it("the manual channels are the server's: plain value appends 409, writing their ids 403", async () => {
    const asset = await newAsset();
    expect((await put('tom', 'reading/own', reading(asset, T0, { oil: 7 }))).status).toBe(200);
    const arrayId = manualArrayId(asset, 'oil');
    for (const who of ['tom', 'admin']) {
      const appended = await call(who, 'POST', `/api/arrays/${encodeURIComponent(arrayId)}/values`, { times: [T0 + HOUR], values: [1] });
      expect(appended.status, who).toBe(409);
      expect(await detail(appended)).toMatch(/computed \(by "manual"\)/);
    }
    const meta = await test.server.store.documents.get(arrayId);
    for (const [who, id, doc] of [
      ['tom', arrayId, { ...meta, length: 0 }],
      ['tom', manualChannelId(asset, 'oil'), { type: 'channel', site: SITE, asset, source: 'manual', array: arrayId, field: 'oil', title: 'Mine', unit: '' }],
      ['tom', manualArrayId(asset, 'new_field'), { kind: 'fl-channel-array', site: SITE }],
    ] as const) {
      const response = await put(who, id, doc);
      expect(response.status, id).toBe(403);
      expect(await detail(response)).toMatch(/written by the server from readings/);
    }
    expect((await call('tom', 'POST', '/api/arrays', { id: manualArrayId(asset, 'squat'), timing: 'explicit', site: SITE })).status).toBe(403);
    expect((await call('tom', 'DELETE', `/api/docs/${encodeURIComponent(arrayId)}`)).status).toBe(403);
    expect(await samples(test.server.store, asset, 'oil')).toEqual([[T0, 7]]);
  });
});

describe('two server processes on one PostgreSQL', () => {
  it('append every reading once, in time order, each sent to both at once', async () => {
    // A database of its own: both servers start on it empty.
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    await client.query('CREATE DATABASE readings_two');
    await client.end();
    const url = postgres.url.replace(/\/postgres$/, '/readings_two');
    const first = await startTestServer({ DATABASE_URL: url });
    const second = await startTestServer({ DATABASE_URL: url });
    try {
      const admin = await first.login('admin', ADMIN_PASSWORD);
      const headers = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
      for (const [id, doc] of [
        [SITE, { type: 'site', title: 'T07', kind: 'wind_farm' }],
        ['asset/t07/two', { type: 'asset', site: SITE, title: 'Two', asset_type: 'turbine' }],
      ] as const) expect((await fetch(`${first.server.url}/api/docs/${encodeURIComponent(id)}`, { method: 'PUT', headers: headers(admin), body: JSON.stringify(doc) })).status).toBe(200);
      const tokenOf = [await first.addUser(admin, 'tom', 'technician', [SITE]), await second.login('tom', 'tom-password')];
      const urls = [first.server.url, second.server.url];
      // 40 readings of one field, times shuffled; each sent to both processes at once.
      const readings = Array.from({ length: 40 }, (_, index) => ({ id: `reading/two-${index}`, doc: reading('asset/t07/two', T0 + ((index * 17) % 40) * 60_000, { fan_current: index }) }));
      await Promise.all(
        readings.flatMap(({ id, doc }) =>
          urls.map(async (base, which) => {
            const response = await fetch(`${base}/api/bulk_docs`, { method: 'POST', headers: headers(tokenOf[which]!), body: JSON.stringify({ docs: [{ id, doc }] }) });
            const [result] = ((await response.json()) as { results: Array<{ ok: boolean; status?: number }> }).results;
            expect(result!.ok, JSON.stringify(result)).toBe(true);
          }),
        ),
      );
      await Promise.all([first.server.readings.sweep(), second.server.readings.sweep()]);
      const expected = readings.map(({ doc }) => [doc.at, doc.values.fan_current!] as [number, number]).sort((a, b) => a[0] - b[0]);
      expect(await samples(first.server.store, 'asset/t07/two', 'fan_current')).toEqual(expected);
      // Each reading appended by exactly one of the two.
      const [a, b] = [first.server.readings.counts, second.server.readings.counts];
      expect(a.applied + b.applied).toBe(40);
      console.log(`two processes: applied ${a.applied} + ${b.applied}, conditional writes redone ${a.conflicts} + ${b.conflicts}`);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  }, 120_000);
});
