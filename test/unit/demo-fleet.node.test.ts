/**
 * The simulated fleet run by a real server (SQLite, the forward protocol over loopback): what it
 * writes on a first start (sites, assets, sources bound to assets, channels, the history the plan
 * says, ground truth), that it streams live, that a restart resumes without duplicates or gaps,
 * that its bulk-written arrays cannot be rebuilt away, and that DATABASE_URL keeps it off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { fleetDefinition } from '../../src/server/demo/fleet';
import { DEFAULT_SEED, DemoFleet } from '../../src/server/demo/demo-fleet';
import { InProcessPublisher } from '../../src/server/live/publisher';
import { RECENT_MS, bulkBursts, bulkRuns, sourceSamples, timesOf, BURST_SAMPLES } from '../../src/server/demo/plan';
import { faultKinds } from '../../src/core/model';
import { startTestServer, type TestServer } from '../support/server-session';
import { startPostgres, type Postgres } from '../support/postgres';
import { ForwardClient } from '../../src/server/demo/forward-client';
import { Sources } from '../../src/server/ingest/sources';

const DAYS = '0.02'; // 28.8 minutes of history
const fleet = fleetDefinition(DEFAULT_SEED);

interface Registered {
  id: string;
  tag: string;
  site: string;
  asset: string;
  fields: Record<string, { title?: string; unit?: string; rate?: number; normal?: { min?: number; max?: number }; anomaly?: boolean }>;
  events_stored: number;
}

describe('the simulated fleet on a server (SQLite, forward protocol over loopback)', () => {
  let test: TestServer;
  let token: string;
  const api = async (path: string, init: RequestInit = {}) => fetch(`${test.server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
  const sources = async (): Promise<Registered[]> => ((await (await api('/api/sources')).json()) as { sources: Registered[] }).sources;
  const array = (source: Registered, field: string) => ChannelArray.open(test.server.store.documents, `array/${source.id}/${field}`);
  const byKey = async (key: string): Promise<Registered> => (await sources()).find((source) => source.tag === fleet.sources.find((def) => def.key === key)!.tag)!;

  beforeAll(async () => {
    test = await startTestServer({ DEMO: '1', DEMO_DAYS: DAYS, DEMO_YEARS: '3' });
    await test.server.fleet!.start();
    token = await test.login('admin', 'correct horse battery');
  }, 60_000);
  afterAll(() => test?.stop(), 30_000);

  it('writes the sites, the assets with their parents, and says so in GET /api', async () => {
    expect(((await (await api('/api')).json()) as { demo: boolean }).demo).toBe(true);
    const site = await test.server.store.documents.get('site/north-sea-wind');
    expect(site).toMatchObject({ type: 'site', title: 'North Sea Wind', kind: 'wind_farm', simulated: true });
    expect(await test.server.store.documents.get('site/sunfield-solar')).toMatchObject({ type: 'site', kind: 'solar_plant', simulated: true });
    expect(await test.server.store.documents.get('asset/north-sea-wind/t03-main-bearing')).toMatchObject({ type: 'asset', site: 'site/north-sea-wind', title: 'T03 main bearing', parent: 'asset/north-sea-wind/t03-gearbox', simulated: true });
    expect(await test.server.store.documents.get('asset/north-sea-wind/t03-gearbox')).toMatchObject({ parent: 'asset/north-sea-wind/t03', make: 'Kraftgetriebe' });
    expect(await test.server.store.documents.get('asset/sunfield-solar/inv02-s3')).toMatchObject({ parent: 'asset/sunfield-solar/inv02', asset_type: 'string' });
    const { rows } = await test.server.store.documents.allDocs({ query: 'type:asset', include_docs: false });
    expect(rows.length).toBe(fleet.assets.length);
  });

  it('registers its data sources bound to the assets, with channel metadata per field (in /api/sources), and channel documents with units and rates', async () => {
    const registered = await sources();
    expect(registered.length).toBe(fleet.sources.length);
    const scada = registered.find((source) => source.tag === 'demo.north-sea-wind.t01.scada')!;
    expect(scada).toMatchObject({ site: 'site/north-sea-wind', asset: 'asset/north-sea-wind/t01' });
    expect(scada.fields.power).toEqual({ title: 'Active power', unit: 'kW', rate: 1, normal: { min: 0, max: 3000 }, anomaly: true });
    const cms = registered.find((source) => source.tag === 'demo.north-sea-wind.t01.cms')!;
    expect(cms.asset).toBe('asset/north-sea-wind/t01-gearbox');
    expect(await test.server.store.documents.get(`channel/${cms.id}/acc_x`)).toMatchObject({ type: 'channel', site: 'site/north-sea-wind', asset: 'asset/north-sea-wind/t01-gearbox', source: cms.id, array: `array/${cms.id}/acc_x`, unit: 'g', rate: 1000, field: 'acc_x' });
    expect(await test.server.store.documents.get(`channel/${scada.id}/gearbox_temp`)).toMatchObject({ title: 'Gearbox bearing temperature', unit: '°C', rate: 1, normal: { min: 0, max: 75 } });
  });

  it('writes the history the plan says (1 Hz, the dropout left out; CMS bursts), with the values of the signal model', async () => {
    const schedule = test.server.fleet!.schedule!;
    const cut = schedule.liveFrom;
    // The history starts on a whole 10 s, DEMO_DAYS before the first start.
    expect(cut - schedule.start - Number(DAYS) * 86_400_000).toBeGreaterThanOrEqual(0);
    expect(cut - schedule.start - Number(DAYS) * 86_400_000).toBeLessThan(10_000);
    const registered = await sources();
    for (const def of fleet.sources) {
      const source = registered.find((candidate) => candidate.tag === def.tag)!;
      // The long history (DEMO_YEARS=3, the default; test servers ask for it) first: hourly, no CMS bursts in it.
      const expected = def.kind === 'cms' ? bulkBursts(schedule, schedule.longStart - 1, cut).length * BURST_SAMPLES : timesOf(bulkRuns(schedule, def, schedule.longStart - 1, cut, cut - RECENT_MS)).length;
      expect(expected).toBeGreaterThan(0);
      for (const field of Object.keys(def.fields)) {
        const stored = await array(source, field);
        const times = await stored.times(0, stored.length);
        expect(times.filter((time) => time <= cut).length, `${def.key} ${field}`).toBe(expected);
      }
    }
    // The stored samples are the model's: a restart (or another server with the same seed) writes the same.
    const t02 = await byKey('t02.scada');
    const power = await array(t02, 'power');
    const { values, times } = await power.read(0, power.length);
    expect(values).toEqual(sourceSamples(schedule, fleet.sources.find((def) => def.key === 't02.scada')!, times).power);
    // Three years of hourly samples before the history, on whole hours.
    expect((schedule.start - schedule.longStart) / (365.25 * 86_400_000)).toBeCloseTo(3, 2);
    expect(times[0]).toBe(schedule.longStart);
    expect(times[1]! - times[0]!).toBe(3_600_000);
    // The dropout left a gap in T02's SCADA (inside the history) and nowhere else.
    expect(schedule.dropout.end).toBeLessThan(cut);
    const gaps = [...times].filter((time, index) => index > 0 && times[index - 1]! >= schedule.start && time - times[index - 1]! > 1000);
    expect(gaps.length).toBe(1);
    expect(gaps[0]).toBeGreaterThanOrEqual(schedule.dropout.end);
    expect([...times].some((time) => time >= schedule.dropout.start && time < schedule.dropout.end)).toBe(false);
    // The stuck sensor reads one value over its window, as stored.
    const t05 = await array(await byKey('t05.scada'), 'gearbox_temp');
    const stuck = await t05.read(0, t05.length);
    const inWindow = stuck.values.filter((_, index) => stuck.times[index]! >= schedule.stuck.start && stuck.times[index]! < schedule.stuck.end);
    expect(inWindow.length).toBeGreaterThan(60);
    expect(new Set(inWindow).size).toBe(1);
    // The failed string carries ~0 A from its failure on (in daylight as at night).
    const inv03 = await array(await byKey('inv03'), 's2_current');
    const failed = await inv03.read(0, inv03.length);
    expect(failed.values.filter((_, index) => failed.times[index]! >= schedule.stringFailure.start).every((current) => current < 0.05)).toBe(true);
  }, 60_000);

  it('writes ground truth documents listing all eight fault kinds with their times', async () => {
    const wind = (await test.server.store.documents.get('ground-truth/north-sea-wind')) as { type: string; seed: number; start: number; faults: Array<{ kind: string; start: number; end?: number; failure_at?: number; asset: string; channels: string[] }> };
    const solar = (await test.server.store.documents.get('ground-truth/sunfield-solar')) as typeof wind;
    expect(wind).toMatchObject({ type: 'simulation_truth', site: 'site/north-sea-wind', simulated: true, seed: DEFAULT_SEED, start: test.server.fleet!.schedule!.start });
    const faults = [...wind.faults, ...solar.faults];
    expect([...new Set(faults.map((fault) => fault.kind))].sort()).toEqual([...faultKinds].sort());
    for (const fault of faults) {
      expect(Number.isFinite(fault.start)).toBe(true);
      expect(fault.channels.length).toBeGreaterThan(0);
      await expect(test.server.store.documents.get(fault.asset)).resolves.toMatchObject({ type: 'asset' });
      for (const channel of fault.channels) await expect(test.server.store.documents.get(channel)).resolves.toMatchObject({ type: 'channel' });
    }
    const wear = faults.find((fault) => fault.kind === 'bearing_wear')!;
    expect(wear.failure_at).toBeGreaterThan(Date.now());
    // The main bearings' past lives: failed in the long history, each with its failure document.
    const schedule = test.server.fleet!.schedule!;
    const past = faults.filter((fault) => fault.kind === 'bearing_wear' && fault.failure_at! < schedule.start);
    expect(past.length).toBe(schedule.pastWear.length);
    expect(new Set(past.map((fault) => fault.asset)).size).toBe(6);
    for (const life of schedule.pastWear) {
      const id = `failure/demo-t0${life.turbine + 1}-${life.n}`;
      expect(await test.server.store.documents.get(id), id).toMatchObject({ type: 'failure', asset: `asset/north-sea-wind/t0${life.turbine + 1}-main-bearing`, mode: 'outer race defect', at: life.failureAt, simulated: true });
    }
    const { rows } = await test.server.store.documents.allDocs({ query: 'type:failure', include_docs: false });
    expect(rows.length).toBe(schedule.pastWear.length);
    expect(solar.faults.filter((fault) => fault.kind === 'performance_degradation').map((fault) => (fault as { rate_pct_per_year?: number }).rate_pct_per_year)).toEqual(schedule.pvDegradation);
  });

  it('writes the remaining-life model spec and alarm rules that judge no sample of the long history', async () => {
    expect(await test.server.store.documents.get('prediction_model/main-bearing')).toMatchObject({ type: 'prediction_model', asset_type: 'main_bearing', enabled: true, simulated: true });
    const stale = await test.server.store.documents.get('alarm_rule/demo-scada-stale');
    expect(stale).toMatchObject({ from: test.server.fleet!.schedule!.start });
  });

  it('streams live over the forward protocol: the arrays grow, as ingested events acknowledged', async () => {
    const met = await byKey('met');
    const irradiance = await array(met, 'irradiance');
    const before = irradiance.length;
    await expect.poll(async () => (await array(met, 'irradiance')).length, { timeout: 20_000, interval: 250 }).toBeGreaterThan(before + 2);
    expect((await byKey('met')).events_stored).toBeGreaterThan(0);
    expect(test.server.forward.stats.events).toBeGreaterThan(0);
    expect(test.server.fleet!.liveChunks).toBeGreaterThan(0);
  });

  it('refuses to rebuild a bulk-written array from the raw stream (it would lose the history), with a clear 409', async () => {
    const t01 = await byKey('t01.scada');
    // A late event (before the array's last sample), sent as an agent would: pending for a rebuild.
    const late = (await array(t01, 'power')).meta.last_time! - 5 * 60_000;
    const agent = new ForwardClient({ host: '127.0.0.1', port: test.server.forwardPort, tag: t01.tag });
    await agent.send([{ time: late, record: { power: 1 } }]);
    agent.close();
    const pending = (await (await api(`/api/sources/${encodeURIComponent(t01.id)}`)).json()) as { late_pending: number };
    expect(pending.late_pending).toBe(1);
    const before = (await array(t01, 'power')).length;
    const rebuild = await api(`/api/sources/${encodeURIComponent(t01.id)}/rebuild`, { method: 'POST', body: '{}' });
    expect(rebuild.status).toBe(409);
    expect(await rebuild.json()).toMatchObject({ error: 'conflict', detail: expect.stringContaining('history written in bulk') });
    expect((await array(t01, 'power')).length).toBeGreaterThanOrEqual(before);
  });
});

describe('the simulated fleet after a restart', () => {
  it('fills the gap since its last samples in bulk and streams on: every second once, none missing', async () => {
    const first = await startTestServer({ DEMO: '1', DEMO_DAYS: DAYS, DEMO_YEARS: '3' });
    await first.server.fleet!.start();
    const { start, longStart } = first.server.fleet!.schedule!;
    const tag = 'demo.north-sea-wind.t01.scada';
    // Live data arrived before the stop.
    const id = (await new Sources(first.server.store.driver).byTag(tag))!.id;
    const open = (server: TestServer) => ChannelArray.open(server.server.store.documents, `array/${id}/wind_speed`);
    const bulkEnd = first.server.fleet!.schedule!.liveFrom;
    await expect.poll(async () => (await open(first)).meta.last_time, { timeout: 20_000, interval: 250 }).toBeGreaterThan(bulkEnd + 1000);
    // The fleet's agents hang up as the server closes: the stop must not wait for them (it did, forever).
    await first.stop(true);
    const second = await startTestServer({ DEMO: '1', DEMO_DAYS: DAYS, DEMO_YEARS: '3' }, first.dataDir);
    try {
      await second.server.fleet!.start();
      expect(second.server.fleet!.bulk).toMatchObject({ firstStart: false });
      // The schedule is the first start's (read back from the ground truth), not a new one.
      expect(second.server.fleet!.schedule!.start).toBe(start);
      const resumedAt = (await open(second)).meta.last_time!;
      await expect.poll(async () => (await open(second)).meta.last_time, { timeout: 20_000, interval: 250 }).toBeGreaterThan(resumedAt + 1000);
      // Not one more sample of the long history: a restart only fills the gap.
      expect(second.server.fleet!.schedule!.longStart).toBe(longStart);
      const array = await open(second);
      const times = await array.times(0, array.length);
      const recent = [...times].filter((time) => time >= start);
      const steps = new Set(recent.slice(1).map((time, index) => time - recent[index]!));
      expect([...steps]).toEqual([1000]);
      expect(recent[0]).toBe(start);
      const long = [...times].filter((time) => time < start);
      expect(long[0]).toBe(longStart);
      expect(long.length).toBe(Math.ceil((start - longStart) / 3_600_000));
      expect(new Set(long.slice(1).map((time, index) => time - long[index]!))).toEqual(new Set([3_600_000]));
    } finally {
      await second.stop();
    }
  }, 90_000);
});

describe('the simulated fleet with DATABASE_URL (PostgreSQL)', () => {
  let postgres: Postgres;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(() => postgres?.stop());

  it('stays off unless DEMO=1: a production database never fills with invented data', async () => {
    const test = await startTestServer({ DATABASE_URL: postgres.url, DEMO: undefined });
    try {
      expect(test.server.fleet).toBeUndefined();
      const token = await test.login('admin', 'correct horse battery');
      expect(((await (await fetch(`${test.server.url}/api`, { headers: { authorization: `Bearer ${token}` } })).json()) as { demo: boolean }).demo).toBe(false);
      await expect(test.server.store.documents.get('site/north-sea-wind')).rejects.toMatchObject({ status: 404 });
    } finally {
      await test.stop();
    }
  }, 60_000);
});

describe('the simulated fleet and the live event bus', () => {
  it('announces what its bulk step appended, as ingest announces live appends (a chart open meanwhile follows)', async () => {
    const test = await startTestServer();
    const live = new InProcessPublisher({ coalesceMs: 0 });
    const subscription = live.subscribe(undefined, () => undefined);
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const demo = new DemoFleet({ store: test.server.store, forwardHost: '127.0.0.1', forwardPort: test.server.forwardPort, forwardSecurity: false, days: 0.005, log: quiet, live });
    try {
      await demo.start();
      const announced = new Map<string, { length: number; last: { time: number } }>();
      for (let entry = subscription.next(); entry; entry = subscription.next()) {
        if ('message' in entry && entry.message.event === 'samples') announced.set(entry.message.data.array, entry.message.data as { length: number; last: { time: number } });
      }
      const power = (await new Sources(test.server.store.driver).byTag('demo.north-sea-wind.t01.scada'))!;
      const stored = await ChannelArray.open(test.server.store.documents, `array/${power.id}/power`);
      const event = announced.get(stored.id);
      expect(event?.length).toBeGreaterThan(0);
      expect(event!.last.time).toBeLessThanOrEqual(stored.meta.last_time!);
    } finally {
      await demo.stop();
      live.close();
      await test.stop();
    }
  }, 60_000);
});
