// The explorer's panel edits (workspace.ts): adding, moving and removing series and panels within
// a saved view's bounds, and where the shown data ends, over real memory storages.
import { describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { MAX_EXPLORER_PANELS, MAX_EXPLORER_SERIES, explorerStateProblem, type ExplorerState } from '../../src/core';
import { addSeries, dataEndOf, moveSeries, panelsOf, removePanel, removeSeries, shownChannels } from '../../src/controllers/explorer/workspace';
import { createStorage } from '../../src/storage';

const empty = (): ExplorerState => ({ panels: [], range: { last: 3_600_000, live: false } });
const ids = (state: ExplorerState) => state.panels.map((panel) => panel.series.map((series) => series.channel));

describe('explorer workspace edits', () => {
  it('adds to a panel or a new one, moves between panels and drops a panel left empty', () => {
    let state = addSeries(empty(), 'channel/a', null).state;
    state = addSeries(state, 'channel/b', 0).state;
    state = addSeries(state, 'channel/c', null).state;
    expect(ids(state)).toEqual([['channel/a', 'channel/b'], ['channel/c']]);
    expect(addSeries(state, 'channel/a', 0).refused).toMatch(/shows it already/);
    expect(panelsOf(state).get('channel/c')).toEqual([1]);

    // Moving c to panel 0 empties panel 1: it goes.
    state = moveSeries(state, 1, 'channel/c', 0).state;
    expect(ids(state)).toEqual([['channel/a', 'channel/b', 'channel/c']]);
    // Moving b to a new panel.
    state = moveSeries(state, 0, 'channel/b', null).state;
    expect(ids(state)).toEqual([['channel/a', 'channel/c'], ['channel/b']]);
    state = removeSeries(state, 0, 'channel/a');
    expect(ids(state)).toEqual([['channel/c'], ['channel/b']]);
    state = removePanel(state, 0);
    expect(ids(state)).toEqual([['channel/b']]);
    expect(shownChannels(state)).toEqual(['channel/b']);
    expect(state.range).toEqual({ last: 3_600_000, live: false });
  });

  it('never makes a state a saved view would refuse: at most 8 panels of 8 series, the refusal says why', () => {
    let state = empty();
    for (let index = 0; index < MAX_EXPLORER_PANELS; index++) state = addSeries(state, `channel/${index}`, null).state;
    const refused = addSeries(state, 'channel/extra', null);
    expect(refused.refused).toMatch(/At most 8 panels/);
    expect(refused.state).toBe(state);
    for (let index = 1; index < MAX_EXPLORER_SERIES; index++) state = addSeries(state, `channel/more-${index}`, 0).state;
    expect(addSeries(state, 'channel/ninth', 0).refused).toMatch(/full/);
    // A move into a full panel is refused and changes nothing.
    const move = moveSeries(state, 1, 'channel/1', 0);
    expect(move.refused).toMatch(/full/);
    expect(move.state).toBe(state);
    expect(explorerStateProblem(state)).toBeUndefined();
  });

  it('the data end is the latest sample of the shown arrays; an array that is not there is left out', async () => {
    const storage = createStorage({ type: 'memory' });
    const t0 = Date.UTC(2026, 10, 1);
    const a = await ChannelArray.create(storage, 'array/a', { timing: 'regular' });
    await a.append(new Float32Array(10), { t0, dt: 1000 });
    const b = await ChannelArray.create(storage, 'array/b', { timing: 'explicit' });
    await b.append(new Float32Array(3), Float64Array.from([t0, t0 + 20_000, t0 + 30_500]));
    await ChannelArray.create(storage, 'array/empty', { timing: 'regular' });
    expect(
      await dataEndOf([
        { storage, array: 'array/a' },
        { storage, array: 'array/b' },
        { storage, array: 'array/missing' },
        { storage, array: 'array/empty' },
      ]),
    ).toBe(t0 + 30_500);
    expect(await dataEndOf([{ storage, array: 'array/missing' }])).toBeUndefined();
  });
});
