// The rules page's form model: every demo rule survives the round trip rule → form → rule
// unchanged (the icing rule, nested three deep, as JSON), and a form that cannot make a rule says
// which field is wrong.
import { describe, expect, it } from 'vitest';
import { draftFromRule, emptyDraft, ruleFromDraft, ruleSummary } from '../../src/controllers/alarms/rule-draft';
import { alarmRuleProblem, type AlarmRule } from '../../src/core';
import { demoAlarmRules } from '../../src/server/demo/alarm-rules';

describe('the alarm rule form model', () => {
  it('turns every demo rule into form fields and back unchanged (keys the form does not own kept)', () => {
    for (const { id, doc } of demoAlarmRules()) {
      const draft = draftFromRule(doc);
      expect(draft.combine, id).toBe(id === 'alarm_rule/demo-icing' ? 'json' : doc.condition.kind === 'all' ? 'all' : 'one');
      const back = ruleFromDraft(draft, undefined, doc as unknown as Record<string, unknown>);
      expect('rule' in back ? back.rule : back.problem, id).toEqual(doc);
      expect(ruleSummary(doc).length).toBeGreaterThan(10);
    }
  });

  it('says a rule in words, nested AND / OR in parentheses', () => {
    const icing = demoAlarmRules().find((rule) => rule.id === 'alarm_rule/demo-icing')!.doc;
    expect(ruleSummary(icing)).toMatch(/^value below 1 \(ambient_temp\) and \(\(mean over 600 s above 8 \(wind_speed\) and mean over 600 s below 650\) or \(/);
    expect(ruleSummary(icing)).toContain(', for 10 min, clears after 30 min without');
  });

  it('names the field that is wrong, and checks the rest with alarmRuleProblem', () => {
    const draft = { ...emptyDraft('site/north'), title: 'Hot bearing', asset_type: 'turbine', field: 'bearing_temp' };
    expect(ruleFromDraft(draft, 'eve')).toEqual({ problem: 'Condition: level: enter a number' });
    expect(ruleFromDraft({ ...draft, conditions: [{ ...draft.conditions[0]!, level: '8O' }] }, 'eve')).toEqual({ problem: 'Condition: level: "8O" is not a number' });
    expect(ruleFromDraft({ ...draft, field: '' }, 'eve')).toEqual({ problem: 'Target: choose an asset type and a field' });
    expect(ruleFromDraft({ ...draft, combine: 'json', json: '{"kind": "threshold",' }, 'eve')).toMatchObject({ problem: expect.stringMatching(/^Condition \(JSON\): /) });
    // The core check: an escalation must be above the rule's severity.
    const escalated = { ...draft, conditions: [{ ...draft.conditions[0]!, level: '80' }], severity: 'high' as const, escalation: [{ severity: 'medium' as const, mode: 'after' as const, after_s: '60', condition: draft.conditions[0]! }] };
    expect(ruleFromDraft(escalated, 'eve')).toEqual({ problem: "escalation[0].severity (medium) must be above the rule's severity (high)" });
    const good = ruleFromDraft({ ...escalated, escalation: [{ ...escalated.escalation[0]!, severity: 'critical' }], on_delay_s: '30', combine: 'all', conditions: [{ ...draft.conditions[0]!, level: '80', deadband: '2' }, { ...draft.conditions[0]!, kind: 'stale', after_s: '300', field: 'power' }] }, 'eve');
    expect(good).toEqual({
      rule: {
        type: 'alarm_rule',
        site: 'site/north',
        title: 'Hot bearing',
        enabled: true,
        target: { asset_type: 'turbine', field: 'bearing_temp' },
        condition: { kind: 'all', conditions: [{ kind: 'threshold', direction: 'high', level: 80, deadband: 2 }, { kind: 'stale', after_s: 300, field: 'power' }] },
        severity: 'high',
        escalation: [{ severity: 'critical', after_s: 60 }],
        on_delay_s: 30,
        updated_by: 'eve',
      },
    });
    expect(alarmRuleProblem((good as { rule: AlarmRule }).rule)).toBeUndefined();
  });
});
