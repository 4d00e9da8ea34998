// Acknowledging and commenting an alarm offline on a technician's tablet, in real Chromium over
// real IndexedDB against the real companion server (test/support/browser-test-server.ts): the
// alarm comes down by the normal sync, the device loses the server, the technician writes an
// acknowledge and a comment action (the device shows them folded in, by the core's applyAction),
// the device comes back and syncs, and the server's applier folds them into the alarm, which
// comes back down active_acked, acknowledged by the technician, with the comment in its history.
import { describe, expect, it } from 'vitest';
import { applyAction, type Alarm, type AlarmAction } from '../../src/core';
import { PassThroughStorage } from '../../src/storage/common/pass-through';
import { ReplicateStorage, StorageError, createStorage, type Storage } from '../../src/storage';
import { TEST_SERVER_ADMIN_PASSWORD, TEST_SERVER_URL, login, serverExpect } from './support/test-server';

const stamp = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;

/** The server as this device reaches it: `offline` makes every call fail as a lost network does. */
class Reachable extends PassThroughStorage {
  offline = false;
  constructor(sub: Storage) {
    super(sub);
    const fail = () => Promise.reject(new StorageError('unavailable', 'The server cannot be reached.'));
    for (const name of ['get', 'put', 'post', 'remove', 'allDocs', 'putAttachment', 'getAttachment', 'removeAttachment', 'allAttachments', 'changes'] as const) {
      const through = (this[name] as (...args: unknown[]) => Promise<unknown>).bind(this);
      Object.defineProperty(this, name, { value: (...args: unknown[]) => (this.offline ? fail() : through(...args)) });
    }
    if (sub.bulkDocs) Object.defineProperty(this, 'bulkDocs', { value: (writes: Parameters<NonNullable<Storage['bulkDocs']>>[0]) => (this.offline ? fail() : sub.bulkDocs!(writes)) });
  }
}

describe('an alarm acknowledged and commented offline', () => {
  it('is synced down, acted on without the server, and comes back active_acked by the technician with the comment', async () => {
    const site = `site/alarm-${stamp}`;
    const username = `tech-${stamp}`;
    const alarmId = `alarm/gearbox-hot-${stamp}/source/t01/gearbox_temp/1`;
    const admin = await login('admin', TEST_SERVER_ADMIN_PASSWORD);
    await serverExpect(200, admin, 'PUT', `/api/docs/${encodeURIComponent(site)}`, { type: 'site', title: `Alarm site ${stamp}` });
    await serverExpect(201, admin, 'POST', '/api/users', { username, password: `${username}-password`, role: 'technician', sites: [site] });
    // The alarm as the evaluator raises it (admins may write alarms; technicians never).
    const raised: Alarm = {
      type: 'alarm',
      site,
      asset: `asset/${stamp}/t01`,
      channel: 'channel/source/t01/gearbox_temp',
      rule: `alarm_rule/gearbox-hot-${stamp}`,
      rule_title: 'Gearbox hot',
      message: 'Gearbox temperature above 80 °C',
      severity: 'high',
      state: 'active_unacked',
      raised_at: Date.now() - 60_000,
      value: 83.5,
      count: 1,
      history: [{ at: Date.now() - 60_000, kind: 'raised', severity: 'high', value: 83.5 }],
    };
    await serverExpect(200, admin, 'PUT', `/api/docs/${encodeURIComponent(alarmId)}`, raised);

    // The tablet: IndexedDB as the app has it, syncing with the server as the technician.
    const token = await login(username, `${username}-password`);
    const local = createStorage({ type: 'query', sub_storage: { type: 'uuid', sub_storage: { type: 'indexeddb', database: `alarm-local-${stamp}`, index: ['type', 'site', 'asset', 'kind'] } } });
    const server = new Reachable(createStorage({ type: 'http', url: TEST_SERVER_URL, token }));
    const replica = new ReplicateStorage(local, server, createStorage({ type: 'indexeddb', database: `alarm-signatures-${stamp}` }), { query: 'NOT kind:"fl-channel-array"' });
    await replica.sync();
    expect(await replica.get(alarmId)).toMatchObject({ type: 'alarm', state: 'active_unacked' });

    // Offline: the two actions land on the device only.
    server.offline = true;
    const ackId = `alarm_action/${crypto.randomUUID()}`;
    const commentId = `alarm_action/${crypto.randomUUID()}`;
    const ack: AlarmAction = { type: 'alarm_action', site, alarm: alarmId, action: 'acknowledge', by: username, at: Date.now() };
    const comment: AlarmAction = { type: 'alarm_action', site, alarm: alarmId, action: 'comment', by: username, at: Date.now() + 1, text: 'Oil level low, topping up' };
    await replica.put(ackId, ack as unknown as Record<string, never>);
    await replica.put(commentId, comment as unknown as Record<string, never>);
    await expect(replica.sync()).rejects.toMatchObject({ code: 'unavailable' });
    expect(await replica.pendingCount()).toBe(2);
    // What the device shows meanwhile: the synced alarm with its pending actions folded in.
    const onDevice = applyAction(applyAction((await replica.get(alarmId)) as unknown as Alarm, ackId, ack, Date.now()), commentId, comment, Date.now());
    expect(onDevice).toMatchObject({ state: 'active_acked', acked_by: username });
    expect(((await replica.get(alarmId)) as unknown as Alarm).state).toBe('active_unacked'); // the device never writes the alarm

    // Back online: the actions go up, the server applies them, the alarm comes down changed.
    server.offline = false;
    await replica.sync();
    expect(await replica.pendingCount()).toBe(0);
    await expect
      .poll(
        async () => {
          await replica.sync();
          return (await replica.get(alarmId)) as unknown as Alarm;
        },
        { timeout: 20_000, interval: 250 },
      )
      .toMatchObject({ state: 'active_acked', acked_by: username });
    const synced = (await replica.get(alarmId)) as unknown as Alarm;
    expect(synced.history.map((entry) => [entry.kind, entry.by, entry.action])).toEqual([
      ['raised', undefined, undefined],
      ['acknowledged', username, ackId],
      ['commented', username, commentId],
    ]);
    expect(synced.history.at(-1)?.text).toBe('Oil level low, topping up');
    // The actions stay as written, on both sides.
    expect(await replica.get(ackId)).toEqual(ack);
    expect(await serverExpect(200, admin, 'GET', `/api/docs/${encodeURIComponent(commentId)}`)).toEqual(comment);
  });
});
