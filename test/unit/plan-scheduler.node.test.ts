// The preventive plan scheduler on both backends (a real SQLite file, a throwaway PostgreSQL):
// a calendar plan generates exactly the occurrences due within its lead, once, across a restart
// and with two schedulers racing over one database; a usage plan generates when the MWh or
// operating hours computed from the asset's channel (samples written through the arrays API)
// cross the multiple; a plan changed later only moves what is not generated yet.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { workOrderProblem, type MaintenancePlan, type WorkOrder } from '../../src/core';
import { PostgresStore, SqliteStore, projectRoot, type Store } from '../../src/server';
import { PlanScheduler } from '../../src/server/maintenance/plan-scheduler';
import type { Query, SqlDriver } from '../../src/server/store/sql/driver';
import { IngestLog } from '../../src/server/store/sql/ingest-log';
import { SqlStorage } from '../../src/server/store/sql/sql-storage';
import { makeTempDir } from '../support/temp-dir';
import { startPostgres, type Postgres } from '../support/postgres';

const SITE = 'site/north';
const DAY = 86_400_000;
const HOUR = 3_600_000;
/** 2026-12-02T08:00Z: the tests' "now". */
const NOW = Date.UTC(2026, 11, 2, 8);

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

/** Each backend as a factory of a fresh database: more connections to it, and the environment a child process reaches it with. */
const backends: Array<{ name: string; fresh: () => { open: () => Promise<Store>; env: Record<string, string> }; connections: 'one' | 'two' }> = [
  {
    name: 'SQLite',
    // better-sqlite3 waits for another connection's lock synchronously: two schedulers of one process share one connection here.
    connections: 'one',
    fresh: () => {
      const dir = makeTempDir('fieldline-plans-');
      dirs.push(dir);
      return { open: () => SqliteStore.open(dir), env: { DATA_DIR: dir } };
    },
  },
  {
    name: 'PostgreSQL',
    connections: 'two',
    fresh: () => {
      const schema = `plans_${++schemas}`;
      return { open: () => PostgresStore.open(postgres!.url, { schema, max: 2 }), env: { DATABASE_URL: postgres!.url, PG_SCHEMA: schema } };
    },
  },
];

async function twoTurbines(store: Store): Promise<void> {
  for (const name of ['t1', 't2']) await store.documents.put(`asset/north/${name}`, { type: 'asset', site: SITE, title: `Turbine ${name}`, asset_type: 'turbine' });
  await store.documents.put('asset/north/m1', { type: 'asset', site: SITE, title: 'Met mast', asset_type: 'met_mast' });
  await store.documents.put('asset/south/t9', { type: 'asset', site: 'site/south', title: 'Turbine elsewhere', asset_type: 'turbine' });
}

const oilCheck: MaintenancePlan = {
  type: 'maintenance_plan',
  site: SITE,
  title: 'Gearbox oil check',
  target: { asset_type: 'turbine' },
  trigger: { kind: 'calendar', every_days: 10, start: '2026-12-02' },
  lead_days: 25,
  checklist: [
    { id: 'oil-level', label: 'Oil level', kind: 'value', unit: '%', min: 40, max: 90, field: 'oil_level' },
    { id: 'leaks', label: 'No leaks', kind: 'pass_fail' },
  ],
  priority: 'high',
  estimated_hours: 1.5,
  assignee: 'tech1',
};

/** Every plan-generated work order, by id. */
async function planWorkOrders(store: Store): Promise<Map<string, WorkOrder>> {
  const rows = await store.driver.transaction((query) => query("SELECT id, doc FROM documents WHERE substr(id, 1, 16) = 'work_order/plan/' AND deleted = ? ORDER BY id", [false]));
  return new Map(rows.map((row) => [String(row.id), JSON.parse(String(row.doc)) as WorkOrder]));
}

