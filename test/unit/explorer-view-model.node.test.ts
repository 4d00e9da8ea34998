// The saved explorer view (core/model/explorer-view.ts): bounded panels, series and range, each refusal naming the field.
import { describe, expect, it } from 'vitest';
import { MAX_EXPLORER_LAST_MS, MAX_EXPLORER_PANELS, MAX_EXPLORER_SERIES, explorerPresets, explorerRangeProblem, explorerStateProblem, explorerViewProblem, type ExplorerViewDoc } from '../../src/core';

const good: ExplorerViewDoc = {
  type: 'explorer_view',
  title: 'Gearbox fault on T01',
  owner: 'erin',
  site: 'site/north',
  created_at: Date.UTC(2026, 11, 1),
  updated_at: Date.UTC(2026, 11, 2),
  panels: [{ series: [{ channel: 'channel/t01.scada/power' }, { channel: 'channel/t01.scada/wind_speed' }] }, { series: [{ channel: 'channel/t01.cms/acc_x' }] }],
  range: { from: Date.UTC(2026, 11, 1), to: Date.UTC(2026, 11, 1, 1) },
};

const panels = (count: number, series = 1) => Array.from({ length: count }, (_, panel) => ({ series: Array.from({ length: series }, (_, index) => ({ channel: `channel/p${panel}/s${index}` })) }));

describe('explorerViewProblem', () => {
  it('accepts a well-formed view, a last window, no site and no panels', () => {
    expect(explorerViewProblem(good)).toBeUndefined();
    expect(explorerViewProblem({ ...good, site: undefined, range: { last: 86_400_000, live: true } })).toBeUndefined();
    expect(explorerViewProblem({ ...good, panels: [] })).toBeUndefined();
    expect(explorerViewProblem({ ...good, panels: panels(MAX_EXPLORER_PANELS, MAX_EXPLORER_SERIES) })).toBeUndefined();
  });

  it.each([
    [null, 'must be an object'],
    [[], 'must be an object'],
    [{ ...good, type: 'channel' }, 'type must be "explorer_view"'],
    [{ ...good, title: '' }, 'title must not be empty'],
    [{ ...good, title: '   ' }, 'title must not be empty'],
    [{ ...good, title: 't'.repeat(201) }, 'title must have at most 200 characters'],
    [{ ...good, title: 5 }, 'title must be a string'],
    [{ ...good, owner: undefined }, 'owner must be a string'],
    [{ ...good, site: '' }, 'site must not be empty'],
    [{ ...good, created_at: 'yesterday' }, 'created_at must be a finite number'],
    [{ ...good, updated_at: Number.NaN }, 'updated_at must be a finite number'],
    [{ ...good, panels: {} }, 'panels must be an array'],
    [{ ...good, panels: panels(MAX_EXPLORER_PANELS + 1) }, `panels may have at most ${MAX_EXPLORER_PANELS} entries (it has 9)`],
    [{ ...good, panels: panels(1, MAX_EXPLORER_SERIES + 1) }, `panels[0].series may have at most ${MAX_EXPLORER_SERIES} entries`],
    [{ ...good, panels: [null] }, 'panels[0] must be an object'],
    [{ ...good, panels: [{ series: 'channel/x' }] }, 'panels[0].series must be an array'],
    [{ ...good, panels: [{ series: [{ channel: 'c' }, 'channel/x'] }] }, 'panels[0].series[1] must be an object'],
    [{ ...good, panels: [{ series: [{ channel: 7 }] }] }, 'panels[0].series[0].channel must be a string'],
    [{ ...good, panels: [{ series: [{ channel: 'c'.repeat(301) }] }] }, 'panels[0].series[0].channel must have at most 300 characters'],
    [{ ...good, range: undefined }, 'range must be an object'],
    [{ ...good, range: { from: 10, to: 5 } }, 'range.from must not be after range.to'],
    [{ ...good, range: { from: 0, to: Infinity } }, 'range.to must be a finite number'],
    [{ ...good, range: { from: '0', to: 5 } }, 'range.from must be a finite number'],
    [{ ...good, range: { from: -9e15, to: 5 } }, 'range.from must be between'],
    [{ ...good, range: { last: 0, live: false } }, 'range.last must be a positive number'],
    [{ ...good, range: { last: -5, live: false } }, 'range.last must be a positive number'],
    [{ ...good, range: { last: MAX_EXPLORER_LAST_MS + 1, live: false } }, 'range.last must be at most'],
    [{ ...good, range: { last: 1000, live: 'yes' } }, 'range.live must be true or false'],
  ])('refuses %j naming what is wrong', (doc, message) => {
    expect(explorerViewProblem(doc)).toContain(message);
  });

  it('judges a huge hostile panel list by its length, without walking it', () => {
    const series = new Array(1_000_000).fill({ channel: 'c' });
    expect(explorerViewProblem({ ...good, panels: [{ series }] })).toContain('at most 8 entries (it has 1000000)');
  });
});

describe('explorerStateProblem and explorerRangeProblem', () => {
  it('checks a state without the document fields', () => {
    expect(explorerStateProblem({ panels: good.panels, range: { last: 3_600_000, live: false } })).toBeUndefined();
    expect(explorerStateProblem({ panels: good.panels })).toContain('range must be an object');
    expect(explorerRangeProblem({ from: 5, to: 5 })).toBeUndefined();
  });

  it('has presets that are valid windows', () => {
    for (const preset of explorerPresets) expect(explorerRangeProblem({ last: preset.last, live: false })).toBeUndefined();
    expect(explorerPresets.map((preset) => preset.label)).toEqual(['Last 1 h', 'Last 24 h', 'Last 7 d', 'Last 30 d']);
  });
});
