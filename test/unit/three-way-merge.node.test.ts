// The three-way merge of work orders (and any policy): examples a technician meets, then properties
// over random bases and random offline edits on two sides (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeDocuments, workOrderMergePolicy, type JsonObject, type MergePolicy } from '../../src/core';

type Json = JsonObject[string];

const policy = workOrderMergePolicy;

function entry(id: string, at: string, action = 'edited'): JsonObject {
  return { id, at, by: 'someone', action };
}

const base: JsonObject = {
  type: 'work_order',
  site: 'north',
  title: 'Gearbox oil',
  notes: '',
  status: 'in_progress',
  priority: 'medium',
  checklist: [
    { id: 'c1', label: 'Oil level', kind: 'pass_fail' },
    { id: 'c2', label: 'Temperature', kind: 'value', unit: '°C' },
  ],
  results: {},
  history: [entry('h0', '2026-12-01T08:00:00.000Z', 'created')],
  updated_at: '2026-12-01T08:00:00.000Z',
  updated_by: 'engineer',
};

describe('mergeDocuments on work orders', () => {
  it('different fields changed on two tablets merge without a conflict; history and results of both are kept', () => {
    const a: JsonObject = { ...base, priority: 'high', history: [...(base.history as Json[]), entry('ha', '2026-12-01T09:00:00.000Z')], updated_at: '2026-12-01T09:00:00.000Z', updated_by: 'anna' };
    const b: JsonObject = {
      ...base,
      notes: 'Seal replaced',
      results: { c1: { value: 'pass', at: '2026-12-01T10:00:00.000Z', by: 'ben' } },
      history: [...(base.history as Json[]), entry('hb', '2026-12-01T10:00:00.000Z', 'checklist')],
      updated_at: '2026-12-01T10:00:00.000Z',
      updated_by: 'ben',
    };
    const merged = mergeDocuments(base, a, b, policy);
    expect(merged.conflicts).toEqual([]);
    expect(merged.doc).toMatchObject({ priority: 'high', notes: 'Seal replaced', results: { c1: { value: 'pass' } }, updated_at: '2026-12-01T10:00:00.000Z', updated_by: 'ben' });
    expect((merged.doc.history as JsonObject[]).map((item) => item.id)).toEqual(['h0', 'ha', 'hb']);
    expect(merged.alternative).toEqual(merged.doc);
  });

  it('the same field changed on both is a conflict: the server\'s value in the merge, the device\'s in the alternative, nothing else differs', () => {
    const a: JsonObject = { ...base, notes: 'from a', actual_hours: 2, results: { c2: { value: 71, at: '2026-12-01T09:00:00.000Z', by: 'anna' } } };
    const b: JsonObject = { ...base, notes: 'from b', priority: 'urgent', results: { c2: { value: 69, at: '2026-12-01T09:30:00.000Z', by: 'ben' } } };
    const merged = mergeDocuments(base, a, b, policy);
    expect(merged.conflicts).toEqual(['notes', 'results.c2']);
    expect(merged.doc).toMatchObject({ notes: 'from b', priority: 'urgent', actual_hours: 2, results: { c2: { value: 69 } } });
    expect(merged.alternative).toMatchObject({ notes: 'from a', priority: 'urgent', actual_hours: 2, results: { c2: { value: 71 } } });
    expect({ ...merged.alternative, notes: merged.doc.notes, results: merged.doc.results }).toEqual(merged.doc);
  });

  it('parts per id: both add parts, one edits a quantity; a part removed on one side and edited on the other is a conflict', () => {
    const withParts: JsonObject = { ...base, parts: [{ id: 'p1', name: 'Seal', quantity: 1 }, { id: 'p2', name: 'Oil', quantity: 4 }] };
    const a: JsonObject = { ...withParts, parts: [{ id: 'p1', name: 'Seal', quantity: 2 }, { id: 'p2', name: 'Oil', quantity: 4 }, { id: 'pa', name: 'Filter', quantity: 1 }] };
    const b: JsonObject = { ...withParts, parts: [{ id: 'p1', name: 'Seal', quantity: 1 }, { id: 'pb', name: 'Gasket', quantity: 3 }] };
    const clean = mergeDocuments(withParts, a, b, policy);
    expect(clean.conflicts).toEqual([]);
    // The local's addition stays where the local put it (after p2, which the remote removed).
    expect(clean.doc.parts).toEqual([{ id: 'p1', name: 'Seal', quantity: 2 }, { id: 'pa', name: 'Filter', quantity: 1 }, { id: 'pb', name: 'Gasket', quantity: 3 }]);
    const edited: JsonObject = { ...withParts, parts: [{ id: 'p1', name: 'Seal', quantity: 1 }, { id: 'p2', name: 'Oil', quantity: 5 }] };
    const conflict = mergeDocuments(withParts, edited, b, policy);
    expect(conflict.conflicts).toEqual(['parts.p2']);
    expect((conflict.doc.parts as JsonObject[]).map((part) => part.id)).toEqual(['p1', 'pb']);
    expect((conflict.alternative.parts as JsonObject[]).map((part) => part.id)).toEqual(['p1', 'p2', 'pb']);
  });

  it('history stays bounded: the oldest entries go and are counted', () => {
    const small: MergePolicy = { ...policy, history_limit: 3 };
    const a: JsonObject = { ...base, history: [...(base.history as Json[]), entry('a1', '2026-12-01T09:00:00.000Z'), entry('a2', '2026-12-01T09:10:00.000Z')] };
    const b: JsonObject = { ...base, history: [...(base.history as Json[]), entry('b1', '2026-12-01T09:05:00.000Z')] };
    const merged = mergeDocuments(base, a, b, small);
    expect((merged.doc.history as JsonObject[]).map((item) => item.id)).toEqual(['a1', 'b1', 'a2']);
    expect(merged.doc.history_dropped).toBe(1);
  });

  it('keys that come from input stay keys ("__proto__" as a checklist item id)', () => {
    const a = JSON.parse('{"type":"work_order","results":{"__proto__":{"value":"pass","at":"t","by":"a"}}}') as JsonObject;
    const b: JsonObject = { type: 'work_order', results: {}, notes: 'b' };
    const merged = mergeDocuments({ type: 'work_order', results: {} }, a, b, policy);
    expect(Object.keys(merged.doc.results as JsonObject)).toEqual(['__proto__']);
    expect(JSON.parse(JSON.stringify(merged.doc))).toEqual(JSON.parse('{"type":"work_order","results":{"__proto__":{"value":"pass","at":"t","by":"a"}},"notes":"b"}'));
  });

  it('a field of the wrong shape for its rule merges as a whole value', () => {
    const a: JsonObject = { ...base, results: 'oops' };
    const b: JsonObject = { ...base, results: { c1: { value: 'fail', at: 'x', by: 'y' } } };
    expect(mergeDocuments(base, a, b, policy).conflicts).toEqual(['results']);
  });
});

