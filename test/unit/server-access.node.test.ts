// Who may do what through the HTTP API: a role × route matrix, site scoping for technicians
// through every route (documents, attachments, lists, queries, changes), sessions and headers.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_MS } from '../../src/server/auth/accounts';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let test: TestServer;
const tokens: Record<string, string | undefined> = { anonymous: undefined };

const call = apiCaller(() => test, tokens);

beforeAll(async () => {
  test = await startTestServer();
  tokens.admin = await test.login('admin', ADMIN_PASSWORD);
  tokens.eve = await test.addUser(tokens.admin, 'eve', 'engineer');
  tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/T07']);
  for (const [id, doc] of [
    ['site/T07', { type: 'site', title: 'Wind farm north' }],
    ['site/T08', { type: 'site', title: 'Wind farm south' }],
    ['inspection-07', { type: 'inspection', site: 'site/T07', note: 'ok' }],
    ['inspection-08', { type: 'inspection', site: 'site/T08', note: 'secret' }],
  ] as const) {
    expect((await call('admin', 'PUT', `/api/docs/${encodeURIComponent(id)}`, doc)).status).toBe(200);
  }
  for (const id of ['inspection-07', 'inspection-08']) {
    expect((await call('admin', 'PUT', `/api/docs/${id}/attachments/photo.jpg`, 'JPEG BYTES', { 'content-type': 'image/jpeg' })).status).toBe(204);
  }
});

afterAll(async () => {
  await test.stop();
});

const alarm08 = {
  type: 'alarm',
  site: 'site/T08',
  asset: 'asset/t08',
  channel: 'channel/source/t08/vib',
  rule: 'alarm_rule/vib',
  rule_title: 'Vibration',
  message: 'vib > 5',
  severity: 'high',
  state: 'active_unacked',
  raised_at: 1,
  count: 1,
  history: [],
};

type Expectation = [method: string, path: string, body: unknown, statuses: Record<'anonymous' | 'tom' | 'eve' | 'admin', number>];

const matrix: Expectation[] = [
  ['GET', '/api/users', undefined, { anonymous: 401, tom: 403, eve: 403, admin: 200 }],
  ['POST', '/api/users', { username: 'x', password: 'long enough now', role: 'technician' }, { anonymous: 401, tom: 403, eve: 403, admin: 201 }],
  ['GET', '/api/docs', undefined, { anonymous: 401, tom: 200, eve: 200, admin: 200 }],
  ['GET', '/api/docs/inspection-08', undefined, { anonymous: 401, tom: 403, eve: 200, admin: 200 }],
  ['GET', '/api/docs/inspection-07', undefined, { anonymous: 401, tom: 200, eve: 200, admin: 200 }],
  ['PUT', '/api/docs/inspection-08', { type: 'inspection', site: 'site/T08', note: 'edited' }, { anonymous: 401, tom: 403, eve: 403, admin: 200 }],
  ['PUT', '/api/docs/inspection-07', { type: 'inspection', site: 'site/T07', note: 'edited' }, { anonymous: 401, tom: 200, eve: 403, admin: 200 }],
  // Alarms are the server's (people write alarm_action documents): admins only (alarm-access.node.test.ts).
  ['PUT', '/api/docs/alarm-08', alarm08, { anonymous: 401, tom: 403, eve: 403, admin: 200 }],
  ['POST', '/api/docs', { type: 'inspection', site: 'site/T08' }, { anonymous: 401, tom: 403, eve: 403, admin: 201 }],
  ['PUT', '/api/docs/site%2FT09', { type: 'site', title: 'new site' }, { anonymous: 401, tom: 403, eve: 403, admin: 200 }],
  ['GET', '/api/docs/inspection-08/attachments', undefined, { anonymous: 401, tom: 403, eve: 200, admin: 200 }],
  ['GET', '/api/docs/inspection-08/attachments/photo.jpg', undefined, { anonymous: 401, tom: 403, eve: 200, admin: 200 }],
  ['GET', '/api/docs/inspection-07/attachments/photo.jpg', undefined, { anonymous: 401, tom: 200, eve: 200, admin: 200 }],
  ['GET', '/api/changes', undefined, { anonymous: 401, tom: 200, eve: 200, admin: 200 }],
  ['DELETE', '/api/docs/inspection-08/attachments/photo.jpg', undefined, { anonymous: 401, tom: 403, eve: 403, admin: 204 }],
  ['DELETE', '/api/docs/inspection-08', undefined, { anonymous: 401, tom: 403, eve: 403, admin: 200 }],
];

