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

test("the app's LiveService: signed out, the stream is refused; signed in again, it reconnects by itself and resumes where it was", async ({ page, context }) => {
  test.setTimeout(90_000);
  const signIn = async () => ((await (await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) })).json()) as { token: string }).token;
  const first = await signIn();
  const registered = await fetch(`${server.url}/api/sources`, { method: 'POST', headers: { authorization: `Bearer ${first}`, 'content-type': 'application/json' }, body: JSON.stringify({ tag: 'live.t02', site: 'site/LIVE' }) });
  const source = (await registered.json()) as { id: string };
  const start = Date.now() - 600_000;
  const sendT02 = async (count: number, from: number) => {
    const client = new FluentClient('live', { socket: { host: '127.0.0.1', port: server.forwardPort, timeout: 30_000 }, ack: { ackTimeout: 30_000 }, milliseconds: true, eventMode: 'Message', flushInterval: 5 });
    await Promise.all(Array.from({ length: count }, (_, index) => client.emit('t02', { temp: 20 + index }, start + (from + index) * 1000)));
    await client.disconnect();
  };
  await context.addCookies([{ name: 'fl_session', value: first, url: server.url }]);
  await page.goto(`${server.url}/#/sites`);
  // What the app's LiveService (<fl-app>.live) delivers, whatever the views do meanwhile.
  const live = () => page.evaluate(() => {
    const service = (document.querySelector('fl-app') as unknown as { live?: { connected: boolean } }).live;
    const got = (window as unknown as { liveGot?: Array<{ type: string; array?: string; length?: number }> }).liveGot ?? [];
    return { connected: service?.connected ?? false, got };
  });
  await page.evaluate(() => {
    const got: unknown[] = [];
    (window as unknown as { liveGot: unknown[] }).liveGot = got;
    (document.querySelector('fl-app') as unknown as { live: { subscribe(listener: (event: unknown) => void): () => void } }).live.subscribe((event) => got.push(event));
  });
  await expect.poll(async () => (await live()).connected, { timeout: 15_000 }).toBe(true);
  const array = `array/${source.id}/temp`;
  await sendT02(10, 0);
  await expect.poll(async () => (await live()).got.some((event) => event.type === 'samples' && event.array === array && event.length === 10), { timeout: 15_000 }).toBe(true);

  // Signed out elsewhere: the server ends the stream, and EventSource's reconnect is refused
  // (401), after which an EventSource alone stays closed for good.
  expect((await fetch(`${server.url}/api/session`, { method: 'DELETE', headers: { authorization: `Bearer ${first}` } })).status).toBeLessThan(300);
  await expect.poll(async () => (await live()).connected, { timeout: 15_000 }).toBe(false);
  await sendT02(2, 10);
  // Signed in again as the app's sign-in form does: POST /api/session from the page (the server
  // sets the session cookie), then `fl-signed-in`.
  await page.evaluate(async (password) => {
    const response = await fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    if (!response.ok) throw new Error(`sign-in failed: ${response.status}`);
    window.dispatchEvent(new Event('fl-signed-in'));
  }, ADMIN_PASSWORD);
  await expect.poll(async () => (await live()).connected, { timeout: 15_000 }).toBe(true);
  // Resumed from the last event it had: the samples sent while it was out arrive, then new ones.
  await expect.poll(async () => (await live()).got.some((event) => event.type === 'samples' && event.array === array && event.length === 12), { timeout: 15_000 }).toBe(true);
  await sendT02(1, 12);
  await expect.poll(async () => (await live()).got.some((event) => event.type === 'samples' && event.array === array && event.length === 13), { timeout: 15_000 }).toBe(true);
  expect((await live()).got.some((event) => event.type === 'reset')).toBe(false);
});
