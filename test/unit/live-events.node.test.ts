// The live event stream (GET /api/events, Server-Sent Events) against a real server over real
// sockets: ingestion over the forward protocol and HTTP appends produce `samples`, document
// writes `doc`; the role rules filter; Last-Event-ID resumes exactly; a restart or a position out
// of the window gets `reset`; a slow reader stays bounded; heartbeats outlive the request
// timeout; sign-out and shutdown end streams. The bus itself (coalescing, the window) below.
import http from 'node:http';
import { pack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { InProcessPublisher } from '../../src/server/live/publisher';
import type { SamplesData } from '../../src/core/live-events';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';
import { forwardExchange } from '../support/forward-client';
import { openSse, type SseClient, type SseMessage } from '../support/sse-client';
import { makeTempDir } from '../support/temp-dir';
import { startPostgres } from '../support/postgres';

let test: TestServer;
const tokens: Record<string, string | undefined> = {};
const call = apiCaller(() => test, tokens);
let source: { id: string };
const open: SseClient[] = [];

/** Opens the event stream as `who` (closed after the test file). */
async function events(who: string, options: { lastEventId?: string; query?: string; headers?: Record<string, string> } = {}): Promise<SseClient> {
  const client = await openSse(`${test.server.url}/api/events${options.query ?? ''}`, {
    ...(tokens[who] ? { token: tokens[who] } : {}),
    ...(options.lastEventId === undefined ? {} : { lastEventId: options.lastEventId }),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  open.push(client);
  return client;
}

const data = <T>(message: SseMessage): T => JSON.parse(message.data) as T;
const isDoc = (id: string) => (message: SseMessage) => message.event === 'doc' && data<{ id: string }>(message).id === id;

beforeAll(async () => {
  // Heartbeats (and their session checks) rarely: the sign-out tests must see the immediate end.
  test = await startTestServer({ LIVE_HEARTBEAT_MS: '60000' });
  tokens.admin = await test.login('admin', ADMIN_PASSWORD);
  tokens.tech = await test.addUser(tokens.admin, 'tech', 'technician', ['site/north']);
  source = (await (await call('admin', 'POST', '/api/sources', { tag: 'live.t01', site: 'site/north' })).json()) as { id: string };
});

afterAll(async () => {
  for (const client of open) client.close();
  await test.stop();
});

describe('GET /api/events', () => {
  it('answers 401 JSON without a session', async () => {
    const response = await fetch(`${test.server.url}/api/events`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('unauthorized');
  });

  it('an ingest over the forward protocol produces a samples event with the new length and last value', async () => {
    const stream = await events('admin');
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const second = Math.floor(Date.now() / 1000) - 2;
    const frame = pack(['live.t01', [[second, { temp: 20.5 }], [second + 1, { temp: 21.25, power: 7 }]], { chunk: 'live-1' }]);
    expect((await forwardExchange(test.server.forwardPort, frame, { answers: 1 })).answers).toEqual([{ ack: 'live-1' }]);
    const array = `array/${source.id}/temp`;
    const event = await stream.waitFor((message) => message.event === 'samples' && data<SamplesData>(message).array === array);
    expect(data<SamplesData>(event)).toEqual({ array, channel: `channel/${source.id}/temp`, site: 'site/north', length: 2, last: { time: (second + 1) * 1000, value: 21.25 } });
    expect(event.id).not.toBe('');
  });

  it('an HTTP array append produces a samples event', async () => {
    expect((await call('admin', 'POST', '/api/arrays', { id: 'array/live/http', timing: 'explicit', site: 'site/north' })).status).toBe(201);
    const stream = await events('admin');
    expect((await call('admin', 'POST', '/api/arrays/array%2Flive%2Fhttp/values', { times: [1000, 2000, 3000], values: [1, 2, 3.5] })).status).toBe(200);
    const event = await stream.waitFor((message) => message.event === 'samples');
    expect(data<SamplesData>(event)).toEqual({ array: 'array/live/http', site: 'site/north', length: 3, last: { time: 3000, value: 3.5 } });
  });

  it('an append no route told (a sync push, a bulk writer: straight into the storage) is told from the changes feed', async () => {
    const array = await ChannelArray.create(test.server.store.documents, 'array/live/pushed', { timing: 'explicit', site: 'site/north' });
    const stream = await events('admin');
    await array.append(Float32Array.from([7, 8, 9.5]), Float64Array.from([1000, 2000, 3000]));
    const event = await stream.waitFor((message) => message.event === 'samples' && data<SamplesData>(message).array === 'array/live/pushed');
    expect(data(event)).toEqual({ array: 'array/live/pushed', site: 'site/north', length: 3, last: { time: 3000, value: 9.5 } });
  });

  it('a document PUT produces a doc event with its site and type; a delete one with deleted', async () => {
    const stream = await events('admin');
    expect((await call('admin', 'PUT', '/api/docs/note%2Flive-1', { type: 'note', site: 'site/north', text: 'hello' })).status).toBeLessThan(300);
    expect(data(await stream.waitFor(isDoc('note/live-1')))).toEqual({ id: 'note/live-1', site: 'site/north', type: 'note' });
    expect((await call('admin', 'DELETE', '/api/docs/note%2Flive-1')).status).toBeLessThan(300);
    const deleted = await stream.waitFor((message) => isDoc('note/live-1')(message) && data<{ deleted?: boolean }>(message).deleted === true);
    expect(data(deleted)).toEqual({ id: 'note/live-1', site: 'site/north', deleted: true });
  });

  it('a technician gets the events of their sites only', async () => {
    const tech = await events('tech');
    const admin = await events('admin');
    await call('admin', 'PUT', '/api/docs/note%2Fsouth-1', { type: 'note', site: 'site/south', text: 'not for tech' });
    await call('admin', 'PUT', '/api/docs/note%2Fnowhere-1', { type: 'note', text: 'no site' });
    await call('admin', 'PUT', '/api/docs/note%2Fnorth-2', { type: 'note', site: 'site/north', text: 'for tech' });
    // The admin sees all three; the technician's positive signal is the last one.
    await admin.waitFor(isDoc('note/north-2'));
    expect(admin.messages.some(isDoc('note/south-1'))).toBe(true);
    await tech.waitFor(isDoc('note/north-2'));
    expect(tech.messages.filter((message) => message.event === 'doc').map((message) => data<{ id: string }>(message).id)).toEqual(['note/north-2']);
    // A document moved out of the technician's site reaches them as deleted there.
    await call('admin', 'PUT', '/api/docs/note%2Fnorth-2', { type: 'note', site: 'site/south', text: 'moved' });
    const left = await tech.waitFor((message) => isDoc('note/north-2')(message) && data<{ deleted?: boolean }>(message).deleted === true);
    expect(data(left)).toEqual({ id: 'note/north-2', site: 'site/north', type: 'note', deleted: true });
  });

  it.each([['the Last-Event-ID header'], ['the last_event_id query parameter']])('resumes from %s without loss or duplicates', async (how) => {
    const first = await events('admin');
    const ids = Array.from({ length: 10 }, (_, index) => `note/resume-${how.length}-${index}`);
    for (const id of ids.slice(0, 4)) await call('admin', 'PUT', `/api/docs/${encodeURIComponent(id)}`, { type: 'note', site: 'site/north' });
    const fourth = await first.waitFor(isDoc(ids[3]!));
    first.close();
    await first.ended;
    // Written while disconnected: the resumed stream must bring exactly these, once, in order.
    for (const id of ids.slice(4)) await call('admin', 'PUT', `/api/docs/${encodeURIComponent(id)}`, { type: 'note', site: 'site/north' });
    const resumed = how.includes('header') ? await events('admin', { lastEventId: fourth.id }) : await events('admin', { query: `?last_event_id=${encodeURIComponent(fourth.id)}` });
    await resumed.waitFor(isDoc(ids[9]!));
    const got = resumed.messages.filter((message) => message.event === 'doc').map((message) => data<{ id: string }>(message).id).filter((id) => ids.includes(id));
    expect(got).toEqual(ids.slice(4));
    expect(resumed.messages.some((message) => message.event === 'reset')).toBe(false);
  });

  it('a position it cannot resume from (garbage, another process) gets reset, then events', async () => {
    const stream = await events('admin', { lastEventId: 'not-a-position' });
    const reset = await stream.waitFor((message) => message.event === 'reset');
    expect(reset.data).toBe('{}');
    await call('admin', 'PUT', '/api/docs/note%2Fafter-reset', { type: 'note', site: 'site/north' });
    await stream.waitFor(isDoc('note/after-reset'));
  });

  it('is not compressed or buffered for a client that accepts compression', async () => {
    const stream = await events('admin', { headers: { 'accept-encoding': 'br, gzip' } });
    await call('admin', 'PUT', '/api/docs/note%2Fcompressed', { type: 'note', site: 'site/north' });
    await stream.waitFor(isDoc('note/compressed'));
    expect(stream.response.headers.get('content-encoding')).toBeNull();
  });

  it('heartbeats keep a quiet stream open past the request timeout, and the session check ends it when the user is disabled elsewhere', async () => {
    // Comments every 300 ms, and a request timeout of 400 ms.
    const other = await startTestServer({ LIVE_HEARTBEAT_MS: '300', HTTP_REQUEST_TIMEOUT_MS: '400', HTTP_HEADERS_TIMEOUT_MS: '200' });
    try {
      const token = await other.login('admin', ADMIN_PASSWORD);
      const stream = await openSse(`${other.server.url}/api/events`, { token });
      open.push(stream);
      // Five heartbeats: 1.5 s, well past the 400 ms request timeout.
      await expect.poll(() => stream.comments, { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
      const response = await fetch(`${other.server.url}/api/docs/note%2Fquiet`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'note' }) });
      expect(response.status).toBeLessThan(300);
      await stream.waitFor(isDoc('note/quiet'));
      // Its session ended behind the route's back (as another server process would): the next heartbeat's check ends the stream.
      await other.server.store.accounts.endSessions('admin');
      await stream.ended;
    } finally {
      await other.stop();
    }
  });

  it('a sign-out ends the stream of that session at once', async () => {
    const token = await test.login('tech', 'tech-password');
    const stream = await openSse(`${test.server.url}/api/events`, { token });
    open.push(stream);
    expect(stream.response.status).toBe(200);
    const other = await events('tech');
    expect((await fetch(`${test.server.url}/api/session`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status).toBeLessThan(300);
    await stream.ended;
    // Another session of the same user goes on.
    await call('admin', 'PUT', '/api/docs/note%2Fstill-on', { type: 'note', site: 'site/north' });
    await other.waitFor(isDoc('note/still-on'));
  });

  it('signing a user out everywhere ends all their streams', async () => {
    const token = await test.login('tech', 'tech-password');
    const stream = await openSse(`${test.server.url}/api/events`, { token });
    open.push(stream);
    expect((await call('admin', 'DELETE', '/api/users/tech/sessions')).status).toBeLessThan(300);
    await stream.ended;
    tokens.tech = await test.login('tech', 'tech-password');
  });

  it('signing everyone out ends every stream but that of the admin who asked', async () => {
    const techToken = await test.login('tech', 'tech-password');
    const tech = await openSse(`${test.server.url}/api/events`, { token: techToken });
    open.push(tech);
    const admin = await events('admin');
    expect((await call('admin', 'DELETE', '/api/sessions')).status).toBeLessThan(300);
    await tech.ended;
    await call('admin', 'PUT', '/api/docs/note%2Fafter-everyone', { type: 'note', site: 'site/north' });
    await admin.waitFor(isDoc('note/after-everyone'));
    tokens.tech = await test.login('tech', 'tech-password');
  });

  it("a change of a user's sites ends their stream; reconnected, it is judged by the new sites and resumes", async () => {
    const tech = await events('tech');
    await call('admin', 'PUT', '/api/docs/note%2Fbefore-move', { type: 'note', site: 'site/north' });
    const last = await tech.waitFor(isDoc('note/before-move'));
    expect((await call('admin', 'PATCH', '/api/users/tech', { sites: ['site/south'] })).status).toBe(200);
    await tech.ended;
    await call('admin', 'PUT', '/api/docs/note%2Fnorth-after', { type: 'note', site: 'site/north' });
    await call('admin', 'PUT', '/api/docs/note%2Fsouth-after', { type: 'note', site: 'site/south' });
    const again = await events('tech', { lastEventId: last.id });
    await again.waitFor(isDoc('note/south-after'));
    expect(again.messages.some(isDoc('note/north-after'))).toBe(false);
    expect((await call('admin', 'PATCH', '/api/users/tech', { sites: ['site/north'] })).status).toBe(200);
  });

  it('a client that goes away releases its subscription', async () => {
    const bus = test.server.live;
    if (!(bus instanceof InProcessPublisher)) throw new Error('the test server has no in-process bus');
    const before = bus.subscribers;
    const clients = await Promise.all([1, 2, 3].map(() => openSse(`${test.server.url}/api/events`, { token: tokens.admin! })));
    expect(bus.subscribers).toBe(before + 3);
    for (const client of clients) client.close();
    await expect.poll(() => bus.subscribers).toBe(before);
  });

  it('a reader that stops reading holds a cursor, not a queue: it is told reset when it comes back', async () => {
    // A client that takes the answer's headers (sent once the stream is subscribed) and then reads nothing.
    const agent = new http.Agent({ keepAlive: false });
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const request = http.get(`${test.server.url}/api/events`, { agent, headers: { authorization: `Bearer ${tokens.admin}`, accept: 'text/event-stream' } }, resolve);
      request.on('error', reject);
    });
    response.pause();
    expect(response.statusCode).toBe(200);
    // 40 000 events of 1 KiB (40 MiB) while the reader sleeps: the window keeps 10 000.
    const padding = 'x'.repeat(1000);
    const published = 40_000;
    for (let index = 0; index < published; index++) test.server.live.publish({ event: 'doc', data: { id: `note/slow-${index}-${padding}`, site: null } });
    let text = '';
    let bytes = 0;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      bytes += chunk.length;
      // What matters is kept: event names and the end marker, not the padding.
      text += chunk.replace(/x{20,}/g, '');
    });
    response.resume();
    // It reads what the buffers held, then `reset` (its place fell out of the window), then goes on from now.
    await expect.poll(() => text.includes('event: reset'), { timeout: 20_000 }).toBe(true);
    test.server.live.publish({ event: 'doc', data: { id: 'note/slow-end', site: null } });
    await expect.poll(() => text.includes('note/slow-end'), { timeout: 20_000 }).toBe(true);
    response.destroy();
    // What reached it is what the socket's buffers held, not the 40 MiB published.
    expect(bytes).toBeLessThan((published * 1000) / 2);
  }, 60_000);
});

describe('across restarts and shutdown', () => {
  it('after a restart, a client resuming from an old position gets reset', async () => {
    const dataDir = makeTempDir('fieldline-live-restart-');
    let server = await startTestServer({}, dataDir);
    try {
      const token = await server.login('admin', ADMIN_PASSWORD);
      const before = await openSse(`${server.server.url}/api/events`, { token });
      open.push(before);
      await fetch(`${server.server.url}/api/docs/note%2Fbefore`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'note' }) });
      const last = await before.waitFor(isDoc('note/before'));
      await server.stop(true);
      server = await startTestServer({}, dataDir);
      const after = await openSse(`${server.server.url}/api/events`, { token, lastEventId: last.id });
      open.push(after);
      const first = await after.waitFor(() => true);
      expect(first.event).toBe('reset');
    } finally {
      await server.stop();
    }
  });

  it('a graceful close ends open streams instead of waiting for them', async () => {
    const server = await startTestServer();
    const token = await server.login('admin', ADMIN_PASSWORD);
    const streams = await Promise.all([openSse(`${server.server.url}/api/events`, { token }), openSse(`${server.server.url}/api/events`, { token })]);
    open.push(...streams);
    expect(streams.map((stream) => stream.response.status)).toEqual([200, 200]);
    // A hang would be the failure: bounded well past the normal, sub-second, close.
    const closed = await Promise.race([server.stop().then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('hung'), 15_000))]);
    expect(closed).toBe('closed');
    await Promise.all(streams.map((stream) => stream.ended));
  }, 30_000);

  it('a graceful close does not wait on a stream whose reader stopped reading (its end never flushes)', async () => {
    const server = await startTestServer();
    const token = await server.login('admin', ADMIN_PASSWORD);
    const agent = new http.Agent({ keepAlive: false });
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const request = http.get(`${server.server.url}/api/events`, { agent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, resolve);
      request.on('error', reject);
    });
    response.pause();
    // Enough to fill both sides' socket buffers, so the server's end is stuck behind them.
    const padding = 'x'.repeat(1000);
    for (let index = 0; index < 10_000; index++) server.server.live.publish({ event: 'doc', data: { id: `note/stuck-${index}-${padding}`, site: null } });
    const closed = await Promise.race([server.stop().then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('hung'), 15_000))]);
    expect(closed).toBe('closed');
    response.destroy();
  }, 30_000);
});

