// The work order list's model (src/controllers/maintenance/work-order-list.ts): rows with titles and
// a search text of every field a user sees, the search syntax (keyless words all matching as
// case-insensitive substrings, quoted phrases, key:value terms), filters and stable sorts, over
// 10 000 work orders, and a property: a row matches a keyless search iff every word is in its text.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addDays,
  filterWorkOrders,
  isOverdue,

  matchesWorkOrder,
  parseWorkOrderQuery,
  sortWorkOrders,
  termOf,
  withTerm,
  workOrderRow,
  workOrderSorts,
  type ListTitles,
  type WorkOrderRow,
} from '../../src/controllers/maintenance/work-order-list';

const titles: ListTitles = {
  sites: new Map([
    ['site/north', 'North Sea Wind'],
    ['site/south', 'Sunfield Solar'],
  ]),
  assets: new Map([
    ['asset/north/t01', 'Turbine T01'],
    ['asset/south/inv01', 'Inverter INV01'],
  ]),
};
const today = '2026-12-02';
const context = { today, me: 'ana' };

const seal = workOrderRow(
  'work_order/seal',
  {
    type: 'work_order',
    site: 'site/north',
    asset: 'asset/north/t01',
    title: 'Replace pump seal',
    notes: 'Leaking at the GEARBOX side',
    status: 'in_progress',
    priority: 'high',
    kind: 'inspection',
    due: '2026-11-30',
    assignee: 'Ana',
    alarm: 'alarm/oil-temp-7',
    parts: [{ id: 'p1', name: 'Seal kit', quantity: 1, part_number: 'SK-220' }],
    checklist: [{ id: 'c1', label: 'Oil level checked', kind: 'pass_fail' }],
    updated_at: '2026-12-01T10:00:00.000Z',
  },
  titles,
);
// An old document: no priority, kind, due or assignee, an asset and a site not on this device.
const old = workOrderRow('work_order/old', { type: 'work_order', site: 'site/gone', asset: 'asset/gone/x', title: 'Check anemometer', status: 'done', notes: '' }, titles);

const search = (row: WorkOrderRow, text: string) => matchesWorkOrder(row, parseWorkOrderQuery(text), context);

describe('work order rows', () => {
  it('carry the titles a user reads and a lowercase text of every field shown', () => {
    expect(seal).toMatchObject({ title: 'Replace pump seal', siteTitle: 'North Sea Wind', assetTitle: 'Turbine T01', status: 'in_progress', priority: 'high', kind: 'inspection', due: '2026-11-30', assignee: 'Ana' });
    for (const field of ['replace pump seal', 'gearbox side', 'north sea wind', 'turbine t01', 'in progress', 'high', 'inspection', 'ana', '2026-11-30', 'alarm/oil-temp-7', 'seal kit', 'sk-220', 'oil level checked'])
      expect(seal.text).toContain(field);
    expect(seal.text).toBe(seal.text.toLowerCase());
  });

  it('an old document shows with the defaults and the ids of what is not on this device', () => {
    expect(old).toMatchObject({ priority: 'medium', kind: 'corrective', status: 'done', siteTitle: 'site/gone', assetTitle: 'asset/gone/x' });
    expect(old).not.toHaveProperty('due');
    expect(workOrderRow('work_order/odd', { status: 'nonsense', title: 3 }, titles)).toMatchObject({ title: 'work_order/odd', status: 'open', site: '' });
  });
});

