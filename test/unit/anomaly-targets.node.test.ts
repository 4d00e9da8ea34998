// Which channels the anomaly runner scores: flagged channels and what enabled rules' anomaly
// conditions read, as the alarm engine binds them (templates by asset type, sub-conditions on
// another field of the same asset), never a derived channel, never a channel of another site.
import { describe, expect, it } from 'vitest';
import { anomalyTargets, type StoredDocument } from '../../src/server/alarms/anomaly-targets';

const channel = (id: string, site: string, asset: string, field: string, extra: Record<string, unknown> = {}): StoredDocument => ({
  id,
  doc: { type: 'channel', site, asset, source: 'source/x', array: id.replace(/^channel\//, 'array/'), field, title: field, unit: '', ...extra },
});
const asset = (id: string, site: string, assetType: string, parent?: string): StoredDocument => ({ id, doc: { type: 'asset', site, title: id, asset_type: assetType, ...(parent ? { parent } : {}) } });
const rule = (id: string, doc: Record<string, unknown>): StoredDocument => ({ id, doc: { type: 'alarm_rule', site: 'site/n', title: id, enabled: true, severity: 'high', ...doc } });

const channels = [
  channel('channel/source/x/speed', 'site/n', 'asset/n/gearbox1', 'speed'),
  channel('channel/source/x/temp', 'site/n', 'asset/n/gearbox1', 'temp'),
  channel('channel/source/x/power', 'site/n', 'asset/n/t1', 'power', { anomaly: true }),
  channel('channel/source/x/power/anomaly', 'site/n', 'asset/n/t1', 'power/anomaly', { anomaly: true, derived: { kind: 'anomaly', from: 'channel/source/x/power' } }),
  channel('channel/source/y/speed', 'site/s', 'asset/s/t9', 'speed'),
];
const assets = [asset('asset/n/t1', 'site/n', 'turbine'), asset('asset/n/gearbox1', 'site/n', 'gearbox', 'asset/n/t1'), asset('asset/s/t9', 'site/s', 'turbine')];

describe('anomaly targets', () => {
  it('takes flagged channels and never a derived one', () => {
    expect(anomalyTargets([], channels, assets).map((target) => target.channel)).toEqual(['channel/source/x/power']);
  });

  it('binds templates through the asset tree and follows a sub-condition to another field of the asset', () => {
    const rules = [
      // Template on turbines' speed (the gearbox's parent is a turbine); the anomaly reads the temperature.
      rule('alarm_rule/a', { target: { asset_type: 'turbine', field: 'speed' }, condition: { kind: 'all', conditions: [{ kind: 'threshold', direction: 'high', level: 20 }, { kind: 'anomaly', level: 0.9, field: 'temp' }] } }),
      // Disabled, and a rule of no anomaly: they choose nothing.
      rule('alarm_rule/b', { enabled: false, target: { channel: 'channel/source/x/speed' }, condition: { kind: 'anomaly', level: 0.5 } }),
      rule('alarm_rule/c', { target: { channel: 'channel/source/x/speed' }, condition: { kind: 'threshold', direction: 'high', level: 1 } }),
      // An explicit target of another site than the rule's is not bound.
      rule('alarm_rule/d', { target: { channel: 'channel/source/y/speed' }, condition: { kind: 'anomaly', level: 0.5 } }),
      // Invalid (a level outside 0..1): skipped, not fatal.
      rule('alarm_rule/e', { target: { channel: 'channel/source/x/speed' }, condition: { kind: 'anomaly', level: 7 } }),
    ];
    const invalid: unknown[] = [];
    const chosen = anomalyTargets(rules, channels, assets, (error) => invalid.push(error)).map((target) => target.channel);
    expect(chosen).toEqual(['channel/source/x/power', 'channel/source/x/temp']);
    expect(invalid).toHaveLength(1);
  });

  it('scores the rule\'s own target for a plain anomaly condition', () => {
    const rules = [rule('alarm_rule/f', { target: { channel: 'channel/source/x/speed' }, condition: { kind: 'anomaly', level: 0.8 } })];
    expect(anomalyTargets(rules, channels, assets).map((target) => target.channel)).toEqual(['channel/source/x/power', 'channel/source/x/speed']);
  });
});
