import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium, expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { chromiumLaunchArgs, chromiumPath } from '../test/support/chromium';
import { startE2eServer, type E2eServer } from './support/server';
import { WorkOrdersPage } from './pages/work-orders-page';
import { SyncPage } from './pages/sync-page';

// Two technicians' tablets (two browser contexts) and the real server: offline edits of the same
// and of different work orders, a deletion against an offline edit, then the browser killed in the
// middle of a sync and the server killed in the middle of a sync: every time both sides converge
// to what the keep-both policy promises, nothing lost and nothing deleted coming back.
const ADMIN_PASSWORD = 'e2e admin password';
const SITE = 'site/north';
const SOUTH = 'site/south';
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

async function putWorkOrder(id: string, title: string, extra: Record<string, unknown> = {}): Promise<void> {
  const response = await api('PUT', `/api/docs/${encodeURIComponent(id)}`, { type: 'work_order', site: SITE, title, status: 'open', notes: '', ...extra });
  expect(response.ok).toBe(true);
}

/** Many work orders at once (the bulk endpoint sync itself uses). */
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

/** A tablet: its own browser context (own IndexedDB), signed in as `username`. */
async function tablet(username: string): Promise<{ context: BrowserContext; page: Page; orders: WorkOrdersPage; sync: SyncPage }> {
  const context = await browser.newContext();
  await signIn(context, username);
  const page = await context.newPage();
  const orders = new WorkOrdersPage(page);
  const sync = new SyncPage(page);
  await orders.goto(server.url);
  await sync.waitUpToDate();
  return { context, page, orders, sync };
}

test.beforeAll(async () => {
  server = await startE2eServer({ ADMIN_PASSWORD });
  const session = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  adminToken = ((await session.json()) as { token: string }).token;
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

test('two tablets offline: different records merge, the same record becomes a conflict the user resolves', async () => {
  test.setTimeout(90_000);
  await putWorkOrder('wo-gearbox', 'Gearbox inspection');
  await putWorkOrder('wo-filter', 'Replace oil filter');
  const a = await tablet('anna');
  const b = await tablet('ben');
  for (const side of [a, b]) await expect(side.orders.card('Gearbox inspection')).toBeVisible();

  await a.context.setOffline(true);
  await b.context.setOffline(true);
  await expect(a.sync.badge).toContainText('Offline');
  // Anna: the gearbox is done, and a new work order. Ben: other notes on the gearbox, and the filter.
  await a.orders.setStatus('Gearbox inspection', 'done');
  await a.orders.setNotes('Gearbox inspection', 'Bearing replaced (Anna)');
  await a.orders.save('Gearbox inspection');
  await a.orders.create('Check yaw brake', SITE);
  await b.orders.setNotes('Gearbox inspection', 'Needs a new bearing (Ben)');
  await b.orders.save('Gearbox inspection');
  await b.orders.setStatus('Replace oil filter', 'in_progress');
  await b.orders.save('Replace oil filter');
  await expect(a.sync.badge).toContainText('changes waiting');

  // Anna comes back first: her changes go up. Then Ben: his filter edit goes up, the gearbox
  // conflicts (Anna's version is on the server and stays in use; Ben's is kept for him to decide).
  await a.context.setOffline(false);
  await a.sync.waitUpToDate();
  expect(await serverDoc('wo-gearbox')).toMatchObject({ status: 'done', notes: 'Bearing replaced (Anna)' });
  await b.context.setOffline(false);
  await expect(b.sync.badge).toHaveText('Up to date · 1 conflict', { timeout: 20_000 });
  expect(await serverDoc('wo-filter')).toMatchObject({ status: 'in_progress' });
  await expect(b.orders.card('Check yaw brake')).toBeVisible();
  await expect(b.orders.card('Gearbox inspection')).toHaveAttribute('data-status', 'done');

  await b.sync.goto(server.url);
  const conflict = b.sync.conflict('Gearbox inspection');
  await expect(conflict).toContainText('Needs a new bearing (Ben)');
  await expect(conflict).toContainText('Bearing replaced (Anna)');
  await expect(conflict.locator('tr.differs')).toHaveCount(2);
  await b.sync.keepMine('Gearbox inspection');
  await b.sync.waitUpToDate();
  expect(await serverDoc('wo-gearbox')).toMatchObject({ notes: 'Needs a new bearing (Ben)' });

  // Anna syncs and gets Ben's decision; both tablets now show the same four fields.
  await a.sync.goto(server.url);
  await a.sync.syncNow();
  await a.sync.waitUpToDate();
  await a.orders.goto(server.url);
  await expect(a.orders.card('Gearbox inspection').getByLabel('Notes', { exact: true })).toHaveValue('Needs a new bearing (Ben)');
  expect(await workOrderCount()).toBe(3);
  await a.context.close();
  await b.context.close();
});

test('a record deleted on the server while a tablet edited it offline is a conflict, not a resurrection nor a loss', async () => {
  test.setTimeout(60_000);
  await putWorkOrder('wo-tower', 'Tower bolt check');
  const a = await tablet('anna');
  await expect(a.orders.card('Tower bolt check')).toBeVisible();
  await a.context.setOffline(true);
  await a.orders.setNotes('Tower bolt check', '3 bolts retorqued');
  await a.orders.save('Tower bolt check');
  expect((await api('DELETE', '/api/docs/wo-tower')).ok).toBe(true);
  await a.context.setOffline(false);
  await expect(a.sync.badge).toHaveText('Up to date · 1 conflict', { timeout: 20_000 });
  expect(await serverDoc('wo-tower')).toBeUndefined();
  await expect(a.orders.card('Tower bolt check')).toHaveCount(0);
  await a.sync.goto(server.url);
  await expect(a.sync.conflict('Tower bolt check')).toContainText('deleted');
  await expect(a.sync.conflict('Tower bolt check')).toContainText('3 bolts retorqued');
  // The engineer's deletion stands: it stays deleted on the next syncs too.
  await a.sync.keepServers('Tower bolt check');
  await a.sync.syncNow();
  await a.sync.waitUpToDate();
  expect(await serverDoc('wo-tower')).toBeUndefined();
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
  for (let i = 0; i < 5; i++) await orders.create(`Offline note ${i}`, SITE);
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
  await expect(orders.cards).toHaveCount(before + 1500 + 5, { timeout: 30_000 });
  expect(await workOrderCount()).toBe(before + 1500 + 5);
  for (let i = 0; i < 5; i++) await expect(orders.card(`Offline note ${i}`)).toHaveCount(1);
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

test('the server killed in the middle of a sync and restarted: the tablet retries and converges', async () => {
  test.setTimeout(120_000);
  const a = await tablet('dora');
  await a.context.setOffline(true);
  for (let i = 0; i < 5; i++) await a.orders.create(`Crash note ${i}`, SOUTH);
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
  await expect(a.orders.cards).toHaveCount(expected + 5, { timeout: 30_000 });
  await a.context.close();
});
