import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_WORK_ORDER_HISTORY,
  WorkOrderEditError,
  addComment,
  addPhoto,
  editWorkOrder,
  newWorkOrder,
  recordResult,
  roleNames,
  workOrderProblem,
  workOrderStatuses,
  type Role,
  type Who,
  type WorkOrder,
  type WorkOrderStatus,
} from '../../src/core';

let counter = 0;
/** A caller: a fresh history entry id each time, a later time each time. */
function who(by = 'tom', role?: Role): Who {
  counter++;
  return { by, role, id: `entry-${counter}`, at: new Date(Date.UTC(2026, 11, 2, 8, 0, counter)).toISOString() };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function order(status: WorkOrderStatus = 'open', extra: Partial<WorkOrder> = {}): WorkOrder {
  return deepFreeze({ ...newWorkOrder({ site: 'site/north', title: 'Replace seal', asset: 'asset/north/t01' }, who('ana', 'engineer')), status, ...extra });
}

function refusal(run: () => unknown): WorkOrderEditError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkOrderEditError);
    return error as WorkOrderEditError;
  }
  throw new Error('expected the edit to be refused');
}

describe('newWorkOrder', () => {
  it('creates an open work order with one created entry by the caller', () => {
    const caller = who('ana', 'engineer');
    const doc = newWorkOrder({ site: 'site/north', title: 'Replace seal', priority: 'high', due: '2026-12-09', asset: undefined }, caller);
    expect(doc).toEqual({
      type: 'work_order',
      site: 'site/north',
      title: 'Replace seal',
      notes: '',
      priority: 'high',
      due: '2026-12-09',
      status: 'open',
      created_at: caller.at,
      created_by: 'ana',
      updated_at: caller.at,
      updated_by: 'ana',
      history: [{ id: caller.id, at: caller.at, by: 'ana', action: 'created' }],
    });
    expect(workOrderProblem(doc)).toBeUndefined();
  });

  it('is assigned when it names an assignee', () => {
    expect(newWorkOrder({ site: 's', title: 't', assignee: 'tom' }, who()).status).toBe('assigned');
  });

  it('refuses invalid fields, naming them, and fields a new work order does not take', () => {
    expect(refusal(() => newWorkOrder({ site: 's', title: '' }, who())).message).toContain('title must not be empty');
    expect(refusal(() => newWorkOrder({ site: 's', title: 't', estimated_hours: 20_000 }, who())).message).toContain('estimated_hours must be between 0 and 10000');
    expect(refusal(() => newWorkOrder({ site: 's', title: 't', status: 'verified' } as never, who())).message).toContain('status is not a field a new work order takes');
    expect(refusal(() => newWorkOrder({ site: 's', title: 't' }, { ...who(), at: 'now' })).message).toContain('who.at must be an ISO time');
  });
});

