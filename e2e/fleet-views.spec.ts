// The monitoring views with a fleet on the server: an admin walks sites → site → asset → channel
// at the three tablet/desktop sizes, with screenshots of each view, light and dark; a technician
// sees only their site. The server runs the simulated fleet (DEMO=1, minutes of history); the
// fixture (written through the API like an admin and a data source would) gives known titles and
// values whatever the fleet holds.
import path from 'node:path';
import { expect, test, type Browser } from '@playwright/test';
import { startE2eServer, type E2eServer } from './support/server';
import { FIXTURE_GEARBOX, FIXTURE_POWER, FIXTURE_SITE, FIXTURE_TURBINE, sendSample, writeFleetFixture, type FixtureSource } from './support/fleet-fixture';
import { AssetPage, ChannelPage, ShellSignIn, SitePage, SitesPage } from './pages/fleet-views';
import { AppShell } from './pages/app-shell';

const ADMIN_PASSWORD = 'e2e admin password';
const screens = path.resolve(import.meta.dirname, '..', 'test-results', 'screens');
let server: E2eServer;
let turbineSource: FixtureSource;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = await startE2eServer({ ADMIN_PASSWORD, DEMO: '1', DEMO_DAYS: '0.02' });
  const session = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  const { token } = (await session.json()) as { token: string };
  turbineSource = await writeFleetFixture(server.url, token);
  const created = await fetch(`${server.url}/api/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'tom', password: 'tom-password', role: 'technician', sites: [FIXTURE_SITE.id] }),
  });
  expect(created.status).toBe(201);
});

test.afterAll(async () => {
  await server?.stop();
});

const sizes = [
  { name: '1024x768', width: 1024, height: 768 },
  { name: '768x1024', width: 768, height: 1024 },
  { name: '1440x900', width: 1440, height: 900 },
] as const;

async function walk(browser: Browser, size: (typeof sizes)[number], colorScheme: 'light' | 'dark'): Promise<void> {
  const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, colorScheme });
  const page = await context.newPage();
  // Icons are fetched by <sl-icon> (data: URLs): the Content-Security-Policy must let them in.
  const refused: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) refused.push(message.text().slice(0, 200));
  });
  const shot = (view: string) => page.screenshot({ path: path.join(screens, `${size.name}-${colorScheme}-${view}.png`), fullPage: true });
  const sites = new SitesPage(page);
  await sites.open(server.url);
  await new ShellSignIn(page).signIn('admin', ADMIN_PASSWORD);
  await expect(sites.site(FIXTURE_SITE.title)).toBeVisible({ timeout: 20_000 });
  await expect(page.locator('fl-app [data-simulated]')).toHaveText('Simulated data');
  await shot('sites');

  await sites.choose(FIXTURE_SITE.title);
  const site = new SitePage(page);
  await expect(site.tiles).toHaveCount(2);
  await expect(site.value(FIXTURE_TURBINE.title, FIXTURE_POWER.title)).toHaveText(/^[\d,.]+ kW$/);
  await expect(site.tile(FIXTURE_TURBINE.title).getByRole('link', { name: FIXTURE_GEARBOX.title })).toBeVisible();
  await expect(page.locator('fl-site fl-sparkline path').first()).toBeAttached();
  await shot('site');

  await site.openAsset(FIXTURE_TURBINE.title);
  const asset = new AssetPage(page);
  await expect(asset.channels).toHaveCount(3);
  await expect(asset.lastValue(FIXTURE_POWER.title)).toHaveText(/^[\d,.]+ kW$/);
  await expect(asset.chart).toHaveAttribute('data-points', /^[1-9]\d*$/);
  await expect(page.locator('fl-asset')).toContainText(FIXTURE_SITE.title);
  // Titles, not ids, anywhere on the page.
  await expect(page.locator('fl-app main')).not.toContainText('asset/');
  await shot('asset');

  await asset.openChannel(FIXTURE_POWER.title);
  const channel = new ChannelPage(page);
  await channel.drawn();
  await expect(page.locator('fl-app sl-breadcrumb')).toContainText(FIXTURE_TURBINE.title);
  await shot('channel');
  // The other main views, for the record (their own specs test them).
  for (const [route, gadget] of [['work-orders', 'fl-work-orders'], ['sync', 'fl-sync-status'], ['import', 'fl-upload'], ['sources', 'fl-sources'], ['admin/users', 'fl-app main']] as const) {
    await page.goto(`${server.url}/#/${route}`);
    await expect(page.locator(gadget).first()).toBeVisible();
    await shot(route.replace('/', '-'));
  }
  expect(refused).toEqual([]);
  await expect(page.locator('fl-app header sl-icon').first().locator('svg')).toBeAttached();
  await context.close();
}

for (const size of sizes) {
  test(`an admin walks sites → site → asset → channel at ${size.name}`, async ({ browser }) => {
    test.setTimeout(90_000);
    await walk(browser, size, 'light');
  });
}

test('the same walk in the dark theme (1024x768)', async ({ browser }) => {
  test.setTimeout(90_000);
  await walk(browser, sizes[0], 'dark');
});

test("a technician sees only their site and a technician's navigation; sign out returns to the sign-in", async ({ page }) => {
  const sites = new SitesPage(page);
  await sites.open(server.url);
  const signIn = new ShellSignIn(page);
  await signIn.signIn('tom', 'tom-password');
  await expect(sites.site(FIXTURE_SITE.title)).toBeVisible({ timeout: 20_000 });
  await expect(sites.sites).toHaveCount(1);
  await expect(new AppShell(page).navigation.getByRole('link')).toHaveText(['Sites', 'My work', 'Alarms', 'Work orders', 'Plans', 'Import', 'Sync']);
  await page.goto(`${server.url}/#/admin/users`);
  await expect(page.locator('fl-app main')).toContainText('This screen is for admins');
  await signIn.signOut();
  await page.goto(`${server.url}/#/sites`);
  await expect(signIn.form).toBeVisible();
});

test('tiles and the asset view tail live: a sample an agent sends shows without a reload', async ({ page }) => {
  const sites = new SitesPage(page);
  await sites.open(server.url);
  await new ShellSignIn(page).signIn('tom', 'tom-password');
  await sites.choose(FIXTURE_SITE.title);
  const site = new SitePage(page);
  await expect(site.value(FIXTURE_TURBINE.title, FIXTURE_POWER.title)).toHaveText(/^[\d,.]+ kW$/);
  const navigations: string[] = [];
  page.on('framenavigated', (frame) => navigations.push(frame.url()));
  await sendSample(server.url, turbineSource, { power: 1234 });
  await expect(site.value(FIXTURE_TURBINE.title, FIXTURE_POWER.title)).toHaveText('1,234 kW');

  await site.openAsset(FIXTURE_TURBINE.title);
  const asset = new AssetPage(page);
  await expect(asset.lastValue(FIXTURE_POWER.title)).toHaveText(/^[\d,.]+ kW$/);
  await sendSample(server.url, turbineSource, { power: 2468 });
  await expect(asset.lastValue(FIXTURE_POWER.title)).toHaveText('2,468 kW');
  await expect(asset.row(FIXTURE_POWER.title)).toContainText('s ago');
  // Hash changes only: the page itself was never reloaded.
  expect(navigations.every((url) => url.startsWith(`${server.url}/#/`))).toBe(true);
});
