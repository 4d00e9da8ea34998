// The asset timeline's fold: alarms, work orders (history, results, photos), readings,
// predictions and failures of an asset and its parts become one list, newest first, bounded.
import { describe, expect, it } from 'vitest';
import { TIMELINE_LIMIT, assetTimeline, filterTimeline, type TimelineDoc } from '../../src/controllers/maintenance/asset-timeline';
import { assetTree } from '../../src/core/model/asset-tree';

const T01 = 'asset/north/t01';
const GEARBOX = 'asset/north/t01/gearbox';
const T02 = 'asset/north/t02';
const at = (minute: number) => Date.UTC(2026, 11, 1, 8, minute);
const iso = (minute: number) => new Date(at(minute)).toISOString();

const alarm: TimelineDoc = {
  id: 'alarm/gearbox-hot/channel-1/1',
  type: 'alarm',
  site: 'site/north',
  asset: GEARBOX,
  message: 'Gearbox bearing hot',
  severity: 'high',
  state: 'cleared_unacked',
  raised_at: at(1),
  history: [
    { at: at(1), kind: 'raised', severity: 'medium', value: 81 },
    { at: at(2), kind: 'escalated', severity: 'high', value: 92 },
    { at: at(3), kind: 'comment', by: 'erin', text: 'looking' },
    { at: at(4), kind: 'cleared' },
  ],
};

const order: TimelineDoc = {
  id: 'work_order/w1',
  type: 'work_order',
  site: 'site/north',
  asset: T01,
  title: 'Replace gearbox filter',
  status: 'verified',
  checklist: [
    { id: 'c1', label: 'Filter seated', kind: 'pass_fail' },
    { id: 'c2', label: 'Oil temperature', kind: 'value', unit: '°C' },
  ],
  results: { c1: { value: 'pass', at: iso(12), by: 'tina' }, c2: { value: 61.5, at: iso(13), by: 'tina', note: 'after run-up' } },
  photos: { 'photo/p1.jpg': { taken_at: iso(14), by: 'tina', width: 1600, height: 1200, bytes: 250_000, caption: 'New filter' } },
  history: [
    { id: 'h1', at: iso(5), by: 'erin', action: 'created' },
    { id: 'h2', at: iso(6), by: 'erin', action: 'edited', changes: { assignee: { from: null, to: 'tina' } } },
    { id: 'h3', at: iso(7), by: 'erin', action: 'edited', changes: { notes: { from: '', to: 'bring the filter' } } },
    { id: 'h4', at: iso(10), by: 'tina', action: 'status', changes: { status: { from: 'assigned', to: 'in_progress' } } },
    { id: 'h5', at: iso(12), by: 'tina', action: 'checklist', changes: { 'results.c1': { from: null, to: 'pass' } } },
    { id: 'h6', at: iso(15), by: 'tina', action: 'status', changes: { status: { from: 'in_progress', to: 'done' } } },
    { id: 'h7', at: iso(20), by: 'erin', action: 'reopened', comment: 'Photo of the seal missing', changes: { status: { from: 'done', to: 'in_progress' } } },
    { id: 'h8', at: iso(30), by: 'erin', action: 'verified', changes: { status: { from: 'done', to: 'verified' } } },
  ],
};

