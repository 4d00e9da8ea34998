// The alarm action applier on SQLite and PostgreSQL: every alarm_action is applied to its alarm
// exactly once — found by the doc feed right after it commits, by the sweep at start (stored
// while no applier ran, as after a crash), by both, by several appliers on one database, by two
// servers on one PostgreSQL — and an action racing an evaluator write of the same alarm loses
// nothing (the conditional write fails and is retried on the new version).
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { docHash, type Alarm, type Json } from '../../src/core';
import { ActionApplier, type ApplierLog } from '../../src/server/alarms/action-applier';
import { DocFeed } from '../../src/server/live/doc-feed';
import { InProcessPublisher } from '../../src/server/live/publisher';
import { openStore } from '../../src/server/store/open-store';
import type { Store } from '../../src/server/store/store';
import type { Doc } from '../../src/storage/backend';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';
import { makeTempDir } from '../support/temp-dir';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

let counter = 0;
const unique = (name: string) => `${name}-${++counter}`;

function alarmDoc(overrides: Partial<Alarm> = {}): Alarm {
  return {
    type: 'alarm',
    site: 'site/T07',
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
    ...overrides,
  };
}

const action = (alarm: string, kind: string, extra: Record<string, unknown> = {}) => ({ type: 'alarm_action', site: 'site/T07', alarm, action: kind, by: 'tom', at: 2_000, ...extra });

/** A log that keeps what it was told. */
function recordingLog(): ApplierLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (_object, message) => lines.push(message), warn: (_object, message) => lines.push(`warn: ${message}`) };
}

