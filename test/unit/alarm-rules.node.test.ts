// Validation of alarm rules (limits included), alarms and alarm actions, and binding rules to channels.
import { describe, expect, it } from 'vitest';
import { AlarmRuleError, MAX_CONDITIONS, alarmActionProblem, alarmProblem, alarmRuleProblem, bindRule, type AlarmRule, type Condition } from '../../src/core';
import { assets, channel, channels, rule } from '../support/alarm-fixtures';

const threshold: Condition = { kind: 'threshold', direction: 'high', level: 80 };

/** A condition nested `depth` levels deep (depth 1: the leaf itself). */
function nested(depth: number): Condition {
  return depth <= 1 ? threshold : { kind: 'all', conditions: [nested(depth - 1)] };
}

describe('alarmRuleProblem', () => {
  it('accepts every condition kind and the optional fields', () => {
    const full = rule(
      {
        kind: 'any',
        conditions: [
          { kind: 'threshold', direction: 'low', level: -5, deadband: 1 },
          { kind: 'rate', direction: 'either', per_s: 0.5, window_s: 60, deadband: 0.1, field: 'power' },
          { kind: 'window', stat: 'band_energy', band: [10, 200], window_s: 1, direction: 'high', level: 3 },
          { kind: 'window', stat: 'kurtosis', window_s: 86_400, direction: 'high', level: 6 },
          { kind: 'stale', after_s: 300, channel: 'channel/scada-t02/temp' },
          { kind: 'flatline', window_s: 600, tolerance: 0.01 },
          { kind: 'anomaly', level: 0.95 },
        ],
      },
      {
        description: 'x',
        escalation: [{ severity: 'high', after_s: 600 }, { severity: 'critical', condition: threshold }],
        on_delay_s: 0,
        off_delay_s: 30,
        auto_clear_s: 900,
        message: 'Trouble',
        updated_by: 'erin',
      },
    );
    expect(alarmRuleProblem(full)).toBeUndefined();
    expect(alarmRuleProblem({ ...rule(threshold), target: { asset_type: 'turbine', field: 'temp' } })).toBeUndefined();
    expect(alarmRuleProblem(rule(nested(4)))).toBeUndefined();
  });

  it.each([
    [[], 'must be an object'],
    [{ ...rule(threshold), type: 'alarm' }, 'type "alarm_rule"'],
    [{ ...rule(threshold), site: 'north' }, 'site must be a site id'],
    [{ ...rule(threshold), title: '' }, 'title must not be empty'],
    [{ ...rule(threshold), enabled: 'yes' }, 'enabled must be true or false'],
    [{ ...rule(threshold), target: { channel: 'scada/temp' } }, 'target.channel must be a channel id'],
    [{ ...rule(threshold), target: { asset_type: 'turbine' } }, 'target.field must be a string'],
    [{ ...rule(threshold), target: { channel: 'channel/a/b', field: 'x' } }, 'either {channel} or {asset_type, field}'],
    [{ ...rule(threshold), severity: 'urgent' }, 'severity must be one of low, medium, high, critical'],
    [{ ...rule(threshold), on_delay_s: -1 }, 'on_delay_s must be between 0'],
    [{ ...rule(threshold), off_delay_s: Number.POSITIVE_INFINITY }, 'off_delay_s must be a finite number'],
    [{ ...rule(threshold), auto_clear_s: 0 }, 'auto_clear_s must be above 0'],
    [rule({ kind: 'threshold', direction: 'up', level: 1 } as unknown as Condition), 'condition.direction must be one of high, low'],
    [rule({ kind: 'threshold', direction: 'high', level: Number.NaN }), 'condition.level must be a finite number'],
    [rule({ kind: 'threshold', direction: 'high', level: 1, deadband: -1 }), 'condition.deadband must be between 0'],
    [rule({ kind: 'threshold', direction: 'high', level: 1, levl: 2 } as unknown as Condition), 'has no key "levl"'],
    [rule({ kind: 'median' } as unknown as Condition), 'condition.kind must be one of'],
    [rule({ kind: 'rate', direction: 'rise', per_s: 0, window_s: 10 }), 'per_s must be above 0'],
    [rule({ kind: 'rate', direction: 'rise', per_s: 1, window_s: 86_401 }), 'window_s must be between 0 and 86400'],
    [rule({ kind: 'window', stat: 'rms', window_s: 0, direction: 'high', level: 1 }), 'window_s must be above 0'],
    [rule({ kind: 'window', stat: 'band_energy', window_s: 1, direction: 'high', level: 1 }), 'band must be [low_hz, high_hz]'],
    [rule({ kind: 'window', stat: 'band_energy', band: [50, 10], window_s: 1, direction: 'high', level: 1 }), 'low_hz (50) must be below high_hz (10)'],
    [rule({ kind: 'window', stat: 'rms', band: [1, 2], window_s: 1, direction: 'high', level: 1 }), 'band is for stat band_energy only'],
    [rule({ kind: 'stale', after_s: 0 }), 'after_s must be above 0'],
    [rule({ kind: 'flatline', window_s: 10, tolerance: -0.1 }), 'tolerance must be between 0'],
    [rule({ kind: 'anomaly', level: 1.5 }), 'condition.level must be between 0 and 1'],
    [rule({ kind: 'all', conditions: [] }), 'conditions must be a non-empty list'],
    [rule({ kind: 'any', conditions: [threshold, { kind: 'stale', after_s: -1 }] }), 'condition.conditions[1].after_s'],
    [rule({ kind: 'threshold', direction: 'high', level: 1, field: 'a', channel: 'channel/x/y' }), 'either field or channel, not both'],
    [rule(nested(5)), 'nest at most 4 deep'],
    [rule({ kind: 'any', conditions: Array.from({ length: MAX_CONDITIONS }, () => threshold) }), `at most ${MAX_CONDITIONS} conditions`],
    [{ ...rule(threshold), escalation: [{ severity: 'medium', after_s: 10 }] }, "must be above the rule's severity (medium)"],
    [{ ...rule(threshold), escalation: [{ severity: 'high' }] }, 'either after_s or condition (exactly one)'],
    [{ ...rule(threshold), escalation: [{ severity: 'high', after_s: 1, condition: threshold }] }, 'either after_s or condition'],
    [{ ...rule(threshold), escalation: [{ severity: 'high', after_s: 1 }, { severity: 'high', after_s: 2 }, { severity: 'critical', after_s: 3 }, { severity: 'critical', after_s: 4 }] }, 'at most 3 steps'],
    [
      { ...rule({ kind: 'any', conditions: Array.from({ length: MAX_CONDITIONS - 1 }, () => threshold) }), escalation: [{ severity: 'high', condition: threshold }] },
      'condition and escalation conditions',
    ],
  ])('refuses %j: %s', (doc, message) => {
    expect(alarmRuleProblem(doc)).toContain(message);
  });
});

