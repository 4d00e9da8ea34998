// An alarm on a technician's tablet, against the real server: an admin writes the alarm (alarm
// documents are the server's and admins'), the technician of the site sees it in the header badge
// and the list, goes offline, acknowledges and comments it and creates a work order from it; back
// online, sync takes the actions to the server, whose applier makes the alarm active_acked with the
// comment and the work order linked; the work order links back to its alarm.
import { expect, test } from '@playwright/test';
import { startE2eServer, type E2eServer } from './support/server';
import { FIXTURE_GEARBOX, FIXTURE_SITE, writeFleetFixture } from './support/fleet-fixture';
import { AlarmsPage } from './pages/alarms-page';
import { MainViews } from './pages/main-views';
import { WorkOrderPage } from './pages/work-order-page';

const ADMIN_PASSWORD = 'e2e admin password';
const TECHNICIAN = { username: 'tess', password: 'tess-wind-park-password' };
const MESSAGE = 'Gearbox bearing temperature above 80 °C';
const COMMENT = 'Oil cooler fan clogged; cleaning it now.';

let server: E2eServer;
let adminToken: string;
let alarmId: string;

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
  server = await startE2eServer({ ADMIN_PASSWORD });
  const session = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  adminToken = ((await session.json()) as { token: string }).token;
  await writeFleetFixture(server.url, adminToken);
  expect((await api('POST', '/api/users', { ...TECHNICIAN, role: 'technician', sites: [FIXTURE_SITE.id] })).status).toBe(201);
  // The gearbox's bearing temperature channel, as ingestion created it.
  const channels = (await (await api('GET', '/api/channels')).json()) as { rows: Array<{ id: string; doc?: { asset?: string; field?: string } }> };
  const channel = channels.rows.find((row) => row.doc?.asset === FIXTURE_GEARBOX.id && row.doc.field === 'bearing_temp')!.id;
  // The alarm as the server's evaluator would write it (id per alarms.md: rule / channel / n).
  alarmId = `alarm/e2e-gearbox-hot/${channel.slice('channel/'.length)}/1`;
  const raisedAt = Date.now() - 120_000;
  const written = await api('PUT', `/api/docs/${encodeURIComponent(alarmId)}`, {
    type: 'alarm',
    site: FIXTURE_SITE.id,
    asset: FIXTURE_GEARBOX.id,
    channel,
    rule: 'alarm_rule/e2e-gearbox-hot',
    rule_title: 'Gearbox bearing hot',
    message: MESSAGE,
    severity: 'high',
    state: 'active_unacked',
    raised_at: raisedAt,
    value: 81.4,
    count: 1,
    history: [{ at: raisedAt, kind: 'raised', severity: 'high', value: 81.4 }],
  });
  expect(written.ok, await written.clone().text()).toBe(true);
});

test.afterAll(async () => {
  await server?.stop();
});

test('a technician acknowledges an alarm offline, comments it and creates a work order from it; back online the server has it all', async ({ browser }) => {
  test.setTimeout(180_000);
  const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true });
  const page = await context.newPage();
  const views = new MainViews(page);
  const alarms = new AlarmsPage(page);
  await views.open(server.url);
  await views.signIn(TECHNICIAN.username, TECHNICIAN.password);

  // The alarm arrives with the sync: the header's badge counts it, the list shows it by titles.
  await expect(alarms.badge.getByRole('link')).toHaveAttribute('aria-label', 'Alarms: 1 needs attention', { timeout: 30_000 });
  await views.goTo('Alarms');
  const row = alarms.row(MESSAGE);
  await expect(row).toBeVisible();
  await expect(row.locator('.severity')).toHaveText('High');
  await expect(row).toContainText('Gearbox T01');
  await expect(row).toContainText('Gearbox bearing temperature');
  await alarms.open(MESSAGE);
  await expect(alarms.fact('State')).toHaveText('Active, not acknowledged');

  // Offline: acknowledge, comment, create the work order; all on the tablet, nothing on the server yet.
  await context.setOffline(true);
  await expect(page.locator('fl-app').getByRole('status', { name: 'Connection' })).toHaveText('Offline');
  await alarms.act('Acknowledge');
  await expect(alarms.fact('State')).toHaveText('Active, acknowledged');
  await expect(alarms.fact('Acknowledged')).toContainText(`by ${TECHNICIAN.username}`);
  await expect(alarms.badge.getByRole('link')).toHaveAttribute('aria-label', 'Alarms: none need attention');
  await alarms.comment(COMMENT);
  await expect(alarms.detail.locator('[data-pending]')).toHaveText('2 changes not synced yet');
  await alarms.act('Create work order');
  // The new work order's page (#/work-orders/<id>).
  const order = new WorkOrderPage(page);
  const title = `${FIXTURE_GEARBOX.title}: ${MESSAGE}`;
  await expect(page).toHaveURL(/#\/work-orders\/work_order%2F/);
  await order.waitFor(title);
  const orderId = decodeURIComponent(new URL(page.url()).hash.slice('#/work-orders/'.length));
  await expect(order.gadget.locator('[data-notes]')).toHaveText(/Severity: high[\s\S]*Value at raise: 81\.4 °C[\s\S]*Oil cooler fan clogged/);
  expect((await serverDoc(alarmId))?.state).toBe('active_unacked');
  expect(await serverDoc(orderId)).toBeUndefined();

  // Online: sync pushes the actions and the work order; the server's applier folds them into the alarm.
  await context.setOffline(false);
  await expect
    .poll(async () => {
      const alarm = await serverDoc(alarmId);
      return { state: alarm?.state, acked_by: alarm?.acked_by, work_orders: alarm?.work_orders };
    }, { timeout: 45_000, message: 'the offline actions reach the server and are applied' })
    .toEqual({ state: 'active_acked', acked_by: TECHNICIAN.username, work_orders: [orderId] });
  const applied = (await serverDoc(alarmId))!;
  const history = applied.history as Array<{ kind: string; by?: string; text?: string }>;
  expect(history.map((entry) => entry.kind)).toEqual(['raised', 'acknowledged', 'commented', 'work_order_created']);
  expect(history.find((entry) => entry.kind === 'commented')).toMatchObject({ by: TECHNICIAN.username, text: COMMENT });
  expect(await serverDoc(orderId)).toMatchObject({ type: 'work_order', site: FIXTURE_SITE.id, asset: FIXTURE_GEARBOX.id, alarm: alarmId, status: 'open' });

  // Linked both ways: the work order opens its alarm, which lists the work order; the server's alarm came back.
  await order.gadget.locator('[data-fact="alarm"]').getByRole('link').click();
  await expect(page.locator('fl-app main h2[data-view-heading]')).toHaveText(MESSAGE);
  await expect(alarms.workOrders.getByRole('link', { name: title })).toBeVisible();
  await expect(alarms.history.getByRole('link', { name: title })).toBeVisible();
  await expect(alarms.detail.locator('[data-pending]')).toHaveCount(0, { timeout: 30_000 });
  await expect(alarms.fact('State')).toHaveText('Active, acknowledged');
  await context.close();
});
