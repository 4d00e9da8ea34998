// The server's anomaly runner on both backends (a real SQLite file, a throwaway PostgreSQL): the
// derived array equals scoring the whole input in one pass whatever the appends' split, across a
// restart, a rolled-back transaction and two runners sharing one database; batches are bounded;
// a channel chosen later is scored from its first sample.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import type { Doc } from '../../src/storage/backend';
import { anomalyArrayId, anomalyChannelId, initAnomaly, scoreAnomaly } from '../../src/core';
import { PostgresStore, SqliteStore, type Store } from '../../src/server';
import { AnomalyRunner } from '../../src/server/alarms/anomaly-runner';
import { InProcessPublisher } from '../../src/server/live/publisher';
import type { Query, SqlDriver } from '../../src/server/store/sql/driver';
import { SqlStorage } from '../../src/server/store/sql/sql-storage';
import { IngestLog } from '../../src/server/store/sql/ingest-log';
import { makeTempDir } from '../support/temp-dir';
import { startPostgres, type Postgres } from '../support/postgres';

const SITE = 'site/north';
const CHANNEL = 'channel/source/t1/speed';
const INPUT = 'array/source/t1/speed';
const OUTPUT = anomalyArrayId(INPUT);
const DERIVED = anomalyChannelId(CHANNEL);

/** A deterministic signal: a daily cycle, noise, a level shift and a few spikes, one sample a minute. */
function signal(count: number, seed = 7): { times: Float64Array; values: Float32Array } {
  let state = seed;
  const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const times = new Float64Array(count);
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) {
    times[index] = 1_760_000_000_000 + index * 60_000;
    const daily = 10 * Math.sin((2 * Math.PI * index) / 1440);
    const shift = index > count * 0.6 ? 15 : 0;
    const spike = index % 2777 === 2000 ? 40 : 0;
    values[index] = 50 + daily + shift + spike + 2 * (random() - 0.5);
  }
  return { times, values };
}

/** The scores of one pass over the whole input: what the derived array must hold. */
function onePass(input: { times: Float64Array; values: Float32Array }): Float32Array {
  return scoreAnomaly(initAnomaly(), input.times, input.values).scores;
}

/** Creates the input array and its channel document (flagged `anomaly: true` unless told otherwise). */
async function makeChannel(store: Store, options: { flagged?: boolean } = {}): Promise<ChannelArray> {
  const array = await ChannelArray.create(store.documents, INPUT, { timing: 'explicit', site: SITE });
  await store.documents.put(CHANNEL, { type: 'channel', site: SITE, asset: 'asset/north/t1', source: 'source/t1', array: INPUT, field: 'speed', title: 'Wind speed', unit: 'm/s', ...(options.flagged === false ? {} : { anomaly: true }) });
  return array;
}

async function appendPart(store: Store, input: { times: Float64Array; values: Float32Array }, from: number, to: number): Promise<void> {
  const array = await ChannelArray.open(store.documents, INPUT);
  await array.append(input.values.slice(from, to), input.times.slice(from, to));
}

async function output(store: Store): Promise<{ values: Float32Array; times: Float64Array }> {
  const array = await ChannelArray.open(store.documents, OUTPUT);
  return array.read(0, array.length);
}

async function runRow(store: Store): Promise<{ position: number; version: number } | undefined> {
  const [row] = await store.driver.transaction((query) => query('SELECT position, version FROM anomaly_runs WHERE id = ?', [DERIVED]));
  return row ? { position: Number(row.position), version: Number(row.version) } : undefined;
}

/** The same store over a driver whose write statements fail while `armed` (a database failure mid-transaction). */
function failing(store: Store, armed: { on: boolean }): Store {
  const inner = store.driver;
  const driver: SqlDriver = {
    dialect: inner.dialect,
    transaction: <T>(work: (query: Query) => Promise<T>) =>
      inner.transaction((query) =>
        work((sql, params) => {
          // The append's chunk writes come after the run's row update inside one transaction.
          if (armed.on && sql.includes('attachment_pieces') && !sql.trimStart().startsWith('SELECT')) return Promise.reject(new Error('disk full (injected)'));
          return query(sql, params);
        }),
      ),
    close: () => inner.close(),
  };
  return { backend: store.backend, documents: new SqlStorage(driver), accounts: store.accounts, ingestions: new IngestLog(driver), driver, schemaVersion: () => store.schemaVersion(), ping: () => store.ping(), close: () => store.close() };
}

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