describe.each([
  ['SQLite', () => ({ dataDir: makeTempDir('fieldline-applier-'), databaseUrl: undefined })],
  ['PostgreSQL', () => ({ dataDir: makeTempDir('fieldline-applier-'), databaseUrl: postgres.url as string | undefined })],
])('the action applier on %s', (_name, config) => {
  let store: Store;
  const running: Array<{ stop(): Promise<void> }> = [];
  const write = async (id: string, doc: unknown) => {
    const [result] = await store.documents.bulkDocs([{ id, doc: doc as Doc }]);
    expect(result!.ok, JSON.stringify(result)).toBe(true);
  };
  const read = async (id: string) => (await store.documents.get(id)) as unknown as Alarm;
  const applier = (options: Partial<ConstructorParameters<typeof ActionApplier>[0]> = {}) => {
    // A long sweep interval: what happens here is started by the test, the first sweep or the feed.
    const made = new ActionApplier({ driver: store.driver, log: recordingLog(), sweepMs: 3_600_000, ...options });
    running.push(made);
    return made;
  };
  const rows = async (alarm: string) => store.driver.transaction((query) => query('SELECT id, outcome, reason FROM alarm_actions_applied WHERE alarm = ? ORDER BY id', [alarm]));

  let dataDir: string;
  beforeAll(async () => {
    const chosen = config();
    dataDir = chosen.dataDir;
    store = await openStore(chosen);
  }, 60_000);

  afterEach(async () => {
    for (const each of running.splice(0)) await each.stop();
  });

  afterAll(async () => {
    await store?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('applies an action stored while no applier ran (a crash) at its first sweep, once; sweeping again changes nothing', async () => {
    const alarmId = `alarm/${unique('crash')}/x/1`;
    await write(alarmId, alarmDoc());
    await write(`alarm_action/${unique('ack')}`, action(alarmId, 'acknowledge'));
    const first = applier();
    first.start();
    await first.sweep();
    const acked = await read(alarmId);
    expect(acked).toMatchObject({ state: 'active_acked', acked_by: 'tom', acked_at: 2_000 });
    expect(acked.history.map((entry) => entry.kind)).toEqual(['raised', 'acknowledged']);
    // A restart (a new applier, from its checkpoint 0) and more sweeps: nothing applies twice.
    const second = applier();
    await second.sweep();
    await first.sweep();
    expect(docHash((await read(alarmId)) as unknown as Json)).toBe(docHash(acked as unknown as Json));
    expect(first.counts.applied + second.counts.applied).toBe(1);
    expect((await rows(alarmId)).map((row) => row.outcome)).toEqual(['applied']);
  });

  it('an action written while it runs is applied from the doc feed, before any sweep is due', async () => {
    const live = new InProcessPublisher();
    const feed = new DocFeed(store.driver, live, { intervalMs: 50 });
    await feed.start();
    running.push(feed);
    const alarmId = `alarm/${unique('feed')}/x/1`;
    await write(alarmId, alarmDoc());
    const fed = applier({ live });
    fed.start();
    await fed.sweep(); // the first sweep is over: only the feed can find what comes next
    await write(`alarm_action/${unique('comment')}`, action(alarmId, 'comment', { text: 'on my way' }));
    await vi.waitFor(async () => expect((await read(alarmId)).history.at(-1)).toMatchObject({ kind: 'commented', text: 'on my way', by: 'tom' }), { timeout: 10_000, interval: 50 });
    live.close();
  });

  it('the feed and the sweeps of several appliers on one database all seeing the same actions apply each exactly once', async () => {
    const live = new InProcessPublisher();
    const feed = new DocFeed(store.driver, live, { intervalMs: 20 });
    await feed.start();
    running.push(feed);
    const alarmId = `alarm/${unique('many')}/x/1`;
    await write(alarmId, alarmDoc());
    const appliers = [applier({ live }), applier({ live }), applier({ live })];
    for (const each of appliers) each.start();
    const ids = Array.from({ length: 20 }, (_, index) => `alarm_action/${unique(`c${index}`)}`);
    const ack = `alarm_action/${unique('ack')}`;
    const results = await store.documents.bulkDocs([...ids.map((id, index) => ({ id, doc: action(alarmId, 'comment', { text: `note ${index}` }) as Doc })), { id: ack, doc: action(alarmId, 'acknowledge') as Doc }]);
    expect(results.every((result) => result.ok)).toBe(true);
    // Sweeps on top of the feed's wake-ups, all at once.
    await Promise.all(appliers.flatMap((each) => [each.sweep(), each.sweep()]));
    await vi.waitFor(async () => expect((await rows(alarmId)).length).toBe(21), { timeout: 15_000, interval: 50 });
    await Promise.all(appliers.map((each) => each.sweep()));
    const alarm = await read(alarmId);
    const applied = alarm.history.filter((entry) => entry.action !== undefined).map((entry) => entry.action);
    expect(applied.sort()).toEqual([...ids, ack].sort());
    expect(alarm.state).toBe('active_acked');
    expect(appliers.reduce((sum, each) => sum + each.counts.applied, 0)).toBe(21);
    expect((await rows(alarmId)).every((row) => row.outcome === 'applied')).toBe(true);
    live.close();
  });

  it('an action racing an evaluator write of its alarm: the conditional write fails (409), is retried on the new version, and both survive', async () => {
    const alarmId = `alarm/${unique('race')}/x/1`;
    await write(alarmId, alarmDoc());
    await write(`alarm_action/${unique('ack')}`, action(alarmId, 'acknowledge'));
    let raced = false;
    const racing = applier({
      // After the applier read the alarm and before it writes: the evaluator escalates it.
      beforeWrite: async (id) => {
        if (raced) return;
        raced = true;
        const current = await read(id);
        await write(id, { ...current, severity: 'critical', history: [...current.history, { at: 1_500, kind: 'escalated', severity: 'critical' }] });
      },
    });
    await racing.sweep();
    expect(raced).toBe(true);
    expect(racing.counts).toMatchObject({ applied: 1, conflicts: 1 });
    const alarm = await read(alarmId);
    expect(alarm).toMatchObject({ state: 'active_acked', severity: 'critical', acked_by: 'tom' });
    expect(alarm.history.map((entry) => entry.kind)).toEqual(['raised', 'escalated', 'acknowledged']);
  });

  it('an action that cannot apply changes nothing on the alarm, keeps its document, and is logged once', async () => {
    const alarmId = `alarm/${unique('normal')}/x/1`;
    const normal = alarmDoc({ state: 'normal', cleared_at: 1_500, acked_at: 1_200, acked_by: 'eve' });
    await write(alarmId, normal);
    const actionId = `alarm_action/${unique('late-ack')}`;
    await write(actionId, action(alarmId, 'acknowledge'));
    const log = recordingLog();
    await applier({ log }).sweep();
    expect(await read(alarmId)).toEqual(normal);
    expect(await store.documents.get(actionId)).toMatchObject({ action: 'acknowledge', by: 'tom' });
    expect(log.lines.filter((line) => line.includes(actionId))).toEqual([expect.stringMatching(/not applied: the alarm is normal/)]);
    expect(await rows(alarmId)).toEqual([{ id: actionId, outcome: 'refused', reason: expect.stringMatching(/normal/) }]);
    // Another process (or a restart) sweeps again: not logged a second time.
    const again = recordingLog();
    const other = applier({ log: again });
    await other.sweep();
    expect(again.lines.filter((line) => line.includes(actionId))).toEqual([]);
    expect(other.counts.refused).toBe(0);
  });

  it('link_work_order adds the work order to the alarm (once) with a history entry', async () => {
    const alarmId = `alarm/${unique('work')}/x/1`;
    await write(alarmId, alarmDoc());
    await write(`alarm_action/${unique('link')}`, action(alarmId, 'link_work_order', { work_order: 'work_order/replace-bearing' }));
    await applier().sweep();
    const alarm = await read(alarmId);
    expect(alarm.work_orders).toEqual(['work_order/replace-bearing']);
    expect(alarm.history.at(-1)).toMatchObject({ kind: 'work_order_created', by: 'tom' });
  });
});

describe('two servers on one PostgreSQL', () => {
  let own: Postgres;
  const servers: TestServer[] = [];
  const tokens: Record<string, string | undefined> = {};
  beforeAll(async () => {
    own = await startPostgres();
    servers.push(await startTestServer({ DATABASE_URL: own.url }), await startTestServer({ DATABASE_URL: own.url }));
  }, 90_000);
  afterAll(async () => {
    for (const server of servers) await server.stop();
    own?.stop();
  });

  it('actions written through both are applied exactly once each, by whichever applier gets there', async () => {
    const [first, second] = servers as [TestServer, TestServer];
    tokens.admin = await first.login('admin', ADMIN_PASSWORD);
    tokens.tom = await first.addUser(tokens.admin, 'tom', 'technician', ['site/T07']);
    const callFirst = apiCaller(() => first, tokens);
    const callSecond = apiCaller(() => second, tokens);
    expect((await callFirst('admin', 'PUT', '/api/docs/site%2FT07', { type: 'site', title: 'North' })).status).toBe(200);
    const alarmId = 'alarm/two-servers/x/1';
    expect((await callFirst('admin', 'PUT', `/api/docs/${encodeURIComponent(alarmId)}`, alarmDoc())).status).toBe(200);
    const ids: string[] = [];
    for (let index = 0; index < 12; index++) {
      const id = `alarm_action/two-${index}`;
      ids.push(id);
      const call = index % 2 === 0 ? callFirst : callSecond;
      expect((await call('tom', 'PUT', `/api/docs/${encodeURIComponent(id)}`, action(alarmId, 'comment', { text: `note ${index}` }))).status).toBe(200);
    }
    const get = async () => (await (await callSecond('admin', 'GET', `/api/docs/${encodeURIComponent(alarmId)}`)).json()) as Alarm;
    await vi.waitFor(async () => expect((await get()).history.filter((entry) => entry.kind === 'commented')).toHaveLength(12), { timeout: 20_000, interval: 100 });
    // One row per action (its primary key), and each in the history once.
    const store = first.server.store;
    await vi.waitFor(async () => expect((await store.driver.transaction((query) => query('SELECT id FROM alarm_actions_applied'))).length).toBe(12), { timeout: 10_000 });
    const history = (await get()).history.filter((entry) => entry.action !== undefined).map((entry) => entry.action);
    expect(history.sort()).toEqual(ids.sort());
  });
});
