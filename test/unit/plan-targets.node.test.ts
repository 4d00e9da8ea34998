// Which assets a plan applies to and what its usage is computed from (server plan-targets.ts):
// the target asset in the plan's site or every asset of the type there, disabled and invalid
// plans, the usage channel found by asset and field (a derived anomaly channel never), its power
// unit, the gap rule from the channel's rate; and the work order ids.
import { describe, expect, it } from 'vitest';
import { planTargets, planWorkOrderId, usageGapSeconds, type StoredDocument } from '../../src/server/maintenance/plan-targets';

const asset = (id: string, site: string, type: string): StoredDocument => ({ id, doc: { type: 'asset', site, title: id, asset_type: type } });
const channel = (id: string, asset: string, field: string, unit: string, rate?: number): StoredDocument => ({ id, doc: { type: 'channel', site: 'site/north', asset, source: 's', array: `array/${id.slice(8)}`, title: field, field, unit, ...(rate === undefined ? {} : { rate }) } });
const plan = (id: string, fields: Record<string, unknown>): StoredDocument => ({
  id,
  doc: { type: 'maintenance_plan', site: 'site/north', title: id, target: { asset_type: 'turbine' }, trigger: { kind: 'calendar', every_days: 30, start: '2026-12-01' }, lead_days: 7, checklist: [], ...fields },
});

const assets = [asset('asset/north/t1', 'site/north', 'turbine'), asset('asset/north/t2', 'site/north', 'turbine'), asset('asset/north/m1', 'site/north', 'met_mast'), asset('asset/south/t9', 'site/south', 'turbine')];
const channels = [
  channel('channel/t1/power/anomaly', 'asset/north/t1', 'power', ''),
  channel('channel/t1/power', 'asset/north/t1', 'power', 'kW', 1),
  channel('channel/t2/power', 'asset/north/t2', 'power', '°C', 1),
  channel('channel/t1/rotor', 'asset/north/t1', 'rotor_speed', 'rpm', 1 / 600),
];

describe('plan targets', () => {
  it('every asset of the type in the plan\'s site, or the one asset; disabled and invalid plans generate nothing', () => {
    const { targets, problems } = planTargets(
      [
        plan('maintenance_plan/b', {}),
        plan('maintenance_plan/a', { target: { asset: 'asset/north/m1' } }),
        plan('maintenance_plan/off', { enabled: false }),
        plan('maintenance_plan/bad', { lead_days: -1 }),
        plan('maintenance_plan/elsewhere', { target: { asset: 'asset/south/t9' } }),
      ],
      assets,
      channels,
    );
    expect(targets.map((target) => [target.planId, target.assetId])).toEqual([
      ['maintenance_plan/a', 'asset/north/m1'],
      ['maintenance_plan/b', 'asset/north/t1'],
      ['maintenance_plan/b', 'asset/north/t2'],
    ]);
    expect(problems).toEqual([
      { planId: 'maintenance_plan/bad', problem: 'lead_days must be between 0 and 365 (got -1)' },
      { planId: 'maintenance_plan/elsewhere', problem: 'target.asset "asset/south/t9" is not an asset of site/north' },
    ]);
  });

  it('usage from the measured channel of the field (never the anomaly score), in a power unit, with a gap of five sample intervals (at least a minute)', () => {
    const energy = planTargets([plan('maintenance_plan/e', { trigger: { kind: 'usage', measure: 'energy_mwh', every: 10, field: 'power' } })], assets, channels).targets;
    expect(energy.map((target) => [target.assetId, target.usage, target.problem])).toEqual([
      ['asset/north/t1', { channel: 'channel/t1/power', array: 'array/t1/power', kernel: 'energy_mwh', params: { unit: 'kW', max_gap_s: 60 } }, undefined],
      ['asset/north/t2', undefined, 'channel/t2/power is in "°C", not a power unit (W, kW, MW, GW)'],
    ]);
    const hours = planTargets([plan('maintenance_plan/h', { trigger: { kind: 'usage', measure: 'operating_hours', every: 10, field: 'rotor_speed', threshold: 2 } })], assets, channels).targets;
    expect(hours.map((target) => [target.assetId, target.usage?.params, target.problem])).toEqual([
      ['asset/north/t1', { threshold: 2, max_gap_s: 3000 }, undefined],
      ['asset/north/t2', undefined, 'asset/north/t2 has no channel of field "rotor_speed"'],
    ]);
    expect(usageGapSeconds({ rate: 100 } as never)).toBe(60);
  });

  it('work order ids: the plan suffix, the asset slug within the site, the occurrence', () => {
    expect(planWorkOrderId('maintenance_plan/demo-gearbox-oil', 'asset/north-sea-wind/t01', 'site/north-sea-wind', 3)).toBe('work_order/plan/demo-gearbox-oil/t01/3');
    expect(planWorkOrderId('maintenance_plan/x', 'asset/other/t01', 'site/north', 1)).toBe('work_order/plan/x/other/t01/1');
  });
});
