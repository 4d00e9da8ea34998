// Alarm rules evaluated on the tablet for readings recorded there offline, in real Chromium over
// real IndexedDB: the same core code as the server over the readings the server's array does not
// have yet (reading documents recorded here that the pinned manual-reading array does not hold),
// giving provisional alarms (never stored) numbered as the server's will be, which go when the
// server's alarm arrives — or, if it never does, a sync later.
import { describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { alarmIdFor, applyTransition, bindRule, initRuleState, stepRule, type Alarm, type AlarmRule, type AssetDoc, type ChannelDoc, type RuleState } from '../../src/core';
import { AlarmsController, DeviceAlarmEvaluator, provisionalAlarmsContext, recordReading, storageContext, type ProvisionalAlarmSource } from '../../src/controllers';
import { createStorage, type Doc, type Storage } from '../../src/storage';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';

/** What the app's shell provides: the device storage and the device's provisional alarms. */
class ProvisionalHost extends LitElement {
  static override properties = { storage: { attribute: false }, provisional: { attribute: false } };
  declare storage: Storage | undefined;
  declare provisional: ProvisionalAlarmSource | undefined;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  readonly #provisional = new ContextProvider(this, { context: provisionalAlarmsContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
    this.#provisional.setValue(this.provisional);
  }
  override render() {
    return html`<provisional-probe></provisional-probe>`;
  }
}
customElements.define('provisional-host', ProvisionalHost);

/** A view's AlarmsController, as the alarm list holds it. */
class ProvisionalProbe extends LitElement {
  readonly alarms = new AlarmsController(this, { filter: () => ({ state: 'any' }) });
}
customElements.define('provisional-probe', ProvisionalProbe);

let counter = 0;
const unique = (name: string): string => `${name}-${Date.now().toString(36)}-${++counter}`;

const site = 'site/north';
const channelId = 'channel/manual/asset%2Fnorth%2Ft01/gearbox_temp';
const arrayId = 'array/manual/asset%2Fnorth%2Ft01/gearbox_temp';
const ruleId = 'alarm_rule/gearbox-hot';
const asset: AssetDoc = { type: 'asset', site, title: 'Turbine T01', asset_type: 'turbine' };
// A manual-reading channel: its samples are readings technicians take, appended by the server.
const channel: ChannelDoc = { type: 'channel', site, asset: 'asset/north/t01', source: 'manual', array: arrayId, title: 'Gearbox temperature', field: 'gearbox_temp', unit: '°C', manual: true };
const rule: AlarmRule = {
  type: 'alarm_rule',
  site,
  title: 'Gearbox hot',
  enabled: true,
  target: { channel: channelId },
  condition: { kind: 'threshold', direction: 'high', level: 80, deadband: 2 },
  severity: 'high',
};
const T0 = Date.UTC(2026, 11, 1, 8);
/** The id of the rule × channel's alarm number `n` (the core's scheme). */
const alarmId = (n: number): string => alarmIdFor({ ruleId, channel: channelId }, n);

/** A tablet: its records, readings and pinned arrays in IndexedDB. */
async function tablet(): Promise<{ local: Storage }> {
  const local = createStorage({ type: 'query', sub_storage: { type: 'uuid', sub_storage: { type: 'indexeddb', database: unique('device-alarms'), index: ['type', 'site', 'asset', 'kind'] } } });
  await local.put(ruleId, rule as unknown as Doc);
  await local.put('asset/north/t01', asset as unknown as Doc);
  await local.put(channelId, channel as unknown as Doc);
  return { local };
}

const seconds = (from: number, count: number) => Float64Array.from({ length: count }, (_, index) => T0 + (from + index) * 1000);

/** Readings taken on the tablet, one document each, a second apart from `from` s. */
async function record(local: Storage, from: number, values: readonly number[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [index, value] of values.entries()) ids.push(await recordReading(local, { site, asset: channel.asset, at: T0 + (from + index) * 1000, values: { gearbox_temp: value }, units: { gearbox_temp: '°C' }, by: 'tina' }));
  return ids;
}

