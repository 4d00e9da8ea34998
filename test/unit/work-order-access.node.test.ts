// Work orders on the server's write paths, over HTTP on SQLite: every write is a valid work order
// (400 naming the field, nothing written), technicians may not verify, nor change, delete or
// attach to a verified work order (403 saying so); engineers and admins may. PUT, POST, DELETE,
// bulk_docs (sync pushes through it) and attachments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editWorkOrder, newWorkOrder, type Role, type WorkOrder } from '../../src/core';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let counter = 0;
const who = (by: string, role: Role) => ({ by, role, id: `entry-${++counter}`, at: new Date(Date.UTC(2026, 11, 2, 8, 0, counter)).toISOString() });
const order = (site = 'site/T07'): WorkOrder => newWorkOrder({ site, title: 'Replace gearbox seal', asset: 'asset/t01', priority: 'high' }, who('eve', 'engineer'));
const done = (): WorkOrder => editWorkOrder(editWorkOrder(order(), { status: 'in_progress' }, who('tom', 'technician')), { status: 'done' }, who('tom', 'technician'));

describe('work orders on the server (SQLite)', () => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);
  const detail = async (response: Response) => ((await response.json()) as { error: string; detail: string }).detail;
  const path = (id: string) => `/api/docs/${encodeURIComponent(id)}`;
  const put = (user: string, id: string, doc: unknown) => call(user, 'PUT', path(id), doc);
  const get = async (id: string) => (await call('admin', 'GET', path(id))).json() as Promise<WorkOrder>;
  const bulk = async (user: string, docs: unknown[]) => ((await (await call(user, 'POST', '/api/bulk_docs', { docs })).json()) as { results: Array<{ ok: boolean; status?: number; message?: string }> }).results;

  beforeAll(async () => {
    test = await startTestServer();
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    tokens.eve = await test.addUser(tokens.admin, 'eve', 'engineer');
    tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/T07']);
    for (const site of ['site/T07', 'site/T08']) expect((await put('admin', site, { type: 'site', title: site })).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  it('accepts valid work orders, old ones too, from technicians of the site and engineers', async () => {
    expect((await put('tom', 'work_order/t-new', order())).status).toBe(200);
    expect((await put('eve', 'work_order/e-new', order('site/T08'))).status).toBe(200);
    expect((await call('tom', 'POST', '/api/docs', order())).status).toBe(201);
    // A document of the first version: status done, no history, no priority.
    expect((await put('tom', 'work_order/old', { type: 'work_order', site: 'site/T07', title: 'Grease', status: 'done', notes: '', updated_by: 'tom' })).status).toBe(200);
    expect((await bulk('tom', [{ id: 'work_order/t-bulk', doc: order() }]))[0]!.ok).toBe(true);
  });

  it('refuses an invalid work order on every path with a 400 naming the field, writing nothing', async () => {
    const bad = { ...order(), due: '2026-02-30' };
    for (const user of ['tom', 'eve', 'admin']) {
      const response = await put(user, `work_order/bad-${user}`, bad);
      expect(response.status, user).toBe(400);
      expect(await detail(response)).toMatch(/^work order "work_order\/bad-\w+": due "2026-02-30" is not a calendar date$/);
      expect((await call(user, 'GET', path(`work_order/bad-${user}`))).status).toBe(404);
    }
    const posted = await call('tom', 'POST', '/api/docs', { ...order(), status: 'closed' });
    expect(posted.status).toBe(400);
    expect(await detail(posted)).toMatch(/status must be one of open, assigned/);
    const results = await bulk('eve', [
      { id: 'work_order/bulk-good', doc: order() },
      { id: 'work_order/bulk-bad', doc: { ...order(), parts: [{ id: 'p', name: 'Seal', quantity: -1 }] } },
    ]);
    expect(results.map((result) => result.status ?? 'ok')).toEqual(['ok', 400]);
    expect(results[1]!.message).toMatch(/parts\[0\]\.quantity/);
    expect((await call('admin', 'GET', path('work_order/bulk-bad'))).status).toBe(404);
    // Over a stored one too: the stored version stays.
    const changed = await put('tom', 'work_order/t-new', { ...(await get('work_order/t-new')), title: '' });
    expect(changed.status).toBe(400);
    expect((await get('work_order/t-new')).title).toBe('Replace gearbox seal');
  });

  it('a technician may not verify (PUT, POST, bulk: 403); an engineer or admin may', async () => {
    const doneOrder = done();
    expect((await put('tom', 'work_order/to-verify', doneOrder)).status).toBe(200);
    const verified = editWorkOrder(doneOrder, { status: 'verified' }, who('eve', 'engineer'));
    const refused = await put('tom', 'work_order/to-verify', verified);
    expect(refused.status).toBe(403);
    expect(await detail(refused)).toBe('work order "work_order/to-verify": only an engineer or admin may verify a work order (status "verified")');
    expect((await call('tom', 'POST', '/api/docs', verified)).status).toBe(403);
    const results = await bulk('tom', [{ id: 'work_order/to-verify', doc: verified }, { id: 'work_order/new-verified', doc: verified }]);
    expect(results.map((result) => result.status)).toEqual([403, 403]);
    expect(results[0]!.message).toMatch(/only an engineer or admin may verify/);
    expect((await get('work_order/to-verify')).status).toBe('done');
    expect((await call('admin', 'GET', path('work_order/new-verified'))).status).toBe(404);

    expect((await put('eve', 'work_order/to-verify', verified)).status).toBe(200);
    expect((await get('work_order/to-verify')).verified_by).toBe('eve');
    expect((await bulk('admin', [{ id: 'work_order/admin-verified', doc: verified }]))[0]!.ok).toBe(true);
  });

  it('a technician may not change, delete or attach to a verified work order (403); the same body again is fine', async () => {
    const verified = editWorkOrder(done(), { status: 'verified' }, who('eve', 'engineer'));
    const id = 'work_order/verified';
    expect((await put('eve', id, verified)).status).toBe(200);
    const stored = await get(id);

    const changed = await put('tom', id, { ...stored, notes: 'one more thing' });
    expect(changed.status).toBe(403);
    expect(await detail(changed)).toBe('work order "work_order/verified" is verified: only an engineer or admin may change it (or reopen it)');
    // Reopening is an engineer's too (a technician sending the reopened document is changing a verified one).
    const reopenedByTom = editWorkOrder(stored, { status: 'in_progress' }, who('eve', 'engineer'), { comment: 'Leaking again' });
    expect((await put('tom', id, reopenedByTom)).status).toBe(403);
    const removed = await call('tom', 'DELETE', path(id));
    expect(removed.status).toBe(403);
    expect(await detail(removed)).toMatch(/is verified: only an engineer or admin may delete it/);
    const results = await bulk('tom', [{ id, doc: { ...stored, notes: 'bulk' } }, { id }]);
    expect(results.map((result) => result.status)).toEqual([403, 403]);
    const photo = await call('tom', 'PUT', `${path(id)}/attachments/${encodeURIComponent('photo/after.jpg')}`, new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), { 'content-type': 'image/jpeg' });
    expect(photo.status).toBe(403);
    expect(await detail(photo)).toMatch(/is verified: only an engineer or admin may change its photos/);
    expect(await get(id)).toEqual(stored);

    // A sync push whose answer was lost resends the verified document unchanged: accepted.
    expect((await put('tom', id, stored)).status).toBe(200);
    expect((await bulk('tom', [{ id, doc: stored }]))[0]!.ok).toBe(true);

    // The engineer reopens it; then the technician works on it again.
    expect((await put('eve', id, reopenedByTom)).status).toBe(200);
    const reopened = await get(id);
    expect(reopened.status).toBe('in_progress');
    expect((await put('tom', id, editWorkOrder(reopened, { notes: 'new seal fitted' }, who('tom', 'technician')))).status).toBe(200);
    expect((await call('tom', 'PUT', `${path(id)}/attachments/${encodeURIComponent('photo/after.jpg')}`, new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), { 'content-type': 'image/jpeg' })).status).toBe(204);
  });

  it('maintenance plans: engineers and admins write them in any site; technicians get 403 saying who does', async () => {
    const plan = (site: string) => ({
      type: 'maintenance_plan',
      site,
      title: 'Gearbox oil check',
      target: { asset_type: 'turbine' },
      trigger: { kind: 'calendar', every_days: 30, start: '2026-12-01' },
      lead_days: 7,
      checklist: [{ id: 'oil', label: 'Oil level', kind: 'value', unit: '%', min: 40, max: 90 }],
    });
    const refused = await put('tom', 'maintenance_plan/tom', plan('site/T07'));
    expect(refused.status).toBe(403);
    expect(await detail(refused)).toBe('only engineers and admins write maintenance plans');
    const results = await bulk('tom', [{ id: 'maintenance_plan/tom-bulk', doc: plan('site/T07') }]);
    expect(results[0]).toMatchObject({ ok: false, status: 403, message: 'only engineers and admins write maintenance plans' });
    expect((await put('eve', 'maintenance_plan/eve', plan('site/T08'))).status).toBe(200);
    expect((await put('admin', 'maintenance_plan/admin', plan('site/T07'))).status).toBe(200);
    expect((await call('tom', 'DELETE', path('maintenance_plan/admin'))).status).toBe(403);
  });

  it('engineers and admins change and delete verified work orders', async () => {
    const verified = editWorkOrder(done(), { status: 'verified' }, who('eve', 'engineer'));
    expect((await put('eve', 'work_order/eng-verified', verified)).status).toBe(200);
    expect((await put('eve', 'work_order/eng-verified', editWorkOrder(verified, { notes: 'typo' }, who('eve', 'engineer')))).status).toBe(200);
    expect((await call('admin', 'DELETE', path('work_order/eng-verified'))).status).toBe(200);
  });
});