describe('assetTimeline', () => {
  it('folds the documents of an asset and its parts into one list, newest first, each with a link', () => {
    const reading: TimelineDoc = { id: 'reading/r1', type: 'reading', site: 'site/north', asset: T01, at: at(13), values: { oil_temperature: 61.5 }, units: { oil_temperature: '°C' }, by: 'tina', work_order: 'work_order/w1' };
    const prediction: TimelineDoc = { id: 'prediction/p1', type: 'prediction', asset: GEARBOX, created_at: iso(40), rul: { value: 30, unit: 'days' }, summary: 'Main bearing wear rising' };
    const failure: TimelineDoc = { id: 'failure/f1', type: 'failure', asset: GEARBOX, at: iso(50), component: 'Main bearing', mode: 'spalling' };
    const other: TimelineDoc = { ...order, id: 'work_order/other', asset: T02, title: 'Not this turbine' };
    const site: TimelineDoc = { id: 'site/north', type: 'site', title: 'North' };
    const tree = assetTree([{ id: T01, site: 'site/north' }, { id: GEARBOX, site: 'site/north', parent: T01 }, { id: T02, site: 'site/north' }]);
    const assets = new Set([T01, ...tree.descendants(T01).map((asset) => asset.id)]);

    const { entries, omitted } = assetTimeline([alarm, order, reading, prediction, failure, other, site], assets);

    expect(omitted).toBe(0);
    expect(entries.map((entry) => [entry.kind, entry.what])).toEqual([
      ['failure', 'Failure'],
      ['prediction', 'Prediction'],
      ['work_order', 'Work verified'],
      ['work_order', 'Work order reopened'],
      ['work_order', 'Status: In progress → Done'],
      ['inspection', 'Photo taken'],
      // Same minute: ties go by key (reading/… before work_order/…), so the order never flickers.
      ['inspection', 'Reading taken'],
      ['inspection', 'Checklist: Oil temperature'],
      ['inspection', 'Checklist: Filter seated'],
      ['work_order', 'Status: Assigned → In progress'],
      ['work_order', 'Assigned to tina'],
      ['work_order', 'Work order created'],
      ['alarm', 'Alarm cleared'],
      ['alarm', 'Alarm escalated'],
      ['alarm', 'Alarm raised'],
    ]);
    const byWhat = new Map(entries.map((entry) => [entry.what, entry]));
    expect(byWhat.get('Failure')).toMatchObject({ title: 'Main bearing: spalling', asset: GEARBOX, href: '#/assets/asset%2Fnorth%2Ft01%2Fgearbox' });
    expect(byWhat.get('Prediction')).toMatchObject({ title: 'Main bearing wear rising', detail: 'remaining useful life 30 days', at: at(40) });
    expect(byWhat.get('Work order reopened')).toMatchObject({ detail: 'Photo of the seal missing', by: 'erin', href: '#/work-orders/work_order%2Fw1' });
    expect(byWhat.get('Checklist: Oil temperature')).toMatchObject({ detail: '61.5 °C — after run-up', by: 'tina' });
    expect(byWhat.get('Checklist: Filter seated')).toMatchObject({ detail: 'Pass' });
    expect(byWhat.get('Reading taken')).toMatchObject({ detail: 'oil_temperature 61.5 °C', href: '#/work-orders/work_order%2Fw1' });
    expect(byWhat.get('Photo taken')).toMatchObject({ detail: 'New filter' });
    expect(byWhat.get('Alarm escalated')).toMatchObject({ severity: 'high', title: 'Gearbox bearing hot', href: '#/alarms/alarm%2Fgearbox-hot%2Fchannel-1%2F1' });
    expect(byWhat.get('Alarm raised')).toMatchObject({ severity: 'medium', detail: 'value 81' });
    expect(new Set(entries.map((entry) => entry.key)).size).toBe(entries.length);
  });

  it('places old work orders without history by their times, and undated ones last instead of dropping them', () => {
    const old: TimelineDoc = { id: 'work_order/old', type: 'work_order', site: 'site/north', asset: T01, title: 'Grease yaw bearing', status: 'done', notes: '', updated_at: iso(9) };
    const undated: TimelineDoc = { id: 'work_order/undated', type: 'work_order', site: 'site/north', asset: T01, title: 'Check ladder', status: 'open', notes: '' };
    const plainAlarm: TimelineDoc = { id: 'alarm/a/b/1', type: 'alarm', asset: T01, message: 'Low power', severity: 'low', raised_at: at(1), cleared_at: at(2) };
    const { entries } = assetTimeline([undated, old, plainAlarm], new Set([T01]));
    expect(entries.map((entry) => [entry.what, entry.title, entry.at])).toEqual([
      ['Work order (Done)', 'Grease yaw bearing', at(9)],
      ['Alarm cleared', 'Low power', at(2)],
      ['Alarm raised', 'Low power', at(1)],
      ['Work order (Open)', 'Check ladder', null],
    ]);
  });

  it('reads malformed fields leniently: nothing throws, what cannot be read is skipped', () => {
    const broken: TimelineDoc[] = [
      { id: 'work_order/b', type: 'work_order', asset: T01, title: 7, history: 'nope', results: { c1: 'x', c2: null }, photos: ['a'] },
      { id: 'alarm/b/c/1', type: 'alarm', asset: T01, history: [null, 3, { kind: 'raised', at: 'not a time' }] },
      { id: 'prediction/b', type: 'prediction', asset: T01, at: 'garbage', rul: 12 },
      { id: 'failure/b', type: 'failure', asset: T01 },
      { id: 'reading/b', type: 'reading', asset: T01, at: at(3), values: { a: 'x' } },
      { id: 'work_order/no-asset', type: 'work_order', title: 'No asset' },
    ];
    const { entries } = assetTimeline(broken, new Set([T01]));
    expect(entries.map((entry) => [entry.kind, entry.title])).toEqual([
      ['inspection', 'Manual reading'],
      ['alarm', 'Alarm'],
      ['failure', 'Failure recorded'],
      ['prediction', 'Remaining useful life 12'],
      ['work_order', 'Work order'],
    ]);
  });

  it(`keeps the newest ${TIMELINE_LIMIT} entries and counts the older ones`, () => {
    const history = Array.from({ length: 700 }, (_, index) => ({ id: `h${index}`, at: new Date(at(0) + index * 60_000).toISOString(), by: 'tina', action: 'comment', comment: `note ${index}` }));
    const busy: TimelineDoc = { id: 'work_order/busy', type: 'work_order', site: 'site/north', asset: T01, title: 'Busy', status: 'in_progress', history };
    const { entries, omitted } = assetTimeline([busy], new Set([T01]));
    // 700 comments and the synthesized "created" of a history without one.
    expect(entries).toHaveLength(TIMELINE_LIMIT);
    expect(omitted).toBe(701 - TIMELINE_LIMIT);
    expect(entries[0]).toMatchObject({ detail: 'note 699' });
    expect(entries.at(-1)).toMatchObject({ detail: `note ${700 - TIMELINE_LIMIT}` });
  });

  it('filters by kind (none chosen: all)', () => {
    const { entries } = assetTimeline([alarm, order], new Set([T01, GEARBOX]));
    expect(filterTimeline(entries, new Set())).toHaveLength(entries.length);
    expect(new Set(filterTimeline(entries, new Set(['alarm'])).map((entry) => entry.kind))).toEqual(new Set(['alarm']));
    expect(filterTimeline(entries, new Set(['alarm', 'inspection'])).length).toBe(3 + 3);
  });
});
