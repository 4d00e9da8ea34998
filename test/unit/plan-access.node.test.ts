// Preventive plans over HTTP on SQLite and PostgreSQL: engineers and admins write them (checked by
// maintenancePlanProblem: a 400 names the field), technicians may not; and the running server's
// plan scheduler (started with the server) generates the plan's work orders soon after it is written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

const today = new Date().toISOString().slice(0, 10);
const plan = {
  type: 'maintenance_plan',
  site: 'site/T07',
  title: 'Gearbox oil check',
  target: { asset_type: 'turbine' },
  trigger: { kind: 'calendar', every_days: 30, start: today },
  lead_days: 7,
  checklist: [{ id: 'oil', label: 'Oil level', kind: 'value', unit: '%', min: 40, max: 90, field: 'oil_level' }],
};

describe('MAINTENANCE_POLL_MS', () => {
  it('defaults to a minute and takes whole milliseconds from 1 000 to a day; anything else is refused by name', () => {
    expect(loadConfig({}, '/x').maintenancePollMs).toBe(60_000);
    expect(loadConfig({ MAINTENANCE_POLL_MS: '5000' }, '/x').maintenancePollMs).toBe(5000);
    for (const bad of ['999', '86400001', '1.5', 'soon', '-1000']) expect(() => loadConfig({ MAINTENANCE_POLL_MS: bad }, '/x'), bad).toThrow(ConfigError);
    expect(() => loadConfig({ MAINTENANCE_POLL_MS: '10' }, '/x')).toThrow(/MAINTENANCE_POLL_MS must be a whole number of milliseconds from 1000 to 86400000/);
  });
});

describe.each([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
])('maintenance plans on %s', (_name, env) => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);
  const detail = async (response: Response) => ((await response.json()) as { error: string; detail: string }).detail;
  const put = (who: string, id: string, doc: unknown) => call(who, 'PUT', `/api/docs/${encodeURIComponent(id)}`, doc);

  beforeAll(async () => {
    test = await startTestServer({ ...env(), DEMO: '0' });
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    tokens.eve = await test.addUser(tokens.admin, 'eve', 'engineer');
    tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/T07']);
    expect((await put('admin', 'site/T07', { type: 'site', title: 'T07' })).status).toBe(200);
    expect((await put('admin', 'asset/T07/t01', { type: 'asset', site: 'site/T07', title: 'T01', asset_type: 'turbine' })).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  it('technicians get 403; engineers write plans, checked (400 names the field)', async () => {
    expect((await put('tom', 'maintenance_plan/oil', plan)).status).toBe(403);
    const broken = await put('eve', 'maintenance_plan/oil', { ...plan, trigger: { kind: 'calendar', every_days: 0, start: today } });
    expect(broken.status).toBe(400);
    expect(await detail(broken)).toMatch(/maintenance plan "maintenance_plan\/oil": trigger.every_days/);
    expect((await put('eve', 'maintenance_plan/oil', plan)).status).toBe(200);
  });

  it("the server's scheduler generates the plan's first work order, readable by the site's technician", async () => {
    const id = 'work_order/plan/oil/t01/1';
    await expect
      .poll(async () => (await call('tom', 'GET', `/api/docs/${encodeURIComponent(id)}`)).status, { timeout: 20_000, interval: 200 })
      .toBe(200);
    const order = (await (await call('tom', 'GET', `/api/docs/${encodeURIComponent(id)}`)).json()) as Record<string, unknown>;
    expect(order).toMatchObject({ type: 'work_order', kind: 'preventive', due: today, plan: { id: 'maintenance_plan/oil', occurrence: 1 }, created_by: 'fieldline' });
  });
});