describe('on PostgreSQL', () => {
  it('events come from the shared changes feed: a document or an append written through one server process reaches the stream of another', async () => {
    const postgres = await startPostgres();
    const servers: TestServer[] = [];
    try {
      servers.push(await startTestServer({ DATABASE_URL: postgres.url }));
      servers.push(await startTestServer({ DATABASE_URL: postgres.url }));
      const [writer, reader] = servers as [TestServer, TestServer];
      const token = await writer.login('admin', ADMIN_PASSWORD);
      const stream = await openSse(`${reader.server.url}/api/events`, { token });
      open.push(stream);
      const put = (body: unknown) => fetch(`${writer.server.url}/api/docs/note%2Fpg-1`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await put({ type: 'note', site: 'site/north' })).status).toBeLessThan(300);
      expect(data(await stream.waitFor(isDoc('note/pg-1')))).toEqual({ id: 'note/pg-1', site: 'site/north', type: 'note' });
      // Moved to another site: deleted for the site it left, then written in the new one.
      expect((await put({ type: 'note', site: 'site/south' })).status).toBeLessThan(300);
      await stream.waitFor((message) => isDoc('note/pg-1')(message) && data<{ site: string }>(message).site === 'site/south');
      expect(stream.messages.filter(isDoc('note/pg-1')).map((message) => data(message))).toEqual([
        { id: 'note/pg-1', site: 'site/north', type: 'note' },
        { id: 'note/pg-1', site: 'site/north', type: 'note', deleted: true },
        { id: 'note/pg-1', site: 'site/south', type: 'note' },
      ]);
      // Samples appended through the writer reach the reader too (its feed tells what no writer of its own did).
      const create = await fetch(`${writer.server.url}/api/arrays`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'array/pg/live', timing: 'explicit', site: 'site/north' }) });
      expect(create.status).toBe(201);
      const append = await fetch(`${writer.server.url}/api/arrays/array%2Fpg%2Flive/values`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ times: [1000, 2000], values: [4, 5.5] }) });
      expect(append.status).toBe(200);
      const samples = await stream.waitFor((message) => message.event === 'samples');
      expect(data(samples)).toEqual({ array: 'array/pg/live', site: 'site/north', length: 2, last: { time: 2000, value: 5.5 } });
    } finally {
      for (const server of servers) await server.stop();
      postgres.stop();
    }
  }, 60_000);
});

