import { FluentClient } from '@fluent-org/logger';
import { pack } from 'msgpackr';
import { expect, test } from '@playwright/test';
import { startE2eServer, type E2eServer } from './support/server';
import { ChannelsPage } from './pages/channels-page';

// Data from the field lands in the app: a fluentd-protocol client (the fluentd project's own Node
// client, with acks) and an HTTP msgpack POST (what curl or fluentd's HTTP output sends) both
// store events on the server, and the Channels view plots them from the server's arrays.
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
  expect((await api('/api/users', { username: 'tom', password: 'tom-password', role: 'technician', sites: ['site/WF2'] })).status).toBe(201);
});
test.afterAll(async () => {
  await server.stop();
});

test('events sent over the forward protocol and by HTTP msgpack are plotted from the server after sign-in', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  expect((await api('/api/sources', { tag: 'wf2.t01', site: 'site/WF2', units: { rotor: 'rpm' } })).status).toBe(201);
  const inverter = (await (await api('/api/sources', { tag: 'wf2.inverter', site: 'site/WF2', units: { dc_voltage: 'V' } })).json()) as { token: string };

  const start = Date.UTC(2026, 10, 1);
  const client = new FluentClient('wf2', { socket: { host: '127.0.0.1', port: server.forwardPort, timeout: 30_000 }, ack: { ackTimeout: 30_000 }, milliseconds: true, eventMode: 'PackedForward', flushInterval: 5 });
  await Promise.all(Array.from({ length: 20_000 }, (_, event) => client.emit('t01', { rotor: 12 + Math.sin(event / 300) }, start + event * 1000)));
  await client.disconnect();

  const body = Buffer.concat(Array.from({ length: 500 }, (_, event) => pack([start / 1000 + event * 60, { dc_voltage: 600 + (event % 50) }])));
  const posted = await fetch(`${server.url}/api/ingest?reference=wf2.inverter`, { method: 'POST', headers: { authorization: `Bearer ${inverter.token}`, 'content-type': 'application/x-msgpack' }, body });
  expect(posted.status).toBe(204);

  const channels = new ChannelsPage(page);
  await channels.open(server.url);
  const onServer = page.locator('fl-channel-list').getByRole('region', { name: 'On the server' });
  const form = onServer.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('User name').fill('tom');
  await form.getByLabel('Password').fill('tom-password');
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(onServer.locator('fl-channel-chart')).toHaveCount(2, { timeout: 30_000 });
  await channels.expectDrawn('rotor', 'summary');
  await channels.expectDrawn('dc_voltage', 'raw');
  await expect(channels.chart('rotor')).toContainText('20,000 samples');
  await expect(channels.chart('dc_voltage')).toContainText('500');
  await page.screenshot({ path: testInfo.outputPath('server-channels.png'), fullPage: true });
});