describe('editWorkOrder', () => {
  it('records only the fields that really changed, from → to, and returns a new document', () => {
    const before = order('open', { notes: 'old', priority: 'low' });
    const caller = who('tom');
    const after = editWorkOrder(before, { notes: 'new', priority: 'low', title: 'Replace seal', due: '2026-12-24' }, caller);
    expect(after).not.toBe(before);
    expect(before.notes).toBe('old');
    expect(after).toMatchObject({ notes: 'new', priority: 'low', due: '2026-12-24', updated_at: caller.at, updated_by: 'tom' });
    expect(after.history).toHaveLength(2);
    expect(after.history!.at(-1)).toEqual({ id: caller.id, at: caller.at, by: 'tom', action: 'edited', changes: { notes: { from: 'old', to: 'new' }, due: { from: null, to: '2026-12-24' } } });
  });

  it('null removes an optional field (from → null); a required one cannot be removed', () => {
    const after = editWorkOrder(order('open', { assignee: 'tom' }), { assignee: null }, who('ana', 'engineer'));
    expect('assignee' in after).toBe(false);
    expect(after.history!.at(-1)!.changes).toEqual({ assignee: { from: 'tom', to: null } });
    expect(refusal(() => editWorkOrder(order(), { title: null }, who())).message).toBe('title cannot be removed');
  });

  it('a patch that changes nothing returns the document itself (no entry); with a comment it is a comment', () => {
    const before = order('open', { parts: [{ id: 'p1', name: 'Seal', quantity: 1 }] });
    expect(editWorkOrder(before, { parts: [{ quantity: 1, name: 'Seal', id: 'p1' }], status: 'open' }, who())).toBe(before);
    const commented = editWorkOrder(before, {}, who(), { comment: '  waiting for the crane  ' });
    expect(commented.history!.at(-1)).toMatchObject({ action: 'comment', comment: 'waiting for the crane' });
    expect(commented.history!.at(-1)!.changes).toBeUndefined();
  });

  it('refuses fields nobody edits by hand (history, results, verified_by…)', () => {
    for (const field of ['history', 'results', 'photos', 'verified_by', 'created_at', 'type', '__proto__']) {
      expect(refusal(() => editWorkOrder(order(), JSON.parse(`{"${field}": "x"}`) as never, who('ana', 'admin'))).message).toBe(`${field} is not a field a person edits`);
    }
  });

  it('refuses an edit that would make the document invalid, naming the field', () => {
    const error = refusal(() => editWorkOrder(order(), { due: '2026-13-01' }, who()));
    expect(error.code).toBe('invalid');
    expect(error.status).toBe(400);
    expect(error.message).toContain('due');
  });

  // Every status pair × role through editWorkOrder: allowed ones give the right entry, the others throw.
  const expected: Record<string, readonly Role[]> = {
    'open>assigned': ['admin', 'engineer'],
    'open>in_progress': roleNames,
    'assigned>in_progress': roleNames,
    'assigned>open': ['admin', 'engineer'],
    'in_progress>on_hold': roleNames,
    'in_progress>done': roleNames,
    'on_hold>in_progress': roleNames,
    'done>verified': ['admin', 'engineer'],
    'done>in_progress': ['admin', 'engineer'],
    'verified>in_progress': ['admin', 'engineer'],
  };
  for (const from of workOrderStatuses) {
    for (const to of workOrderStatuses.filter((status) => status !== from)) {
      for (const role of roleNames) {
        const ok = expected[`${from}>${to}`]?.includes(role) ?? false;
        it(`${role} ${ok ? 'moves' : 'cannot move'} a work order from ${from} to ${to}`, () => {
          const before = order(from, { assignee: 'tom' });
          const edit = () => editWorkOrder(before, { status: to }, who('someone', role), { comment: 'because' });
          if (!ok) {
            const error = refusal(edit);
            const knownButNotForRole = expected[`${from}>${to}`] !== undefined || (from === 'verified' && role === 'technician');
            expect(error.code).toBe(knownButNotForRole ? 'forbidden' : 'transition');
            expect(error.status).toBe(knownButNotForRole ? 403 : 409);
            return;
          }
          const after = edit();
          expect(after.status).toBe(to);
          const entry = after.history!.at(-1)!;
          expect(entry.changes).toEqual({ status: { from, to } });
          expect(entry.action).toBe(to === 'verified' ? 'verified' : from === 'done' || from === 'verified' ? 'reopened' : 'status');
        });
      }
    }
  }

  it('a role-less caller is treated as a technician', () => {
    expect(refusal(() => editWorkOrder(order('done'), { status: 'verified' }, who('tom'))).code).toBe('forbidden');
  });

  it('done sets completed_at; verify sets verified_at/by; reopen needs a comment and clears them', () => {
    const done = editWorkOrder(order('in_progress'), { status: 'done', actual_hours: 3 }, who('tom', 'technician'));
    expect(done.completed_at).toBe(done.updated_at);
    expect(done.history!.at(-1)!.changes).toEqual({ status: { from: 'in_progress', to: 'done' }, actual_hours: { from: null, to: 3 } });
    const verifier = who('ana', 'engineer');
    const verified = editWorkOrder(done, { status: 'verified' }, verifier);
    expect(verified).toMatchObject({ verified_at: verifier.at, verified_by: 'ana', completed_at: done.completed_at });
    expect(refusal(() => editWorkOrder(verified, { status: 'in_progress' }, who('ana', 'engineer'), { comment: '   ' })).message).toContain('Say why you reopen');
    const reopened = editWorkOrder(verified, { status: 'in_progress' }, who('ana', 'engineer'), { comment: 'Seal still leaking' });
    expect(reopened.history!.at(-1)).toMatchObject({ action: 'reopened', comment: 'Seal still leaking' });
    expect(reopened.verified_at).toBeUndefined();
    expect(reopened.verified_by).toBeUndefined();
    expect(reopened.completed_at).toBeUndefined();
  });

  it('Assign needs an assignee (in the patch or already there)', () => {
    expect(refusal(() => editWorkOrder(order('open'), { status: 'assigned' }, who('ana', 'engineer'))).message).toContain('Choose who');
    expect(editWorkOrder(order('open'), { status: 'assigned', assignee: 'tom' }, who('ana', 'engineer')).status).toBe('assigned');
  });

  it('a technician cannot change a verified work order at all; an engineer can', () => {
    const verified = order('verified');
    for (const edit of [
      () => editWorkOrder(verified, { notes: 'x' }, who('tom', 'technician')),
      () => addComment(verified, 'x', who('tom', 'technician')),
      () => addPhoto(verified, 'photo/a.jpg', { taken_at: verified.created_at!, by: 'tom', width: 1, height: 1, bytes: 1 }, who('tom', 'technician')),
    ]) {
      const error = refusal(edit);
      expect(error.code).toBe('forbidden');
      expect(error.message).toContain('verified');
    }
    expect(editWorkOrder(verified, { notes: 'typo fixed' }, who('ana', 'engineer')).notes).toBe('typo fixed');
  });

  it('keeps at most 1 000 history entries: the oldest are dropped and counted', () => {
    let doc = order();
    const filler = Array.from({ length: MAX_WORK_ORDER_HISTORY - 1 }, (_, index) => ({ id: `old-${index}`, at: doc.created_at!, by: 'tom', action: 'comment' as const, comment: `${index}` }));
    doc = { ...doc, history: [...doc.history!, ...filler] };
    expect(doc.history).toHaveLength(MAX_WORK_ORDER_HISTORY);
    const once = addComment(doc, 'one more', who());
    expect(once.history).toHaveLength(MAX_WORK_ORDER_HISTORY);
    expect(once.history_dropped).toBe(1);
    expect(once.history![0]!.id).toBe('old-0');
    expect(once.history!.at(-1)!.comment).toBe('one more');
    const twice = addComment(once, 'and another', who());
    expect(twice.history_dropped).toBe(2);
    expect(twice.history![0]!.id).toBe('old-1');
    expect(workOrderProblem(twice)).toBeUndefined();
  });

  it('long values are summarised in the history, so 1 000 edits of long notes stay a small document', () => {
    let doc = order();
    for (let index = 0; index < 50; index++) doc = editWorkOrder(doc, { notes: `${index} ${'x'.repeat(90_000)}` }, who());
    const change = doc.history!.at(-1)!.changes!.notes!;
    expect((change.to as string).length).toBeLessThanOrEqual(500);
    expect(JSON.stringify(doc.history).length).toBeLessThan(60_000);
    const parts = Array.from({ length: 150 }, (_, index) => ({ id: `p${index}`, name: `Part number ${index}`, quantity: 1 }));
    expect(editWorkOrder(doc, { parts }, who()).history!.at(-1)!.changes!.parts).toEqual({ from: null, to: '(150 entries)' });
  });
});