describe('role × route matrix', () => {
  it.each(matrix)('%s %s', async (method, path, body, statuses) => {
    // Admin last: its writes must not change what the others are checked against.
    for (const who of ['anonymous', 'tom', 'eve', 'admin'] as const) {
      const response = await call(who, method, path, body);
      expect(response.status, `${who} ${method} ${path}`).toBe(statuses[who]);
      if (response.status >= 400) expect(Object.keys((await response.json()) as object).sort()).toEqual(['detail', 'error']);
    }
  });
});

describe('a technician sees and touches only their sites', () => {
  it('lists, queries and the changes feed leave other sites out', async () => {
    const list = (await (await call('tom', 'GET', '/api/docs?include_docs=true')).json()) as { rows: Array<{ id: string; doc: { site?: string } }> };
    expect(list.rows.length).toBeGreaterThan(0);
    for (const row of list.rows) expect(row.id === 'site/T07' || row.doc.site === 'site/T07').toBe(true);
    const query = (await (await call('tom', 'GET', `/api/docs?query=${encodeURIComponent('note:secret OR site:"site/T08"')}`)).json()) as { rows: unknown[] };
    expect(query.rows).toEqual([]);
    const changes = (await (await call('tom', 'GET', '/api/changes')).json()) as { results: Array<{ id: string }> };
    expect(changes.results.map((change) => change.id).sort()).toEqual(expect.arrayContaining(['inspection-07', 'site/T07']));
    expect(changes.results.some((change) => ['site/T08', 'inspection-08', 'alarm-08'].includes(change.id))).toBe(false);
  });

  it('the typed views (sites, assets, channels) are scoped too', async () => {
    const sites = (await (await call('tom', 'GET', '/api/sites')).json()) as { rows: Array<{ id: string; doc: { title: string } }> };
    expect(sites.rows.map((row) => row.id)).toEqual(['site/T07']);
    expect(sites.rows[0]!.doc.title).toBe('Wind farm north');
    const all = (await (await call('eve', 'GET', '/api/sites?select_list=title')).json()) as { rows: Array<{ id: string; value: { title: string } }> };
    expect(all.rows.map((row) => row.id)).toEqual(expect.arrayContaining(['site/T07', 'site/T08']));
    expect((await call('anonymous', 'GET', '/api/channels')).status).toBe(401);
  });

  it('cannot move a document to another site, create one without a site, or write a site', async () => {
    expect((await call('tom', 'PUT', '/api/docs/inspection-07', { type: 'inspection', site: 'site/T08' })).status).toBe(403);
    expect((await call('tom', 'PUT', '/api/docs/loose', { type: 'inspection' })).status).toBe(403);
    expect((await call('tom', 'PUT', '/api/docs/site%2FT07', { type: 'site', title: 'renamed' })).status).toBe(403);
    expect((await call('tom', 'PUT', '/api/docs/inspection-07-b', { type: 'inspection', site: 'site/T07' })).status).toBe(200);
    const stored = (await (await call('admin', 'GET', '/api/docs/inspection-07')).json()) as { site: string };
    expect(stored.site).toBe('site/T07');
  });

  it('cannot learn whether another site has a document by its answers (403 before reading it)', async () => {
    const response = await call('tom', 'GET', '/api/docs/inspection-08/attachments/photo.jpg', undefined, { range: 'bytes=0-3' });
    expect(response.status).toBe(403);
  });
});

type WriteResults = { results: Array<{ id: string; ok: boolean; status?: number; code?: string }> };
type Feed = { results: Array<{ id: string; deleted?: boolean; doc?: { site?: string }; attachments?: Record<string, unknown> }> };

