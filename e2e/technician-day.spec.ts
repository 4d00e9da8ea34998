// A technician's day with the simulated fleet running: an admin creates a technician for the
// solar plant only; on a tablet the technician sees only that site (not the wind farm) and a
// technician's navigation (no admin screens), opens an inverter and watches its data arrive live
// (no reload), creates a work order for it choosing the asset from a list, goes offline, edits it,
// comes back online and the server has the edit.
import { expect, test } from '@playwright/test';
import { startE2eServer, type E2eServer } from './support/server';
import { MainViews } from './pages/main-views';
import { WorkOrdersPage } from './pages/work-orders-page';

const ADMIN_PASSWORD = 'e2e admin password';
const SOLAR = { id: 'site/sunfield-solar', title: 'Sunfield Solar' };
const WIND = 'North Sea Wind';
const INVERTER = 'Inverter INV01';
const TECHNICIAN = { username: 'tess', password: 'tess-solar-password' };

let server: E2eServer;
let adminToken: string;

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** The server's copy of a document (as the admin reads it), undefined while it has none. */
async function serverDoc(id: string): Promise<Record<string, unknown> | undefined> {
  const answer = await api('GET', `/api/docs/${encodeURIComponent(id)}`);
  return answer.ok ? ((await answer.json()) as Record<string, unknown>) : undefined;
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = await startE2eServer({ ADMIN_PASSWORD, DEMO: '1', DEMO_DAYS: '0.05' });
  const session = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  adminToken = ((await session.json()) as { token: string }).token;
  // The fleet's inverter exists with its channels (the history is written).
  await expect
    .poll(async () => {
      const answer = (await (await api('GET', '/api/channels')).json()) as { rows?: Array<{ doc?: { asset?: string } }> };
      return (answer.rows ?? []).some((row) => row.doc?.asset === 'asset/sunfield-solar/inv01');
    }, { timeout: 60_000 })
    .toBe(true);
  // The admin creates the technician, assigned to the solar plant only.
  expect((await api('POST', '/api/users', { ...TECHNICIAN, role: 'technician', sites: [SOLAR.id] })).status).toBe(201);
});

test.afterAll(async () => {
  await server?.stop();
});

test("a technician's day on a tablet: only their site, live data, a work order for an inverter edited offline and synced", async ({ browser }) => {
  test.setTimeout(180_000);
  const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true });
  const page = await context.newPage();
  const views = new MainViews(page);
  await views.open(server.url);
  await views.signIn(TECHNICIAN.username, TECHNICIAN.password);

  // Only the solar plant, and a technician's navigation.
  await expect(views.site(SOLAR.title)).toBeVisible({ timeout: 30_000 });
  await expect(views.siteLinks).toHaveCount(1);
  await expect(views.site(WIND)).toHaveCount(0);
  await expect(views.navigation.getByRole('link')).toHaveText(['Sites', 'Alarms', 'Work orders', 'Import', 'Sync']);
  await page.goto(`${server.url}/#/admin/users`);
  await expect(page.locator('fl-app main')).toContainText('This screen is for admins');

  // An inverter's data arrives live: the chart's sample count grows without a reload (no load event from here on).
  let loads = 0;
  page.on('load', () => loads++);
  await page.goto(`${server.url}/#/sites`);
  await views.openSite(SOLAR.title);
  await views.openAsset(INVERTER);
  await expect(views.channelValue('AC power')).toHaveText(/^-?[\d,.]+ kW$/, { timeout: 20_000 });
  await expect.poll(() => views.samples(views.assetChart), { timeout: 20_000 }).toBeGreaterThan(0);
  const before = await views.samples(views.assetChart);
  await expect.poll(() => views.samples(views.assetChart), { timeout: 20_000, message: 'the inverter chart gains live samples' }).toBeGreaterThan(before);
  expect(loads).toBe(0);

  // A work order for the inverter: the site is the only one, the asset chosen from the list.
  const orders = new WorkOrdersPage(page);
  await views.goTo('Work orders');
  await orders.createFromLists('Inspect INV01 cooling fan', { asset: INVERTER });
  const card = orders.card('Inspect INV01 cooling fan');
  await expect(card.locator('.meta')).toContainText(`${SOLAR.title} · ${INVERTER}`);
  const id = (await card.getAttribute('data-id'))!;
  await expect.poll(async () => (await serverDoc(id))?.asset, { timeout: 30_000, message: 'the new work order reaches the server' }).toBe('asset/sunfield-solar/inv01');
  expect((await serverDoc(id))?.site).toBe(SOLAR.id);

  // Offline: the edit is kept on the tablet; back online, sync takes it to the server.
  await context.setOffline(true);
  await expect(page.locator('fl-app').getByRole('status', { name: 'Connection' })).toHaveText('Offline');
  await orders.setNotes('Inspect INV01 cooling fan', 'Fan bearing noisy, replaced the fan.');
  await orders.setStatus('Inspect INV01 cooling fan', 'Done');
  await orders.save('Inspect INV01 cooling fan');
  expect((await serverDoc(id))?.notes).toBe('');
  await context.setOffline(false);
  await expect.poll(async () => (await serverDoc(id))?.notes, { timeout: 30_000, message: 'the offline edit syncs once online' }).toBe('Fan bearing noisy, replaced the fan.');
  expect((await serverDoc(id))?.status).toBe('done');
  expect(loads).toBe(0);
  await context.close();
});