describe('recordResult', () => {
  const checklist = [
    { id: 'seal', label: 'Seal intact', kind: 'pass_fail' as const },
    { id: 'temp', label: 'Bearing temperature', kind: 'value' as const, unit: '°C', max: 80 },
    { id: 'remarks', label: 'Remarks', kind: 'text' as const },
    { id: '__proto__', label: 'An id that is also a JavaScript name', kind: 'text' as const },
  ];

  it('records the answer by item id with who and when, and a checklist entry from → to', () => {
    const caller = who('tom', 'technician');
    const before = order('in_progress', { checklist });
    const after = recordResult(before, 'temp', 61.5, caller, { reading: 'reading/abc', note: ' after a run ' });
    expect(before.results).toBeUndefined();
    expect(after.results!.temp).toEqual({ value: 61.5, at: caller.at, by: 'tom', reading: 'reading/abc', note: 'after a run' });
    expect(after.history!.at(-1)).toEqual({ id: caller.id, at: caller.at, by: 'tom', action: 'checklist', changes: { temp: { from: null, to: 61.5 } } });
    const again = recordResult(after, 'temp', 64, who());
    expect(again.history!.at(-1)!.changes).toEqual({ temp: { from: 61.5, to: 64 } });
    expect(recordResult(again, 'temp', 64, who())).toBe(again);
  });

  it('checks the answer against the item kind and refuses unknown items', () => {
    const doc = order('in_progress', { checklist });
    expect(refusal(() => recordResult(doc, 'seal', 'ok', who())).message).toContain('pass or fail');
    expect(refusal(() => recordResult(doc, 'temp', Number.NaN, who())).message).toContain('needs a number in °C');
    expect(refusal(() => recordResult(doc, 'remarks', ' ', who())).message).toContain('needs a text answer');
    expect(refusal(() => recordResult(doc, 'nope', 'pass', who())).message).toContain('no checklist item "nope"');
  });

  it('an item id like "__proto__" is stored as an ordinary key and survives JSON', () => {
    const doc = recordResult(order('in_progress', { checklist }), '__proto__', 'looks fine', who());
    const stored = JSON.parse(JSON.stringify(doc)) as WorkOrder;
    expect(Object.keys(stored.results!)).toEqual(['__proto__']);
    expect(workOrderProblem(stored)).toBeUndefined();
  });
});

