// Shared helpers of the alarm engine tests: a site with channels, rules, running samples through a binding.
import {
  applyTransition,
  bindRule,
  currentAlarmId,
  initRuleState,
  stepRule,
  type Alarm,
  type AlarmRule,
  type AssetEntry,
  type ChannelEntry,
  type Condition,
  type RuleBinding,
  type RuleState,
  type RuleTransition,
} from '../../src/core';

export const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

export const assets: AssetEntry[] = [
  { id: 'asset/north/t01', doc: { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' } },
  { id: 'asset/north/t01-gearbox', doc: { type: 'asset', site: 'site/north', title: 'Gearbox', asset_type: 'gearbox', parent: 'asset/north/t01' } },
  { id: 'asset/north/t02', doc: { type: 'asset', site: 'site/north', title: 'Turbine T02', asset_type: 'turbine' } },
  { id: 'asset/north/pump', doc: { type: 'asset', site: 'site/north', title: 'Pump', asset_type: 'pump' } },
];

/** A channel of source `source` for `field` on `asset`. */
export function channel(source: string, field: string, asset: string, site = 'site/north'): ChannelEntry {
  return { id: `channel/${source}/${field}`, doc: { type: 'channel', site, asset, source, array: `array/${source}/${field}`, title: field, field } };
}

export const channels: ChannelEntry[] = [
  channel('scada-t01', 'temp', 'asset/north/t01'),
  channel('scada-t01', 'power', 'asset/north/t01'),
  channel('cms-t01', 'temp', 'asset/north/t01-gearbox'),
  channel('scada-t02', 'temp', 'asset/north/t02'),
  channel('scada-t02', 'power', 'asset/north/t02'),
  channel('pump', 'temp', 'asset/north/pump'),
];

/** A rule on channel/scada-t01/temp with `condition` and the given extras. */
export function rule(condition: Condition, extra: Partial<AlarmRule> = {}): AlarmRule {
  return { type: 'alarm_rule', site: 'site/north', title: 'Hot', enabled: true, target: { channel: 'channel/scada-t01/temp' }, condition, severity: 'medium', ...extra };
}

/** The single binding of `r` (explicit target). */
export function bind(r: AlarmRule): RuleBinding {
  const bindings = bindRule('alarm_rule/hot', r, channels, assets);
  if (bindings.length !== 1) throw new Error(`expected one binding, got ${bindings.length}`);
  return bindings[0]!;
}

/** Samples as (seconds after T0, value) pairs → one batch entry of input `input`. */
export function samples(pairs: Array<[number, number]>, input = 0): { input: number; times: Float64Array; values: Float32Array } {
  return { input, times: Float64Array.from(pairs, ([s]) => T0 + s * 1000), values: Float32Array.from(pairs, ([, v]) => v) };
}

/** The transitions of `pairs` from the initial state, times in seconds after T0. */
export function run(binding: RuleBinding, pairs: Array<[number, number]>, state = initRuleState(binding)): { state: RuleState; transitions: Array<RuleTransition & { s: number }> } {
  const result = stepRule(binding, state, [samples(pairs)]);
  return { state: result.state, transitions: result.transitions.map((t) => ({ ...t, s: (t.at - T0) / 1000 })) };
}

/** Short form of transitions: "raise@10:medium". */
export function brief(transitions: RuleTransition[]): string[] {
  return transitions.map((t) => `${t.kind}@${(t.at - T0) / 1000}:${t.severity}`);
}

/** The alarm store of a test: applies transitions as the server evaluator does. */
export class AlarmBook {
  readonly docs = new Map<string, Alarm>();
  readonly binding: RuleBinding;
  state: RuleState;
  constructor(binding: RuleBinding) {
    this.binding = binding;
    this.state = initRuleState(binding);
  }
  /** Applies transitions in order. */
  apply(transitions: RuleTransition[]): void {
    for (const t of transitions) {
      const id = currentAlarmId(this.binding, this.state);
      const result = applyTransition(this.binding, this.state, id === undefined ? undefined : this.docs.get(id), t);
      this.state = result.state;
      this.docs.set(result.id, result.alarm);
    }
  }
  /** Steps samples and applies what they raise. */
  step(pairs: Array<[number, number]>): RuleTransition[] {
    const result = stepRule(this.binding, this.state, [samples(pairs)]);
    this.state = result.state;
    this.apply(result.transitions);
    return result.transitions;
  }
}
