// The ISA-18.2 lifecycle: transitions into alarm documents (ids, flood protection, bounded history) and people's actions.
import { describe, expect, it } from 'vitest';
import {
  AlarmRuleError,
  MAX_ALARM_HISTORY,
  alarmIsOpen,
  alarmProblem,
  applyAction,
  applyTransition,
  initRuleState,
  isShelved,
  type Alarm,
  type AlarmAction,
} from '../../src/core';
import { AlarmBook, T0, bind, rule } from '../support/alarm-fixtures';

const high = { kind: 'threshold', direction: 'high', level: 80, deadband: 5 } as const;

/** Samples that cross the level `times` times (up, down, up, …), one per second from `from`. */
function chatter(times: number, from = 0): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let k = 0; k < times; k++) pairs.push([from + 2 * k, 90], [from + 2 * k + 1, 70]);
  return pairs;
}

function action(kind: AlarmAction['action'], extra: Partial<AlarmAction> = {}): AlarmAction {
  return { type: 'alarm_action', site: 'site/north', alarm: 'alarm/hot/scada-t01/temp/1', action: kind, by: 'tess', at: T0 + 100_000, ...extra };
}

/** One raised alarm (active, unacknowledged). */
function raised(): { book: AlarmBook; alarm: Alarm } {
  const book = new AlarmBook(bind(rule(high)));
  book.step([[0, 90]]);
  return { book, alarm: book.docs.get('alarm/hot/scada-t01/temp/1')! };
}

