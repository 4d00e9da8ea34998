// My work's decisions: whose work orders, which are still to do, in what order, by site.
import { describe, expect, it } from 'vitest';
import { checklistProgress, dueLabel, dueState, myWork, waitingForReview, workSummary, type WorkItem } from '../../src/controllers/maintenance/my-work';

const today = '2026-12-02';
const order = (id: string, fields: Partial<WorkItem> = {}): WorkItem => ({ id, site: 'site/north', title: id, status: 'assigned', assignee: 'tina', ...fields });

describe('my work', () => {
  it('lists the open work orders assigned to the user by site title: overdue, due soon, then the rest by due date and priority', () => {
    const orders = [
      order('later-low', { due: '2026-12-30', priority: 'low' }),
      order('later-urgent', { due: '2026-12-30', priority: 'urgent' }),
      order('no-date-high', { priority: 'high' }),
      order('no-date', {}),
      order('soon-5', { due: '2026-12-07' }),
      order('overdue-1', { due: '2026-12-01' }),
      order('overdue-10', { due: '2026-11-22', status: 'in_progress' }),
      order('soon-0', { due: today, status: 'on_hold' }),
      order('done', { due: '2026-11-01', status: 'done' }),
      order('verified', { status: 'verified' }),
      order('someone-else', { assignee: 'tom' }),
      order('unassigned', { assignee: undefined, status: 'open' }),
      order('solar', { site: 'site/aaa-solar', due: '2026-12-05' }),
    ];
    const titles = new Map([['site/north', 'North Sea Wind'], ['site/aaa-solar', 'Sunfield Solar']]);
    const work = myWork(orders, 'tina', today, (site) => titles.get(site) ?? site);
    expect(work.groups.map((group) => [group.site, group.orders.map((item) => item.id)])).toEqual([
      ['site/north', ['overdue-10', 'overdue-1', 'soon-0', 'soon-5', 'later-urgent', 'later-low', 'no-date-high', 'no-date']],
      ['site/aaa-solar', ['solar']],
    ]);
    expect(work).toMatchObject({ open: 9, overdue: 2, soon: 3 });
    expect(workSummary(work)).toBe('9 open, 2 overdue, 3 due soon');
    expect(myWork(orders, undefined, today).groups).toEqual([]);
    expect(workSummary(myWork([], 'tina', today))).toBe('Nothing open assigned to you');
  });

  it('says the due date in words', () => {
    expect(dueLabel('2026-11-29', today)).toBe('overdue by 3 days');
    expect(dueLabel('2026-12-01', today)).toBe('overdue by 1 day');
    expect(dueLabel(today, today)).toBe('due today');
    expect(dueLabel('2026-12-03', today)).toBe('due tomorrow');
    expect(dueLabel('2026-12-04', today)).toBe('in 2 days');
    expect(dueLabel('2026-12-09', today)).toBe('in 7 days');
    expect(dueLabel('2026-12-10', today)).toBe('due 2026-12-10');
    expect(dueLabel(undefined, today)).toBe('no due date');
    expect(dueState('2026-13-45', today)).toBe('none');
    // Across a month and a daylight-saving change the count stays in whole days.
    expect(dueLabel('2027-04-01', '2027-03-25')).toBe('in 7 days');
  });

  it('counts checklist results of the listed items only, and lists done work for review, longest waiting first', () => {
    expect(checklistProgress({ checklist: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], results: { a: {}, c: {}, gone: {} } })).toEqual({ done: 2, total: 3 });
    expect(checklistProgress({})).toEqual({ done: 0, total: 0 });
    const review = waitingForReview([
      order('recent', { status: 'done', completed_at: '2026-12-02T10:00:00Z' }),
      order('open', { status: 'open' }),
      order('older', { status: 'done', completed_at: '2026-12-01T10:00:00Z' }),
    ]);
    expect(review.map((item) => item.id)).toEqual(['older', 'recent']);
  });
});