/** Each backend as a factory of a fresh database and of more connections to the same one. */
const backends: Array<{ name: string; fresh: () => { open: () => Promise<Store> }; connections: 'one' | 'two' }> = [
  {
    name: 'SQLite',
    // better-sqlite3 waits for another connection's lock synchronously: two connections of one
    // process cannot take turns (a second process can: BEGIN IMMEDIATE). Two runners share one here.
    connections: 'one',
    fresh: () => {
      const dir = makeTempDir('fieldline-anomaly-');
      dirs.push(dir);
      return { open: () => SqliteStore.open(dir) };
    },
  },
  {
    name: 'PostgreSQL',
    connections: 'two',
    fresh: () => {
      const schema = `anomaly_${++schemas}`;
      return { open: () => PostgresStore.open(postgres!.url, { schema, max: 2 }) };
    },
  },
];

describe.each(backends)('anomaly runner on $name', ({ fresh, connections }) => {
  it('scores split appends and a restart into exactly the one-pass scores, at the input times', async () => {
    const database = fresh();
    const input = signal(9000);
    let store = await database.open();
    await makeChannel(store);
    let runner = new AnomalyRunner(store, { batchSamples: 2500 });
    const cuts = [0, 1, 1700, 4100];
    for (let part = 0; part + 1 < cuts.length; part++) {
      await appendPart(store, input, cuts[part]!, cuts[part + 1]!);
      await runner.catchUp();
    }
    expect(runner.channels).toEqual([DERIVED]);
    // A restart: a new connection and a new runner go on from the stored row.
    await store.close();
    store = await database.open();
    await appendPart(store, input, 4100, 9000);
    runner = new AnomalyRunner(store, { batchSamples: 2500 });
    expect(await runner.catchUp()).toBe(4900);
    const derived = await output(store);
    expect(derived.values).toEqual(onePass(input));
    expect(derived.times).toEqual(input.times);
    expect(await runRow(store)).toMatchObject({ position: 9000 });
    // The channel document of alarms.md §3, and the array marked as the runner's.
    expect(await store.documents.get(DERIVED)).toEqual({
      type: 'channel',
      site: SITE,
      asset: 'asset/north/t1',
      source: 'source/t1',
      array: OUTPUT,
      field: 'speed/anomaly',
      title: 'Wind speed — anomaly score',
      unit: '',
      normal: { min: 0, max: 1 },
      derived: { kind: 'anomaly', from: CHANNEL },
    });
    expect((await ChannelArray.open(store.documents, OUTPUT)).meta).toMatchObject({ timing: 'explicit', producer: 'anomaly', site: SITE });
    await store.close();
  }, 60_000);

  it('scores in batches of at most batchSamples, one transaction each', async () => {
    const store = await fresh().open();
    const input = signal(3500);
    await makeChannel(store);
    await appendPart(store, input, 0, 3500);
    const runner = new AnomalyRunner(store, { batchSamples: 1000 });
    const passes: Array<{ scored: number; more: boolean; position: number | undefined; length: number }> = [];
    for (let pass = 0; pass < 5; pass++) {
      const result = await runner.runOnce();
      passes.push({ scored: result.scored, more: result.more, position: (await runRow(store))?.position, length: (await ChannelArray.open(store.documents, OUTPUT)).length });
    }
    expect(passes).toEqual([
      { scored: 1000, more: true, position: 1000, length: 1000 },
      { scored: 1000, more: true, position: 2000, length: 2000 },
      { scored: 1000, more: true, position: 3000, length: 3000 },
      { scored: 500, more: false, position: 3500, length: 3500 },
      { scored: 0, more: false, position: 3500, length: 3500 },
    ]);
    expect((await output(store)).values).toEqual(onePass(input));
    await store.close();
  }, 60_000);

  it('a transaction that fails after the row update leaves the row and the derived array as they were', async () => {
    const store = await fresh().open();
    const input = signal(3000);
    await makeChannel(store);
    await appendPart(store, input, 0, 1200);
    const armed = { on: false };
    const runner = new AnomalyRunner(failing(store, armed), { batchSamples: 1000 });
    await runner.catchUp();
    const before = { row: await runRow(store), output: await output(store) };
    expect(before.row).toEqual({ position: 1200, version: 2 });
    await appendPart(store, input, 1200, 3000);
    armed.on = true;
    await expect(runner.runOnce()).rejects.toThrow(/disk full/);
    // Read back through an untouched connection: nothing of the failed batch is there.
    expect(await runRow(store)).toEqual(before.row);
    expect(await output(store)).toEqual(before.output);
    armed.on = false;
    await runner.catchUp();
    expect((await output(store)).values).toEqual(onePass(input));
    expect(await runRow(store)).toEqual({ position: 3000, version: 4 });
    await store.close();
  }, 60_000);

  it('two runners on one database never append a sample twice', async () => {
    const database = fresh();
    const first = await database.open();
    const second = connections === 'two' ? await database.open() : first;
    const input = signal(12_000);
    await makeChannel(first);
    const runners = [new AnomalyRunner(first, { batchSamples: 700 }), new AnomalyRunner(second, { batchSamples: 700 })];
    for (const [from, to] of [[0, 5000], [5000, 12_000]] as const) {
      await appendPart(first, input, from, to);
      // Both at once, each from its own connection: they race for every batch.
      const scored = await Promise.all(runners.map((runner) => runner.catchUp()));
      // Every input sample was scored by exactly one of them (a loser rolled back); the last pass of either may find nothing left.
      expect(scored[0]! + scored[1]!).toBe(to - from);
    }
    const derived = await output(first);
    expect(derived.values.length).toBe(12_000);
    expect(derived.values).toEqual(onePass(input));
    expect(await runRow(second)).toMatchObject({ position: 12_000 });
    if (second !== first) await second.close();
    await first.close();
  }, 120_000);

  it('a channel chosen later (flagged, or targeted by a rule) is scored from its first sample', async () => {
    const store = await fresh().open();
    const input = signal(4000);
    await makeChannel(store, { flagged: false });
    await appendPart(store, input, 0, 4000);
    const runner = new AnomalyRunner(store, { rescanMs: 0 });
    await runner.catchUp();
    expect(runner.channels).toEqual([]);
    await expect(ChannelArray.open(store.documents, OUTPUT)).rejects.toMatchObject({ status: 404 });
    // A disabled rule chooses nothing; enabled, its template binds the channel (the asset's parent is a turbine).
    await store.documents.put('asset/north/t1', { type: 'asset', site: SITE, title: 'Nacelle', asset_type: 'nacelle', parent: 'asset/north/turbine-1' });
    await store.documents.put('asset/north/turbine-1', { type: 'asset', site: SITE, title: 'T1', asset_type: 'turbine' });
    const rule: Doc = { type: 'alarm_rule', site: SITE, title: 'Odd wind', enabled: false, target: { asset_type: 'turbine', field: 'speed' }, condition: { kind: 'all', conditions: [{ kind: 'threshold', direction: 'high', level: 30 }, { kind: 'anomaly', level: 0.8 }] }, severity: 'medium' };
    await store.documents.put('alarm_rule/odd-wind', rule);
    await runner.catchUp();
    expect(runner.channels).toEqual([]);
    await store.documents.put('alarm_rule/odd-wind', { ...rule, enabled: true });
    expect(await runner.catchUp()).toBe(4000);
    expect(runner.channels).toEqual([DERIVED]);
    expect((await output(store)).values).toEqual(onePass(input));
    await store.close();
  }, 60_000);

  it('scores a regular input (bulk history: runs of several spacings) at its computed times', async () => {
    const store = await fresh().open();
    const array = await ChannelArray.create(store.documents, INPUT, { timing: 'regular', site: SITE });
    await store.documents.put(CHANNEL, { type: 'channel', site: SITE, asset: 'asset/north/t1', source: 'source/t1', array: INPUT, field: 'speed', title: 'Wind speed', unit: 'm/s', anomaly: true });
    const values = signal(5000).values;
    const t0 = 1_760_000_000_000;
    // A backfill at one sample every 10 s, then 1 Hz, appended in pieces between passes.
    await array.append(values.slice(0, 3000), { runs: [{ offset: 0, t0, dt: 10_000 }, { offset: 2000, t0: t0 + 20_000_000, dt: 1000 }] });
    const runner = new AnomalyRunner(store, { batchSamples: 1234 });
    await runner.catchUp();
    await array.append(values.slice(3000), { t0: t0 + 20_000_000 + 1000 * 1000, dt: 1000 });
    await runner.catchUp();
    const times = await array.times(0, 5000);
    const derived = await output(store);
    expect(derived.times).toEqual(times);
    expect(derived.values).toEqual(scoreAnomaly(initAnomaly(), times, values).scores);
    // A regular input gets a regular derived array: its runs, no stored times (8 bytes a sample).
    const scores = await ChannelArray.open(store.documents, OUTPUT);
    expect(scores.meta.timing).toBe('regular');
    // (Sample 2000 is 10 s after 1999, so it may end the first run or start the second: same times.)
    expect(scores.meta.segments.map(({ dt }) => dt)).toEqual([10_000, 1000]);
    expect(Object.keys(await store.documents.allAttachments(OUTPUT)).filter((name) => name.startsWith('times/'))).toEqual([]);
    await store.close();
  }, 60_000);

  it('an input whose history changed is scored again from its first sample', async () => {
    const store = await fresh().open();
    const input = signal(3000);
    const array = await makeChannel(store);
    await array.append(input.values.slice(0, 2000), input.times.slice(0, 2000));
    const runner = new AnomalyRunner(store);
    await runner.catchUp();
    // A rebuild merges a late sample (between samples 1499 and 1500) already past the scored ones:
    // the input is rewritten from 1500 on, every later sample one index further.
    const merged = { times: new Float64Array(3001), values: new Float32Array(3001) };
    merged.times.set(input.times.subarray(0, 1500));
    merged.values.set(input.values.subarray(0, 1500));
    merged.times[1500] = input.times[1499]! + 30_000;
    merged.values[1500] = 75;
    merged.times.set(input.times.subarray(1500), 1501);
    merged.values.set(input.values.subarray(1500), 1501);
    const reopened = await ChannelArray.open(store.documents, INPUT);
    const rewrite = await reopened.prepareRewrite(1500, merged.values.slice(1500), merged.times.slice(1500));
    await store.documents.bulk(rewrite.writes);
    await runner.catchUp();
    const derived = await output(store);
    expect(derived.times).toEqual(merged.times);
    expect(derived.values).toEqual(onePass(merged));
    await store.close();
  }, 60_000);
});

