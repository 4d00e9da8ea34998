// The server's degradation runner on both backends (a real SQLite file, a throwaway PostgreSQL):
// a synthetic inverter and met mast with a known loss per year, written as hourly samples over
// three years, give the degradation document within the bound and the daily indicator channel;
// each day is appended once across passes, restarts and two runners on one PostgreSQL; a pass
// with nothing new computes nothing; too little data writes no document and says so once.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { degradationArrayId, degradationChannelId, degradationId, type DegradationDoc } from '../../src/core';
import { PostgresStore, SqliteStore, type Store } from '../../src/server';
import { DegradationRunner } from '../../src/server/predict/degradation-runner';
import { startPostgres, type Postgres } from '../support/postgres';
import { makeTempDir } from '../support/temp-dir';

const SITE = 'site/sun';
const MET = 'asset/sun/met';
const INVERTER = 'asset/sun/inv01';
const YOUNG = 'asset/sun/inv02';
const TURBINE = 'asset/sun/t01';
const HOUR = 3_600_000;
const DAY = 86_400_000;
const START = Date.UTC(2023, 0, 1);
const YEARS = 3;
const HOURS = Math.round((YEARS * 365.25 * DAY) / HOUR);
const RATE = -0.9;
const WIND_RATE = -1.5;
/** Fast enough for a test; the default is 1000. */
const analysis = { resamples: 200 };

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
      const dir = makeTempDir('fieldline-degradation-');
      dirs.push(dir);
      return { open: () => SqliteStore.open(dir) };
    },
  },
  {
    name: 'PostgreSQL',
    connections: 'two',
    fresh: () => {
      const schema = `degradation_${++schemas}`;
      return { open: () => PostgresStore.open(postgres!.url, { schema, max: 2 }) };
    },
  },
];

/** A seeded uniform generator in [0, 1). */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hourly irradiance, module temperature and AC power of a plant losing `rate` %/yr, hours [from, to) of the series. */
function solar(from: number, to: number, rate = RATE, seed = 11): { irradiance: Float32Array; temperature: Float32Array; power: Float32Array } {
  const random = generator(seed + from);
  const count = to - from;
  const irradiance = new Float32Array(count);
  const temperature = new Float32Array(count);
  const power = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    const time = START + (from + k) * HOUR;
    const hour = ((time % DAY) + DAY) % DAY / HOUR + 0.5;
    const day = (time - START) / DAY;
    const season = 0.75 + 0.25 * Math.cos((2 * Math.PI * (day - 172)) / 365.25);
    const clouds = random() < 0.15 ? 0.3 + 0.4 * random() : 0.95 + 0.05 * random();
    const g = Math.max(0, Math.sin((Math.PI * (hour - 6)) / 12)) * 1000 * season * clouds;
    const t = 10 + 8 * season + 0.03 * g + 2 * (random() - 0.5);
    const years = (time - START) / (365.25 * DAY);
    irradiance[k] = g;
    temperature[k] = t;
    power[k] = g <= 0 ? 0 : 20 * (g / 1000) * (1 - 0.004 * (t - 25)) * (1 + (rate / 100) * years) * (1 + 0.01 * (random() - 0.5));
  }
  return { irradiance, temperature, power };
}

/** Hourly wind speed and power of a turbine losing `rate` %/yr on the partial-load part of its curve. */
function wind(from: number, to: number, rate = WIND_RATE, seed = 5): { speed: Float32Array; power: Float32Array } {
  const random = generator(seed + from);
  const count = to - from;
  const speed = new Float32Array(count);
  const power = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    const time = START + (from + k) * HOUR;
    const years = (time - START) / (365.25 * DAY);
    const v = Math.max(0, 3 + 12 * random() * random() + 3 * Math.sin((2 * Math.PI * (from + k)) / 97));
    const curve = v < 3 ? 0 : v > 12 ? 3000 : (3000 * (v - 3) ** 3) / 9 ** 3;
    speed[k] = v;
    power[k] = Math.min(3000, curve * (1 + (rate / 100) * years) * (1 + 0.02 * (random() - 0.5)));
  }
  return { speed, power };
}

async function channel(store: Store, asset: string, source: string, field: string, timing: 'regular' | 'explicit'): Promise<ChannelArray> {
  const array = await ChannelArray.create(store.documents, `array/${source}/${field}`, { timing, site: SITE });
  await store.documents.put(`channel/${source}/${field}`, { type: 'channel', site: SITE, asset, source, array: array.id, field, title: field });
  return array;
}