describe('DeviceAlarmEvaluator', () => {
  it('raises a provisional alarm from readings recorded offline — the same one the core computes — and drops it when the server alarm arrives', async () => {
    const { local } = await tablet();
    // What the server already has (its pinned array came down): an old spike it raised alarm 1 for, long normal.
    const array = await ChannelArray.create(local, arrayId, { timing: 'explicit', site, producer: 'manual' });
    const history = Float32Array.from({ length: 100 }, (_, index) => (index >= 40 && index < 45 ? 90 : 60));
    await array.append(history, seconds(0, 100));
    const old: Alarm = { type: 'alarm', site, asset: channel.asset, channel: channelId, rule: ruleId, rule_title: 'Gearbox hot', message: 'old', severity: 'high', state: 'normal', raised_at: T0 + 40_000, cleared_at: T0 + 45_000, acked_at: T0 + 46_000, acked_by: 'eve', count: 1, history: [] };
    await local.put(alarmId(1), old as unknown as Doc);
    const evaluator = new DeviceAlarmEvaluator({ storage: local, now: () => T0 + 200_000 });
    let changes = 0;
    evaluator.addEventListener('change', () => changes++);
    await evaluator.refresh();
    expect(evaluator.provisionalAlarms()).toEqual([]); // the server's samples are the server's to evaluate

    // Offline, the tablet records the gearbox running hot: reading documents, the array untouched.
    const offline = Float32Array.from([70, 79, 85, 88, 86, 84, 83, 81]);
    await record(local, 100, [...offline]);
    await evaluator.refresh();
    const [provisional, ...more] = evaluator.provisionalAlarms();
    expect(more).toEqual([]);
    expect(changes).toBe(1);
    // The core's own evaluation of the same readings gives this very alarm, numbered after alarm 1.
    const [binding] = bindRule(ruleId, rule, [{ id: channelId, doc: channel }], [{ id: 'asset/north/t01', doc: asset }]);
    const stepped = stepRule(binding!, { ...initRuleState(binding!), n: 1 }, [{ input: 0, times: seconds(100, offline.length), values: offline }]);
    let state: RuleState = stepped.state;
    let expected: { id: string; alarm: Alarm } = { id: alarmId(1), alarm: old };
    for (const transition of stepped.transitions) {
      const applied = applyTransition(binding!, state, expected.alarm, transition);
      state = applied.state;
      expected = { id: applied.id, alarm: applied.alarm };
    }
    expect(expected.id).toBe(alarmId(2));
    expect(provisional).toEqual({ ...expected.alarm, id: expected.id, pending: 0, provisional: true });
    expect(provisional).toMatchObject({ state: 'active_unacked', raised_at: T0 + 102_000, value: 85, severity: 'high' });
    // Readings taken later carry on from there (no new alarm while it stays hot).
    await record(local, 108, [90]);
    await evaluator.refresh();
    expect(evaluator.provisionalAlarms().map((row) => [row.id, row.value])).toEqual([[alarmId(2), 85]]);

    // A reload evaluates the readings still pending again: the same alarm.
    const reloaded = new DeviceAlarmEvaluator({ storage: local, now: () => T0 + 200_000 });
    await reloaded.refresh();
    expect(reloaded.provisionalAlarms()).toEqual(evaluator.provisionalAlarms());
    expect(reloaded.provisionalAlarms().map((row) => row.id)).toEqual([alarmId(2)]);

    // The readings sync, the server raises the real alarm, and sync brings it down: the provisional one goes.
    await local.put(expected.id, { ...expected.alarm, message: 'from the server' } as unknown as Doc);
    await evaluator.refresh();
    await reloaded.refresh();
    expect(evaluator.provisionalAlarms()).toEqual([]);
    expect(reloaded.provisionalAlarms()).toEqual([]);
    expect(changes).toBe(2); // raised, then gone (the later reading changed nothing shown)
  });

  it('readings the pinned array has now are the server\'s: a fresh evaluation does not raise them again', async () => {
    const { local } = await tablet();
    const array = await ChannelArray.create(local, arrayId, { timing: 'explicit', site, producer: 'manual' });
    await array.append(Float32Array.from({ length: 10 }, () => 60), seconds(0, 10));
    await record(local, 10, [90, 91, 92]);
    const evaluator = new DeviceAlarmEvaluator({ storage: local, now: () => T0 + 100_000 });
    await evaluator.refresh();
    expect(evaluator.provisionalAlarms().map((row) => row.id)).toEqual([alarmId(1)]);
    // The server applied them and the pin brought its array down (the alarm not yet).
    await array.append(Float32Array.from([90, 91, 92]), seconds(10, 3));
    const reloaded = new DeviceAlarmEvaluator({ storage: local, now: () => T0 + 100_000 });
    await reloaded.refresh();
    expect(reloaded.provisionalAlarms()).toEqual([]);
    // The running evaluation keeps what it raised until the server covers it or a sync passes.
    await evaluator.refresh();
    expect(evaluator.provisionalAlarms().map((row) => row.id)).toEqual([alarmId(1)]);
    // A reading older than the ones stepped (another tablet's, synced late) starts it again, in time order.
    await record(local, 9, [95]);
    await reloaded.refresh();
    expect(reloaded.provisionalAlarms().map((row) => [row.id, row.raised_at])).toEqual([[alarmId(1), T0 + 9_000]]);
  });

  it('a server alarm of another number covering the same time hides it; one the server never raises goes a sync after its readings went up', async () => {
    const { local } = await tablet();
    const array = await ChannelArray.create(local, arrayId, { timing: 'explicit', site, producer: 'manual' });
    await array.append(Float32Array.from({ length: 10 }, () => 60), seconds(0, 10));
    const evaluator = new DeviceAlarmEvaluator({ storage: local, now: () => T0 + 100_000 });
    await evaluator.markSynced();
    await record(local, 10, [90, 91, 92]);
    await evaluator.refresh();
    const [provisional] = evaluator.provisionalAlarms();
    expect(provisional).toMatchObject({ id: alarmId(1), raised_at: T0 + 10_000, provisional: true });

    // The readings go up (a sync completes) but no server alarm comes with it: still shown…
    await evaluator.markSynced();
    await evaluator.refresh();
    expect(evaluator.provisionalAlarms()).toHaveLength(1);
    // …until the next sync, by which the server has had them a whole sync.
    await evaluator.markSynced();
    expect(evaluator.provisionalAlarms()).toEqual([]);

    // Another device (its array empty so far), and a server alarm with another number over the same time.
    const { local: other } = await tablet();
    await ChannelArray.create(other, arrayId, { timing: 'explicit', site, producer: 'manual' });
    const secondEvaluator = new DeviceAlarmEvaluator({ storage: other, now: () => T0 + 100_000 });
    await secondEvaluator.refresh();
    expect(secondEvaluator.provisionalAlarms()).toEqual([]);
    await record(other, 0, [60, 90, 91]);
    await secondEvaluator.refresh();
    expect(secondEvaluator.provisionalAlarms()).toHaveLength(1);
    const asServer: Record<string, unknown> = { ...provisional!, raised_at: T0 + 500 };
    delete asServer.id;
    delete asServer.pending;
    delete asServer.provisional;
    await other.put(alarmId(7), asServer as Doc);
    await secondEvaluator.refresh();
    expect(secondEvaluator.provisionalAlarms()).toEqual([]);
  });

  it('a channel whose array is not on this device is not evaluated (its samples are the server\'s)', async () => {
    const { local } = await tablet();
    await record(local, 0, [90, 91, 92]);
    const evaluator = new DeviceAlarmEvaluator({ storage: local, now: () => T0 + 100_000 });
    await evaluator.refresh();
    expect(evaluator.provisionalAlarms()).toEqual([]);
    // Pinned (its array came down): the readings it does not hold are evaluated.
    await ChannelArray.create(local, arrayId, { timing: 'explicit', site, producer: 'manual' });
    await evaluator.refresh();
    expect(evaluator.provisionalAlarms().map((row) => row.id)).toEqual([alarmId(1)]);
  });

  it("the app's alarm lists show them (provisionalAlarmsContext) until the server's copy replaces them", async () => {
    const { local } = await tablet();
    await ChannelArray.create(local, arrayId, { timing: 'explicit', site, producer: 'manual' });
    const evaluator = new DeviceAlarmEvaluator({ storage: local, now: () => T0 + 100_000 });
    await evaluator.refresh();
    const host = document.createElement('provisional-host') as ProvisionalHost;
    host.storage = local;
    host.provisional = evaluator;
    document.body.append(host);
    try {
      await host.updateComplete;
      const probe = host.shadowRoot!.querySelector('provisional-probe') as ProvisionalProbe;
      await expect.poll(() => probe.alarms.loaded, { timeout: 5_000 }).toBe(true);
      expect(probe.alarms.all).toEqual([]);
      await record(local, 0, [60, 90, 91]);
      await evaluator.refresh(); // its change event updates the probe
      await expect.poll(() => probe.alarms.all.map((row) => [row.id, row.provisional]), { timeout: 5_000 }).toEqual([[alarmId(1), true]]);
      const asServer: Record<string, unknown> = { ...probe.alarms.all[0]!, message: 'from the server' };
      delete asServer.id;
      delete asServer.pending;
      delete asServer.provisional;
      await local.put(alarmId(1), asServer as Doc);
      await probe.alarms.reload();
      await evaluator.refresh();
      await expect.poll(() => probe.alarms.all.map((row) => [row.id, row.provisional, row.message]), { timeout: 5_000 }).toEqual([[alarmId(1), undefined, 'from the server']]);
    } finally {
      host.remove();
    }
  });
});
