// The 10 000-work-order list on a 768×1024 tablet (issue 15): an admin writes 10 000 work orders of
// one site through the server's bulk_docs, a technician of that site signs in and the sync brings
// them to the tablet's IndexedDB, which the list reads. The technician scrolls to the end, searches
// by a keyless word and by status:, sees the count follow, and opens a row's page; the search is
// in the address. Axe on the list, screenshots at 768×1024 and 1366×900 in
// test-results/screenshots/work-order-list/.
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startE2eServer, type E2eServer } from './support/server';
import { describeViolations, expectNoSeriousAxeViolations } from './support/axe';
import { MainViews } from './pages/main-views';
import { WorkOrdersPage } from './pages/work-orders-page';

const ADMIN_PASSWORD = 'e2e admin password';
const TECHNICIAN = { username: 'tess', password: 'e2e technician password' };
const SITE = { id: 'site/list-wind', title: 'List Wind Park' };
const COUNT = 10_000;
const statuses = ['open', 'assigned', 'in_progress', 'on_hold', 'done', 'verified'] as const;
const verbs = ['Inspect', 'Replace', 'Grease', 'Check', 'Repair', 'Clean'];
const parts = ['gearbox', 'main bearing', 'pitch motor', 'yaw drive', 'generator', 'anemometer', 'blade'];
/** The one work order with "haystack" in its notes, and the one due last (the end of the list). */
const NEEDLE = 'Replace main bearing seal #4321';
const LAST = 'Final tower inspection';
const screenshots = path.resolve(import.meta.dirname, '..', 'test-results', 'screenshots', 'work-order-list');

let server: E2eServer;

test.beforeAll(async () => {
  server = await startE2eServer({ ADMIN_PASSWORD });
});

test.afterAll(async () => {
  await server?.stop();
});

/** The admin's writes: the site, six turbines, the technician, 10 000 work orders in bulk_docs batches. */
async function seed(url: string): Promise<void> {
  const session = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  const { token } = (await session.json()) as { token: string };
  const call = async (method: string, route: string, body: unknown) => {
    const response = await fetch(`${url}${route}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.ok, `${method} ${route}: ${response.status} ${await response.clone().text()}`).toBe(true);
    return response;
  };
  await call('PUT', `/api/docs/${encodeURIComponent(SITE.id)}`, { type: 'site', title: SITE.title, kind: 'wind_farm' });
  for (let turbine = 1; turbine <= 6; turbine++) await call('PUT', `/api/docs/${encodeURIComponent(`asset/list-wind/t0${turbine}`)}`, { type: 'asset', site: SITE.id, title: `Turbine T0${turbine}`, asset_type: 'turbine' });
  await call('POST', '/api/users', { ...TECHNICIAN, role: 'technician', sites: [SITE.id] });
  const day = (offset: number) => new Date(Date.UTC(2026, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
  const docs = Array.from({ length: COUNT }, (_, index) => {
    const last = index === COUNT - 1;
    return {
      id: `work_order/list-${String(index).padStart(5, '0')}`,
      doc: {
        type: 'work_order',
        site: SITE.id,
        asset: `asset/list-wind/t0${(index % 6) + 1}`,
        title: last ? LAST : index === 4321 ? NEEDLE : `${verbs[index % verbs.length]} ${parts[index % parts.length]} #${index}`,
        notes: index === 4321 ? 'Like a needle in a haystack: grease weeping at the seal.' : '',
        status: last ? 'open' : statuses[index % statuses.length],
        priority: ['low', 'medium', 'high', 'urgent'][index % 4],
        due: last ? '2030-12-31' : day(index % 365),
        ...(index % 3 ? { assignee: ['tess', 'ben'][index % 2] } : {}),
      },
    };
  });
  for (let start = 0; start < docs.length; start += 2000) {
    const answer = (await (await call('POST', '/api/bulk_docs', { docs: docs.slice(start, start + 2000) })).json()) as { results: Array<{ ok: boolean }> };
    expect(answer.results.every((result) => result.ok)).toBe(true);
  }
}

async function axe(page: Page, view: string): Promise<void> {
  const lesser = await expectNoSeriousAxeViolations(page, view);
  if (lesser.length > 0) test.info().annotations.push({ type: `axe (moderate/minor) ${view}`, description: describeViolations(lesser) });
}

