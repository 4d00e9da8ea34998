// Saved explorer views over HTTP on SQLite and PostgreSQL: every write path (PUT, POST, bulk_docs)
// checks them (explorerViewProblem: a 400 names the field); engineers and admins write and read
// them, technicians neither; the owner is who saved it; and a view without a site reaches every
// engineer's and admin's device through the app's sync (and stays there, readable offline), not a technician's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExplorerViewDoc } from '../../src/core';
import { createStorage, type Storage } from '../../src/storage';
import { ReplicateStorage } from '../../src/storage/replicate/replicate-storage';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

const view = (owner: string, extra: Partial<ExplorerViewDoc> = {}): ExplorerViewDoc => ({
  type: 'explorer_view',
  title: 'Gearbox fault on T01',
  owner,
  created_at: Date.UTC(2026, 11, 1),
  updated_at: Date.UTC(2026, 11, 1),
  panels: [{ series: [{ channel: 'channel/t01.scada/power' }] }, { series: [{ channel: 'channel/t01.cms/acc_x' }, { channel: 'channel/t01.cms/acc_y' }] }],
  range: { from: Date.UTC(2026, 11, 1), to: Date.UTC(2026, 11, 1, 2) },
  ...extra,
});

/** The app's replication query (src/main.ts): records sync, channel arrays and device-scoped documents do not. */
const APP_SYNC_QUERY = 'NOT kind:"fl-channel-array" AND NOT scope:device';

describe.each([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
])('saved explorer views on %s', (_name, env) => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);
  const detail = async (response: Response) => ((await response.json()) as { error: string; detail: string }).detail;
  const path = (id: string) => `/api/docs/${encodeURIComponent(id)}`;
  const put = (who: string, id: string, doc: unknown) => call(who, 'PUT', path(id), doc);
  const device = (who: string): { local: Storage; replica: ReplicateStorage } => {
    const local = createStorage({ type: 'memory' });
    const remote = createStorage({ type: 'http', url: test.server.url, token: tokens[who]! });
    return { local, replica: new ReplicateStorage(local, remote, createStorage({ type: 'memory' }), { query: APP_SYNC_QUERY }) };
  };

  beforeAll(async () => {
    test = await startTestServer({ ...env(), DEMO: '0' });
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    tokens.eve = await test.addUser(tokens.admin, 'eve', 'engineer');
    tokens.ed = await test.addUser(tokens.admin, 'eddie', 'engineer');
    tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/T07']);
    expect((await put('admin', 'site/T07', { type: 'site', title: 'T07' })).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  it('PUT, POST and bulk_docs refuse a malformed view with a 400 naming the field, and store nothing of it', async () => {
    const bad = await put('eve', 'explorer_view/bad', view('eve', { title: '' }));
    expect(bad.status).toBe(400);
    expect(await detail(bad)).toMatch(/explorer view "explorer_view\/bad": title must not be empty/);
    const posted = await call('eve', 'POST', '/api/docs', view('eve', { panels: Array.from({ length: 9 }, () => ({ series: [] })) }));
    expect(posted.status).toBe(400);
    expect(await detail(posted)).toMatch(/panels may have at most 8 entries/);
    const bulk = await call('eve', 'POST', '/api/bulk_docs', {
      docs: [
        { id: 'explorer_view/bulk-bad', doc: view('eve', { range: { from: 5, to: 1 } }) },
        { id: 'explorer_view/bulk-good', doc: view('eve') },
      ],
    });
    expect(bulk.status).toBe(200);
    const { results } = (await bulk.json()) as { results: Array<{ ok: boolean; status?: number; message?: string }> };
    expect(results[0]).toMatchObject({ ok: false, status: 400 });
    expect(results[0]!.message).toMatch(/range.from must not be after range.to/);
    expect(results[1]).toMatchObject({ ok: true });
    expect((await call('eve', 'GET', path('explorer_view/bad'))).status).toBe(404);
    expect((await call('eve', 'GET', path('explorer_view/bulk-bad'))).status).toBe(404);
    const sneaky = await put('eve', 'explorer_view/bulk-good', { ...view('eve'), panels: [{ series: [{ channel: 'c'.repeat(301) }] }] });
    expect(sneaky.status).toBe(400);
    expect(await detail(sneaky)).toMatch(/panels\[0\].series\[0\].channel must have at most 300 characters/);
  });

  it('engineers and admins write and read views; technicians get 403 for both', async () => {
    expect((await put('eve', 'explorer_view/eve-1', view('eve'))).status).toBe(200);
    expect((await put('admin', 'explorer_view/admin-1', view('admin'))).status).toBe(200);
    for (const who of ['eve', 'ed', 'admin']) expect((await call(who, 'GET', path('explorer_view/eve-1'))).status, who).toBe(200);
    expect((await call('tom', 'GET', path('explorer_view/eve-1'))).status).toBe(403);
    const written = await put('tom', 'explorer_view/tom-1', view('tom'));
    expect(written.status).toBe(403);
    expect(await detail(written)).toMatch(/only engineers and admins write saved explorer views/);
    // Not even in a site of theirs.
    expect((await put('tom', 'explorer_view/tom-2', view('tom', { site: 'site/T07' }))).status).toBe(403);
    // Another engineer may edit a shared view, keeping its owner.
    expect((await put('ed', 'explorer_view/eve-1', view('eve', { title: 'Renamed by Ed' }))).status).toBe(200);
  });

  it('the owner is who saved it: no one but an admin names another owner or changes it', async () => {
    const spoofed = await put('eve', 'explorer_view/spoof', view('eddie'));
    expect(spoofed.status).toBe(403);
    expect(await detail(spoofed)).toMatch(/owner must be who saves it, "eve"/);
    expect((await put('eve', 'explorer_view/eve-2', view('eve'))).status).toBe(200);
    const taken = await put('ed', 'explorer_view/eve-2', view('eddie'));
    expect(taken.status).toBe(403);
    expect(await detail(taken)).toMatch(/owner stays "eve"/);
    expect((await put('admin', 'explorer_view/eve-2', view('eddie'))).status).toBe(200);
    expect((await put('admin', 'explorer_view/for-ed', view('eddie'))).status).toBe(200);
  });

  it("a view saved on one engineer's device syncs to the other engineers' and admins' devices (readable offline there), not to a technician's", async () => {
    const eve = device('eve');
    const saved = view('eve', { title: 'Synced view', range: { last: 86_400_000, live: true } });
    await eve.local.put('explorer_view/synced', saved as never);
    const pushed = await eve.replica.sync();
    expect(pushed.refused).toEqual([]);
    expect((await call('admin', 'GET', path('explorer_view/synced'))).status).toBe(200);
    for (const who of ['ed', 'admin']) {
      const other = device(who);
      const report = await other.replica.sync();
      expect(report.refused, who).toEqual([]);
      // The local copy: what the app opens offline.
      expect(await other.local.get('explorer_view/synced'), who).toEqual(saved);
    }
    const tom = device('tom');
    const report = await tom.replica.sync();
    expect(report.refused).toEqual([]);
    // The sync ran (it pulled the technician's site) and brought no view.
    expect(await tom.local.get('site/T07')).toMatchObject({ type: 'site' });
    const { rows } = await tom.local.allDocs({ query: { type: 'simple', key: 'type', operator: '=', value: 'explorer_view' } });
    expect(rows).toEqual([]);
  });
});