/** Appends hours [from, to) of a series to an array (regular: one run; explicit: the hours' times). */
async function appendHours(array: ChannelArray, values: Float32Array, from: number): Promise<void> {
  const times = Float64Array.from({ length: values.length }, (_, k) => START + (from + k) * HOUR);
  await array.append(values, array.meta.timing === 'regular' ? { t0: times[0]!, dt: HOUR } : times);
}

/** A met mast (explicit arrays, as ingestion writes them) and an inverter (a regular array, as the demo's). */
async function plant(store: Store, hours = HOURS): Promise<void> {
  await store.documents.put(MET, { type: 'asset', site: SITE, title: 'Met station', asset_type: 'met_mast' });
  await store.documents.put(INVERTER, { type: 'asset', site: SITE, title: 'Inverter INV01', asset_type: 'inverter' });
  const series = solar(0, hours);
  await appendHours(await channel(store, MET, 'source/met', 'irradiance', 'explicit'), series.irradiance, 0);
  await appendHours(await channel(store, MET, 'source/met', 'module_temp', 'explicit'), series.temperature, 0);
  await appendHours(await channel(store, INVERTER, 'source/inv01', 'ac_power', 'regular'), series.power, 0);
}

/** More hours of the plant, [from, to). */
async function more(store: Store, from: number, to: number): Promise<void> {
  const series = solar(from, to);
  await appendHours(await ChannelArray.open(store.documents, 'array/source/met/irradiance'), series.irradiance, from);
  await appendHours(await ChannelArray.open(store.documents, 'array/source/met/module_temp'), series.temperature, from);
  await appendHours(await ChannelArray.open(store.documents, 'array/source/inv01/ac_power'), series.power, from);
}

async function indicator(store: Store, asset = INVERTER): Promise<{ times: Float64Array; values: Float32Array }> {
  const array = await ChannelArray.open(store.documents, degradationArrayId(asset));
  return array.read(0, array.length);
}

async function seqOf(store: Store, id: string): Promise<number | undefined> {
  const [row] = await store.driver.transaction((query) => query('SELECT seq FROM documents WHERE id = ?', [id]));
  return row ? Number(row.seq) : undefined;
}

function increasingByDays(times: Float64Array): boolean {
  for (let k = 1; k < times.length; k++) if (!(times[k]! - times[k - 1]! >= DAY / 2)) return false;
  return true;
}

