import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_CHECKLIST_ITEMS,
  MAX_PARTS,
  MAX_WORK_ORDER_HISTORY,
  canTransition,
  checklistProblem,
  mayEditWorkOrder,
  nextActions,
  roleNames,
  transitionOf,
  workOrderProblem,
  workOrderStatusLabels,
  workOrderStatuses,
  type WorkOrder,
  type WorkOrderStatus,
} from '../../src/core';

const at = '2026-12-02T08:00:00.000Z';

/** A work order using every field of the contract. */
function fullOrder(): WorkOrder {
  return {
    type: 'work_order',
    site: 'site/north',
    asset: 'asset/north/t01',
    title: 'Inspect main bearing',
    notes: 'Grease and check play.',
    kind: 'inspection',
    status: 'in_progress',
    priority: 'high',
    due: '2026-12-09',
    assignee: 'tom',
    estimated_hours: 2.5,
    actual_hours: 0,
    parts: [
      { id: 'p1', name: 'Grease cartridge', quantity: 2, part_number: 'GR-400' },
      { id: 'p2', name: 'Seal', quantity: 1 },
    ],
    alarm: 'alarm/bearing-temp/source/t01/temp/1',
    prediction: 'prediction/t01/bearing/3',
    plan: { id: 'maintenance_plan/bearing-quarterly', occurrence: 4 },
    checklist: [
      { id: 'c1', label: 'Seal intact', kind: 'pass_fail' },
      { id: 'c2', label: 'Bearing temperature', kind: 'value', unit: '°C', min: 0, max: 80, field: 'bearing_temp' },
      { id: 'c3', label: 'Remarks', kind: 'text' },
    ],
    results: {
      c1: { value: 'pass', at, by: 'tom' },
      c2: { value: 61.5, at, by: 'tom', reading: 'reading/8b0f', note: 'after 10 min run' },
    },
    photos: { 'photo/0f5e1c2a-1111-4b7e-9a8e-2b1f3c4d5e6f.jpg': { taken_at: at, by: 'tom', width: 1600, height: 1200, bytes: 312_000, item: 'c1', caption: 'Seal' } },
    history: [
      { id: 'h1', at, by: 'ana', action: 'created' },
      { id: 'h2', at, by: 'tom', action: 'status', changes: { status: { from: 'assigned', to: 'in_progress' } } },
    ],
    created_at: at,
    created_by: 'ana',
    updated_at: at,
    updated_by: 'tom',
  };
}