describe('the search syntax', () => {
  it('keyless words: case-insensitive substrings of any field, all must match', () => {
    expect(search(seal, 'PUMP')).toBe(true);
    expect(search(seal, 'gearbox turbine')).toBe(true); // notes and asset title
    expect(search(seal, 'gearbox solar')).toBe(false); // one word missing is no match
    expect(search(seal, 'sk-2')).toBe(true); // a part number
    expect(search(seal, 'oil level')).toBe(true);
    expect(search(old, 'pump')).toBe(false);
  });

  it('a quoted phrase is one word; a phrase across two fields does not match', () => {
    expect(search(seal, '"pump seal"')).toBe(true);
    expect(search(seal, '"seal replace"')).toBe(false);
    // The title ends "seal", the notes begin "Leaking": no phrase spans them.
    expect(search(seal, '"seal leaking"')).toBe(false);
    expect(parseWorkOrderQuery('"pump seal').words).toEqual(['pump seal']); // unclosed: to the end
  });

  it('key:value terms for status, priority, kind, site, asset and assignee', () => {
    expect(search(seal, 'status:in_progress')).toBe(true);
    expect(search(seal, 'status:"In progress"')).toBe(true);
    expect(search(seal, 'status:in-progress')).toBe(true);
    expect(search(seal, 'status:done')).toBe(false);
    expect(search(seal, 'status:done,in_progress')).toBe(true);
    expect(search(seal, 'status:done status:in_progress')).toBe(true); // one key: alternatives
    expect(search(seal, 'priority:high kind:inspection')).toBe(true);
    expect(search(old, 'priority:medium kind:corrective')).toBe(true);
    expect(search(seal, 'site:north')).toBe(true);
    expect(search(seal, 'site:"north sea wind"')).toBe(true);
    expect(search(seal, 'site:site/north')).toBe(true);
    expect(search(seal, 'site:sunfield')).toBe(false);
    expect(search(seal, 'asset:t01')).toBe(true);
    expect(search(old, 'asset:t01')).toBe(false);
    expect(search(seal, 'assignee:ana')).toBe(true);
    expect(search(seal, 'assignee:an')).toBe(false); // a user name, not a part of one
    expect(search(seal, 'assignee:me')).toBe(true);
    expect(matchesWorkOrder(seal, parseWorkOrderQuery('assignee:me'), { today })).toBe(false); // nobody signed in
    expect(search(old, 'assignee:none')).toBe(true);
    expect(search(seal, 'assignee:none')).toBe(false);
  });

  it('due: a day, a month, before/after, overdue, soon, none; done work is never overdue', () => {
    expect(search(seal, 'due:2026-11-30')).toBe(true);
    expect(search(seal, 'due:2026-11')).toBe(true);
    expect(search(seal, 'due:>2026-12-01 due:<2026-11-01')).toBe(false); // alternatives of one key: neither holds
    expect(search(seal, 'due:<2026-12-01')).toBe(true);
    expect(search(seal, 'due:>2026-12-01')).toBe(false);
    expect(search(seal, 'due:overdue')).toBe(true);
    expect(search(old, 'due:none')).toBe(true);
    const soon = workOrderRow('w/soon', { site: 'site/north', title: 'Soon', status: 'open', due: addDays(today, 7) }, titles);
    const later = workOrderRow('w/later', { site: 'site/north', title: 'Later', status: 'open', due: addDays(today, 8) }, titles);
    const doneLate = workOrderRow('w/done', { site: 'site/north', title: 'Done late', status: 'done', due: '2026-01-01' }, titles);
    expect([search(soon, 'due:soon'), search(later, 'due:soon'), search(seal, 'due:soon')]).toEqual([true, false, false]);
    expect(isOverdue(doneLate, today)).toBe(false);
    expect(search(doneLate, 'due:overdue')).toBe(false);
  });

  it('words and terms together; an unknown key or a half-typed term is harmless', () => {
    expect(search(seal, 'pump status:in_progress site:north')).toBe(true);
    expect(search(seal, 'pump status:done')).toBe(false);
    expect(parseWorkOrderQuery('status:')).toEqual({ words: [], terms: new Map() });
    expect(parseWorkOrderQuery('colour:red 10:30').words).toEqual(['colour:red', '10:30']);
    expect(search(seal, 'alarm/oil')).toBe(true);
  });

  it('withTerm rewrites one key and keeps the rest; termOf reads what a select shows', () => {
    expect(withTerm('pump status:open', 'status', 'done')).toBe('pump status:done');
    expect(withTerm('pump status:open "seal kit"', 'status', '')).toBe('pump "seal kit"');
    expect(withTerm('', 'site', 'North Sea Wind')).toBe('site:"North Sea Wind"');
    expect(termOf(parseWorkOrderQuery('site:"North Sea Wind"'), 'site')).toBe('north sea wind');
    expect(termOf(parseWorkOrderQuery('status:open,done'), 'status')).toBe('');
    expect(search(seal, withTerm('', 'site', 'North Sea Wind'))).toBe(true);
  });
});

describe('days', () => {
  it('addDays crosses months and years', () => {
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  });
});

