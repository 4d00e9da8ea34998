// Who writes what of the alarm documents, over HTTP on SQLite and PostgreSQL: alarms only the
// server and admins (people write alarm actions instead), alarm rules engineers and admins, and
// alarm actions anyone who reads the alarm's site — as themselves, on an alarm that exists in the
// same site, and never changed or deleted once written. Every write path: PUT, POST, DELETE,
// bulk_docs (sync pushes through it) and attachments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

const alarmId = 'alarm/gearbox-hot/source/t01/gearbox_temp/1';
const alarm = (site: string) => ({
  type: 'alarm',
  site,
  asset: 'asset/t01',
  channel: 'channel/source/t01/gearbox_temp',
  rule: 'alarm_rule/gearbox-hot',
  rule_title: 'Gearbox hot',
  message: 'gearbox temperature above 80',
  severity: 'high',
  state: 'active_unacked',
  raised_at: 1_000,
  count: 1,
  history: [{ at: 1_000, kind: 'raised', severity: 'high' }],
});
const rule = {
  type: 'alarm_rule',
  site: 'site/T07',
  title: 'Gearbox hot',
  enabled: true,
  target: { channel: 'channel/source/t01/gearbox_temp' },
  condition: { kind: 'threshold', direction: 'high', level: 80, deadband: 2 },
  severity: 'high',
};
const comment = (by: string, text: string, extra: Record<string, unknown> = {}) => ({ type: 'alarm_action', site: 'site/T07', alarm: alarmId, action: 'comment', by, at: 2_000, text, ...extra });

