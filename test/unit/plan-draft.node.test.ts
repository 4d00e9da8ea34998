// The plan editor's form model (controllers/maintenance/plan-draft.ts): a stored plan round-trips
// through the form unchanged (item ids kept), numbers typed wrong are refused naming the form's
// label, cleared optional fields go, keys the form does not own stay, and items move.
import { describe, expect, it } from 'vitest';
import { draftFromPlan, emptyItem, emptyPlanDraft, moveItem, planFromDraft } from '../../src/controllers/maintenance/plan-draft';
import { maintenancePlanProblem, type MaintenancePlan } from '../../src/core';

const stored: MaintenancePlan & { simulated: true } = {
  type: 'maintenance_plan',
  site: 'site/north',
  title: 'Main bearing regreasing',
  target: { asset: 'asset/north/t01' },
  trigger: { kind: 'usage', measure: 'operating_hours', every: 2000, field: 'rotor_speed', threshold: 3 },
  lead_days: 14,
  priority: 'high',
  estimated_hours: 3,
  assignee: 'tech1',
  enabled: true,
  checklist: [
    { id: 'grease', label: 'Grease pumped', kind: 'value', unit: 'g', min: 400, max: 600, field: 'main_bearing_grease' },
    { id: 'seals', label: 'Seals intact', kind: 'pass_fail' },
  ],
  simulated: true,
};

describe('plan drafts', () => {
  it('a stored plan round-trips through the form unchanged', () => {
    expect(planFromDraft(draftFromPlan(stored, '2026-12-02'), { ...stored })).toEqual({ plan: stored });
  });

  it('refuses numbers typed wrong, naming the label, and the core check in the form\'s words', () => {
    const draft = draftFromPlan(stored, '2026-12-02');
    expect(planFromDraft({ ...draft, every: 'lots' })).toEqual({ problem: 'Every (operating hours): "lots" is not a number' });
    expect(planFromDraft({ ...draft, lead_days: '' })).toEqual({ problem: 'Generate ahead (days): enter a number' });
    expect(planFromDraft({ ...draft, lead_days: '1.5' })).toEqual({ problem: 'Generate ahead (days) must be an integer' });
    expect(planFromDraft({ ...draft, checklist: [{ ...draft.checklist[0]!, min: '700' }] })).toEqual({ problem: 'Checklist item 1 minimum (700) must not be above checklist item 1 maximum (600)' });
    expect(planFromDraft({ ...draft, checklist: [{ ...draft.checklist[0]!, label: ' ' }] })).toEqual({ problem: 'Checklist item 1: enter what to check' });
    expect(planFromDraft({ ...emptyPlanDraft('site/north', '2026-12-02'), title: 'x', asset_type: 'turbine', every_days: '0' })).toEqual({ problem: 'Every (days) must be between 1 and 3650 (got 0)' });
  });

  it('cleared optional fields go; keys the form does not own stay; a value item only keeps value fields', () => {
    const draft = { ...draftFromPlan(stored, '2026-12-02'), assignee: '', priority: '' as const, estimated_hours: '', threshold: '' };
    draft.checklist = [{ ...draft.checklist[1]!, unit: 'g', min: '1' }];
    const result = planFromDraft(draft, { ...stored, note: 'kept' });
    expect('plan' in result && result.plan).toEqual({
      type: 'maintenance_plan',
      site: 'site/north',
      title: 'Main bearing regreasing',
      target: { asset: 'asset/north/t01' },
      trigger: { kind: 'usage', measure: 'operating_hours', every: 2000, field: 'rotor_speed' },
      lead_days: 14,
      enabled: true,
      checklist: [{ id: 'seals', label: 'Seals intact', kind: 'pass_fail' }],
      simulated: true,
      note: 'kept',
    });
    if ('plan' in result) expect(maintenancePlanProblem(result.plan)).toBeUndefined();
  });

  it('moves items and makes distinct ids', () => {
    const items = [emptyItem(), emptyItem('value'), emptyItem('text')];
    expect(new Set(items.map((item) => item.id)).size).toBe(3);
    expect(moveItem(items, 2, -1).map((item) => item.kind)).toEqual(['pass_fail', 'text', 'value']);
    expect(moveItem(items, 0, -1)).toEqual(items);
  });
});
