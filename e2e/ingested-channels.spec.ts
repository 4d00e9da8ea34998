import { FluentClient } from '@fluent-org/logger';
import mqtt from 'mqtt';
import { pack } from 'msgpackr';
import { expect, test, type Page } from '@playwright/test';
import { startE2eServer, type E2eServer } from './support/server';
import { ChannelsPage } from './pages/channels-page';

// Data from the field lands in the app: an admin registers data sources in the Sources view; a
// fluentd-protocol client (the fluentd project's own Node client, with acks) and an HTTP msgpack
// POST (what curl or fluentd's HTTP output sends) store events on the server; late events are
// merged from the Sources view; the Channels view plots both channels from the server's arrays
// (for an engineer: technicians reach channels through their sites and assets).
const ADMIN_PASSWORD = 'e2e admin password';
let server: E2eServer;
let adminToken: string;

async function api(path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

test.beforeAll(async () => {
  server = await startE2eServer({ ADMIN_PASSWORD });
  const session = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  adminToken = ((await session.json()) as { token: string }).token;
  // The site the sources are bound to: the Sources view offers sites by title, never a typed id.
  const site = await fetch(`${server.url}/api/docs/${encodeURIComponent('site/WF2')}`, { method: 'PUT', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'site', title: 'Wind Farm 2', kind: 'wind_farm' }) });
  expect(site.ok).toBe(true);
  expect((await api('/api/users', { username: 'tom', password: 'tom-password', role: 'engineer' })).status).toBe(201);
});
test.afterAll(async () => {
  await server.stop();
});

/** Registers a source through the Sources view (as the signed-in admin); returns its token. */
async function register(page: Page, tag: string, siteTitle: string, units: string): Promise<string> {
  const form = page.locator('fl-sources').getByRole('form', { name: 'Register a data source' });
  await form.getByLabel('Tag').fill(tag);
  const site = form.locator('sl-select[label="Site"]');
  await site.getByRole('combobox').click();
  await site.getByRole('option', { name: siteTitle, exact: true }).click();
  await expect(site.getByRole('combobox')).toHaveValue(siteTitle);
  await form.getByLabel('Units').fill(units);
  await form.getByRole('button', { name: 'Register' }).click();
  const notice = page.locator('fl-sources').getByRole('status', { name: 'New source' });
  await expect(notice).toContainText(tag);
  const token = (await notice.locator('code').first().textContent())!;
  await notice.getByRole('button', { name: 'Done' }).click();
  return token;
}