describe.each([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
])('alarm documents on %s', (_name, env) => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);
  const detail = async (response: Response) => ((await response.json()) as { error: string; detail: string }).detail;
  const put = (who: string, id: string, doc: unknown) => call(who, 'PUT', `/api/docs/${encodeURIComponent(id)}`, doc);
  const bulk = async (who: string, docs: unknown[]) => ((await (await call(who, 'POST', '/api/bulk_docs', { docs })).json()) as { results: Array<{ ok: boolean; status?: number; message?: string }> }).results;

  beforeAll(async () => {
    test = await startTestServer(env());
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    tokens.eve = await test.addUser(tokens.admin, 'eve', 'engineer');
    tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/T07']);
    tokens.tina = await test.addUser(tokens.admin, 'tina', 'technician', ['site/T08']);
    for (const site of ['site/T07', 'site/T08']) expect((await put('admin', site, { type: 'site', title: site })).status).toBe(200);
    expect((await put('admin', alarmId, alarm('site/T07'))).status).toBe(200);
    expect((await put('admin', 'alarm/other-site/x/1', alarm('site/T08'))).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  it('alarms: engineers and technicians get 403 saying to write an alarm_action; admins may', async () => {
    for (const who of ['tom', 'eve']) {
      const response = await put(who, 'alarm/made-up/x/1', alarm('site/T07'));
      expect(response.status, who).toBe(403);
      expect(await detail(response)).toMatch(/alarms are written by the server.*alarm_action/);
      expect((await call(who, 'POST', '/api/docs', alarm('site/T07'))).status).toBe(403);
      expect((await call(who, 'DELETE', `/api/docs/${encodeURIComponent(alarmId)}`)).status).toBe(403);
      const results = await bulk(who, [{ id: 'alarm/made-up/x/2', doc: alarm('site/T07') }, { id: alarmId }]);
      expect(results.map((result) => result.status)).toEqual([403, 403]);
      expect(results[0]!.message).toMatch(/alarm_action/);
      expect((await call(who, 'PUT', `/api/docs/${encodeURIComponent(alarmId)}/attachments/note.txt`, 'x', { 'content-type': 'text/plain' })).status).toBe(403);
    }
    expect((await call('tom', 'GET', `/api/docs/${encodeURIComponent('alarm/made-up/x/1')}`)).status).toBe(404);
    expect((await put('admin', 'alarm/made-up/x/1', alarm('site/T07'))).status).toBe(200);
    // Written by an admin, still checked: an alarm the devices could not show is a 400.
    const broken = await put('admin', 'alarm/made-up/x/1', { ...alarm('site/T07'), state: 'angry' });
    expect(broken.status).toBe(400);
    expect(await detail(broken)).toMatch(/state must be one of/);
  });

  it('alarm rules: technicians get 403, engineers and admins write them (checked: 400 past the limits)', async () => {
    const refused = await put('tom', 'alarm_rule/gearbox-hot', rule);
    expect(refused.status).toBe(403);
    expect(await detail(refused)).toMatch(/only engineers and admins write alarm rules/);
    expect((await bulk('tom', [{ id: 'alarm_rule/gearbox-hot', doc: rule }]))[0]!.status).toBe(403);
    expect((await put('eve', 'alarm_rule/gearbox-hot', rule)).status).toBe(200);
    expect((await put('admin', 'alarm_rule/gearbox-hot', { ...rule, title: 'Gearbox very hot' })).status).toBe(200);
    expect((await call('tom', 'DELETE', '/api/docs/alarm_rule%2Fgearbox-hot')).status).toBe(403);
    const tooLong = await put('eve', 'alarm_rule/too-long', { ...rule, condition: { kind: 'window', stat: 'rms', window_s: 86_401, direction: 'high', level: 1 } });
    expect(tooLong.status).toBe(400);
    expect(await detail(tooLong)).toMatch(/window_s/);
  });

  it('alarm actions: written by anyone who reads the site, as themselves, on an alarm of that site', async () => {
    expect((await put('tom', 'alarm_action/tom-1', comment('tom', 'on my way'))).status).toBe(200);
    expect((await call('tom', 'POST', '/api/docs', comment('tom', 'posted'))).status).toBe(201);
    expect((await put('eve', 'alarm_action/eve-1', comment('eve', 'looking at the trend'))).status).toBe(200);
    expect((await put('admin', 'alarm_action/admin-1', comment('admin', 'noted'))).status).toBe(200);

    const asOther = await put('tom', 'alarm_action/tom-2', comment('eve', 'in her name'));
    expect(asOther.status).toBe(403);
    expect(await detail(asOther)).toMatch(/"by" must be "tom"/);
    const noAlarm = await put('tom', 'alarm_action/tom-3', comment('tom', 'what alarm?', { alarm: 'alarm/none/x/1' }));
    expect(noAlarm.status).toBe(400);
    expect(await detail(noAlarm)).toMatch(/there is no alarm "alarm\/none\/x\/1"/);
    const notAnAlarm = await put('tom', 'alarm_action/tom-4', comment('tom', 'a site?', { alarm: 'alarm_rule/gearbox-hot' }));
    expect(notAnAlarm.status).toBe(400);
    // The other site's alarm, named from this site: the alarm's site decides.
    const wrongSite = await put('tom', 'alarm_action/tom-5', comment('tom', 'theirs', { alarm: 'alarm/other-site/x/1' }));
    expect(wrongSite.status).toBe(400);
    expect(await detail(wrongSite)).toMatch(/its site must be its alarm's \("site\/T08"\)/);
    // A technician of another site: their own site's rule first (403).
    expect((await put('tina', 'alarm_action/tina-1', comment('tina', 'not mine'))).status).toBe(403);
    const malformed = await put('tom', 'alarm_action/tom-6', comment('tom', 'x', { action: 'snooze' }));
    expect(malformed.status).toBe(400);
    expect(await detail(malformed)).toMatch(/action must be one of/);
    expect((await put('tom', 'alarm_action/tom-7', { ...comment('tom', 'x'), text: undefined })).status).toBe(400);

    const results = await bulk('tom', [
      { id: 'alarm_action/bulk-ok', doc: comment('tom', 'in a batch') },
      { id: 'alarm_action/bulk-as-eve', doc: comment('eve', 'in a batch') },
      { id: 'alarm_action/bulk-no-alarm', doc: comment('tom', 'x', { alarm: 'alarm/none/x/1' }) },
    ]);
    expect(results.map((result) => result.status ?? 'ok')).toEqual(['ok', 403, 400]);
    for (const refused of ['tom-2', 'tom-3', 'tom-5', 'tina-1', 'bulk-as-eve', 'bulk-no-alarm']) {
      expect((await call('admin', 'GET', `/api/docs/alarm_action%2F${refused}`)).status, refused).toBe(404);
    }
  });

  it('the alarm is looked up inside the writing transaction: an alarm written earlier in the same batch counts', async () => {
    const id = 'alarm/same-batch/x/1';
    const results = await bulk('admin', [
      { id, doc: alarm('site/T07') },
      { id: 'alarm_action/same-batch', doc: comment('admin', 'right after', { alarm: id }) },
    ]);
    expect(results.map((result) => result.ok)).toEqual([true, true]);
    // And one deleted earlier in the batch is gone for the action after it.
    const gone = await bulk('admin', [{ id }, { id: 'alarm_action/after-delete', doc: comment('admin', 'too late', { alarm: id }) }]);
    expect(gone.map((result) => result.status ?? 'ok')).toEqual(['ok', 400]);
  });

  it('an action is immutable: no change, no delete, no attachment (409), by anyone; the same body again is fine', async () => {
    const id = 'alarm_action/immutable';
    const original = comment('tom', 'first words');
    expect((await put('tom', id, original)).status).toBe(200);
    const path = `/api/docs/${encodeURIComponent(id)}`;
    for (const who of ['tom', 'admin']) {
      const changed = await put(who, id, { ...original, text: 'second thoughts' });
      expect(changed.status, who).toBe(409);
      expect(await detail(changed)).toMatch(/cannot be changed; write a new alarm_action/);
      const removed = await call(who, 'DELETE', path);
      expect(removed.status, who).toBe(409);
      expect(await detail(removed)).toMatch(/cannot be deleted/);
      expect((await bulk(who, [{ id, doc: { ...original, text: 'bulk change' } }, { id }])).map((result) => result.status)).toEqual([409, 409]);
      expect((await call(who, 'PUT', `${path}/attachments/photo.jpg`, 'JPEG', { 'content-type': 'image/jpeg' })).status, who).toBe(409);
    }
    // A sync push whose answer was lost sends the same action again: accepted, nothing changes.
    expect((await put('tom', id, original)).status).toBe(200);
    expect((await bulk('tom', [{ id, doc: original }]))[0]!.ok).toBe(true);
    expect(await (await call('admin', 'GET', path)).json()).toEqual(original);
  });
});
