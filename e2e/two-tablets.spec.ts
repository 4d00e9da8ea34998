import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium, expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { chromiumLaunchArgs, chromiumPath } from '../test/support/chromium';
import { startE2eServer, type E2eServer } from './support/server';
import { WorkOrdersPage } from './pages/work-orders-page';
import { WorkOrderPage } from './pages/work-order-page';
import { SyncPage } from './pages/sync-page';

// Two technicians' tablets (two browser contexts at 768×1024) and the real server: two offline
// edits of one work order merge field by field (priority on one, a checklist result and notes on
// the other: no conflict, both on the server); the same field changed on both is a conflict shown
// side by side in the Sync view and resolved there; a deletion against an offline edit; then the
// browser killed in the middle of a sync and the server killed in the middle of a sync: every time
// both sides converge, nothing lost and nothing deleted coming back.
const ADMIN_PASSWORD = 'e2e admin password';
const SITE = 'site/north';
const SOUTH = 'site/south';
const TABLET = { width: 768, height: 1024 };
const screenshots = path.resolve(import.meta.dirname, '..', 'test-results', 'screenshots', 'two-tablets');
let server: E2eServer;
let adminToken: string;
let browser: Browser;

async function api(method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(`${server.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function serverDoc(id: string): Promise<Record<string, unknown> | undefined> {
  const response = await api('GET', `/api/docs/${encodeURIComponent(id)}`);
  return response.status === 404 ? undefined : ((await response.json()) as Record<string, unknown>);
}

async function workOrderCount(site = SITE): Promise<number> {
  const response = await api('GET', `/api/docs?query=${encodeURIComponent(`type:work_order AND site:"${site}"`)}`);
  return ((await response.json()) as { rows: unknown[] }).rows.length;
}

/** A work order as an engineer planned it (valid for the server: history, checklist). */
async function putWorkOrder(id: string, title: string, extra: Record<string, unknown> = {}): Promise<void> {
  const at = new Date().toISOString();
  const response = await api('PUT', `/api/docs/${encodeURIComponent(id)}`, {
    type: 'work_order',
    site: SITE,
    title,
    status: 'in_progress',
    notes: '',
    checklist: [{ id: 'c1', label: 'Oil level', kind: 'pass_fail' }],
    history: [{ id: crypto.randomUUID(), at, by: 'admin', action: 'created' }],
    created_at: at,
    created_by: 'admin',
    updated_at: at,
    updated_by: 'admin',
    ...extra,
  });
  expect(response.ok, await response.clone().text()).toBe(true);
}

async function seedMany(prefix: string, count: number, site = SITE): Promise<void> {
  for (let start = 0; start < count; start += 500) {
    const docs = Array.from({ length: Math.min(500, count - start) }, (_, index) => ({
      id: `${prefix}-${String(start + index).padStart(5, '0')}`,
      doc: { type: 'work_order', site, title: `${prefix} ${start + index}`, status: 'open', notes: 'x'.repeat(200) },
    }));
    const response = await api('POST', '/api/bulk_docs', { docs });
    expect(response.ok).toBe(true);
  }
}

async function signIn(context: BrowserContext, username: string): Promise<void> {
  const response = await context.request.post(`${server.url}/api/session`, { data: { username, password: `${username}-password` } });
  expect(response.ok()).toBe(true);
}

/** The list inside the running app (the address's hash: no reload, so it works offline). */
async function showList(orders: WorkOrdersPage): Promise<void> {
  await orders.page.evaluate(() => (location.hash = '#/work-orders'));
  await expect(orders.count).toBeVisible({ timeout: 30_000 });
}

/** A tablet: its own browser context (own IndexedDB, 768×1024, touch), signed in as `username`. */
async function tablet(username: string): Promise<{ context: BrowserContext; page: Page; orders: WorkOrdersPage; order: WorkOrderPage; sync: SyncPage }> {
  const context = await browser.newContext({ viewport: TABLET, hasTouch: true });
  await signIn(context, username);
  const page = await context.newPage();
  const orders = new WorkOrdersPage(page);
  const sync = new SyncPage(page);
  await orders.goto(server.url);
  await sync.waitUpToDate();
  return { context, page, orders, order: new WorkOrderPage(page), sync };
}

test.beforeAll(async () => {
  server = await startE2eServer({ ADMIN_PASSWORD, DEMO: '0' });
  const session = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  adminToken = ((await session.json()) as { token: string }).token;
  for (const [id, title] of [[SITE, 'North'], [SOUTH, 'South']] as const) expect((await api('PUT', `/api/docs/${encodeURIComponent(id)}`, { type: 'site', title })).ok).toBe(true);
  for (const username of ['anna', 'ben', 'carl']) {
    expect((await api('POST', '/api/users', { username, password: `${username}-password`, role: 'technician', sites: [SITE] })).status).toBe(201);
  }
  // Dora works on another site: her tablet never holds the thousands of north work orders.
  expect((await api('POST', '/api/users', { username: 'dora', password: 'dora-password', role: 'technician', sites: [SOUTH] })).status).toBe(201);
  browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumLaunchArgs });
});

test.afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

test('two technicians on one work order offline: different fields merge without a conflict; the same field is a conflict shown side by side and resolved', async () => {
  test.setTimeout(120_000);
  const id = 'work_order/e2e-gearbox';
  const title = 'Gearbox oil change';
  await putWorkOrder(id, title);
  const a = await tablet('anna');
  const b = await tablet('ben');
  for (const side of [a, b]) await side.order.open(id, title, server.url);

  // Both offline: Anna raises the priority; Ben answers the checklist and writes notes.
  await a.context.setOffline(true);
  await b.context.setOffline(true);
  await expect(a.sync.badge).toContainText('Offline');
  await a.order.editDetails({ priority: 'High' });
  await b.order.passFail('Oil level', 'Pass');
  await b.order.editDetails({ notes: 'Seal replaced (Ben)' });
  await expect(a.sync.badge).toContainText('waiting');
  await expect(b.sync.badge).toContainText('waiting');

  // Both come back: the server holds both changes, neither tablet has a conflict.
  await a.context.setOffline(false);
  await a.sync.waitUpToDate();
  await b.context.setOffline(false);
  await b.sync.waitUpToDate();
  const merged = (await serverDoc(id)) as { priority?: string; notes?: string; results?: Record<string, { value: unknown; by: string }>; history?: Array<{ by: string; action: string }> };
  expect(merged).toMatchObject({ priority: 'high', notes: 'Seal replaced (Ben)', results: { c1: { value: 'pass', by: 'ben' } } });
  expect(merged.history?.map((entry) => entry.by)).toEqual(expect.arrayContaining(['admin', 'anna', 'ben']));
  await a.sync.goto(server.url);
  await a.sync.syncNow();
  await a.sync.waitUpToDate();
  await expect(a.sync.conflicts.getByRole('article')).toHaveCount(0);
  await a.order.open(id, title, server.url);
  await expect(a.order.details.getByRole('textbox', { name: /^Notes/ })).toHaveValue('Seal replaced (Ben)');
  await expect(a.order.item('Oil level').getByRole('button', { name: 'Pass', exact: true })).toHaveAttribute('aria-pressed', 'true');

  // Both offline again, both change the notes: the second to sync gets the conflict.
  await b.order.open(id, title, server.url);
  await a.context.setOffline(true);
  await b.context.setOffline(true);
  await a.order.editDetails({ notes: 'Bearing replaced (Anna)' });
  await b.order.editDetails({ notes: 'Needs a new bearing (Ben)', actualHours: 3 });
  await a.context.setOffline(false);
  await a.sync.waitUpToDate();
  await b.context.setOffline(false);
  await expect(b.sync.badge).toHaveText('Up to date · 1 conflict', { timeout: 20_000 });
  // The server's notes are in use; Ben's hours (changed only by him) merged in.
  expect(await serverDoc(id)).toMatchObject({ notes: 'Bearing replaced (Anna)', actual_hours: 3, priority: 'high' });

  await b.sync.goto(server.url);
  const conflict = b.sync.conflict(title);
  await expect(conflict).toContainText('Changed on both: notes');
  await expect(conflict.locator('tr.differs')).toHaveCount(1);
  await expect(conflict.locator('tr.differs')).toContainText('Needs a new bearing (Ben)');
  await expect(conflict.locator('tr.differs')).toContainText('Bearing replaced (Anna)');
  fs.mkdirSync(screenshots, { recursive: true });
  await b.page.screenshot({ path: path.join(screenshots, 'conflict-768x1024.png'), fullPage: true });
  await b.sync.keepMine(title);
  await b.sync.waitUpToDate();
  expect(await serverDoc(id)).toMatchObject({ notes: 'Needs a new bearing (Ben)', actual_hours: 3, priority: 'high', results: { c1: { value: 'pass' } } });

  // Anna gets Ben's decision.
  await a.sync.goto(server.url);
  await a.sync.syncNow();
  await a.sync.waitUpToDate();
  await a.order.open(id, title, server.url);
  await expect(a.order.details.getByRole('textbox', { name: /^Notes/ })).toHaveValue('Needs a new bearing (Ben)');
  await a.context.close();
  await b.context.close();
});

test('a record deleted on the server while a tablet edited it offline is a conflict, not a resurrection nor a loss', async () => {
  test.setTimeout(60_000);
  const id = 'work_order/e2e-tower';
  await putWorkOrder(id, 'Tower bolt check');
  const a = await tablet('anna');
  await a.order.open(id, 'Tower bolt check', server.url);
  await a.context.setOffline(true);
  await a.order.editDetails({ notes: '3 bolts retorqued' });
  expect((await api('DELETE', `/api/docs/${encodeURIComponent(id)}`)).ok).toBe(true);
  await a.context.setOffline(false);
  await expect(a.sync.badge).toHaveText('Up to date · 1 conflict', { timeout: 20_000 });
  expect(await serverDoc(id)).toBeUndefined();
  await a.sync.goto(server.url);
  await expect(a.sync.conflict('Tower bolt check')).toContainText('deleted');
  await expect(a.sync.conflict('Tower bolt check')).toContainText('3 bolts retorqued');
  // The engineer's deletion stands: it stays deleted on the next syncs too.
  await a.sync.keepServers('Tower bolt check');
  await a.sync.syncNow();
  await a.sync.waitUpToDate();
  expect(await serverDoc(id)).toBeUndefined();
  await a.orders.goto(server.url);
  await expect(a.orders.row('Tower bolt check')).toHaveCount(0);
  await a.context.close();
});

/** Kills every Chromium process using `profile` (as a crash or a killed app would). */
function killBrowser(profile: string): void {
  try {
    execFileSync('pkill', ['-9', '-f', profile]);
  } catch {
    // nothing left to kill
  }
}

test('the browser killed in the middle of a sync, then restarted: it resumes and converges, no duplicates', async () => {
  test.setTimeout(120_000);
  await seedMany('bulk', 300);
  const before = await workOrderCount();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fieldline-tablet-'));
  const launch = () => chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), args: chromiumLaunchArgs });
  let context = await launch();
  await signIn(context, 'carl');
  let page = context.pages()[0] ?? (await context.newPage());
  let orders = new WorkOrdersPage(page);
  await orders.goto(server.url);
  await new SyncPage(page).waitUpToDate(60_000);
  // Work made offline first, so the interrupted sync has something to send as well.
  await context.setOffline(true);
  for (let i = 0; i < 5; i++) {
    await showList(orders);
    await orders.create(`Offline note ${i}`);
  }
  // A slow network so the sync is caught half way: each changes page takes a second to arrive.
  let pagesServed = 0;
  await page.route('**/api/changes**', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await route.continue().catch(() => undefined);
    pagesServed++;
  });
  await seedMany('late', 1500);
  await context.setOffline(false);
  await expect(new SyncPage(page).badge).toHaveText(/Syncing/, { timeout: 20_000 });
  // The pull is under way once a changes page has come down (1 500 documents take several pages).
  await expect.poll(() => pagesServed, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
  // Caught half way: the pull is still going, the offline notes have not gone up yet.
  expect(await workOrderCount()).toBe(before + 1500);
  killBrowser(profile);
  await context.close().catch(() => undefined);

  context = await launch();
  page = context.pages()[0] ?? (await context.newPage());
  orders = new WorkOrdersPage(page);
  const sync = new SyncPage(page);
  await orders.goto(server.url);
  // A killed Chromium may not have written its newest cookies to disk: then the session is gone,
  // the app says so and keeps the changes, and signing in again (on the Sync view) finishes the sync.
  await expect(sync.badge).toHaveText(/Up to date|Signed out · 5 changes waiting/, { timeout: 30_000 });
  if ((await sync.badge.textContent())?.startsWith('Signed out')) {
    await sync.goto(server.url);
    await sync.signIn('carl', 'carl-password');
    await orders.goto(server.url);
  }
  await sync.waitUpToDate(60_000);
  await orders.goto(server.url);
  await expect(orders.count).toHaveAttribute('data-total', String(before + 1500 + 5), { timeout: 30_000 });
  expect(await workOrderCount()).toBe(before + 1500 + 5);
  for (let i = 0; i < 5; i++) {
    await orders.searchFor(`Offline note ${i}`);
    await expect(orders.row(`Offline note ${i}`)).toHaveCount(1);
  }
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

test('the server killed in the middle of a sync and restarted: the tablet retries and converges', async () => {
  test.setTimeout(120_000);
  const a = await tablet('dora');
  await a.context.setOffline(true);
  for (let i = 0; i < 5; i++) {
    await showList(a.orders);
    await a.orders.create(`Crash note ${i}`);
  }
  let pagesServed = 0;
  await a.page.route('**/api/changes**', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await route.continue().catch(() => undefined);
    pagesServed++;
  });
  await seedMany('restart', 1200, SOUTH);
  const expected = await workOrderCount(SOUTH);
  await a.context.setOffline(false);
  await expect(a.sync.badge).toHaveText(/Syncing/, { timeout: 20_000 });
  await expect.poll(() => pagesServed, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
  expect(await workOrderCount(SOUTH)).toBe(expected);
  await server.kill();
  await expect(a.sync.badge).toHaveText(/Sync failed/, { timeout: 20_000 });
  await server.restart();
  // The backoff retry (or the next trigger) finishes the job without the user doing anything.
  await a.sync.waitUpToDate(60_000);
  expect(await workOrderCount(SOUTH)).toBe(expected + 5);
  const response = await api('GET', '/api/docs?query=title:"Crash note 0"');
  expect(((await response.json()) as { rows: unknown[] }).rows).toHaveLength(1);
  await a.orders.goto(server.url);
  await expect(a.orders.count).toHaveAttribute('data-total', String(expected + 5), { timeout: 30_000 });
  await a.context.close();
});
