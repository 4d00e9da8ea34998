import { FluentClient } from '@fluent-org/logger';
import { expect, test } from '@playwright/test';
import { startE2eServer, type E2eServer } from './support/server';
import { ChannelPage } from './pages/channel-page';

// Live: a channel's chart tails the server's data. Samples sent over the fluentd forward protocol
// (with acks) after the page drew the chart appear on it without a reload, through GET
// /api/events (EventSource, the session cookie). After a server restart the stream comes back
// and the chart goes on tailing.
const ADMIN_PASSWORD = 'e2e admin password';
let server: E2eServer;
let token: string;

test.beforeAll(async () => {
  server = await startE2eServer({ ADMIN_PASSWORD });
  const session = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  token = ((await session.json()) as { token: string }).token;
});
test.afterAll(async () => {
  await server.stop();
});

/** Sends `count` samples of `temp` one second apart from `start` (epoch ms), each acknowledged. */
async function send(start: number, count: number, first = 0): Promise<void> {
  const client = new FluentClient('live', { socket: { host: '127.0.0.1', port: server.forwardPort, timeout: 30_000 }, ack: { ackTimeout: 30_000 }, milliseconds: true, eventMode: 'Message', flushInterval: 5 });
  await Promise.all(Array.from({ length: count }, (_, index) => client.emit('t01', { temp: 40 + ((first + index) % 7) }, start + (first + index) * 1000)));
  await client.disconnect();
}

test('a channel chart shows samples ingested after it was drawn, without a reload, and again after a server restart', async ({ page, context }) => {
  test.setTimeout(90_000);
  const registered = await fetch(`${server.url}/api/sources`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ tag: 'live.t01', site: 'site/LIVE', units: { temp: '°C' } }) });
  expect(registered.status).toBe(201);
  const source = (await registered.json()) as { id: string };
  const start = Date.now() - 600_000;
  await send(start, 100);

  // Signed in as the app is after its sign-in form: the session cookie.
  await context.addCookies([{ name: 'fl_session', value: token, url: server.url }]);
  const channel = new ChannelPage(page);
  let loads = 0;
  page.on('load', () => loads++);
  await channel.open(server.url, `channel/${source.id}/temp`);
  await channel.expectSamples(100);
  const pointsBefore = await channel.points();

  await send(start, 5, 100);
  await channel.expectSamples(105, 10_000);
  expect(await channel.points()).toBe(pointsBefore + 5);
  expect(loads).toBe(1);

  // The server restarts: the page's stream reconnects (reset: the chart loads again) and tails on.
  await server.kill();
  await server.restart();
  await send(start, 3, 105);
  await channel.expectSamples(108, 30_000);
  expect(loads).toBe(1);
});
