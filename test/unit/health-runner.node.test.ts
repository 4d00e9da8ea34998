// The server's health runner on both backends (a real SQLite file, a throwaway PostgreSQL): one
// asset_health document per asset; it changes when an alarm opens or clears, a prediction crosses
// the lead or an anomaly scores high, and is not rewritten when nothing changed; a document change
// wakes it without the poll; two runners on one PostgreSQL write each change once.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { assetHealthId, type AssetHealthDoc } from '../../src/core';
import { PostgresStore, SqliteStore, type Store } from '../../src/server';
import { DocFeed } from '../../src/server/live/doc-feed';
import { InProcessPublisher } from '../../src/server/live/publisher';
import { HealthRunner } from '../../src/server/predict/health-runner';
import type { Doc } from '../../src/storage/backend';
import { startPostgres, type Postgres } from '../support/postgres';
import { makeTempDir } from '../support/temp-dir';

const SITE = 'site/north';
const TURBINE = 'asset/north/t03';
const GEARBOX = 'asset/north/t03-gearbox';
const BEARING = 'asset/north/t03-main-bearing';
const OTHER = 'asset/north/t04';
const ALARM = 'alarm/bearing-temp/north/t03/main_bearing_temp/1';
const PREDICTION = 'prediction/main-bearing/north/t03-main-bearing';
const NOW = Date.UTC(2026, 11, 1, 12);

let postgres: Postgres | undefined;
const dirs: string[] = [];
let schemas = 0;

beforeAll(async () => {
  postgres = await startPostgres();
}, 120_000);

