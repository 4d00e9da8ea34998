// Threshold rules: hysteresis, on/off delays and auto-clear exactly at their edges, escalation and de-escalation.
import { describe, expect, it } from 'vitest';
import { encodeState, decodeState, initRuleState, stepRule, tickRule, type RuleState } from '../../src/core';
import { T0, bind, brief, rule, run, samples } from '../support/alarm-fixtures';

const high = { kind: 'threshold', direction: 'high', level: 80, deadband: 5 } as const;

describe('threshold with deadband', () => {
  it('raises strictly above the level and clears strictly below level − deadband', () => {
    const binding = bind(rule(high));
    const { transitions } = run(binding, [
      [0, 70],
      [1, 80], // at the level: not above
      [2, 80.5], // above: raise
      [3, 75], // at level − deadband: still active
      [4, 79],
      [5, 74.9], // below level − deadband: clear
      [6, 80], // at the level again: nothing
    ]);
    expect(brief(transitions)).toEqual(['raise@2:medium', 'clear@5:medium']);
    expect(transitions[0]!.value).toBe(80.5);
    expect(transitions[0]!.message).toBe('value above 80');
  });

  it('compares float32 samples with the float32 level: a sample written as the level is at the level, not above', () => {
    // float32(0.3) is 0.30000001192…, above the double 0.3: compared naively, 0.3 would be above 0.3.
    const binding = bind(rule({ kind: 'threshold', direction: 'high', level: 0.3, deadband: 0.1 }));
    const { transitions } = run(binding, [
      [0, 0.3],
      [1, 0.35],
      [2, 0.2], // level − deadband (as float32): still active
      [3, 0.19],
    ]);
    expect(brief(transitions)).toEqual(['raise@1:medium', 'clear@3:medium']);
  });

  it('mirrors for a low threshold', () => {
    const binding = bind(rule({ kind: 'threshold', direction: 'low', level: 10, deadband: 2 }));
    const { transitions } = run(binding, [
      [0, 10],
      [1, 9],
      [2, 12],
      [3, 12.5],
    ]);
    expect(brief(transitions)).toEqual(['raise@1:medium', 'clear@3:medium']);
  });

  it('skips NaN samples (missing) and never raises on them', () => {
    const binding = bind(rule(high));
    const { transitions, state } = run(binding, [
      [0, 90],
      [1, Number.NaN],
      [2, 70],
    ]);
    expect(brief(transitions)).toEqual(['raise@0:medium', 'clear@2:medium']);
    expect(state.lastAny).toBe(T0 + 2000);
  });

  it('uses the rule message when it has one', () => {
    const { transitions } = run(bind(rule(high, { message: 'Gearbox hot' })), [[0, 99]]);
    expect(transitions[0]!.message).toBe('Gearbox hot');
  });
});

describe('on delay', () => {
  const binding = bind(rule(high, { on_delay_s: 10 }));

  it('raises when the condition held exactly on_delay_s (raised at the moment it was met)', () => {
    expect(brief(run(binding, [[0, 90], [10, 90]]).transitions)).toEqual(['raise@10:medium']);
  });

  it('does not raise when it stops 1 ms short', () => {
    expect(brief(run(binding, [[0, 90], [9.999, 90], [9.999 + 0.0005, 70], [20, 70]]).transitions)).toEqual([]);
    const state = run(binding, [[0, 90], [9.999, 70]]).state;
    expect(brief(stepRule(binding, state, [samples([[30, 70]])]).transitions)).toEqual([]);
  });

  it('counts the hold until the sample that ends it (zero-order hold): a long-enough run ended by a false sample raises then clears', () => {
    expect(brief(run(binding, [[0, 90], [15, 70]]).transitions)).toEqual(['raise@10:medium', 'clear@15:medium']);
  });

  it('restarts the delay when the condition drops in between', () => {
    expect(brief(run(binding, [[0, 90], [5, 70], [6, 90], [15, 90], [16, 90]]).transitions)).toEqual(['raise@16:medium']);
  });

  it('raises by a clock tick once now reaches the delay with no data since', () => {
    const { state } = run(binding, [[0, 90]]);
    expect(tickRule(binding, state, T0 + 9_999).transitions).toEqual([]);
    expect(brief(tickRule(binding, state, T0 + 10_000).transitions)).toEqual(['raise@10:medium']);
    expect(tickRule(binding, state, T0).transitions, 'not past the last data time').toEqual([]);
  });
});