describe('bulk writes and changes with documents follow the same rules', () => {
  it("a technician's bulk_docs into another site gets a 403 for that write; the others land", async () => {
    expect((await call('admin', 'PUT', '/api/docs/bulk-08', { type: 'inspection', site: 'site/T08', note: 'theirs' })).status).toBe(200);
    const response = await call('tom', 'POST', '/api/bulk_docs', {
      docs: [
        { id: 'bulk-07-a', doc: { type: 'inspection', site: 'site/T07', note: 'mine' } },
        { id: 'bulk-08-new', doc: { type: 'inspection', site: 'site/T08', note: 'not mine' } },
        { id: 'bulk-08', doc: { type: 'inspection', site: 'site/T07', note: 'taken over' } },
        { id: 'bulk-08' },
        { id: 'bulk-07-b', doc: { type: 'inspection', site: 'site/T07' }, expect: null },
        { id: 'bulk-07-c', doc: [1, 2] },
        { id: 'never-existed' },
        { id: 'site/T07', doc: { type: 'site', title: 'renamed' } },
      ],
    });
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as WriteResults;
    expect(results.map((result) => (result.ok ? 'ok' : `${result.status} ${result.code}`))).toEqual([
      'ok',
      '403 forbidden',
      '403 forbidden',
      '403 forbidden',
      'ok',
      '400 bad_request',
      'ok',
      '403 forbidden',
    ]);
    expect(await (await call('admin', 'GET', '/api/docs/bulk-07-a')).json()).toEqual({ type: 'inspection', site: 'site/T07', note: 'mine' });
    expect((await call('admin', 'GET', '/api/docs/bulk-07-b')).status).toBe(200);
    expect((await call('admin', 'GET', '/api/docs/bulk-08-new')).status).toBe(404);
    expect(await (await call('admin', 'GET', '/api/docs/bulk-08')).json()).toEqual({ type: 'inspection', site: 'site/T08', note: 'theirs' });
    expect(((await (await call('admin', 'GET', '/api/docs/site%2FT07')).json()) as { title: string }).title).toBe('Wind farm north');
  });

  it('an engineer writes only the document types engineers may, write by write', async () => {
    const response = await call('eve', 'POST', '/api/bulk_docs', {
      docs: [
        { id: 'wo-bulk', doc: { type: 'work_order', site: 'site/T08', title: 'Check vibration', status: 'open' } },
        { id: 'inspection-bulk', doc: { type: 'inspection', site: 'site/T08' } },
        { id: 'alarm-bulk', doc: { ...alarm08, message: 'temp > 80' } },
      ],
    });
    const { results } = (await response.json()) as WriteResults;
    expect(results.map((result) => result.status ?? 'ok')).toEqual(['ok', 403, 403]);
  });

  it('refuses more than 2000 writes (413) and a malformed body (400) as a whole, writing nothing', async () => {
    const docs = Array.from({ length: 2001 }, (_, index) => ({ id: `too-many-${index}`, doc: { type: 'note', site: 'site/T07' } }));
    const tooMany = await call('admin', 'POST', '/api/bulk_docs', { docs });
    expect(tooMany.status).toBe(413);
    expect(((await tooMany.json()) as { error: string; detail: string }).detail).toMatch(/at most 2000/);
    expect((await call('admin', 'GET', '/api/docs/too-many-0')).status).toBe(404);
    expect((await call('admin', 'POST', '/api/bulk_docs', { documents: [] })).status).toBe(400);
    expect((await call('anonymous', 'POST', '/api/bulk_docs', { docs: [] })).status).toBe(401);
    // 2000 writes are one request.
    const full = await call('admin', 'POST', '/api/bulk_docs', { docs: docs.slice(0, 2000) });
    expect(full.status).toBe(200);
    expect(((await full.json()) as WriteResults).results.every((result) => result.ok)).toBe(true);
  });

  it("changes with documents never show a technician another site's documents, and carry attachment digests", async () => {
    const feed = (await (await call('tom', 'GET', '/api/changes?include_docs=true')).json()) as Feed;
    expect(feed.results.length).toBeGreaterThan(0);
    for (const change of feed.results) {
      if (change.deleted) expect(change.doc).toBeUndefined();
      else expect(change.id === 'site/T07' || change.doc?.site === 'site/T07', change.id).toBe(true);
    }
    const ids = feed.results.map((change) => change.id);
    expect(ids).toEqual(expect.arrayContaining(['inspection-07', 'bulk-07-a']));
    for (const theirs of ['site/T08', 'inspection-08', 'alarm-08', 'bulk-08', 'wo-bulk']) expect(ids).not.toContain(theirs);
    const digest = createHash('sha256').update('JPEG BYTES').digest('hex');
    expect(feed.results.find((change) => change.id === 'inspection-07')?.attachments).toEqual({ 'photo.jpg': { length: 10, content_type: 'image/jpeg', digest } });
    // The filter is not vacuous: an engineer's feed has the other site's documents.
    const all = (await (await call('eve', 'GET', '/api/changes?include_docs=true')).json()) as Feed;
    expect(all.results.find((change) => change.id === 'bulk-08')?.doc).toEqual({ type: 'inspection', site: 'site/T08', note: 'theirs' });
    expect(await (await call('tom', 'GET', '/api/docs/inspection-07/attachments?digest=1')).json()).toEqual({ 'photo.jpg': { length: 10, content_type: 'image/jpeg', digest } });
    expect((await call('tom', 'GET', '/api/docs/bulk-08/attachments?digest=1')).status).toBe(403);
  });
});