test('sources registered in the app receive data over the forward protocol and HTTP msgpack; late events are merged; an engineer plots them', async ({ page, browser }, testInfo) => {
  test.setTimeout(90_000);
  // The admin registers two sources in the Sources view.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await admin.goto(`${server.url}/#/sources`);
  // Signed out, the shell (or the view) asks to sign in first: whichever form it is, there is one.
  const signIn = admin.getByRole('form', { name: 'Sign in' });
  await signIn.getByLabel('User name').fill('admin');
  await signIn.getByLabel('Password').fill(ADMIN_PASSWORD);
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await register(admin, 'wf2.t01', 'Wind Farm 2', 'rotor=rpm');
  const inverterToken = await register(admin, 'wf2.inverter', 'Wind Farm 2', 'dc_voltage=V');

  const start = Date.UTC(2026, 10, 1);
  const client = new FluentClient('wf2', { socket: { host: '127.0.0.1', port: server.forwardPort, timeout: 30_000 }, ack: { ackTimeout: 30_000 }, milliseconds: true, eventMode: 'PackedForward', flushInterval: 5 });
  await Promise.all(Array.from({ length: 20_000 }, (_, event) => client.emit('t01', { rotor: 12 + Math.sin(event / 300) }, start + event * 1000)));
  await client.disconnect();

  const post = (events: Array<[number, number]>) =>
    fetch(`${server.url}/api/ingest?reference=wf2.inverter`, {
      method: 'POST',
      headers: { authorization: `Bearer ${inverterToken}`, 'content-type': 'application/x-msgpack' },
      body: Buffer.concat(events.map(([seconds, volts]) => pack([seconds, { dc_voltage: volts }]))),
    });
  // Every minute but the first 100, then the first 100 arrive late.
  const minute = (event: number): [number, number] => [start / 1000 + event * 60, 600 + (event % 50)];
  expect((await post(Array.from({ length: 400 }, (_, index) => minute(100 + index)))).status).toBe(204);
  const late = await post(Array.from({ length: 100 }, (_, index) => minute(index)));
  expect(late.headers.get('x-fieldline-late')).toBe('100');

  await admin.reload();
  const inverterRow = admin.locator('fl-sources').getByRole('row', { name: 'wf2.inverter' });
  await expect(inverterRow.locator('td').nth(3)).toHaveText('500');
  await expect(inverterRow.locator('td').nth(4)).toHaveText('100');
  await expect(admin.locator('fl-sources').getByRole('row', { name: 'wf2.t01' }).locator('td').nth(3)).toHaveText('20,000');
  await admin.screenshot({ path: testInfo.outputPath('sources.png'), fullPage: true });
  await inverterRow.getByRole('button', { name: 'Merge late events' }).click();
  await expect(admin.locator('fl-sources').getByRole('alert')).toContainText('wf2.inverter: 100 late events merged.');
  await expect(inverterRow.locator('td').nth(4)).toHaveText('0');
  await adminContext.close();

  // An engineer sees both channels plotted from the server (the Channels view is the engineers' and admins').
  const channels = new ChannelsPage(page);
  await channels.open(server.url);
  const onServer = page.locator('fl-channel-list').getByRole('region', { name: 'On the server' });
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('User name').fill('tom');
  await form.getByLabel('Password').fill('tom-password');
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(onServer.locator('fl-channel-chart')).toHaveCount(2, { timeout: 30_000 });
  await channels.expectDrawn('rotor', 'summary');
  await channels.expectDrawn('dc_voltage', 'raw');
  await expect(channels.chart('rotor')).toContainText('20,000 samples');
  await expect(channels.chart('dc_voltage')).toContainText('500 samples');
  await page.screenshot({ path: testInfo.outputPath('server-channels.png'), fullPage: true });
});

test('a source registered in the app shows its MQTT settings and receives telemetry through the embedded broker', async ({ browser }, testInfo) => {
  test.setTimeout(60_000);
  for (const viewport of [{ width: 1024, height: 768 }, { width: 768, height: 1024 }, { width: 1440, height: 900 }]) {
    const context = await browser.newContext({ viewport });
    const admin = await context.newPage();
    await admin.goto(`${server.url}/#/sources`);
    const signIn = admin.getByRole('form', { name: 'Sign in' });
    await signIn.getByLabel('User name').fill('admin');
    await signIn.getByLabel('Password').fill(ADMIN_PASSWORD);
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    const tag = `wf2.met${viewport.width}`;
    const form = admin.locator('fl-sources').getByRole('form', { name: 'Register a data source' });
    await form.getByLabel('Tag').fill(tag);
    await form.getByRole('button', { name: 'Register' }).click();
    const notice = admin.locator('fl-sources').getByRole('status', { name: 'New source' });
    const settings = notice.getByRole('definition');
    await expect(settings).toHaveText([`mqtt://127.0.0.1:${server.mqttPort}`, tag, 'the token above', `fieldline/${tag}`]);
    await notice.scrollIntoViewIfNeeded();
    await admin.screenshot({ path: testInfo.outputPath(`sources-mqtt-${viewport.width}.png`), fullPage: true });
    const token = (await notice.locator('code').first().textContent())!;
    // A device publishes with the settings shown.
    const device = mqtt.connect(`mqtt://127.0.0.1:${server.mqttPort}`, { username: tag, password: token, reconnectPeriod: 0 });
    await new Promise((resolve, reject) => {
      device.once('connect', resolve);
      device.once('error', reject);
    });
    const start = Date.UTC(2026, 10, 2);
    for (let index = 0; index < 30; index++) await device.publishAsync(`fieldline/${tag}`, JSON.stringify({ ts: start + index * 60_000, wind: 8 + index / 10 }), { qos: 1 });
    await device.endAsync();
    await notice.getByRole('button', { name: 'Done' }).click();
    await admin.reload();
    await expect(admin.locator('fl-sources').getByRole('row', { name: tag }).locator('td').nth(3)).toHaveText('30');
    await context.close();
  }
});