describe('anomaly runner and the live bus', () => {
  it('finds appends no event told (another process) at its poll, while events of another channel keep coming', async () => {
    const dir = makeTempDir('fieldline-anomaly-poll-');
    dirs.push(dir);
    const store = await SqliteStore.open(dir);
    const live = new InProcessPublisher({ coalesceMs: 0 });
    const input = signal(1500);
    await makeChannel(store);
    // A second scored channel whose events come faster than the poll: each wakes a pass over that
    // channel only, and none may hold off the poll that finds the first channel's appends.
    await ChannelArray.create(store.documents, 'array/source/t2/speed', { timing: 'explicit', site: SITE });
    await store.documents.put('channel/source/t2/speed', { type: 'channel', site: SITE, asset: 'asset/north/t2', source: 'source/t2', array: 'array/source/t2/speed', field: 'speed', title: 'Wind speed', unit: 'm/s', anomaly: true });
    const runner = new AnomalyRunner(store, { live, pollMs: 200 });
    runner.start();
    await expect.poll(async () => (await runRow(store))?.position, { timeout: 10_000 }).toBe(0);
    const noise = setInterval(() => live.publish({ event: 'samples', data: { array: 'array/source/t2/speed', site: SITE, length: 0, last: { time: 0, value: 0 } } }), 20);
    try {
      await appendPart(store, input, 0, 1500);
      await expect.poll(async () => (await runRow(store))?.position, { timeout: 10_000 }).toBe(1500);
    } finally {
      clearInterval(noise);
    }
    expect((await output(store)).values).toEqual(onePass(input));
    await runner.stop();
    live.close();
    await store.close();
  }, 60_000);

  it('wakes at a samples event of its input and tells the derived append', async () => {
    const dir = makeTempDir('fieldline-anomaly-live-');
    dirs.push(dir);
    const store = await SqliteStore.open(dir);
    const live = new InProcessPublisher({ coalesceMs: 0 });
    const input = signal(2000);
    await makeChannel(store);
    // Polls once a minute: only the event can wake it within the test's bound.
    const runner = new AnomalyRunner(store, { live, pollMs: 60_000 });
    runner.start();
    await expect.poll(async () => (await runRow(store))?.position, { timeout: 10_000 }).toBe(0);
    const heard: unknown[] = [];
    const subscription = live.subscribe(undefined, () => {
      for (let entry = subscription.next(); entry; entry = subscription.next()) if ('message' in entry && entry.message.event === 'samples') heard.push(entry.message.data);
    });
    await appendPart(store, input, 0, 2000);
    live.publish({ event: 'samples', data: { array: INPUT, channel: CHANNEL, site: SITE, length: 2000, last: { time: input.times[1999]!, value: input.values[1999]! } } });
    await expect.poll(async () => (await runRow(store))?.position, { timeout: 10_000 }).toBe(2000);
    const scores = onePass(input);
    await expect.poll(() => heard.find((data) => (data as { array: string }).array === OUTPUT), { timeout: 10_000 }).toEqual({ array: OUTPUT, channel: DERIVED, site: SITE, length: 2000, last: { time: input.times[1999], value: scores[1999] } });
    subscription.close();
    await runner.stop();
    live.close();
    await store.close();
  }, 60_000);
});