describe('addPhoto and addComment', () => {
  const meta = { taken_at: '2026-12-02T09:00:00.000Z', by: 'tom', width: 1600, height: 1200, bytes: 300_000, item: 'seal', caption: 'Seal, left side' };

  it('adds the photo under its attachment name, with a photo entry', () => {
    const caller = who();
    const after = addPhoto(order('in_progress'), 'photo/3f2a.jpg', meta, caller);
    expect(after.photos).toEqual({ 'photo/3f2a.jpg': meta });
    expect(after.history!.at(-1)).toEqual({ id: caller.id, at: caller.at, by: 'tom', action: 'photo', changes: { photos: { from: null, to: 'photo/3f2a.jpg' } }, comment: 'Seal, left side' });
    expect(refusal(() => addPhoto(after, 'photo/3f2a.jpg', meta, who())).message).toContain('already has a photo');
    expect(refusal(() => addPhoto(after, 'photo/../../x.jpg', meta, who())).message).toContain('photo/<id>.jpg');
    expect(refusal(() => addPhoto(after, 'photo/b.jpg', { ...meta, bytes: -1 }, who())).message).toContain('photo.bytes');
  });

  it('adds a comment; an empty one is refused', () => {
    const after = addComment(order(), ' Needs the crane ', who('ana'));
    expect(after.history!.at(-1)).toMatchObject({ action: 'comment', comment: 'Needs the crane', by: 'ana' });
    expect(refusal(() => addComment(order(), '  ', who())).message).toBe('Write a comment first.');
    expect(refusal(() => addComment(order(), 'x'.repeat(10_001), who())).message).toContain('at most 10000');
  });
});

describe('any sequence of edits', () => {
  // Generated edits by any role: each either gives a valid work order with exactly one more
  // history entry by its caller, or throws WorkOrderEditError (never another error), and never
  // changes the document it was given.
  const role = fc.constantFrom<Role>(...roleNames);
  const status = fc.constantFrom<WorkOrderStatus>(...workOrderStatuses);
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('edit' as const), role, comment: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), patch: fc.record(
      {
        status,
        title: fc.string({ maxLength: 30 }),
        notes: fc.string({ maxLength: 30 }),
        priority: fc.constantFrom('low', 'medium', 'high', 'urgent', null),
        assignee: fc.constantFrom('tom', 'ana', null),
        due: fc.constantFrom('2026-12-24', '2026-02-30', null),
        actual_hours: fc.oneof(fc.double({ min: -5, max: 20_000, noNaN: true }), fc.constant(null)),
      },
      { requiredKeys: [] },
    ) }),
    fc.record({ kind: fc.constant('result' as const), role, item: fc.constantFrom('seal', 'temp', 'gone'), value: fc.oneof(fc.constantFrom('pass', 'fail', 'ok'), fc.double({ noNaN: true }), fc.string({ maxLength: 10 })) }),
    fc.record({ kind: fc.constant('comment' as const), role, text: fc.string({ maxLength: 20 }) }),
  );

  it('keeps the document valid, one entry per accepted edit, and never mutates the input', () => {
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 25 }), (edits) => {
        let doc = order('open', { checklist: [{ id: 'seal', label: 'Seal intact', kind: 'pass_fail' }, { id: 'temp', label: 'Temperature', kind: 'value', unit: '°C' }] });
        for (const step of edits) {
          const before = JSON.stringify(doc);
          const caller = who('someone', step.role);
          let next: WorkOrder;
          try {
            if (step.kind === 'edit') next = editWorkOrder(doc, step.patch as never, caller, { comment: step.comment });
            else if (step.kind === 'result') next = recordResult(doc, step.item, step.value, caller);
            else next = addComment(doc, step.text, caller);
          } catch (error) {
            expect(error).toBeInstanceOf(WorkOrderEditError);
            expect(JSON.stringify(doc)).toBe(before);
            continue;
          }
          expect(JSON.stringify(doc)).toBe(before);
          expect(workOrderProblem(next)).toBeUndefined();
          if (next !== doc) {
            expect(next.history).toHaveLength(doc.history!.length + 1);
            expect(next.history!.at(-1)).toMatchObject({ id: caller.id, by: 'someone', at: caller.at });
            expect(next.updated_at).toBe(caller.at);
          }
          doc = deepFreeze(next);
        }
      }),
      { numRuns: 200 },
    );
  });
});