describe('InProcessPublisher', () => {
  const samples = (array: string, length: number): SamplesData => ({ array, site: null, length, last: { time: length, value: length } });

  it('coalesces a burst of appends to one array: the first at once, the last at the end of the interval', async () => {
    const bus = new InProcessPublisher({ coalesceMs: 50 });
    const woken: number[] = [];
    const reader = bus.subscribe(undefined, () => woken.push(1));
    for (let length = 1; length <= 1000; length++) bus.publish({ event: 'samples', data: samples('a', length) });
    bus.publish({ event: 'samples', data: samples('b', 1) });
    const read = () => {
      const out: SamplesData[] = [];
      for (let next = reader.next(); next; next = reader.next()) if (!('reset' in next) && next.message.event === 'samples') out.push(next.message.data);
      return out;
    };
    expect(read().map((data) => [data.array, data.length])).toEqual([['a', 1], ['b', 1]]);
    // The rest of the burst comes as one event with the final length.
    await expect.poll(read).toEqual([samples('a', 1000)]);
    bus.close();
  });

  it('resumes inside its window and resets outside it', () => {
    const bus = new InProcessPublisher({ window: 5 });
    const doc = (id: string) => ({ event: 'doc' as const, data: { id, site: null } });
    const start = bus.subscribe(undefined, () => undefined).position;
    for (let index = 0; index < 3; index++) bus.publish(doc(`d${index}`));
    const resumed = bus.subscribe(start, () => undefined);
    const ids: string[] = [];
    for (let next = resumed.next(); next; next = resumed.next()) if (!('reset' in next) && next.message.event === 'doc') ids.push(next.message.data.id);
    expect(ids).toEqual(['d0', 'd1', 'd2']);
    for (let index = 3; index < 10; index++) bus.publish(doc(`d${index}`));
    const tooOld = bus.subscribe(start, () => undefined).next();
    expect(tooOld !== undefined && 'reset' in tooOld).toBe(true);
    // A reader left behind by more than the window is reset at its next read, then goes on.
    const behind = bus.subscribe(undefined, () => undefined);
    for (let index = 0; index < 6; index++) bus.publish(doc(`e${index}`));
    const next = behind.next();
    expect(next !== undefined && 'reset' in next).toBe(true);
    expect(behind.next()).toBeUndefined();
    bus.close();
  });
});
