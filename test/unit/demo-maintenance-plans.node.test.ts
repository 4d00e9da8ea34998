// The demo's preventive plans: valid plan documents by asset type that reach every turbine and
// inverter (usage channels found, power in kW); the usage figures their comment claims, from the
// fleet's own signals through the usage kernels; and on a real server (SQLite, one day of
// history) the calendar plans' work orders generated, once, with an engineer's edit kept and a
// deleted plan back after a restart.
import { afterAll, describe, expect, it } from 'vitest';
import { energyMwh, maintenancePlanProblem, operatingHours, runKernel, type WorkOrder } from '../../src/core';
import { DEFAULT_SEED } from '../../src/server/demo/demo-fleet';
import { demoMaintenancePlans } from '../../src/server/demo/maintenance-plans';
import { INVERTERS, TURBINES, inverterSlug, turbineSlug } from '../../src/server/demo/fleet';
import { faultSchedule } from '../../src/server/demo/schedule';
import { inverterSamples } from '../../src/server/demo/solar';
import { scadaSamples } from '../../src/server/demo/wind';
import { planTargets } from '../../src/server/maintenance/plan-targets';
import { fleetDocuments } from '../support/demo-alarm-truth';
import { startTestServer, type TestServer } from '../support/server-session';

const DAY = 86_400_000;
const LIVE_FROM = Date.UTC(2026, 11, 2, 8);

describe('the demo maintenance plans', () => {
  it('are valid, simulated plan documents whose targets are every turbine and inverter, with their usage channels', () => {
    const plans = demoMaintenancePlans(LIVE_FROM);
    expect(plans.map((plan) => plan.id)).toEqual(['maintenance_plan/demo-gearbox-oil', 'maintenance_plan/demo-main-bearing-regreasing', 'maintenance_plan/demo-inverter-filters', 'maintenance_plan/demo-inverter-inspection']);
    for (const { id, doc } of plans) expect(maintenancePlanProblem(doc), id).toBeUndefined();
    const { channels, assets } = fleetDocuments(DEFAULT_SEED);
    const { targets, problems } = planTargets(plans as never, assets as never, channels as never);
    expect(problems).toEqual([]);
    const turbines = assets.filter((asset) => asset.doc.asset_type === 'turbine').length;
    const inverters = assets.filter((asset) => asset.doc.asset_type === 'inverter').length;
    expect(targets.length).toBe(2 * turbines + 2 * inverters);
    expect(targets.every((target) => target.problem === undefined)).toBe(true);
    const usage = targets.filter((target) => target.usage);
    expect(new Set(usage.map((target) => `${target.usage!.kernel} ${JSON.stringify(target.usage!.params)}`))).toEqual(new Set(['operating_hours {"threshold":3,"max_gap_s":60}', 'energy_mwh {"unit":"kW","max_gap_s":60}']));
    // The calendar plans start on the live data's first day and ten days after.
    expect(plans.map(({ doc }) => (doc.trigger.kind === 'calendar' ? doc.trigger.start : doc.trigger.measure))).toEqual(['2026-12-02', 'operating_hours', '2026-12-12', 'energy_mwh']);
  });

  it('usage as the comment says: a December month of history reaches the 1.5 MWh inspection on every inverter; turbines run most hours', () => {
    const schedule = faultSchedule(DEFAULT_SEED, LIVE_FROM - 30 * DAY, LIVE_FROM);
    // One sample a minute is plenty for a month's energy (and six times faster to simulate than 10 s).
    const times = Float64Array.from({ length: (30 * DAY) / 60_000 }, (_, index) => schedule.start + index * 60_000);
    for (let inverter = 0; inverter < INVERTERS; inverter++) {
      const mwh = runKernel(energyMwh, energyMwh.params({ unit: 'kW', max_gap_s: 120 }), [{ values: inverterSamples(DEFAULT_SEED, schedule, inverter, times).ac_power!, times, offset: 0 }]);
      expect(mwh, `inverter ${inverter}`).toBeGreaterThan(1.5);
      expect(mwh).toBeLessThan(3);
    }
    // Two days of a turbine's rotor speed: above 3 rpm most of the time, so regreasing is counted
    // (and 2 000 hours, at most 24 a day, lie beyond any month of history plus the 14-day lead).
    const twoDays = times.subarray(times.length - (2 * DAY) / 60_000);
    const hours = runKernel(operatingHours, operatingHours.params({ threshold: 3, max_gap_s: 120 }), [{ values: scadaSamples(DEFAULT_SEED, schedule, 0, twoDays).rotor_speed!, times: twoDays, offset: 0 }]);
    expect(hours).toBeGreaterThan(24);
  });
});