/** 10 000 work orders over two sites, five assignees, every status, priority and kind. */
function tenThousand(): WorkOrderRow[] {
  const statuses = ['open', 'assigned', 'in_progress', 'on_hold', 'done', 'verified'];
  const priorities = ['low', 'medium', 'high', 'urgent', undefined];
  const rows: WorkOrderRow[] = [];
  for (let index = 0; index < 10_000; index++) {
    rows.push(
      workOrderRow(
        `work_order/${String(index).padStart(5, '0')}`,
        {
          type: 'work_order',
          site: index % 2 ? 'site/north' : 'site/south',
          asset: index % 2 ? 'asset/north/t01' : 'asset/south/inv01',
          title: `Work ${index % 97} on unit ${index}`,
          notes: index % 10 === 0 ? 'bearing noise' : '',
          status: statuses[index % 6],
          ...(priorities[index % 5] ? { priority: priorities[index % 5] } : {}),
          ...(index % 3 ? { due: addDays('2026-11-01', index % 60) } : {}),
          ...(index % 4 ? { assignee: ['ana', 'ben', 'cy'][index % 3] } : {}),
          updated_at: new Date(Date.UTC(2026, 10, 1) + (index % 500) * 60_000).toISOString(),
        },
        titles,
      ),
    );
  }
  return rows;
}

describe('10 000 work orders', () => {
  const rows = tenThousand();

  it('filter by words and terms: what comes out is exactly what matches, in the order given', () => {
    const query = parseWorkOrderQuery('bearing status:open site:sunfield');
    const shown = filterWorkOrders(rows, query, context);
    const expected = rows.filter((row) => row.text.includes('bearing') && row.status === 'open' && row.site === 'site/south');
    expect(shown.map((row) => row.id)).toEqual(expected.map((row) => row.id));
    expect(shown.length).toBeGreaterThan(0);
    expect(filterWorkOrders(rows, parseWorkOrderQuery(''), context)).toHaveLength(10_000);
    expect(filterWorkOrders(rows, parseWorkOrderQuery('assignee:me'), context).every((row) => row.assignee === 'ana')).toBe(true);
  });

  it('every sort is a total order with stable ties: shuffled input gives the same output', () => {
    const shuffled = [...rows].reverse();
    for (const sort of workOrderSorts) {
      const once = sortWorkOrders(rows, sort).map((row) => row.id);
      expect(sortWorkOrders(shuffled, sort).map((row) => row.id)).toEqual(once);
      expect(new Set(once).size).toBe(10_000);
    }
  });

  it('each sort puts what the user asked first', () => {
    const byDue = sortWorkOrders(rows, 'due');
    expect(byDue[0]!.due).toBe(rows.map((row) => row.due).filter((due) => due !== undefined).sort()[0]);
    expect(byDue.at(-1)!.due).toBeUndefined(); // no due date last
    for (let index = 1; index < byDue.length; index++) {
      const [a, b] = [byDue[index - 1]!, byDue[index]!];
      if (a.due !== undefined && b.due !== undefined) expect(a.due <= b.due).toBe(true);
    }
    expect(sortWorkOrders(rows, 'priority')[0]!.priority).toBe('urgent');
    expect(sortWorkOrders(rows, 'priority').at(-1)!.priority).toBe('low');
    expect(sortWorkOrders(rows, 'status')[0]!.status).toBe('open');
    expect(sortWorkOrders(rows, 'status').at(-1)!.status).toBe('verified');
    const updated = sortWorkOrders(rows, 'updated');
    expect(updated[0]!.updated! >= updated.at(-1)!.updated!).toBe(true);
    // Titles in natural order ("Work 2" before "Work 10").
    const byTitle = sortWorkOrders(rows, 'title').map((row) => row.title);
    expect(byTitle.indexOf('Work 2 on unit 2')).toBeLessThan(byTitle.indexOf('Work 10 on unit 10'));
  });

  it('the property: a row matches keyless words iff every word is a substring of its text', () => {
    const word = fc.stringMatching(/^[a-z0-9/-]{1,6}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: rows.length - 1 }), fc.boolean(), (words, at, upper) => {
        const row = rows[at]!;
        const typed = words.map((w) => (upper ? w.toUpperCase() : w)).join(' ');
        const query = parseWorkOrderQuery(typed);
        expect(query.terms.size).toBe(0);
        expect(matchesWorkOrder(row, query, context)).toBe(words.every((w) => row.text.includes(w)));
      }),
      { numRuns: 2000 },
    );
  });

  it('the property holds for words taken from the row itself (so matches are exercised, not only misses)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: rows.length - 1 }), fc.nat(), fc.integer({ min: 1, max: 8 }), (at, start, length) => {
        const row = rows[at]!;
        const plain = row.text.split('\u0001').join(' ').replace(/[\s"]+/g, ' ');
        const from = start % plain.length;
        const word = plain.slice(from, from + length).trim().split(' ')[0]!;
        fc.pre(word !== '' && !word.includes(':'));
        expect(matchesWorkOrder(row, parseWorkOrderQuery(word), context)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