// --- properties ----------------------------------------------------------------------------------

const ids = ['c1', 'c2', 'c3', 'c4', 'c5'];
const scalar = fc.oneof(fc.constantFrom('low', 'medium', 'high', 'urgent'), fc.integer({ min: 0, max: 20 }), fc.string({ maxLength: 6 }));

/** A base work order with random fields present. */
const baseArbitrary = fc.record(
  {
    type: fc.constant('work_order'),
    priority: fc.constantFrom('low', 'medium', 'high'),
    notes: fc.string({ maxLength: 8 }),
    actual_hours: fc.integer({ min: 0, max: 10 }),
    status: fc.constantFrom('open', 'in_progress'),
    results: fc.dictionary(fc.constantFrom(...ids), fc.record({ value: scalar, at: fc.constant('t0'), by: fc.constant('x') }), { maxKeys: 3 }),
    parts: fc.uniqueArray(fc.record({ id: fc.constantFrom('p1', 'p2', 'p3', 'p4'), quantity: fc.integer({ min: 1, max: 9 }) }), { selector: (part) => part.id, maxLength: 4 }),
    history: fc.integer({ min: 0, max: 4 }).map((count) => Array.from({ length: count }, (_, index) => entry(`h${index}`, `2026-12-01T0${index}:00:00.000Z`))),
    updated_at: fc.constant('2026-12-01T05:00:00.000Z'),
  },
  { requiredKeys: ['type', 'history', 'updated_at'] },
) as fc.Arbitrary<JsonObject>;

/** Offline edits of one side (`tag` keeps its new ids apart from the other side's). */
function editsOf(tag: 'l' | 'r') {
  return fc.record({
    scalars: fc.dictionary(fc.constantFrom('priority', 'notes', 'actual_hours', 'status', 'assignee'), fc.option(scalar, { nil: undefined }), { maxKeys: 3 }),
    results: fc.dictionary(fc.constantFrom(...ids), fc.option(scalar, { nil: undefined }), { maxKeys: 3 }),
    parts: fc.dictionary(fc.constantFrom('p1', 'p2', 'p3', 'p4', `${tag}5`, `${tag}6`), fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }), { maxKeys: 3 }),
    history: fc.integer({ min: 0, max: 3 }),
    hour: fc.integer({ min: 6, max: 9 }),
  }).map((edits) => (doc: JsonObject): JsonObject => {
    const next: JsonObject = structuredClone(doc);
    for (const [key, value] of Object.entries(edits.scalars)) {
      if (value === undefined) Reflect.deleteProperty(next, key);
      else next[key] = value;
    }
    const results = { ...((next.results as JsonObject | undefined) ?? {}) };
    for (const [key, value] of Object.entries(edits.results)) {
      if (value === undefined) Reflect.deleteProperty(results, key);
      else results[key] = { value, at: `t-${tag}`, by: tag };
    }
    if (next.results !== undefined || Object.keys(results).length) next.results = results;
    let parts = [...(((next.parts as JsonObject[] | undefined) ?? []))];
    for (const [id, quantity] of Object.entries(edits.parts)) {
      if (quantity === undefined) parts = parts.filter((part) => part.id !== id);
      else if (parts.some((part) => part.id === id)) parts = parts.map((part) => (part.id === id ? { id, quantity } : part));
      else parts.push({ id, quantity });
    }
    if (next.parts !== undefined || parts.length) next.parts = parts;
    const history = [...(next.history as JsonObject[])];
    for (let index = 0; index < edits.history; index++) history.push(entry(`${tag}-${index}`, `2026-12-01T0${edits.hour}:${String(index).padStart(2, '0')}:00.000Z`));
    next.history = history;
    if (edits.history > 0) next.updated_at = `2026-12-01T0${edits.hour}:00:00.000Z`;
    return next;
  });
}