describe('work order documents', () => {
  it('documents of the first version (open / in_progress / done, no history, notes maybe absent) stay valid', () => {
    for (const status of ['open', 'in_progress', 'done']) {
      expect(workOrderProblem({ type: 'work_order', site: 'north', title: 'Replace bearing', status, notes: '' })).toBeUndefined();
    }
    expect(workOrderProblem({ type: 'work_order', site: 'north', title: 'Replace bearing', status: 'open' })).toBeUndefined();
    expect(workOrderProblem({ type: 'work_order', site: 'north', title: 'From alarm', status: 'open', notes: 'x', alarm: 'alarm/r/c/1', updated_by: 'tom' })).toBeUndefined();
  });

  it('a work order with every field of the contract is valid', () => {
    expect(workOrderProblem(fullOrder())).toBeUndefined();
  });

  it('results may name items the checklist does not have yet (a merge brings them in any order)', () => {
    const order = { ...fullOrder(), checklist: undefined, results: { later: { value: 3, at, by: 'tom' } } };
    expect(workOrderProblem(order)).toBeUndefined();
  });

  const bad: Array<[string, (order: Record<string, unknown>) => void, string]> = [
    ['status', (o) => (o.status = 'closed'), 'status must be one of open, assigned, in_progress, on_hold, done, verified'],
    ['priority', (o) => (o.priority = 'asap'), 'priority must be one of'],
    ['kind', (o) => (o.kind = 'repair'), 'kind must be one of'],
    ['due not a date', (o) => (o.due = '2026-12-9'), 'due must be a date'],
    ['due not on the calendar', (o) => (o.due = '2026-02-30'), 'due "2026-02-30" is not a calendar date'],
    ['title empty', (o) => (o.title = '  '), 'title must not be empty'],
    ['title too long', (o) => (o.title = 'x'.repeat(501)), 'title must have at most 500'],
    ['site missing', (o) => delete o.site, 'site must be a string'],
    ['assignee', (o) => (o.assignee = 7), 'assignee must be a string'],
    ['estimated_hours negative', (o) => (o.estimated_hours = -1), 'estimated_hours must be between 0 and 10000'],
    ['actual_hours too many', (o) => (o.actual_hours = 10_001), 'actual_hours must be between 0 and 10000'],
    ['actual_hours NaN-like', (o) => (o.actual_hours = '2'), 'actual_hours must be a finite number'],
    ['parts not an array', (o) => (o.parts = {}), 'parts must be an array'],
    ['parts quantity zero', (o) => ((o.parts as Array<Record<string, unknown>>)[1]!.quantity = 0), 'parts[1].quantity must be above 0'],
    ['parts name', (o) => ((o.parts as Array<Record<string, unknown>>)[0]!.name = ''), 'parts[0].name must not be empty'],
    ['parts id twice', (o) => ((o.parts as Array<Record<string, unknown>>)[1]!.id = 'p1'), 'parts[1].id "p1" is used twice'],
    ['parts too many', (o) => (o.parts = Array.from({ length: MAX_PARTS + 1 }, (_, i) => ({ id: `p${i}`, name: 'n', quantity: 1 }))), 'parts must have at most 200'],
    ['alarm link', (o) => (o.alarm = 'work_order/x'), 'alarm must be the id of an alarm'],
    ['plan id', (o) => (o.plan = { id: 'plan/x', occurrence: 1 }), 'plan.id must be the id of a maintenance plan'],
    ['plan occurrence', (o) => (o.plan = { id: 'maintenance_plan/x', occurrence: 1.5 }), 'plan.occurrence must be an integer'],
    ['checklist kind', (o) => ((o.checklist as Array<Record<string, unknown>>)[0]!.kind = 'yes_no'), 'checklist[0].kind must be one of pass_fail, value, text'],
    ['checklist limits', (o) => ((o.checklist as Array<Record<string, unknown>>)[1]!.min = 100), 'checklist[1].min (100) must not be above checklist[1].max (80)'],
    ['checklist id twice', (o) => ((o.checklist as Array<Record<string, unknown>>)[2]!.id = 'c1'), 'checklist[2].id "c1" is used twice'],
    [
      'checklist too many',
      (o) => (o.checklist = Array.from({ length: MAX_CHECKLIST_ITEMS + 1 }, (_, i) => ({ id: `c${i}`, label: 'l', kind: 'text' }))),
      'checklist must have at most 200',
    ],
    ['result value', (o) => ((o.results as Record<string, Record<string, unknown>>).c1!.value = true), 'results["c1"].value must be'],
    ['result time', (o) => ((o.results as Record<string, Record<string, unknown>>).c1!.at = 'yesterday'), 'results["c1"].at must be an ISO time'],
    ['result reading', (o) => ((o.results as Record<string, Record<string, unknown>>).c2!.reading = 'channel/x'), 'results["c2"].reading must be the id of a reading'],
    ['photo name', (o) => (o.photos = { 'photo/../x.png': { taken_at: at, by: 'tom', width: 1, height: 1, bytes: 1 } }), "a photo's name is photo/<id>.jpg"],
    ['photo width', (o) => (o.photos = { 'photo/a.jpg': { taken_at: at, by: 'tom', width: 0, height: 1, bytes: 1 } }), 'photos["photo/a.jpg"].width must be between 1'],
    ['history action', (o) => ((o.history as Array<Record<string, unknown>>)[1]!.action = 'deleted'), 'history[1].action must be one of'],
    ['history id twice', (o) => ((o.history as Array<Record<string, unknown>>)[1]!.id = 'h1'), 'history[1].id "h1" is used twice'],
    ['history changes', (o) => ((o.history as Array<Record<string, unknown>>)[1]!.changes = { status: 'done' }), 'history[1].changes.status must be {from, to}'],
    ['history too many', (o) => (o.history = Array.from({ length: MAX_WORK_ORDER_HISTORY + 1 }, (_, i) => ({ id: `h${i}`, at, by: 'tom', action: 'comment' }))), 'history must have at most 1000'],
    ['history_dropped', (o) => (o.history_dropped = -2), 'history_dropped must be'],
    ['updated_at', (o) => (o.updated_at = '2026-12-02 08:00'), 'updated_at must be an ISO time'],
    ['updated_at on no calendar', (o) => (o.updated_at = '2026-02-30T08:00:00Z'), 'updated_at "2026-02-30T08:00:00Z" is not a valid time'],
    ['verified_by', (o) => (o.verified_by = ''), 'verified_by must not be empty'],
  ];
  for (const [what, spoil, message] of bad) {
    it(`refuses a work order with a bad ${what}, naming the field`, () => {
      const order = structuredClone(fullOrder()) as unknown as Record<string, unknown>;
      spoil(order);
      expect(workOrderProblem(order)).toContain(message);
    });
  }

  it('never throws, whatever JSON it is given, and answers a message or undefined', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const answer = workOrderProblem(value);
        expect(answer === undefined || typeof answer === 'string').toBe(true);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...Object.keys(fullOrder())), fc.jsonValue()), (spoil) => {
        const answer = workOrderProblem({ ...fullOrder(), ...spoil });
        expect(answer === undefined || typeof answer === 'string').toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('keys like "__proto__" in results are ordinary keys', () => {
    const order = JSON.parse(JSON.stringify(fullOrder()).replace('"c1":{"value":"pass"', '"__proto__":{"value":"pass"')) as unknown;
    expect(workOrderProblem(order)).toBeUndefined();
    const broken = JSON.parse(JSON.stringify(fullOrder()).replace('"c1":{"value":"pass"', '"__proto__":{"value":true')) as unknown;
    expect(workOrderProblem(broken)).toContain('results["__proto__"].value');
  });
});