describe('alarmProblem and alarmActionProblem', () => {
  const alarm = {
    type: 'alarm',
    site: 'site/north',
    asset: 'asset/north/t01',
    channel: 'channel/scada-t01/temp',
    rule: 'alarm_rule/hot',
    rule_title: 'Hot',
    message: 'value above 80',
    severity: 'high',
    state: 'active_unacked',
    raised_at: 1,
    count: 1,
    history: [{ at: 1, kind: 'raised' }],
  };

  it('checks alarms', () => {
    expect(alarmProblem(alarm)).toBeUndefined();
    expect(alarmProblem({ ...alarm, state: 'open' })).toContain('state must be one of');
    expect(alarmProblem({ ...alarm, count: 0 })).toContain('count must be an integer');
    expect(alarmProblem({ ...alarm, history: [{ at: 1, kind: 'exploded' }] })).toContain('history[0].kind must be one of');
    expect(alarmProblem({ ...alarm, history: Array.from({ length: 201 }, () => ({ at: 1, kind: 'commented' })) })).toContain('at most 200 entries');
    expect(alarmProblem({ ...alarm, rule: 'hot' })).toContain('rule must be an alarm rule id');
  });

  it('checks actions, each kind with the fields it needs', () => {
    const action = { type: 'alarm_action', site: 'site/north', alarm: 'alarm/hot/scada-t01/temp/1', action: 'acknowledge', by: 'tess', at: 5 };
    expect(alarmActionProblem(action)).toBeUndefined();
    expect(alarmActionProblem({ ...action, action: 'shelve', until: 10 })).toBeUndefined();
    expect(alarmActionProblem({ ...action, action: 'shelve' })).toContain('shelve needs until');
    expect(alarmActionProblem({ ...action, action: 'shelve', until: 5 })).toContain('must be after at');
    expect(alarmActionProblem({ ...action, action: 'comment' })).toContain('a comment needs text');
    expect(alarmActionProblem({ ...action, action: 'comment', text: 'x'.repeat(2001) })).toContain('at most 2000');
    expect(alarmActionProblem({ ...action, action: 'link_work_order' })).toContain('needs work_order');
    expect(alarmActionProblem({ ...action, action: 'link_work_order', work_order: 'wo/1' })).toContain('work order id');
    expect(alarmActionProblem({ ...action, action: 'delete' })).toContain('action must be one of');
    expect(alarmActionProblem({ ...action, alarm: 'hot' })).toContain('alarm must be an alarm id');
    expect(alarmActionProblem({ ...action, by: '' })).toContain('by must not be empty');
  });
});