afterAll(() => {
  postgres?.stop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const backends: Array<{ name: string; fresh: () => { open: () => Promise<Store> }; connections: 'one' | 'two' }> = [
  {
    name: 'SQLite',
    connections: 'one',
    fresh: () => {
      const dir = makeTempDir('fieldline-health-');
      dirs.push(dir);
      return { open: () => SqliteStore.open(dir) };
    },
  },
  {
    name: 'PostgreSQL',
    connections: 'two',
    fresh: () => {
      const schema = `health_${++schemas}`;
      return { open: () => PostgresStore.open(postgres!.url, { schema, max: 2 }) };
    },
  },
];

async function fleet(store: Store): Promise<void> {
  const asset = (id: string, title: string, asset_type: string, parent?: string): Promise<string> => store.documents.put(id, { type: 'asset', site: SITE, title, asset_type, ...(parent ? { parent } : {}) });
  await asset(TURBINE, 'Turbine T03', 'turbine');
  await asset(GEARBOX, 'T03 gearbox', 'gearbox', TURBINE);
  await asset(BEARING, 'T03 main bearing', 'main_bearing', GEARBOX);
  await asset(OTHER, 'Turbine T04', 'turbine');
  await store.documents.put('prediction_model/main-bearing', { type: 'prediction_model', title: 'Main bearing', asset_type: 'main_bearing', inputs: ['main_bearing_temp'], step_ms: 3_600_000, cap_days: 90, lead_days: 21, enabled: true });
}

function alarmDoc(state: string, severity = 'critical'): Doc {
  return { type: 'alarm', site: SITE, asset: BEARING, channel: 'channel/source/t03/main_bearing_temp', rule: 'alarm_rule/bearing-temp', rule_title: 'High bearing temperature', message: 'Main bearing temperature above 80 °C', severity, state, raised_at: NOW - 3_600_000, count: 1, history: [] };
}

function predictionDoc(rul: number, low: number, high: number): Doc {
  return {
    type: 'prediction',
    site: SITE,
    asset: BEARING,
    model: 'prediction_model/main-bearing',
    version: 1,
    at: NOW,
    rul_days: rul,
    low_days: low,
    high_days: high,
    failure_at: NOW + rul * 86_400_000,
    failure_low: NOW + low * 86_400_000,
    failure_high: NOW + high * 86_400_000,
    level: 0.9,
    summary: `RUL ${rul} days (${low}–${high}): main bearing temperature rising`,
    evidence: [],
    channels: { rul: 'channel/prediction/main-bearing/north/t03-main-bearing/rul', low: 'channel/prediction/main-bearing/north/t03-main-bearing/rul_low', high: 'channel/prediction/main-bearing/north/t03-main-bearing/rul_high' },
  };
}

async function health(store: Store, asset: string): Promise<AssetHealthDoc | undefined> {
  return (await store.documents.stored(assetHealthId(asset)))?.doc as unknown as AssetHealthDoc | undefined;
}

/** The change sequence of every health document: a rewrite moves it. */
async function sequences(store: Store): Promise<Record<string, number>> {
  const rows = await store.driver.transaction((query) => query("SELECT id, seq FROM documents WHERE substr(id, 1, 13) = 'asset_health/' ORDER BY id"));
  return Object.fromEntries(rows.map((row) => [String(row.id), Number(row.seq)]));
}

describe.each(backends)('health runner on $name', ({ fresh, connections }) => {
  it('writes one document per asset and rewrites none when nothing changed', async () => {
    const store = await fresh().open();
    await fleet(store);
    const runner = new HealthRunner(store, { now: () => NOW });
    const first = await runner.runOnce();
    expect(first.written.sort()).toEqual([BEARING, GEARBOX, TURBINE, OTHER].map(assetHealthId).sort());
    expect(await health(store, TURBINE)).toEqual({ type: 'asset_health', site: SITE, asset: TURBINE, score: 100, level: 'good', explanation: 'No open issues', reasons: [], computed_at: NOW });
    const before = await sequences(store);
    // Later polls, nothing new: not one write.
    const later = new HealthRunner(store, { now: () => NOW + 60_000 });
    expect((await later.runOnce()).written).toEqual([]);
    expect((await runner.runOnce()).written).toEqual([]);
    expect(await sequences(store)).toEqual(before);
    await store.close();
  }, 60_000);

  it('follows an alarm opening, being acknowledged and clearing, on the part and the assets above it', async () => {
    const store = await fresh().open();
    await fleet(store);
    const runner = new HealthRunner(store, { now: () => NOW });
    await runner.runOnce();
    await store.documents.put(ALARM, alarmDoc('active_unacked'));
    const opened = await runner.runOnce();
    expect(opened.written.sort()).toEqual([BEARING, GEARBOX, TURBINE].map(assetHealthId).sort());
    expect(await health(store, TURBINE)).toMatchObject({ score: 50, level: 'warning', explanation: '1 open alarm: High bearing temperature (critical)', reasons: [{ kind: 'alarm', ref: ALARM, penalty: 50 }] });
    expect((await health(store, OTHER))?.score).toBe(100);
    await store.documents.put(ALARM, alarmDoc('active_acked'));
    await runner.runOnce();
    expect(await health(store, BEARING)).toMatchObject({ score: 65, level: 'watch', explanation: '1 open alarm: High bearing temperature (critical, acknowledged)' });
    await store.documents.put(ALARM, alarmDoc('normal'));
    expect((await runner.runOnce()).written.sort()).toEqual([BEARING, GEARBOX, TURBINE].map(assetHealthId).sort());
    expect(await health(store, TURBINE)).toMatchObject({ score: 100, level: 'good', explanation: 'No open issues' });
    await store.close();
  }, 60_000);

  it('changes when a prediction crosses the lead, and says it on the turbine with the part named', async () => {
    const store = await fresh().open();
    await fleet(store);
    const runner = new HealthRunner(store, { now: () => NOW });
    await store.documents.put(PREDICTION, predictionDoc(70, 60, 80));
    await runner.runOnce();
    expect(await health(store, BEARING)).toMatchObject({ score: 100, level: 'good' });
    await store.documents.put(PREDICTION, predictionDoc(18, 14, 25));
    const crossed = await runner.runOnce();
    expect(crossed.written.sort()).toEqual([BEARING, GEARBOX, TURBINE].map(assetHealthId).sort());
    expect(await health(store, BEARING)).toMatchObject({ level: 'warning', explanation: 'RUL 18 days (14–25) — under the 21-day lead: main bearing temperature rising' });
    expect(await health(store, TURBINE)).toMatchObject({ level: 'warning', explanation: 'T03 main bearing: RUL 18 days (14–25) — under the 21-day lead: main bearing temperature rising', reasons: [{ kind: 'rul', ref: PREDICTION }] });
    // The same prediction again (a new data time, same days): nothing to write.
    await store.documents.put(PREDICTION, { ...predictionDoc(18, 14, 25), at: NOW + 3_600_000 });
    expect((await runner.runOnce()).written).toEqual([]);
    await store.close();
  }, 60_000);

  it('reads the highest anomaly score of the last 24 h from the derived arrays', async () => {
    const store = await fresh().open();
    await fleet(store);
    const array = await ChannelArray.create(store.documents, 'array/source/t03/main_bearing_temp/anomaly', { timing: 'explicit', site: SITE, producer: 'anomaly' });
    // Two days of scores a minute apart: 0.99 two days ago (out of the window), at most 0.9 in the last day.
    const count = 2 * 1440;
    const times = new Float64Array(count);
    const values = new Float32Array(count);
    for (let index = 0; index < count; index++) {
      times[index] = NOW - (count - index) * 60_000;
      values[index] = index === 10 ? 0.99 : index === count - 100 ? 0.9 : 0.1;
    }
    await array.append(values, times);
    await store.documents.put('channel/source/t03/main_bearing_temp/anomaly', { type: 'channel', site: SITE, asset: BEARING, source: 'source/t03', array: 'array/source/t03/main_bearing_temp/anomaly', field: 'main_bearing_temp/anomaly', title: 'Main bearing temperature — anomaly score', unit: '', derived: { kind: 'anomaly', from: 'channel/source/t03/main_bearing_temp' } });
    await new HealthRunner(store, { now: () => NOW }).runOnce();
    const turbine = await health(store, TURBINE);
    expect(turbine?.explanation).toBe('Anomaly score 0.90 on Main bearing temperature in the last 24 h');
    expect(turbine?.reasons[0]).toMatchObject({ kind: 'anomaly', ref: 'channel/source/t03/main_bearing_temp/anomaly', penalty: 24 });
    // A day later no score is recent: healthy again.
    await new HealthRunner(store, { now: () => NOW + 2 * 86_400_000 }).runOnce();
    expect((await health(store, TURBINE))?.score).toBe(100);
    await store.close();
  }, 60_000);

  it('deletes the document of an asset that is gone', async () => {
    const store = await fresh().open();
    await fleet(store);
    const runner = new HealthRunner(store, { now: () => NOW });
    await runner.runOnce();
    await store.documents.remove(OTHER);
    expect((await runner.runOnce()).deleted).toEqual([assetHealthId(OTHER)]);
    expect(await health(store, OTHER)).toBeUndefined();
    await store.close();
  }, 60_000);

  it('wakes on a document event, without waiting for the poll', async () => {
    const store = await fresh().open();
    await fleet(store);
    const live = new InProcessPublisher();
    const feed = new DocFeed(store.driver, live, { intervalMs: 50 });
    await feed.start();
    const runner = new HealthRunner(store, { live, pollMs: 3_600_000, settleMs: 50, now: () => NOW });
    runner.start();
    await expect.poll(async () => (await health(store, TURBINE))?.score, { timeout: 10_000 }).toBe(100);
    await store.documents.put(ALARM, alarmDoc('active_unacked', 'high'));
    await expect.poll(async () => (await health(store, TURBINE))?.score, { timeout: 10_000 }).toBe(70);
    await runner.stop();
    await feed.stop();
    live.close();
    await store.close();
  }, 60_000);

  it.runIf(connections === 'two')('two runners on one database write each change once', async () => {
    const database = fresh();
    const one = await database.open();
    const two = await database.open();
    await fleet(one);
    const a = new HealthRunner(one, { now: () => NOW });
    const b = new HealthRunner(two, { now: () => NOW });
    const [first, second] = await Promise.all([a.runOnce(), b.runOnce()]);
    expect([...first.written, ...second.written].sort()).toEqual([BEARING, GEARBOX, TURBINE, OTHER].map(assetHealthId).sort());
    await one.documents.put(ALARM, alarmDoc('active_unacked'));
    const [third, fourth] = await Promise.all([a.runOnce(), b.runOnce()]);
    expect([...third.written, ...fourth.written].sort()).toEqual([BEARING, GEARBOX, TURBINE].map(assetHealthId).sort());
    expect(third.raced + fourth.raced).toBeLessThanOrEqual(3);
    await one.close();
    await two.close();
  }, 60_000);
});