describe('checklists', () => {
  it('checks a plan template the same way (items, unique ids, limits)', () => {
    expect(checklistProblem([{ id: 'a', label: 'Oil level', kind: 'value', unit: 'mm', min: 10, max: 20 }])).toBeUndefined();
    expect(checklistProblem([])).toBeUndefined();
    expect(checklistProblem('a', 'template')).toBe('template must be an array of items');
    expect(checklistProblem([{ id: 'a', label: 'x', kind: 'value', max: Infinity }])).toContain('checklist[0].max must be a finite number');
    expect(checklistProblem([{ id: 'a', label: 'x', kind: 'text', unit: 'u'.repeat(51) }])).toContain('checklist[0].unit must have at most 50');
    expect(checklistProblem([null])).toContain('checklist[0] must be an object');
  });
});

// The contract's table, written out independently of the implementation's.
const allowed: Record<string, readonly string[]> = {
  'open>assigned': ['admin', 'engineer'],
  'open>in_progress': ['admin', 'engineer', 'technician'],
  'assigned>in_progress': ['admin', 'engineer', 'technician'],
  'assigned>open': ['admin', 'engineer'],
  'in_progress>on_hold': ['admin', 'engineer', 'technician'],
  'in_progress>done': ['admin', 'engineer', 'technician'],
  'on_hold>in_progress': ['admin', 'engineer', 'technician'],
  'done>verified': ['admin', 'engineer'],
  'done>in_progress': ['admin', 'engineer'],
  'verified>in_progress': ['admin', 'engineer'],
};

describe('work order lifecycle', () => {
  it('statuses are listed in lifecycle order with a label each', () => {
    expect(workOrderStatuses).toEqual(['open', 'assigned', 'in_progress', 'on_hold', 'done', 'verified']);
    for (const status of workOrderStatuses) expect(workOrderStatusLabels[status]).toMatch(/^[A-Z]/);
  });

  for (const from of workOrderStatuses) {
    for (const to of workOrderStatuses) {
      for (const role of roleNames) {
        const expected = allowed[`${from}>${to}`]?.includes(role) ?? false;
        it(`${role}: ${from} → ${to} is ${expected ? 'allowed' : 'refused'}`, () => {
          expect(canTransition(from, to, role)).toBe(expected);
        });
      }
    }
  }

  it('reopening (done or verified → in progress) is the only change that needs a comment', () => {
    const reopens = workOrderStatuses.flatMap((from) => workOrderStatuses.filter((to) => transitionOf(from, to)?.reopen).map((to) => `${from}>${to}`));
    expect(reopens.sort()).toEqual(['done>in_progress', 'verified>in_progress']);
  });

  it('offers the buttons each role may press, in order', () => {
    const labels = (status: WorkOrderStatus, role: (typeof roleNames)[number], assignee?: string) => nextActions({ status, assignee }, role).map((a) => `${a.label}→${a.to}`);
    expect(labels('open', 'technician')).toEqual(['Start→in_progress']);
    expect(labels('open', 'engineer')).toEqual(['Start→in_progress', 'Assign→assigned']);
    expect(labels('assigned', 'technician')).toEqual(['Start→in_progress']);
    expect(labels('assigned', 'admin')).toEqual(['Start→in_progress', 'Unassign→open']);
    expect(labels('in_progress', 'technician')).toEqual(['Mark done→done', 'Put on hold→on_hold']);
    expect(labels('on_hold', 'technician')).toEqual(['Resume→in_progress']);
    expect(labels('done', 'technician')).toEqual([]);
    expect(labels('done', 'engineer')).toEqual(['Verify→verified', 'Reopen→in_progress']);
    expect(labels('verified', 'technician')).toEqual([]);
    expect(labels('verified', 'engineer')).toEqual(['Reopen→in_progress']);
    expect(nextActions({ status: 'done' }, 'engineer').find((a) => a.to === 'in_progress')).toMatchObject({ needsComment: true });
    expect(nextActions({ status: 'open' }, 'engineer').find((a) => a.to === 'assigned')).toMatchObject({ needsAssignee: true });
    expect(nextActions({ status: 'open', assignee: 'tom' }, 'engineer').find((a) => a.to === 'assigned')).toMatchObject({ needsAssignee: false });
  });

  it('technicians leave verified work orders alone; everyone else edits any', () => {
    expect(mayEditWorkOrder('verified', 'technician')).toBe(false);
    expect(mayEditWorkOrder('verified', 'engineer')).toBe(true);
    for (const status of workOrderStatuses.filter((s) => s !== 'verified')) expect(mayEditWorkOrder(status, 'technician')).toBe(true);
  });
});