describe('off delay', () => {
  const binding = bind(rule(high, { off_delay_s: 5 }));

  it('clears when the condition was false exactly off_delay_s, not 1 ms short', () => {
    expect(brief(run(binding, [[0, 90], [1, 70], [6, 70]]).transitions)).toEqual(['raise@0:medium', 'clear@6:medium']);
    expect(brief(run(binding, [[0, 90], [1, 70], [5.999, 70], [5.9995, 90]]).transitions)).toEqual(['raise@0:medium']);
  });

  it('clears by a tick when no data comes', () => {
    const { state } = run(binding, [[0, 90], [1, 70]]);
    expect(tickRule(binding, state, T0 + 5_999).transitions).toEqual([]);
    expect(brief(tickRule(binding, state, T0 + 60_000).transitions)).toEqual(['clear@6:medium']);
  });
});

describe('auto clear', () => {
  const binding = bind(rule(high, { auto_clear_s: 60 }));

  it('clears auto_clear_s after the last sample that held, even with no sample saying it stopped', () => {
    const { state, transitions } = run(binding, [[0, 90]]);
    expect(brief(transitions)).toEqual(['raise@0:medium']);
    expect(tickRule(binding, state, T0 + 59_999).transitions).toEqual([]);
    const ticked = tickRule(binding, state, T0 + 60_000);
    expect(brief(ticked.transitions)).toEqual(['clear@60:medium']);
    // It raises again only when seen holding again.
    expect(tickRule(binding, ticked.state, T0 + 120_000).transitions).toEqual([]);
    expect(brief(stepRule(binding, ticked.state, [samples([[100, 95]])]).transitions)).toEqual(['raise@100:medium']);
  });

  it('does not clear while the condition recurs within auto_clear_s', () => {
    expect(brief(run(binding, [[0, 90], [50, 91], [100, 92], [159, 70]]).transitions)).toEqual(['raise@0:medium', 'clear@159:medium']);
    const binding2 = bind(rule(high, { auto_clear_s: 60, off_delay_s: 3600 }));
    expect(brief(run(binding2, [[0, 90], [50, 91], [100, 70], [159, 70], [160, 70]]).transitions)).toEqual(['raise@0:medium', 'clear@110:medium']);
  });
});

describe('escalation', () => {
  it('escalates after N s active and stays escalated until the alarm clears', () => {
    const binding = bind(rule(high, { escalation: [{ severity: 'high', after_s: 30 }, { severity: 'critical', after_s: 60 }] }));
    const { transitions } = run(binding, [
      [0, 90],
      [29.999, 90],
      [30, 82],
      [45, 70], // clear
      [50, 90],
      [80, 90],
    ]);
    expect(brief(transitions)).toEqual(['raise@0:medium', 'escalate@30:high', 'clear@45:high', 'raise@50:medium', 'escalate@80:high']);
  });

  it('escalates by a clock tick when no data comes', () => {
    const binding = bind(rule(high, { escalation: [{ severity: 'critical', after_s: 300 }] }));
    const { state } = run(binding, [[0, 90]]);
    expect(tickRule(binding, state, T0 + 299_999).transitions).toEqual([]);
    expect(brief(tickRule(binding, state, T0 + 400_000).transitions)).toEqual(['escalate@300:critical']);
  });

  it('escalates while a stricter condition holds and de-escalates when it stops', () => {
    const binding = bind(rule(high, { escalation: [{ severity: 'critical', condition: { kind: 'threshold', direction: 'high', level: 100 } }] }));
    const { transitions } = run(binding, [
      [0, 101], // both at once: raised critical
      [1, 90],
      [2, 105],
      [3, 60],
      [4, 101],
    ]);
    expect(brief(transitions)).toEqual(['raise@0:critical', 'deescalate@1:medium', 'escalate@2:critical', 'clear@3:critical', 'raise@4:critical']);
  });
});

describe('state', () => {
  it('is plain JSON that survives encodeState / decodeState', () => {
    const binding = bind(rule(high, { on_delay_s: 1, escalation: [{ severity: 'high', after_s: 1 }] }));
    const { state } = run(binding, [[0, 90], [0.5, Number.POSITIVE_INFINITY]]);
    const json = JSON.parse(JSON.stringify(encodeState(state))) as unknown;
    const back = decodeState<RuleState>(json);
    expect(back).toEqual(state);
    expect(brief(stepRule(binding, back, [samples([[2, 90]])]).transitions)).toEqual(brief(stepRule(binding, state, [samples([[2, 90]])]).transitions));
  });

  it('stepRule does not modify the state it is given', () => {
    const binding = bind(rule(high));
    const state = initRuleState(binding);
    const before = JSON.stringify(state);
    stepRule(binding, state, [samples([[0, 90]])]);
    expect(JSON.stringify(state)).toBe(before);
  });

  it('skips samples older than the input last one', () => {
    const binding = bind(rule(high));
    const { state } = run(binding, [[10, 70]]);
    expect(stepRule(binding, state, [samples([[5, 99]])]).transitions).toEqual([]);
  });
});