/** Comparable form: parts by id (their order is the merge's choice, not a property). */
function normal(doc: JsonObject): JsonObject {
  const copy = structuredClone(doc);
  if (Array.isArray(copy.parts)) copy.parts = [...(copy.parts as JsonObject[])].sort((a, b) => String(a.id).localeCompare(String(b.id)));
  return copy;
}

const scalars = ['priority', 'notes', 'actual_hours', 'status', 'assignee'];

describe('mergeDocuments properties', () => {
  it('merge(base, x, base) = x and merge(base, base, x) = x, without conflicts', () => {
    fc.assert(
      fc.property(baseArbitrary, editsOf('l'), (doc, edit) => {
        const changed = edit(doc);
        const one = mergeDocuments(doc, changed, doc, policy);
        const other = mergeDocuments(doc, doc, changed, policy);
        expect(one.conflicts).toEqual([]);
        expect(other.conflicts).toEqual([]);
        expect(one.doc).toEqual(changed);
        expect(other.doc).toEqual(changed);
      }),
      { numRuns: 300 },
    );
  });

  it('is symmetric up to conflicts: swapping the sides swaps the merge and the alternative', () => {
    fc.assert(
      fc.property(baseArbitrary, editsOf('l'), editsOf('r'), (doc, editA, editB) => {
        const a = editA(doc);
        const b = editB(doc);
        const ab = mergeDocuments(doc, a, b, policy);
        const ba = mergeDocuments(doc, b, a, policy);
        expect(ab.conflicts).toEqual(ba.conflicts);
        expect(normal(ab.doc)).toEqual(normal(ba.alternative));
        expect(normal(ab.alternative)).toEqual(normal(ba.doc));
        if (ab.conflicts.length === 0) expect(ab.doc).toEqual(ab.alternative);
      }),
      { numRuns: 300 },
    );
  });

  it('history entries and checklist results added on either side are kept; no field is lost', () => {
    fc.assert(
      fc.property(baseArbitrary, editsOf('l'), editsOf('r'), (doc, editA, editB) => {
        const a = editA(doc);
        const b = editB(doc);
        const { doc: merged, alternative, conflicts } = mergeDocuments(doc, a, b, policy);
        const historyIds = new Set((merged.history as JsonObject[]).map((item) => item.id));
        for (const side of [a, b]) for (const item of side.history as JsonObject[]) expect(historyIds.has(item.id)).toBe(true);
        const sorted = (merged.history as JsonObject[]).map((item) => `${String(item.at)} ${String(item.id)}`);
        expect(sorted).toEqual([...sorted].sort());
        const results = (value: JsonObject) => (value.results as JsonObject | undefined) ?? {};
        for (const [key, value] of Object.entries(results(a))) {
          if (!Object.prototype.hasOwnProperty.call(results(doc), key) || JSON.stringify(results(doc)[key]) !== JSON.stringify(value)) expect(results(alternative)[key]).toEqual(value);
        }
        for (const [key, value] of Object.entries(results(b))) {
          if (!Object.prototype.hasOwnProperty.call(results(doc), key) || JSON.stringify(results(doc)[key]) !== JSON.stringify(value)) expect(results(merged)[key]).toEqual(value);
        }
        // A scalar one side changed has that side's value: the remote's in the merge, the local's in the alternative.
        for (const key of scalars) {
          if (JSON.stringify(a[key]) !== JSON.stringify(doc[key])) expect(alternative[key]).toEqual(a[key]);
          if (JSON.stringify(b[key]) !== JSON.stringify(doc[key])) expect(merged[key]).toEqual(b[key]);
          const both = JSON.stringify(a[key]) !== JSON.stringify(doc[key]) && JSON.stringify(b[key]) !== JSON.stringify(doc[key]) && JSON.stringify(a[key]) !== JSON.stringify(b[key]);
          expect(conflicts.includes(key)).toBe(both);
        }
        expect(merged.updated_at).toBe([String(a.updated_at), String(b.updated_at)].sort()[1]);
      }),
      { numRuns: 300 },
    );
  });
});