/** The same store over a driver whose document writes fail while `armed` (a database failure after the run row's write, in the same transaction). */
function failing(store: Store, armed: { on: boolean }): Store {
  const inner = store.driver;
  const driver: SqlDriver = {
    dialect: inner.dialect,
    transaction: <T>(work: (query: Query) => Promise<T>) =>
      inner.transaction((query) =>
        work((sql, params) => {
          if (armed.on && sql.startsWith('INSERT INTO documents')) return Promise.reject(new Error('disk full (injected)'));
          return query(sql, params);
        }),
      ),
    close: () => inner.close(),
  };
  return { backend: store.backend, documents: new SqlStorage(driver), accounts: store.accounts, ingestions: new IngestLog(driver), driver, schemaVersion: () => store.schemaVersion(), ping: () => store.ping(), close: () => store.close() };
}

describe.each(backends)('plan scheduler on $name', ({ fresh, connections }) => {
  it('a calendar plan generates the occurrences due within its lead, once, across a restart', async () => {
    const database = fresh();
    let store = await database.open();
    await twoTurbines(store);
    await store.documents.put('maintenance_plan/oil', oilCheck as never);
    let clock = NOW;
    let scheduler = new PlanScheduler(store, { now: () => clock });
    const first = await scheduler.runOnce();
    // Due 12-02, 12-12, 12-22 are within 25 days; 2027-01-01 is not. Turbines of site/north only.
    expect(first.generated.sort()).toEqual(['work_order/plan/oil/t1/1', 'work_order/plan/oil/t1/2', 'work_order/plan/oil/t1/3', 'work_order/plan/oil/t2/1', 'work_order/plan/oil/t2/2', 'work_order/plan/oil/t2/3']);
    const orders = await planWorkOrders(store);
    expect([...orders.values()].map((order) => order.due)).toEqual(['2026-12-02', '2026-12-12', '2026-12-22', '2026-12-02', '2026-12-12', '2026-12-22']);
    const order = orders.get('work_order/plan/oil/t1/2')!;
    expect(workOrderProblem(order)).toBeUndefined();
    expect(order).toMatchObject({
      type: 'work_order',
      site: SITE,
      asset: 'asset/north/t1',
      title: 'Gearbox oil check',
      kind: 'preventive',
      status: 'assigned',
      assignee: 'tech1',
      priority: 'high',
      estimated_hours: 1.5,
      plan: { id: 'maintenance_plan/oil', occurrence: 2 },
      checklist: oilCheck.checklist,
      created_by: 'fieldline',
    });
    expect(order.history).toEqual([expect.objectContaining({ action: 'created', by: 'fieldline' })]);
    expect((await scheduler.runOnce()).generated).toEqual([]);

    // A restart: a new connection and scheduler go on from the stored rows.
    await store.close();
    store = await database.open();
    scheduler = new PlanScheduler(store, { now: () => clock });
    expect((await scheduler.runOnce()).generated).toEqual([]);
    // Ten days on, the next date enters the lead (one per turbine).
    clock += 10 * DAY;
    expect((await scheduler.runOnce()).generated.sort()).toEqual(['work_order/plan/oil/t1/4', 'work_order/plan/oil/t2/4']);
    const beforeChange = await planWorkOrders(store);
    expect(beforeChange.get('work_order/plan/oil/t1/4')!.due).toBe('2027-01-01');

    // The plan changed (every 7 days, no assignee): generated work orders stay as they were; the next follows the new numbers.
    const changed: MaintenancePlan = { ...oilCheck };
    delete changed.assignee;
    await store.documents.put('maintenance_plan/oil', { ...changed, trigger: { kind: 'calendar', every_days: 7, start: '2026-12-02' }, title: 'Oil check (weekly)' } as never);
    const after = await scheduler.runOnce();
    // From 2026-12-02 every 7 days, after 2027-01-01: 01-06 … 01-06 is within 25 days of 12-12.
    expect(after.generated.sort()).toEqual(['work_order/plan/oil/t1/5', 'work_order/plan/oil/t2/5']);
    const orders2 = await planWorkOrders(store);
    expect(orders2.get('work_order/plan/oil/t1/5')).toMatchObject({ due: '2027-01-06', title: 'Oil check (weekly)', status: 'open' });
    for (const [id, before] of beforeChange) expect(orders2.get(id)).toEqual(before);
    expect(orders2.size).toBe(10);
    await store.close();
  }, 60_000);

  it('two schedulers racing over one database generate each occurrence once', async () => {
    const database = fresh();
    const one = await database.open();
    const two = connections === 'two' ? await database.open() : one;
    await twoTurbines(one);
    await one.documents.put('maintenance_plan/oil', oilCheck as never);
    // Both prepare their writes before either commits: the barrier lets them go together.
    let waiting: Array<() => void> = [];
    const barrier = () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === 2) {
          for (const go of waiting) go();
          waiting = [];
        }
      });
    const schedulers = [one, two].map((store) => new PlanScheduler(store, { now: () => NOW, beforeCommit: barrier }));
    const passes = await Promise.all(schedulers.map((scheduler) => scheduler.runOnce()));
    const generated = passes.flatMap((pass) => pass.generated);
    expect(generated.sort()).toEqual(['work_order/plan/oil/t1/1', 'work_order/plan/oil/t1/2', 'work_order/plan/oil/t1/3', 'work_order/plan/oil/t2/1', 'work_order/plan/oil/t2/2', 'work_order/plan/oil/t2/3']);
    // The loser of each race read the winner's row and found nothing left to do.
    expect(schedulers[0]!.counters.raced + schedulers[1]!.counters.raced).toBeGreaterThanOrEqual(2);
    expect((await planWorkOrders(one)).size).toBe(6);
    if (two !== one) await two.close();
    await one.close();
  }, 60_000);

  it('two real processes generating at once over one database: each work order once', async () => {
    const database = fresh();
    const store = await database.open();
    await twoTurbines(store);
    await store.documents.put('maintenance_plan/oil', oilCheck as never);
    // A usage backlog too (30 000 samples, 60 batches each), so the two take turns over many commits.
    const array = await ChannelArray.create(store.documents, 'array/north/t1/power', { timing: 'regular', site: SITE });
    await store.documents.put('channel/north/t1/power', { type: 'channel', site: SITE, asset: 'asset/north/t1', source: 'source/north/t1', array: 'array/north/t1/power', title: 'Active power', field: 'power', unit: 'kW', rate: 0.1 });
    await array.append(new Float32Array(30_000).fill(2000), { t0: NOW - 30_000 * 10_000, dt: 10_000 });
    await store.documents.put('maintenance_plan/inspection', { ...oilCheck, title: 'Inspection', trigger: { kind: 'usage', measure: 'energy_mwh', every: 50, field: 'power' }, lead_days: 0 } as never);
    try {
      const children = [0, 1].map(() => spawn(process.execPath, ['--import', 'tsx', 'test/support/plan-scheduler-child.ts'], { cwd: projectRoot, env: { ...process.env, ...database.env, PLAN_NOW: String(NOW), PLAN_BATCH: '500' }, stdio: ['ignore', 'pipe', 'pipe'] }));
      const outputs = children.map((child) => {
        let output = '';
        child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        return () => output;
      });
      const codes = await Promise.all(children.map(async (child) => ((await once(child, 'exit')) as [number | null])[0]));
      expect(codes, outputs.map((output) => output()).join('\n')).toEqual([0, 0]);
      const results = outputs.map((output) => JSON.parse(/caught up (\{.*\})/.exec(output())![1]!) as { generated: string[]; commits: number });
      // 29 999 intervals of 10 s at 2 MW ≈ 166.7 MWh: the latest mark reached is 150 (one work order), plus the oil checks.
      const expected = ['work_order/plan/inspection/t1/1', ...['t1', 't2'].flatMap((turbine) => [1, 2, 3].map((n) => `work_order/plan/oil/${turbine}/${n}`))];
      expect(results.flatMap((result) => result.generated).sort()).toEqual(expected);
      expect([...(await planWorkOrders(store)).keys()]).toEqual(expected);
      const runs = await new PlanScheduler(store).runs();
      expect(runs.find((run) => run.plan === 'maintenance_plan/inspection' && run.asset === 'asset/north/t1')!.state).toMatchObject({ generated: 1, last_mark: 150 });
      // The steps both processes committed add up to the rows' versions: none was committed twice.
      expect(results[0]!.commits + results[1]!.commits).toBe(runs.reduce((total, run) => total + run.version, 0));
    } finally {
      await store.close();
    }
  }, 120_000);

  it('a transaction that fails after the run row is written leaves no row and no work order; the next pass makes each once', async () => {
    const store = await fresh().open();
    await twoTurbines(store);
    await store.documents.put('maintenance_plan/oil', oilCheck as never);
    const armed = { on: true };
    const scheduler = new PlanScheduler(failing(store, armed), { now: () => NOW });
    await expect(scheduler.runOnce()).rejects.toThrow(/disk full/);
    expect(await scheduler.runs()).toEqual([]);
    expect((await planWorkOrders(store)).size).toBe(0);
    armed.on = false;
    expect((await scheduler.runOnce()).generated).toHaveLength(6);
    expect((await scheduler.runOnce()).generated).toEqual([]);
    expect((await planWorkOrders(store)).size).toBe(6);
    expect((await scheduler.runs()).map((run) => [run.asset, run.state.generated, run.version])).toEqual([
      ['asset/north/t1', 3, 1],
      ['asset/north/t2', 3, 1],
    ]);
    await store.close();
  }, 60_000);

  it('a usage plan generates when the MWh computed from the power channel cross the multiple', async () => {
    const store = await fresh().open();
    await twoTurbines(store);
    // t1's power in kW, one sample every 10 s (rate 0.1/s); t2 has no power channel.
    const array = await ChannelArray.create(store.documents, 'array/north/t1/power', { timing: 'explicit', site: SITE });
    await store.documents.put('channel/north/t1/power', { type: 'channel', site: SITE, asset: 'asset/north/t1', source: 'source/north/t1', array: 'array/north/t1/power', title: 'Active power', field: 'power', unit: 'kW', rate: 0.1 });
    const plan: MaintenancePlan = { ...oilCheck, title: 'Inspection', trigger: { kind: 'usage', measure: 'energy_mwh', every: 4, field: 'power' }, lead_days: 0 };
    delete plan.assignee;
    await store.documents.put('maintenance_plan/inspection', plan as never);
    /** `hours` of constant `kw` from `from`, every 10 s. */
    const append = async (from: number, hours: number, kw: number) => {
      const count = (hours * HOUR) / 10_000;
      const times = Float64Array.from({ length: count }, (_, index) => from + index * 10_000);
      await array.append(new Float32Array(count).fill(kw), times);
      return from + count * 10_000;
    };
    const start = NOW - 20 * HOUR;
    // 3.5 h at 1 MW (≈ 3.5 MWh), a 2-hour hole (counts nothing), then 0.4 h more: 3.9 MWh, under 4.
    let end = await append(start, 3.5, 1000);
    end = await append(end + 2 * HOUR, 0.4, 1000);
    const scheduler = new PlanScheduler(store, { now: () => NOW, batchSamples: 500 });
    const firstPasses = await scheduler.catchUp();
    expect(firstPasses).toEqual([]);
    const problems = (await scheduler.runOnce()).problems;
    expect(problems).toEqual([{ planId: 'maintenance_plan/inspection', problem: 'asset/north/t2 has no channel of field "power"' }]);
    // 0.2 h more crosses 4 MWh: generated once, due today.
    await append(end, 0.2, 1000);
    expect(await scheduler.catchUp()).toEqual(['work_order/plan/inspection/t1/1']);
    expect((await planWorkOrders(store)).get('work_order/plan/inspection/t1/1')).toMatchObject({ due: '2026-12-02', kind: 'preventive', plan: { id: 'maintenance_plan/inspection', occurrence: 1 }, status: 'open' });
    expect(await scheduler.catchUp()).toEqual([]);
    // The row holds the positions read and the usage so far.
    const [run] = (await scheduler.runs()).filter((row) => row.asset === 'asset/north/t1');
    expect(run!.positions).toEqual({ 'array/north/t1/power': array.length });
    // 1 474 intervals of 10 s at 1 MW (the hole's 2 hours count nothing).
    expect(run!.state.usage!.state.total).toBeCloseTo(4.0944, 3);
    expect(run!.state).toMatchObject({ generated: 1, last_mark: 4 });
    await store.close();
  }, 60_000);

  it('usage is read incrementally whatever the appends, and counted again when the history is rewritten', async () => {
    const store = await fresh().open();
    await twoTurbines(store);
    const array = await ChannelArray.create(store.documents, 'array/north/t1/power', { timing: 'explicit', site: SITE });
    await store.documents.put('channel/north/t1/power', { type: 'channel', site: SITE, asset: 'asset/north/t1', source: 'source/north/t1', array: 'array/north/t1/power', title: 'Active power', field: 'power', unit: 'MW', rate: 0.1 });
    await store.documents.put('maintenance_plan/inspection', { ...oilCheck, trigger: { kind: 'usage', measure: 'energy_mwh', every: 100, field: 'power' }, lead_days: 0 } as never);
    const scheduler = new PlanScheduler(store, { now: () => NOW, batchSamples: 700 });
    const total = async () => (await scheduler.runs()).find((run) => run.asset === 'asset/north/t1')!.state.usage!.state.total;
    // 2 000 samples 10 s apart at 1 MW, appended in three parts with passes between: 1 999 intervals.
    const times = Float64Array.from({ length: 2000 }, (_, index) => NOW - DAY + index * 10_000);
    for (const [from, to] of [[0, 1], [1, 1234], [1234, 2000]] as const) {
      await array.append(new Float32Array(to - from).fill(1), times.slice(from, to));
      await scheduler.catchUp();
    }
    expect(await total()).toBeCloseTo((1999 * 10) / 3600, 9);
    // The history rewritten (cut back, then other values): counted again from the first sample.
    await array.truncate(1000);
    await array.append(new Float32Array(500).fill(2), times.slice(1000, 1500));
    await scheduler.catchUp();
    expect(await total()).toBeCloseTo((999 * 10 + 2 * 499 * 10 + 1.5 * 10) / 3600, 9);
    await store.close();
  }, 60_000);

  it('a usage plan on operating hours counts time above the threshold and forecasts within the lead', async () => {
    const store = await fresh().open();
    await twoTurbines(store);
    const array = await ChannelArray.create(store.documents, 'array/north/t2/rotor', { timing: 'regular', site: SITE });
    await store.documents.put('channel/north/t2/rotor_speed', { type: 'channel', site: SITE, asset: 'asset/north/t2', source: 'source/north/t2', array: 'array/north/t2/rotor', title: 'Rotor speed', field: 'rotor_speed', unit: 'rpm', rate: 1 / 60 });
    // Three days, one sample a minute: 12 rpm half of each day, 2 rpm (idling, under 5) the rest: 36 operating hours.
    const count = 3 * 24 * 60;
    const values = Float32Array.from({ length: count }, (_, index) => (index % 1440 < 720 ? 12 : 2));
    await array.append(values, { t0: NOW - 3 * DAY, dt: 60_000 });
    const plan: MaintenancePlan = { ...oilCheck, title: 'Main bearing regreasing', trigger: { kind: 'usage', measure: 'operating_hours', every: 40, field: 'rotor_speed', threshold: 5 }, lead_days: 1 };
    await store.documents.put('maintenance_plan/regrease', plan as never);
    const scheduler = new PlanScheduler(store, { now: () => NOW, batchSamples: 1000 });
    // 36 h done, 12 h a day: the 40 h mark is 8 h away, within the 1-day lead.
    expect(await scheduler.catchUp()).toEqual(['work_order/plan/regrease/t2/1']);
    const [run] = await scheduler.runs();
    expect(run!.state.usage!.state.total).toBeCloseTo(36, 1);
    expect((await planWorkOrders(store)).get('work_order/plan/regrease/t2/1')).toMatchObject({ due: '2026-12-03', plan: { occurrence: 1 } });
    await store.close();
  }, 60_000);
});