describe.each(backends)('degradation runner on $name', ({ fresh, connections }) => {
  it('computes a known PV rate from three years of hourly samples, and appends each day once across passes and a restart', async () => {
    const database = fresh();
    let store = await database.open();
    await plant(store);
    const runner = new DegradationRunner(store, { analysis, now: () => 1 });
    const first = await runner.runOnce();
    expect(first).toMatchObject({ assets: 1, computed: 1, written: [degradationId(INVERTER)], skipped: [] });
    const doc = (await store.documents.get(degradationId(INVERTER))) as unknown as DegradationDoc;
    expect(doc).toMatchObject({ type: 'degradation', site: SITE, asset: INVERTER, indicator: 'performance_ratio', method: 'year_on_year', confidence: 0.95, channel: degradationChannelId(INVERTER), computed_at: 1 });
    expect(Math.abs(doc.rate_pct_per_year - RATE)).toBeLessThanOrEqual(0.1);
    expect(doc.ci_low).toBeLessThanOrEqual(doc.rate_pct_per_year);
    expect(doc.ci_high).toBeGreaterThanOrEqual(doc.rate_pct_per_year);
    expect(doc.days_used).toBeGreaterThan(700);
    expect(doc.summary).toMatch(/^−0\.\d\d %\/yr \(−\d\.\d\d to −0\.\d\d\) over \d\.\d years, \d+ days$/);
    // The daily indicator: one value per usable day, in the derived channel of the runner.
    const days = await indicator(store);
    expect(days.values.length).toBe(doc.days_used);
    expect(first.days).toBe(doc.days_used);
    expect(increasingByDays(days.times)).toBe(true);
    expect((await ChannelArray.open(store.documents, degradationArrayId(INVERTER))).meta).toMatchObject({ timing: 'explicit', producer: 'degradation', site: SITE });
    expect(await store.documents.get(degradationChannelId(INVERTER))).toMatchObject({ type: 'channel', asset: INVERTER, array: degradationArrayId(INVERTER), derived: { kind: 'degradation', from: degradationId(INVERTER) } });

    // Nothing new: nothing computed, nothing written.
    const seq = await seqOf(store, degradationId(INVERTER));
    expect(await runner.runOnce()).toMatchObject({ computed: 0, written: [], days: 0 });
    // A restart computes once more and finds nothing to write.
    await store.close();
    store = await database.open();
    const restarted = new DegradationRunner(store, { analysis, now: () => 2 });
    expect(await restarted.runOnce()).toMatchObject({ computed: 1, written: [], days: 0 });
    expect(await seqOf(store, degradationId(INVERTER))).toBe(seq);
    expect((await indicator(store)).values.length).toBe(days.values.length);

    // Three more days: only those are appended, the document follows.
    await more(store, HOURS, HOURS + 72);
    const later = await restarted.runOnce();
    expect(later.computed).toBe(1);
    expect(later.days).toBeGreaterThanOrEqual(1);
    expect(later.days).toBeLessThanOrEqual(3);
    const after = await indicator(store);
    expect(after.values.length).toBe(days.values.length + later.days);
    expect(after.times.subarray(0, days.times.length)).toEqual(days.times);
    expect(after.values.subarray(0, days.values.length)).toEqual(days.values);
    expect(increasingByDays(after.times)).toBe(true);
    expect(((await store.documents.get(degradationId(INVERTER))) as unknown as DegradationDoc).days_used).toBe(doc.days_used + later.days);
    await store.close();
  }, 180_000);

  it('computes a turbine power-curve rate', async () => {
    const store = await fresh().open();
    await store.documents.put(TURBINE, { type: 'asset', site: SITE, title: 'Turbine T01', asset_type: 'turbine' });
    const series = wind(0, HOURS);
    await appendHours(await channel(store, TURBINE, 'source/t01', 'power', 'regular'), series.power, 0);
    await appendHours(await channel(store, TURBINE, 'source/t01', 'wind_speed', 'regular'), series.speed, 0);
    const pass = await new DegradationRunner(store, { analysis }).runOnce();
    expect(pass.written).toEqual([degradationId(TURBINE)]);
    const doc = (await store.documents.get(degradationId(TURBINE))) as unknown as DegradationDoc;
    expect(doc.indicator).toBe('power_curve_residual');
    expect(Math.abs(doc.rate_pct_per_year - WIND_RATE)).toBeLessThanOrEqual(0.3);
    await store.close();
  }, 180_000);

  it('writes no document with too little data, and says so once', async () => {
    const store = await fresh().open();
    await plant(store, 24 * 400);
    await store.documents.put(YOUNG, { type: 'asset', site: SITE, title: 'Inverter INV02', asset_type: 'inverter' });
    const said: string[] = [];
    const runner = new DegradationRunner(store, { analysis, log: { info: (_object, message) => said.push(message), warn: (_object, message) => said.push(`warn: ${message}`) } });
    const pass = await runner.runOnce();
    expect(pass.written).toEqual([]);
    expect(pass.skipped.map((skip) => skip.asset).sort()).toEqual([INVERTER, YOUNG]);
    expect(pass.skipped.find((skip) => skip.asset === YOUNG)?.reason).toBe('it has no ac_power channel');
    expect(await store.documents.stored(degradationId(INVERTER))).toBeUndefined();
    // A new day: looked at again, still too little, not said again.
    await more(store, 24 * 400, 24 * 401);
    expect((await runner.runOnce()).computed).toBe(1);
    await runner.runOnce();
    expect(said).toHaveLength(2);
    expect(said.every((message) => !message.startsWith('warn'))).toBe(true);
    expect(said.find((message) => message.includes(INVERTER))).toMatch(/no rate for asset\/sun\/inv01 yet/);
    await store.close();
  }, 120_000);

  it.runIf(connections === 'two')('two runners on one database append each day once', async () => {
    const database = fresh();
    const one = await database.open();
    const two = await database.open();
    await plant(one);
    const a = new DegradationRunner(one, { analysis });
    const b = new DegradationRunner(two, { analysis });
    const [first, second] = await Promise.all([a.runOnce(), b.runOnce()]);
    const doc = (await one.documents.get(degradationId(INVERTER))) as unknown as DegradationDoc;
    const days = await indicator(one);
    expect(days.values.length).toBe(doc.days_used);
    expect(first.days + second.days).toBe(doc.days_used);
    expect(increasingByDays(days.times)).toBe(true);
    await more(one, HOURS, HOURS + 48);
    const [third, fourth] = await Promise.all([a.runOnce(), b.runOnce()]);
    const after = await indicator(two);
    expect(after.values.length).toBe(days.values.length + third.days + fourth.days);
    expect(increasingByDays(after.times)).toBe(true);
    expect(after.values.length).toBe(((await two.documents.get(degradationId(INVERTER))) as unknown as DegradationDoc).days_used);
    await one.close();
    await two.close();
  }, 180_000);
});
