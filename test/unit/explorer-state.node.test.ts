// The explorer's state outside the page (controllers/explorer/explorer-state.ts): the address
// round-trips, hostile addresses give a valid bounded state and never throw, "last" ranges end at
// the data, the zoom history is bounded, and saved views are written, listed, opened and deleted
// through a real (memory) storage.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EXPLORER_PANELS, MAX_EXPLORER_SERIES, explorerStateProblem, explorerViewProblem, type ExplorerState } from '../../src/core';
import {
  ExplorerViewError,
  ZoomHistory,
  decodeExplorerQuery,
  defaultExplorerState,
  deleteExplorerView,
  encodeExplorerQuery,
  explorerViewIdOfQuery,
  listExplorerViews,
  openExplorerView,
  resolveRange,
  saveExplorerView,
} from '../../src/controllers/explorer/explorer-state';
import { createStorage } from '../../src/storage';

const state: ExplorerState = {
  panels: [{ series: [{ channel: 'channel/t01.scada/power' }, { channel: 'channel/t01.scada/wind_speed' }] }, { series: [{ channel: 'channel/t01.cms/acc_x' }] }],
  range: { from: Date.UTC(2026, 11, 1), to: Date.UTC(2026, 11, 1, 1) },
};

describe('encodeExplorerQuery / decodeExplorerQuery', () => {
  it('round-trips panels and an absolute range through the address text', () => {
    const text = encodeExplorerQuery(state).toString();
    expect(text).toBe(`p=channel%2Ft01.scada%2Fpower%2Cchannel%2Ft01.scada%2Fwind_speed%3Bchannel%2Ft01.cms%2Facc_x&from=${Date.UTC(2026, 11, 1)}&to=${Date.UTC(2026, 11, 1, 1)}`);
    expect(decodeExplorerQuery(text)).toEqual(state);
    expect(decodeExplorerQuery(`?${text}`)).toEqual(state);
  });

  it('writes a zoomed range (fractional ms) as the whole milliseconds covering it', () => {
    const query = encodeExplorerQuery({ panels: [], range: { from: 1000.6, to: 2000.2 } });
    expect([query.get('from'), query.get('to')]).toEqual(['1000', '2001']);
    expect(decodeExplorerQuery(query).range).toEqual({ from: 1000, to: 2001 });
  });

  it('round-trips a live "last" window and names a saved view', () => {
    const live: ExplorerState = { ...state, range: { last: 3_600_000, live: true } };
    const query = encodeExplorerQuery(live, { view: 'explorer_view/abc' });
    expect(query.get('last')).toBe('3600000');
    expect(query.get('live')).toBe('1');
    expect(decodeExplorerQuery(query)).toEqual(live);
    expect(explorerViewIdOfQuery(query)).toBe('explorer_view/abc');
    expect(decodeExplorerQuery(encodeExplorerQuery({ ...live, range: { last: 60_000, live: false } })).range).toEqual({ last: 60_000, live: false });
  });

  it('keeps ids with commas, semicolons and percent signs apart, and reads fully encoded ids too', () => {
    const odd: ExplorerState = { panels: [{ series: [{ channel: 'channel/a,b;c%d' }, { channel: 'channel/ünï 😀' }] }], range: { last: 86_400_000, live: false } };
    expect(decodeExplorerQuery(encodeExplorerQuery(odd).toString())).toEqual(odd);
    const full = new URLSearchParams({ p: [encodeURIComponent('channel/x/y'), encodeURIComponent('channel/a,b')].join(','), last: '1000' });
    expect(decodeExplorerQuery(full).panels).toEqual([{ series: [{ channel: 'channel/x/y' }, { channel: 'channel/a,b' }] }]);
  });

  it('gives the default state for an empty or absent query', () => {
    expect(decodeExplorerQuery('')).toEqual(defaultExplorerState());
    expect(defaultExplorerState()).toEqual({ panels: [], range: { last: 86_400_000, live: false } });
  });

  it.each([
    ['from after to', 'from=10&to=5', { last: 86_400_000, live: false }],
    ['from without to', 'from=10', { last: 86_400_000, live: false }],
    ['exponent', 'from=1e3&to=2e3', { last: 86_400_000, live: false }],
    ['hex', 'from=0x10&to=0x20', { last: 86_400_000, live: false }],
    ['beyond a Date', 'from=0&to=9000000000000000', { last: 86_400_000, live: false }],
    ['last 0', 'last=0', { last: 86_400_000, live: false }],
    ['last negative', 'last=-5', { last: 86_400_000, live: false }],
    ['last over ten years', 'last=400000000000', { last: 86_400_000, live: false }],
    ['an absolute range wins over last', 'from=1&to=2&last=1000&live=1', { from: 1, to: 2 }],
    ['negative times', 'from=-20&to=-10', { from: -20, to: -10 }],
    ['fractions, widened to whole ms', 'from=10.25&to=20.5', { from: 10, to: 21 }],
  ])('reads the range of %s', (_name, text, range) => {
    expect(decodeExplorerQuery(text).range).toEqual(range);
  });

  it('drops unreadable ids and empty panels, keeps at most 8 panels of 8 distinct series', () => {
    const many = Array.from({ length: 20 }, (_, panel) => Array.from({ length: 20 }, (_, index) => `channel/p${panel}/s${index % 12}`).join(',')).join(';');
    const decoded = decodeExplorerQuery(new URLSearchParams({ p: many }));
    expect(decoded.panels).toHaveLength(MAX_EXPLORER_PANELS);
    for (const panel of decoded.panels) expect(panel.series).toHaveLength(MAX_EXPLORER_SERIES);
    const bad = decodeExplorerQuery(new URLSearchParams({ p: `%E0%A4%A,,   ,${'x'.repeat(301)};;channel/ok,channel/ok` }));
    expect(bad.panels).toEqual([{ series: [{ channel: 'channel/ok' }] }]);
  });

  it('reads a hostile megabyte address quickly and boundedly', () => {
    const huge = new URLSearchParams({ p: `${'a,'.repeat(500_000)};${'b;'.repeat(500_000)}`, from: '1'.repeat(100_000), view: 'explorer_view/'.padEnd(400, 'x') });
    const decoded = decodeExplorerQuery(huge);
    expect(explorerStateProblem(decoded)).toBeUndefined();
    expect(decoded.panels.length).toBeLessThanOrEqual(MAX_EXPLORER_PANELS);
    expect(explorerViewIdOfQuery(huge)).toBeUndefined();
  });

  it('"-0" reads as 0, so the state encodes back to itself (fast-check found from=-0&to=-0 read as -0)', () => {
    const decoded = decodeExplorerQuery('from=-0&to=-0');
    expect(decoded.range).toEqual({ from: 0, to: 0 });
    expect(Object.is((decoded.range as { from: number }).from, -0)).toBe(false);
    expect(decodeExplorerQuery(encodeExplorerQuery(decoded).toString())).toEqual(decoded);
  });

  it('never throws and always gives a state a saved view may hold (fast-check over arbitrary queries)', () => {
    const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.constantFrom('%', '%zz', ';', ',', '1e3', '-0', '9007199254740993'));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('p', 'from', 'to', 'last', 'live', 'view', 'x'), anyText), fc.string({ unit: 'binary', maxLength: 200 }), (entries, raw) => {
        for (const query of [new URLSearchParams(entries), raw]) {
          const decoded = decodeExplorerQuery(query);
          expect(explorerStateProblem(decoded)).toBeUndefined();
          const view = explorerViewIdOfQuery(query);
          if (view !== undefined) expect(view.startsWith('explorer_view/')).toBe(true);
          // And what it gives encodes back to itself.
          expect(decodeExplorerQuery(encodeExplorerQuery(decoded).toString())).toEqual(decoded);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('resolveRange', () => {
  it('keeps an absolute range; a last window ends at the data, or now when there is none', () => {
    expect(resolveRange({ from: 5, to: 9 }, 100, 1000)).toEqual({ from: 5, to: 9 });
    expect(resolveRange({ last: 50, live: true }, 100, 1000)).toEqual({ from: 50, to: 100 });
    expect(resolveRange({ last: 50, live: false }, undefined, 1000)).toEqual({ from: 950, to: 1000 });
    expect(resolveRange({ last: 50, live: false }, Number.NaN, 1000)).toEqual({ from: 950, to: 1000 });
  });
});

describe('ZoomHistory', () => {
  it('returns to the ranges left, newest first, never the same twice in a row', () => {
    const history = new ZoomHistory();
    expect(history.canGoBack).toBe(false);
    expect(history.back()).toBeUndefined();
    history.push({ last: 86_400_000, live: false });
    history.push({ from: 1, to: 10 });
    history.push({ from: 1, to: 10 });
    history.push({ from: 2, to: 5 });
    expect(history.size).toBe(3);
    expect(history.back()).toEqual({ from: 2, to: 5 });
    expect(history.back()).toEqual({ from: 1, to: 10 });
    expect(history.back()).toEqual({ last: 86_400_000, live: false });
    expect(history.canGoBack).toBe(false);
  });

  it('keeps copies, at most its limit (the oldest forgotten)', () => {
    const history = new ZoomHistory(50);
    for (let index = 0; index < 120; index++) history.push({ from: index, to: index + 1 });
    expect(history.size).toBe(50);
    const range = { from: 500, to: 600 };
    history.push(range);
    range.from = -1;
    expect(history.back()).toEqual({ from: 500, to: 600 });
    let oldest;
    while (history.canGoBack) oldest = history.back();
    expect(oldest).toEqual({ from: 71, to: 72 });
    history.push({ from: 1, to: 2 });
    history.clear();
    expect(history.canGoBack).toBe(false);
  });
});

describe('saved views', () => {
  it('saves a new view under explorer_view/<uuid>, lists it, opens it and deletes it', async () => {
    const storage = createStorage({ type: 'memory' });
    const id = await saveExplorerView(storage, { title: '  Gearbox fault  ', owner: 'erin', state, now: 1000 });
    expect(id).toMatch(/^explorer_view\/[0-9a-f-]{36}$/);
    const doc = await openExplorerView(storage, id);
    expect(doc).toEqual({ type: 'explorer_view', title: 'Gearbox fault', owner: 'erin', created_at: 1000, updated_at: 1000, ...state });
    expect(explorerViewProblem(doc)).toBeUndefined();
    const other = await saveExplorerView(storage, { title: 'Another', owner: 'erin', state: defaultExplorerState(), now: 2000 });
    expect((await listExplorerViews(storage)).map((view) => view.id)).toEqual([other, id]);
    await deleteExplorerView(storage, id);
    await deleteExplorerView(storage, id); // gone already: fine
    expect((await listExplorerViews(storage)).map((view) => view.id)).toEqual([other]);
    await expect(openExplorerView(storage, id)).rejects.toMatchObject({ name: 'ExplorerViewError', code: 'not_found' });
  });

  it('overwrites a view by id, keeping when it was created and who saved it first', async () => {
    const storage = createStorage({ type: 'memory' });
    const id = await saveExplorerView(storage, { title: 'Mine', owner: 'erin', state, now: 1000 });
    expect(await saveExplorerView(storage, { id, title: 'Renamed', owner: 'eddie', state: { ...state, range: { last: 60_000, live: true } }, now: 5000 })).toBe(id);
    expect(await openExplorerView(storage, id)).toMatchObject({ title: 'Renamed', owner: 'erin', created_at: 1000, updated_at: 5000, range: { last: 60_000, live: true } });
    // An id of its own choosing that does not exist yet is created.
    expect(await saveExplorerView(storage, { id: 'explorer_view/mine', title: 'Named', owner: 'erin', state, now: 7 })).toBe('explorer_view/mine');
  });

  it('refuses an invalid view naming the field, writing nothing', async () => {
    const storage = createStorage({ type: 'memory' });
    await expect(saveExplorerView(storage, { title: '   ', owner: 'erin', state })).rejects.toThrow(/title must not be empty/);
    await expect(saveExplorerView(storage, { title: 't'.repeat(201), owner: 'erin', state })).rejects.toBeInstanceOf(ExplorerViewError);
    const nine = { ...state, panels: Array.from({ length: 9 }, () => state.panels[0]!) };
    await expect(saveExplorerView(storage, { title: 'Too many', owner: 'erin', state: nine })).rejects.toThrow(/panels may have at most 8/);
    await expect(saveExplorerView(storage, { id: 'work_order/x', title: 'Wrong id', owner: 'erin', state })).rejects.toThrow(/starts with explorer_view\//);
    expect(await listExplorerViews(storage)).toEqual([]);
    expect((await storage.allDocs()).rows).toEqual([]);
  });

  it('leaves out of the list, and refuses to open, a stored document that is not a valid view', async () => {
    const storage = createStorage({ type: 'memory' });
    await storage.put('explorer_view/broken', { type: 'explorer_view', title: 'Broken', owner: 'x', created_at: 1, updated_at: 1, panels: 'nope', range: { last: 1, live: false } });
    expect(await listExplorerViews(storage)).toEqual([]);
    await expect(openExplorerView(storage, 'explorer_view/broken')).rejects.toMatchObject({ code: 'bad_view', message: expect.stringContaining('panels must be an array') as unknown });
    await expect(openExplorerView(storage, 'asset/x')).rejects.toMatchObject({ code: 'not_found' });
  });
});