describe('bindRule', () => {
  it('throws a 400 AlarmRuleError naming the problem for an invalid rule', () => {
    const bad = { ...rule(threshold), severity: 'urgent' } as unknown as AlarmRule;
    expect(() => bindRule('alarm_rule/x', bad, channels, assets)).toThrow(AlarmRuleError);
    expect(() => bindRule('alarm_rule/x', bad, channels, assets)).toThrow(/alarm_rule\/x: severity must be one of/);
  });

  it('binds an explicit channel of the rule site only, and nothing for a disabled rule or a missing channel', () => {
    expect(bindRule('alarm_rule/hot', rule(threshold), channels, assets).map((binding) => binding.channel)).toEqual(['channel/scada-t01/temp']);
    expect(bindRule('alarm_rule/hot', rule(threshold, { enabled: false }), channels, assets)).toEqual([]);
    expect(bindRule('alarm_rule/hot', rule(threshold, { target: { channel: 'channel/nope/temp' } }), channels, assets)).toEqual([]);
    const elsewhere = [...channels, channel('south', 'temp', 'asset/south/t9', 'site/south')];
    expect(bindRule('alarm_rule/hot', rule(threshold, { target: { channel: 'channel/south/temp' } }), elsewhere, assets)).toEqual([]);
  });

  it('binds no channel of no asset (an alarm names its asset; the binding stopped every pass on an invalid alarm)', () => {
    const loose = channel('upload-1', 'temp', 'asset/north/t01');
    delete (loose.doc as { asset?: string }).asset;
    expect(bindRule('alarm_rule/hot', rule(threshold, { target: { channel: 'channel/upload-1/temp' } }), [...channels, loose], assets)).toEqual([]);
  });

  it('binds a template to every channel of the field whose asset or an ancestor has the asset type, in id order', () => {
    const template = rule(threshold, { target: { asset_type: 'turbine', field: 'temp' } });
    const bindings = bindRule('alarm_rule/hot', template, channels, assets);
    expect(bindings.map((binding) => [binding.channel, binding.asset, binding.inputs[0]])).toEqual([
      ['channel/cms-t01/temp', 'asset/north/t01-gearbox', 'array/cms-t01/temp'],
      ['channel/scada-t01/temp', 'asset/north/t01', 'array/scada-t01/temp'],
      ['channel/scada-t02/temp', 'asset/north/t02', 'array/scada-t02/temp'],
    ]);
    expect(bindRule('alarm_rule/hot', rule(threshold, { target: { asset_type: 'gearbox', field: 'temp' } }), channels, assets).map((binding) => binding.channel)).toEqual([
      'channel/cms-t01/temp',
    ]);
    // Assets of another site never match, even with the same type.
    const otherSite = [...assets, { id: 'asset/south/t9', doc: { type: 'asset' as const, site: 'site/south', title: 'T9', asset_type: 'turbine' } }];
    const otherChannels = [...channels, channel('south', 'temp', 'asset/south/t9', 'site/south')];
    expect(bindRule('alarm_rule/hot', template, otherChannels, otherSite)).toHaveLength(3);
  });

  it('marks bindings of simulated channels', () => {
    const simulated = channels.map((entry) => ({ ...entry, doc: { ...entry.doc, simulated: true as const } }));
    expect(bindRule('alarm_rule/hot', rule(threshold), simulated, assets)[0]!.simulated).toBe(true);
    expect(bindRule('alarm_rule/hot', rule(threshold), channels, assets)[0]!.simulated).toBeUndefined();
  });
});