test('10 000 work orders on a tablet: synced, scrolled to the end, searched by word and status:, a row opens its page', async ({ browser }) => {
  // 10 000 documents written, synced and listed on a loaded 2-core machine.
  test.setTimeout(300_000);
  await seed(server.url);
  const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true, colorScheme: 'light' });
  const page = await context.newPage();
  const views = new MainViews(page);
  await views.open(server.url);
  await views.signIn(TECHNICIAN.username, TECHNICIAN.password);
  await views.goTo('Work orders');
  const list = new WorkOrdersPage(page);
  // The sync brings all 10 000 to the device; the list reads them from IndexedDB.
  await expect(list.count).toHaveAttribute('data-total', String(COUNT), { timeout: 180_000 });
  await expect(list.count).toHaveText('10\u202f000 work orders');
  // Virtualized: a screenful of rows in the DOM, not 10 000.
  expect(await list.rows.count()).toBeLessThan(200);
  await axe(page, 'work order list (10 000)');
  await page.screenshot({ path: path.join(screenshots, '768x1024', 'list.png') });

  // Scroll to the end (by the wheel, as a finger would): the one due last is the last row.
  await expect
    .poll(
      async () => {
        await page.mouse.move(384, 700);
        await page.mouse.wheel(0, 200_000);
        return list.row(LAST).isVisible();
      },
      { timeout: 60_000, message: 'the end of the list comes into view' },
    )
    .toBe(true);
  expect((await list.titles()).at(-1)).toBe(LAST);
  await page.screenshot({ path: path.join(screenshots, '768x1024', 'list-end.png') });
  await page.evaluate(() => window.scrollTo(0, 0));

  // A keyless word, found in one work order's notes: the count follows.
  await list.searchFor('HAYSTACK', 1);
  await expect(list.count).toHaveText('1 of 10\u202f000');
  await expect(list.titles()).resolves.toEqual([NEEDLE]);
  // Several words must all match.
  await list.searchFor('haystack gearbox', 0);
  // status: — every sixth of the 9 999 is verified.
  await list.searchFor('status:verified', 1666);
  await expect(list.count).toHaveText('1\u202f666 of 10\u202f000');
  for (const status of await list.rows.evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.status))) expect(status).toBe('verified');
  // assignee:me is the technician signed in (every done one is theirs in this data).
  await list.searchFor('status:done assignee:me', 1666);
  await list.searchFor('status:done assignee:ben', 0);
  await list.searchFor('status:done assignee:me', 1666);
  await expect(page).toHaveURL(/#\/work-orders\?q=status%3Adone\+assignee%3Ame$/);
  await page.screenshot({ path: path.join(screenshots, '768x1024', 'list-filtered.png') });

  // A reload keeps the search (it is in the address) and the list comes back from IndexedDB.
  await page.reload();
  await expect(list.search).toHaveValue('status:done assignee:me', { timeout: 30_000 });
  await expect(list.count).toHaveAttribute('data-total', String(COUNT), { timeout: 60_000 });

  // A row opens its page.
  await list.searchFor('haystack', 1);
  await list.open(NEEDLE);
  await expect(page).toHaveURL(/#\/work-orders\/work_order%2Flist-04321$/);
  await expect(page.locator('fl-work-order')).toBeAttached();
  await page.goBack();
  await expect(list.search).toHaveValue('haystack');

  // New work order: the dialog on the tablet.
  await list.newButton.click();
  await expect(list.newForm).toBeVisible();
  await axe(page, 'new work order dialog');
  await page.screenshot({ path: path.join(screenshots, '768x1024', 'new-work-order.png') });
  await context.close();

  // At a desk (1366×900): the same list, one line per work order.
  const desk = await browser.newContext({ viewport: { width: 1366, height: 900 }, colorScheme: 'light' });
  const deskPage = await desk.newPage();
  const deskViews = new MainViews(deskPage);
  await deskViews.open(server.url);
  await deskViews.signIn(TECHNICIAN.username, TECHNICIAN.password);
  await deskViews.goTo('Work orders');
  const deskList = new WorkOrdersPage(deskPage);
  await expect(deskList.count).toHaveAttribute('data-total', String(COUNT), { timeout: 180_000 });
  await axe(deskPage, 'work order list at 1366x900');
  await deskPage.screenshot({ path: path.join(screenshots, '1366x900', 'list.png') });
  await deskList.searchFor('due:overdue priority:urgent');
  await expect(deskList.rows.first().locator('.due[data-overdue]')).toBeVisible();
  await deskPage.screenshot({ path: path.join(screenshots, '1366x900', 'list-filtered.png') });
  await desk.close();
});