describe('the demo plans on a real server (SQLite, one day of history)', () => {
  let test: TestServer;
  afterAll(async () => {
    await test?.stop();
  });

  const orders = async (): Promise<Map<string, WorkOrder>> => {
    const rows = await test.server.store.driver.transaction((query) => query("SELECT id, doc FROM documents WHERE substr(id, 1, 21) = 'work_order/plan/demo-' AND deleted = ? ORDER BY id", [false]));
    return new Map(rows.map((row) => [String(row.id), JSON.parse(String(row.doc)) as WorkOrder]));
  };

  it('generates the gearbox oil checks (due on the first day) and the inverter filter cleaning (ten days on); a restart keeps an edit and brings a deleted plan back', async () => {
    test = await startTestServer({ DEMO: '1', DEMO_DAYS: '1', ALARMS: '0', MAINTENANCE_POLL_MS: '1000' });
    await test.server.fleet!.start();
    const first = new Date(test.server.fleet!.schedule!.liveFrom).toISOString().slice(0, 10);
    const tenDaysOn = new Date(test.server.fleet!.schedule!.liveFrom + 10 * DAY).toISOString().slice(0, 10);
    await expect.poll(async () => (await orders()).size, { timeout: 60_000, interval: 500 }).toBe(TURBINES + INVERTERS);
    const generated = await orders();
    const oil = [...generated].filter(([id]) => id.startsWith('work_order/plan/demo-gearbox-oil/'));
    expect(oil.map(([id]) => id)).toEqual(Array.from({ length: TURBINES }, (_, index) => `work_order/plan/demo-gearbox-oil/${turbineSlug(index)}/1`));
    expect(oil.every(([, order]) => order.due === first && order.checklist?.[0]?.field === 'gearbox_oil_level')).toBe(true);
    const filters = [...generated].filter(([id]) => id.startsWith('work_order/plan/demo-inverter-filters/'));
    expect(filters.map(([id]) => id)).toEqual(Array.from({ length: INVERTERS }, (_, index) => `work_order/plan/demo-inverter-filters/${inverterSlug(index)}/1`));
    expect(filters.every(([, order]) => order.due === tenDaysOn && order.kind === 'preventive')).toBe(true);

    const [oilPlan, , filterPlan] = demoMaintenancePlans(0);
    await test.server.store.documents.put(oilPlan!.id, { ...(await test.server.store.documents.get(oilPlan!.id)), title: 'Gearbox oil check (tuned)' });
    await test.server.store.documents.remove(filterPlan!.id);
    const dataDir = test.dataDir;
    await test.stop(true);
    test = await startTestServer({ DEMO: '1', DEMO_DAYS: '1', ALARMS: '0', MAINTENANCE_POLL_MS: '1000' }, dataDir);
    await test.server.fleet!.start();
    expect(await test.server.store.documents.get(oilPlan!.id)).toMatchObject({ title: 'Gearbox oil check (tuned)' });
    expect(await test.server.store.documents.get(filterPlan!.id)).toMatchObject({ title: 'Filter and fan cleaning', simulated: true });
    // The restarted scheduler has run a pass over the plans (its rows are there) and made nothing twice.
    await expect.poll(async () => (await test.server.store.driver.transaction((query) => query('SELECT COUNT(*) AS n FROM maintenance_plan_runs')))[0]!.n, { timeout: 30_000 }).toBeGreaterThanOrEqual(TURBINES + INVERTERS);
    expect([...(await orders()).keys()]).toEqual([...generated.keys()]);
  }, 240_000);
});
