// The asset model's pure parts: validation of each document type and the asset tree.
import { describe, expect, it } from 'vitest';
import {
  assetIdFor,
  assetParentProblem,
  assetProblem,
  assetTree,
  channelMetaProblem,
  channelProblem,
  siteIdFor,
  siteProblem,
  simulationTruthProblem,
  slugify,
  workOrderProblem,
  type AssetDoc,
  type TreeAsset,
} from '../../src/core';

const turbine: AssetDoc = { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' };

describe('siteProblem', () => {
  it('accepts a minimal site (title only: sites written before the model have no kind) and a full one', () => {
    expect(siteProblem({ type: 'site', title: 'North' })).toBeUndefined();
    expect(
      siteProblem({ type: 'site', title: 'North Sea Wind', kind: 'wind_farm', location: { label: 'Off Esbjerg', lat: 55.4, lon: 7.9 }, timezone: 'Europe/Copenhagen', description: '', simulated: true, other: 1 }),
    ).toBeUndefined();
  });

  it.each([
    [{ type: 'site' }, 'title must be a string'],
    [{ type: 'site', title: '   ' }, 'title must not be empty'],
    [{ type: 'site', title: 'x'.repeat(501) }, 'at most 500'],
    [{ type: 'site', title: 'North', kind: 'moon_base' }, 'kind must be one of wind_farm'],
    [{ type: 'site', title: 'North', location: 'North Sea' }, 'location must be an object'],
    [{ type: 'site', title: 'North', location: { lat: 1 } }, 'location.label must be a string'],
    [{ type: 'site', title: 'North', location: { label: 'x', lat: 91 } }, 'location.lat must be between -90 and 90'],
    [{ type: 'site', title: 'North', timezone: 'Mars/Olympus' }, 'IANA time zone'],
    [{ type: 'site', title: 'North', simulated: false }, 'simulated must be true or absent'],
    [{ type: 'asset', title: 'North' }, 'type "site"'],
    [[], 'must be an object'],
  ])('refuses %j: %s', (doc, message) => {
    expect(siteProblem(doc)).toContain(message);
  });

  it('refuses a site field other than its own id', () => {
    expect(siteProblem({ type: 'site', title: 'North', site: 'site/south' }, 'site/north')).toContain('belongs to itself');
    expect(siteProblem({ type: 'site', title: 'North', site: 'site/north' }, 'site/north')).toBeUndefined();
  });
});

describe('assetProblem', () => {
  it('accepts the required fields alone, and every optional one', () => {
    expect(assetProblem(turbine)).toBeUndefined();
    expect(
      assetProblem({ ...turbine, make: 'Vestas', model: 'V112', serial: 'SN-1', location: { lat: 55, lon: 8 }, commissioned: '2019-06-30', parent: 'asset/north/farm', simulated: true, make_extra: 1 }),
    ).toBeUndefined();
    expect(assetProblem({ ...turbine, make: '', commissioned: '' }), 'empty optional text is a cleared field').toBeUndefined();
  });

  it.each([
    [{ type: 'asset', title: 'T01', asset_type: 'turbine' }, 'site must be a string'],
    [{ type: 'asset', site: 'site/north', asset_type: 'turbine' }, 'title must be a string'],
    [{ type: 'asset', site: 'site/north', title: 'T01' }, 'asset_type must be a string'],
    [{ ...turbine, commissioned: '2019-02-30' }, 'is not a calendar date'],
    [{ ...turbine, commissioned: '30.06.2019' }, 'YYYY-MM-DD'],
    [{ ...turbine, parent: 7 }, 'parent must be a string'],
    [{ ...turbine, serial: 12 }, 'serial must be a string'],
    [{ ...turbine, location: { lon: 200 } }, 'location.lon must be between -180 and 180'],
  ])('refuses %j: %s', (doc, message) => {
    expect(assetProblem(doc)).toContain(message);
  });

  it('refuses an asset that is its own parent', () => {
    expect(assetProblem({ ...turbine, parent: 'asset/north/t01' }, 'asset/north/t01')).toContain('its own parent');
  });
});

describe('assetParentProblem', () => {
  const stored = new Map<string, unknown>([
    ['asset/north/t01', turbine],
    ['asset/north/gearbox', { ...turbine, title: 'Gearbox', asset_type: 'gearbox', parent: 'asset/north/t01' }],
    ['asset/north/bearing', { ...turbine, title: 'Main bearing', asset_type: 'main_bearing', parent: 'asset/north/gearbox' }],
    ['asset/south/t01', { ...turbine, site: 'site/south' }],
    ['note/1', { type: 'note', site: 'site/north' }],
  ]);
  const lookup = (id: string) => stored.get(id);

  it('accepts a parent of the same site, and no parent', () => {
    expect(assetParentProblem('asset/north/bearing', stored.get('asset/north/bearing') as AssetDoc, lookup)).toBeUndefined();
    expect(assetParentProblem('asset/north/t01', turbine, lookup)).toBeUndefined();
  });

  it('refuses a missing parent, one of another site and one that is not an asset, with the same words', () => {
    for (const parent of ['asset/north/none', 'asset/south/t01', 'note/1']) {
      expect(assetParentProblem('asset/north/t02', { ...turbine, parent }, lookup)).toBe(`parent ${JSON.stringify(parent)} is not an asset of site "site/north"`);
    }
  });

  it('refuses a parent that would make a cycle (the turbine under its own bearing)', () => {
    expect(assetParentProblem('asset/north/t01', { ...turbine, parent: 'asset/north/bearing' }, lookup)).toContain('would make a cycle');
  });

  it('stops at MAX_ASSET_DEPTH levels on a chain it cannot finish', () => {
    const chain = new Map<string, unknown>();
    for (let level = 0; level < 100; level++) chain.set(`a${level}`, { ...turbine, parent: `a${level + 1}` });
    let reads = 0;
    const problem = assetParentProblem('new', { ...turbine, parent: 'a0' }, (id) => (reads++, chain.get(id)));
    expect(problem).toContain('deeper than 32');
    expect(reads).toBeLessThanOrEqual(32);
  });
});

describe('channel, work order and ground truth', () => {
  it('checks channel metadata as a source gives it', () => {
    expect(channelMetaProblem({ title: 'Gearbox bearing temperature', unit: '°C', rate: 1, normal: { min: 10, max: 80 } })).toBeUndefined();
    expect(channelMetaProblem({ rate: 0 })).toContain('rate');
    expect(channelMetaProblem({ normal: { min: 5, max: 1 } })).toContain('above');
    expect(channelMetaProblem({ colour: 'red' })).toContain('no key "colour"');
  });

  it('checks channel documents', () => {
    const channel = { type: 'channel', site: 's', asset: 'a', source: 'source/x', array: 'array/source/x/temp', title: 'Temp', field: 'temp', unit: '°C' };
    expect(channelProblem(channel)).toBeUndefined();
    expect(channelProblem({ ...channel, field: undefined })).toContain('field');
    expect(channelProblem({ ...channel, normal: { max: 'hot' } })).toContain('normal.max');
  });

  it('checks work orders', () => {
    expect(workOrderProblem({ type: 'work_order', site: 's', title: 'Replace bearing', status: 'open', notes: '' })).toBeUndefined();
    expect(workOrderProblem({ type: 'work_order', site: 's', title: 'Replace bearing', status: 'closed' })).toContain('status must be one of open');
  });

  it('a work order may name the alarm it was created from (alarm/…), nothing else there', () => {
    const order = { type: 'work_order', site: 's', title: 'Replace bearing', status: 'open', notes: '' };
    expect(workOrderProblem({ ...order, alarm: 'alarm/bearing-temp/source/t01/temp/1' })).toBeUndefined();
    expect(workOrderProblem({ ...order, alarm: 'work_order/x' })).toContain('alarm must be the id of an alarm');
    expect(workOrderProblem({ ...order, alarm: 'alarm/' })).toContain('alarm must be the id of an alarm');
    expect(workOrderProblem({ ...order, alarm: 7 })).toContain('alarm must be a string');
  });

  it('checks the ground truth of the simulated fleet', () => {
    const truth = {
      type: 'simulation_truth',
      site: 'site/north',
      simulated: true,
      seed: 42,
      start: 0,
      faults: [{ id: 'f1', kind: 'bearing_wear', asset: 'asset/north/t03-bearing', channels: ['vib_rms'], start: 10, failure_at: 100, description: 'wears' }],
    };
    expect(simulationTruthProblem(truth)).toBeUndefined();
    expect(simulationTruthProblem({ ...truth, faults: [{ ...truth.faults[0], kind: 'gremlins' }] })).toContain('faults[0].kind');
    expect(simulationTruthProblem({ ...truth, faults: [{ ...truth.faults[0], end: 5 }] })).toContain('before its start');
    expect(simulationTruthProblem({ ...truth, simulated: undefined })).toContain('simulated');
  });
});

describe('ids from titles', () => {
  it('makes slugs and ids', () => {
    expect(slugify('Turbine T01')).toBe('turbine-t01');
    expect(slugify('Nordsee Öst — Feld 2')).toBe('nordsee-ost-feld-2');
    expect(siteIdFor('North Sea Wind')).toBe('site/north-sea-wind');
    expect(siteIdFor('***')).toBeUndefined();
    expect(assetIdFor('site/north', 'Gearbox 1')).toBe('asset/north/gearbox-1');
  });
});

describe('assetTree', () => {
  const a = (id: string, parent?: string, site = 'site/north'): TreeAsset => ({ id, site, title: id, ...(parent ? { parent } : {}) });

  it('lists children by parent, depth first, with ancestry and descendants', () => {
    const tree = assetTree([a('t02'), a('bearing', 'gearbox'), a('t01'), a('gearbox', 't01'), a('generator', 't01')]);
    expect(tree.children(undefined).map((x) => x.id)).toEqual(['t01', 't02']);
    expect(tree.children('t01').map((x) => x.id)).toEqual(['gearbox', 'generator']);
    expect(tree.depthFirst().map((entry) => `${entry.depth}:${entry.asset.id}`)).toEqual(['0:t01', '1:gearbox', '2:bearing', '1:generator', '0:t02']);
    expect(tree.ancestry('bearing').map((x) => x.id)).toEqual(['gearbox', 't01']);
    expect(tree.descendants('t01').map((x) => x.id)).toEqual(['gearbox', 'bearing', 'generator']);
  });

  it('shows an asset whose parent is missing or in another site as a root', () => {
    const tree = assetTree([a('orphan', 'gone'), a('t01', undefined, 'site/south'), a('stray', 't01')]);
    expect(tree.children(undefined).map((x) => x.id)).toEqual(['orphan', 'stray', 't01']);
    expect(tree.parentOf('stray')).toBeUndefined();
  });

  it('breaks a stored cycle: every asset listed once, every walk ends', () => {
    const tree = assetTree([a('x', 'y'), a('y', 'z'), a('z', 'x'), a('leaf', 'x')]);
    const listed = tree.depthFirst().map((entry) => entry.asset.id);
    expect([...listed].sort()).toEqual(['leaf', 'x', 'y', 'z']);
    expect(tree.ancestry('leaf').map((x) => x.id)).toEqual(['x']);
    expect(tree.descendants('x').map((x) => x.id)).toEqual(['leaf']);
  });

  it('says which assets may become a parent: not itself, not below it, same site only', () => {
    const tree = assetTree([a('t01'), a('gearbox', 't01'), a('bearing', 'gearbox'), a('t09', undefined, 'site/south')]);
    expect(tree.canBeParent('gearbox', 't01')).toBe(true);
    expect(tree.canBeParent('t01', 'bearing')).toBe(false);
    expect(tree.canBeParent('t01', 't01')).toBe(false);
    expect(tree.canBeParent('t01', 't09')).toBe(false);
    expect(tree.canBeParent(undefined, 'bearing')).toBe(true);
  });

  it('lists a deep chain without recursion limits', () => {
    const chain = Array.from({ length: 20_000 }, (_, index) => a(`n${index}`, index === 0 ? undefined : `n${index - 1}`));
    expect(assetTree(chain).depthFirst()).toHaveLength(20_000);
  });
});