describe('applyTransition', () => {
  it('raises a new alarm with a deterministic id, the rule, asset and channel, and a valid document', () => {
    const { alarm, book } = raised();
    expect([...book.docs.keys()]).toEqual(['alarm/hot/scada-t01/temp/1']);
    expect(alarm).toMatchObject({
      type: 'alarm',
      site: 'site/north',
      asset: 'asset/north/t01',
      channel: 'channel/scada-t01/temp',
      rule: 'alarm_rule/hot',
      rule_title: 'Hot',
      severity: 'medium',
      state: 'active_unacked',
      raised_at: T0,
      value: 90,
      count: 1,
      history: [{ at: T0, kind: 'raised', severity: 'medium', value: 90 }],
    });
    expect(alarmProblem(alarm)).toBeUndefined();
    expect(book.state.n).toBe(1);
  });

  it('keeps the peak of the value while active', () => {
    const book = new AlarmBook(bind(rule(high)));
    book.step([[0, 90], [1, 99], [2, 95], [3, 70]]);
    expect(book.docs.get('alarm/hot/scada-t01/temp/1')).toMatchObject({ peak: 99, value: 90, state: 'cleared_unacked', cleared_at: T0 + 3000 });
  });

  it('flood protection: a signal chattering across the level 500 times gives one alarm with count 500', () => {
    const book = new AlarmBook(bind(rule(high)));
    book.step(chatter(500));
    expect([...book.docs.keys()]).toEqual(['alarm/hot/scada-t01/temp/1']);
    const alarm = book.docs.get('alarm/hot/scada-t01/temp/1')!;
    expect(alarm.count).toBe(500);
    expect(alarm.state).toBe('cleared_unacked');
    // History bounded: 500 activations and 500 clears = 1000 entries, the last 200 kept.
    expect(alarm.history).toHaveLength(MAX_ALARM_HISTORY);
    expect(alarm.history_dropped).toBe(1000 - MAX_ALARM_HISTORY);
    expect(alarm.history.at(-1)).toMatchObject({ kind: 'cleared', at: T0 + 999_000 });
    expect(alarmProblem(alarm)).toBeUndefined();
  });

  it('starts a new alarm (n + 1) after the previous one reached normal', () => {
    const book = new AlarmBook(bind(rule(high)));
    book.step(chatter(3));
    const first = book.docs.get('alarm/hot/scada-t01/temp/1')!;
    book.docs.set('alarm/hot/scada-t01/temp/1', applyAction(first, 'alarm_action/a1', action('acknowledge'), T0 + 100_000));
    expect(book.docs.get('alarm/hot/scada-t01/temp/1')!.state).toBe('normal');
    book.step(chatter(2, 10));
    expect([...book.docs.keys()]).toEqual(['alarm/hot/scada-t01/temp/1', 'alarm/hot/scada-t01/temp/2']);
    expect(book.docs.get('alarm/hot/scada-t01/temp/1')!.count).toBe(3);
    expect(book.docs.get('alarm/hot/scada-t01/temp/2')!.count).toBe(2);
  });

  it('clears an acknowledged active alarm straight to normal; re-activation resets the acknowledgement', () => {
    const { book, alarm } = raised();
    const acked = applyAction(alarm, 'a1', action('acknowledge'), T0 + 100_000);
    expect(acked).toMatchObject({ state: 'active_acked', acked_by: 'tess', acked_at: T0 + 100_000 });
    book.docs.set('alarm/hot/scada-t01/temp/1', acked);
    book.step([[1, 70]]);
    const cleared = book.docs.get('alarm/hot/scada-t01/temp/1')!;
    expect(cleared.state).toBe('normal');
    expect(cleared.history.map((entry) => entry.kind)).toEqual(['raised', 'acknowledged', 'cleared', 'normal']);
    expect(alarmIsOpen(cleared)).toBe(false);

    const other = raised();
    other.book.step([[1, 70]]);
    const acknowledgedCleared = applyAction(other.book.docs.get('alarm/hot/scada-t01/temp/1')!, 'a2', action('acknowledge'), T0);
    expect(acknowledgedCleared.state).toBe('normal');
  });

  it('re-activation of a cleared unacknowledged alarm drops cleared_at and records reactivated', () => {
    const { book } = raised();
    book.step([[1, 70], [2, 95]]);
    const alarm = book.docs.get('alarm/hot/scada-t01/temp/1')!;
    expect(alarm).toMatchObject({ state: 'active_unacked', count: 2, value: 95 });
    expect(alarm.cleared_at).toBeUndefined();
    expect(alarm.history.map((entry) => entry.kind)).toEqual(['raised', 'cleared', 'reactivated']);
  });

  it('escalation changes the open alarm severity with history entries', () => {
    const book = new AlarmBook(bind(rule(high, { escalation: [{ severity: 'critical', condition: { kind: 'threshold', direction: 'high', level: 100 } }] })));
    book.step([[0, 90], [1, 120], [2, 90]]);
    const alarm = book.docs.get('alarm/hot/scada-t01/temp/1')!;
    expect(alarm.severity).toBe('medium');
    expect(alarm.peak).toBe(120);
    expect(alarm.history.map((entry) => `${entry.kind}:${entry.severity}`)).toEqual(['raised:medium', 'escalated:critical', 'deescalated:medium']);
  });

  it('refuses to clear when there is no alarm at all (409)', () => {
    const binding = bind(rule(high));
    expect(() => applyTransition(binding, initRuleState(binding), undefined, { kind: 'clear', at: T0, severity: 'medium', message: 'x' })).toThrow(/no alarm to clear/);
  });
});

