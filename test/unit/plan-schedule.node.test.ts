// When a plan's next occurrence is due and whether to generate it (core plan-schedule.ts), at the
// edges: the lead's last day, a start in the past or future, missed dates, usage marks reached,
// forecast from the rate, a plan changed after occurrences were generated; and the plan document.
import { describe, expect, it } from 'vitest';
import { maintenancePlanProblem, nextOccurrence, type MaintenancePlan } from '../../src/core';

const calendar = (every_days: number, start: string, lead_days: number): MaintenancePlan => ({
  type: 'maintenance_plan',
  site: 'site/wind',
  title: 'Gearbox oil check',
  target: { asset_type: 'turbine' },
  trigger: { kind: 'calendar', every_days, start },
  lead_days,
  checklist: [],
});
const usage = (every: number, lead_days: number): MaintenancePlan => ({ ...calendar(1, '2026-01-01', lead_days), trigger: { kind: 'usage', measure: 'operating_hours', every, field: 'rotor_speed', threshold: 5 } });

describe('calendar plans', () => {
  it('generate on the first day of the lead, not the day before', () => {
    const plan = calendar(30, '2026-12-10', 7);
    expect(nextOccurrence(plan, { generated: 0 }, '2026-12-02')).toEqual({ occurrence: 1, due: '2026-12-10', generate: false });
    expect(nextOccurrence(plan, { generated: 0 }, '2026-12-03')).toEqual({ occurrence: 1, due: '2026-12-10', generate: true });
  });

  it('a start in the past: the first date on or after today, no backlog', () => {
    const plan = calendar(30, '2026-01-01', 0);
    // 2026-01-01 + 11·30 days = 2026-11-27, + 12·30 = 2026-12-27.
    expect(nextOccurrence(plan, { generated: 0 }, '2026-12-02')).toMatchObject({ due: '2026-12-27', generate: false });
    expect(nextOccurrence(plan, { generated: 0 }, '2026-11-27')).toMatchObject({ due: '2026-11-27', generate: true });
  });

  it('follow the last generated date; a lead longer than the interval gives several', () => {
    const plan = calendar(10, '2026-12-01', 25);
    const today = '2026-12-01';
    const first = nextOccurrence(plan, { generated: 0 }, today);
    const second = nextOccurrence(plan, { generated: 1, last_due: first.due! }, today);
    const third = nextOccurrence(plan, { generated: 2, last_due: second.due! }, today);
    const fourth = nextOccurrence(plan, { generated: 3, last_due: third.due! }, today);
    expect([first, second, third, fourth].map((next) => [next.occurrence, next.due, next.generate])).toEqual([
      [1, '2026-12-01', true],
      [2, '2026-12-11', true],
      [3, '2026-12-21', true],
      [4, '2026-12-31', false],
    ]);
  });

  it('missed dates (scheduler away): only the latest one, overdue', () => {
    const plan = calendar(7, '2026-10-01', 0);
    expect(nextOccurrence(plan, { generated: 3, last_due: '2026-10-15' }, '2026-11-20')).toMatchObject({ occurrence: 4, due: '2026-11-19', generate: true });
  });

  it('a plan changed later moves only what is not generated yet', () => {
    // Generated up to 2026-12-31 at 30 days from 2026-12-01; now every 7 days from the same start.
    expect(nextOccurrence(calendar(7, '2026-12-01', 14), { generated: 2, last_due: '2026-12-31' }, '2026-12-20')).toMatchObject({ occurrence: 3, due: '2027-01-05', generate: false });
  });
});

describe('usage plans', () => {
  it('forecast the due date from the rate and generate within the lead', () => {
    // 1 900 of 2 000 hours, 20 h a day: due in 5 days.
    expect(nextOccurrence(usage(2000, 4), { generated: 0 }, '2026-12-02', { total: 1900, ratePerDay: 20 })).toEqual({ occurrence: 1, due: '2026-12-07', mark: 2000, generate: false });
    expect(nextOccurrence(usage(2000, 5), { generated: 0 }, '2026-12-02', { total: 1900, ratePerDay: 20 })).toEqual({ occurrence: 1, due: '2026-12-07', mark: 2000, generate: true });
  });

  it('a mark reached is due today, also with no rate; several passed unseen give the latest', () => {
    expect(nextOccurrence(usage(2000, 0), { generated: 0 }, '2026-12-02', { total: 2000, ratePerDay: null })).toMatchObject({ due: '2026-12-02', mark: 2000, generate: true });
    expect(nextOccurrence(usage(2000, 0), { generated: 1, last_mark: 2000 }, '2026-12-02', { total: 9100, ratePerDay: 0 })).toMatchObject({ occurrence: 2, mark: 8000, generate: true });
  });

  it('no rate and not reached: no date, nothing generated', () => {
    expect(nextOccurrence(usage(2000, 30), { generated: 0 }, '2026-12-02', { total: 10, ratePerDay: 0 })).toEqual({ occurrence: 1, due: undefined, mark: 2000, generate: false });
    expect(nextOccurrence(usage(2000, 30), { generated: 0 }, '2026-12-02')).toMatchObject({ generate: false });
  });

  it('a changed interval counts from the last generated mark', () => {
    expect(nextOccurrence(usage(1500, 0), { generated: 1, last_mark: 2000 }, '2026-12-02', { total: 2500, ratePerDay: 10 })).toMatchObject({ occurrence: 2, mark: 3000, generate: false });
  });
});

describe('maintenance plan documents', () => {
  it('accepts the contract shape and names the field at fault', () => {
    const plan = { ...calendar(30, '2026-12-01', 7), checklist: [{ id: 'oil', label: 'Oil level', kind: 'value', unit: '%', min: 40, max: 90, field: 'oil_level' }], priority: 'high', estimated_hours: 1.5, assignee: 'tech1' };
    expect(maintenancePlanProblem(plan)).toBeUndefined();
    expect(maintenancePlanProblem(usage(2000, 14))).toBeUndefined();
    expect(maintenancePlanProblem({ ...plan, trigger: { kind: 'calendar', every_days: 0, start: '2026-12-01' } })).toMatch(/trigger.every_days/);
    expect(maintenancePlanProblem({ ...plan, trigger: { kind: 'calendar', every_days: 30, start: '2026-02-30' } })).toMatch(/trigger.start/);
    expect(maintenancePlanProblem({ ...plan, trigger: { kind: 'usage', measure: 'km', every: 5, field: 'x' } })).toMatch(/trigger.measure/);
    expect(maintenancePlanProblem({ ...plan, trigger: { kind: 'usage', measure: 'energy_mwh', every: 0, field: 'x' } })).toMatch(/trigger.every/);
    expect(maintenancePlanProblem({ ...plan, target: { asset: 'turbine-1' } })).toMatch(/target.asset/);
    expect(maintenancePlanProblem({ ...plan, target: { asset: 'asset/a', asset_type: 'turbine' } })).toMatch(/exactly one/);
    expect(maintenancePlanProblem({ ...plan, lead_days: 400 })).toMatch(/lead_days/);
    expect(maintenancePlanProblem({ ...plan, checklist: [plan.checklist[0], plan.checklist[0]] })).toMatch(/used twice/);
    expect(maintenancePlanProblem({ ...plan, priority: 'asap' })).toMatch(/priority/);
  });
});