describe('sessions', () => {
  it('wrong passwords, malformed bodies and ended sessions are refused', async () => {
    expect((await call('anonymous', 'POST', '/api/session', { username: 'admin', password: 'nope' })).status).toBe(401);
    expect((await call('anonymous', 'POST', '/api/session', { username: 'admin' })).status).toBe(400);
    expect((await call('anonymous', 'POST', '/api/session', '{"username": "admin",', { 'content-type': 'application/json' })).status).toBe(400);
    const token = await test.login('eve', 'eve-password');
    tokens.ended = token;
    expect((await call('ended', 'GET', '/api/session')).status).toBe(200);
    expect((await call('ended', 'DELETE', '/api/session')).status).toBe(204);
    expect((await call('ended', 'GET', '/api/docs')).status).toBe(401);
  });

  it('a login sets an HttpOnly cookie that works instead of the bearer token', async () => {
    const response = await call('anonymous', 'POST', '/api/session', { username: 'tom', password: 'tom-password' });
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/fl_session=.*HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const viaCookie = await fetch(`${test.server.url}/api/docs/inspection-07`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(viaCookie.status).toBe(200);
  });

  it('sessions expire', async () => {
    const { token } = await test.server.store.accounts.startSession('eve', Date.now() - SESSION_MS - 1000);
    tokens.expired = token;
    expect((await call('expired', 'GET', '/api/docs')).status).toBe(401);
  });

  it('password guessing is rate-limited', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 12; attempt++) statuses.push((await call('anonymous', 'POST', '/api/session', { username: 'admin', password: `guess-${attempt}` })).status);
    expect(statuses).toContain(429);
  });
});

describe('HTTP hardening', () => {
  it('sends security headers', async () => {
    const response = await call('anonymous', 'GET', '/api/health');
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBeTruthy();
  });

  it('serves attachment byte ranges with 206 and Content-Range', async () => {
    const response = await call('tom', 'GET', '/api/docs/inspection-07/attachments/photo.jpg', undefined, { range: 'bytes=2-5' });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe('bytes 2-5/10');
    expect(await response.text()).toBe('EG B');
    expect(response.headers.get('content-type')).toBe('image/jpeg');
  });

  it('refuses oversized JSON bodies with 413', async () => {
    const response = await call('admin', 'PUT', '/api/docs/huge', { blob: 'x'.repeat(11 * 1024 * 1024) });
    expect(response.status).toBe(413);
    expect((await call('admin', 'GET', '/api/docs/huge')).status).toBe(404);
  });
});