describe('applyAction', () => {
  it('is idempotent by action id', () => {
    const { alarm } = raised();
    const once = applyAction(alarm, 'alarm_action/c1', action('comment', { text: 'on my way' }), T0);
    const twice = applyAction(once, 'alarm_action/c1', action('comment', { text: 'on my way' }), T0);
    expect(twice).toBe(once);
    expect(once.history.at(-1)).toEqual({ at: T0 + 100_000, kind: 'commented', by: 'tess', text: 'on my way', action: 'alarm_action/c1' });
    // The bare uuid names the same action.
    expect(applyAction(once, 'c1', action('comment', { text: 'x' }), T0)).toBe(once);
    const acked = applyAction(alarm, 'a1', action('acknowledge'), T0);
    expect(applyAction(acked, 'a1', action('acknowledge'), T0), 'a re-applied acknowledgement is no conflict').toBe(acked);
  });

  it('refuses nonsense with a 409 and a reason', () => {
    const { alarm } = raised();
    const acked = applyAction(alarm, 'a1', action('acknowledge'), T0);
    const refusal = (fn: () => unknown): AlarmRuleError => {
      try {
        fn();
      } catch (error) {
        if (error instanceof AlarmRuleError) return error;
        throw error;
      }
      throw new Error('no refusal');
    };
    const again = refusal(() => applyAction(acked, 'a2', action('acknowledge'), T0));
    expect(again.status).toBe(409);
    expect(again.message).toContain('already acknowledged (by tess)');
    const normal: Alarm = { ...acked, state: 'normal' };
    expect(refusal(() => applyAction(normal, 'a3', action('acknowledge'), T0)).message).toContain('normal: there is nothing to acknowledge');
    expect(refusal(() => applyAction(normal, 'a4', action('shelve', { until: T0 + 200_000 }), T0)).status).toBe(409);
    expect(refusal(() => applyAction(alarm, 'a5', action('unshelve'), T0)).message).toContain('not shelved');
    expect(refusal(() => applyAction(alarm, 'a6', action('return_to_service'), T0)).message).toContain('not out of service');
    expect(refusal(() => applyAction(alarm, 'a7', action('shelve', { until: T0 + 200_000 }), T0 + 300_000)).message).toContain('already have expired');
  });

  it('refuses an invalid action document with a 400', () => {
    const { alarm } = raised();
    const error = (() => {
      try {
        applyAction(alarm, 'x', action('shelve'), T0);
      } catch (caught) {
        return caught as AlarmRuleError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(AlarmRuleError);
    expect(error!.status).toBe(400);
    expect(error!.message).toContain('shelve needs until');
  });

  it('shelves with an expiry: shelved until then, expired after, unshelve before', () => {
    const { alarm } = raised();
    const shelved = applyAction(alarm, 's1', action('shelve', { until: T0 + 200_000, text: 'maintenance' }), T0 + 100_000);
    expect(shelved.shelved).toEqual({ until: T0 + 200_000, by: 'tess', at: T0 + 100_000, reason: 'maintenance' });
    expect(isShelved(shelved, T0 + 199_999)).toBe(true);
    expect(isShelved(shelved, T0 + 200_000)).toBe(false);
    expect(isShelved(alarm, T0)).toBe(false);
    const unshelved = applyAction(shelved, 'u1', action('unshelve'), T0 + 150_000);
    expect(unshelved.shelved).toBeUndefined();
    expect(unshelved.history.at(-1)!.kind).toBe('unshelved');
    expect(() => applyAction(shelved, 'u2', action('unshelve'), T0 + 250_000)).toThrow(/already expired/);
  });

  it('takes out of service and back, links work orders once each', () => {
    const { alarm } = raised();
    const out = applyAction(alarm, 'o1', action('remove_from_service', { text: 'sensor replaced' }), T0);
    expect(out.out_of_service).toEqual({ by: 'tess', at: T0 + 100_000, reason: 'sensor replaced' });
    expect(() => applyAction(out, 'o2', action('remove_from_service'), T0)).toThrow(/already out of service/);
    const back = applyAction(out, 'o3', action('return_to_service'), T0);
    expect(back.out_of_service).toBeUndefined();
    const linked = applyAction(back, 'w1', action('link_work_order', { work_order: 'work_order/123' }), T0);
    const linkedAgain = applyAction(linked, 'w2', action('link_work_order', { work_order: 'work_order/123' }), T0);
    expect(linkedAgain.work_orders).toEqual(['work_order/123']);
    expect(linked.history.at(-1)).toMatchObject({ kind: 'work_order_created', text: 'work_order/123', action: 'alarm_action/w1' });
    const normal: Alarm = { ...alarm, state: 'normal' };
    expect(applyAction(normal, 'w3', action('link_work_order', { work_order: 'work_order/9' }), T0).work_orders).toEqual(['work_order/9']);
    expect(history(linkedAgain)).toEqual(['raised', 'removed_from_service', 'returned_to_service', 'work_order_created', 'work_order_created']);
  });

  it('does not modify the alarm it is given', () => {
    const { alarm } = raised();
    const before = JSON.stringify(alarm);
    applyAction(alarm, 'a1', action('acknowledge'), T0);
    applyAction(alarm, 's1', action('shelve', { until: T0 + 200_000 }), T0);
    expect(JSON.stringify(alarm)).toBe(before);
  });
});

function history(alarm: Alarm): string[] {
  return alarm.history.map((entry) => entry.kind);
}
