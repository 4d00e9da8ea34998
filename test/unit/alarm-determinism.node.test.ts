// Property: the same samples in any batch split give exactly the same transitions and final state (one batch, random splits, sample by sample).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeState, initRuleState, stepRule, type AlarmRule, type Condition, type RuleBinding, type RuleState, type RuleTransition } from '../../src/core';
import { T0, bind, rule } from '../support/alarm-fixtures';

interface Series {
  times: number[];
  values: number[];
}

/** Random data: uneven steps (1 ms to 70 s, so gaps trip stale rules), values around 0–100, some NaN. */
const seriesArbitrary = fc
  .array(fc.tuple(fc.constantFrom(1, 7, 100, 1000, 1000, 1000, 5000, 70_000), fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constant(80), fc.constant(Number.NaN))), {
    minLength: 1,
    maxLength: 400,
  })
  .map((steps): Series => {
    let time = T0;
    const times: number[] = [];
    const values: number[] = [];
    for (const [step, value] of steps) {
      time += step;
      times.push(time);
      values.push(value);
    }
    return { times, values };
  });

/** Evaluates `series` (one per input), cut at the given data times (every input is cut at the same times). */
function evaluate(binding: RuleBinding, series: Series[], cuts: number[]): { state: RuleState; transitions: RuleTransition[] } {
  let state = initRuleState(binding);
  const transitions: RuleTransition[] = [];
  const bounds = [-Infinity, ...[...cuts].sort((a, b) => a - b), Infinity];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const batch = series.map((one, input) => {
      const indexes = one.times.flatMap((time, index) => (time >= bounds[k]! && time < bounds[k + 1]! ? [index] : []));
      return { input, times: Float64Array.from(indexes, (index) => one.times[index]!), values: Float32Array.from(indexes, (index) => one.values[index]!) };
    });
    const result = stepRule(binding, state, batch);
    state = result.state;
    transitions.push(...result.transitions);
  }
  return { state, transitions };
}

const rules: Array<[string, AlarmRule]> = [
  ['threshold with delays and escalation', rule({ kind: 'threshold', direction: 'high', level: 80, deadband: 5 }, { on_delay_s: 2, off_delay_s: 3, escalation: [{ severity: 'high', after_s: 10 }, { severity: 'critical', condition: { kind: 'threshold', direction: 'high', level: 95 } }] })],
  ['threshold with auto-clear', rule({ kind: 'threshold', direction: 'low', level: 20 }, { auto_clear_s: 4 })],
  ['rate', rule({ kind: 'rate', direction: 'either', per_s: 5, window_s: 3, deadband: 1 })],
  ['window rms', rule({ kind: 'window', stat: 'rms', window_s: 5, direction: 'high', level: 60 })],
  ['window kurtosis', rule({ kind: 'window', stat: 'kurtosis', window_s: 2, direction: 'high', level: 2 })],
  ['window band energy', rule({ kind: 'window', stat: 'band_energy', band: [0.5, 200], window_s: 1, direction: 'high', level: 300 })],
  ['stale', rule({ kind: 'stale', after_s: 30 }, { off_delay_s: 1 })],
  ['flatline', rule({ kind: 'flatline', window_s: 2, tolerance: 30 })],
  ['any of threshold, stale, flatline', rule({ kind: 'any', conditions: [{ kind: 'threshold', direction: 'high', level: 90 }, { kind: 'stale', after_s: 60 }, { kind: 'all', conditions: [{ kind: 'flatline', window_s: 1, tolerance: 50 }, { kind: 'threshold', direction: 'low', level: 50 }] }] }, { on_delay_s: 1 })],
];

describe('batch-split determinism', () => {
  it.each(rules)('%s: one batch = random splits = sample by sample', (_, r) => {
    const binding = bind(r);
    fc.assert(
      fc.property(seriesArbitrary, fc.array(fc.nat(), { maxLength: 12 }), (series, cutPicks) => {
        const whole = evaluate(binding, [series], []);
        const cuts = cutPicks.map((pick) => series.times[pick % series.times.length]!);
        const split = evaluate(binding, [series], cuts);
        expect(split.transitions).toEqual(whole.transitions);
        expect(encodeState(split.state)).toEqual(encodeState(whole.state));
        const single = evaluate(binding, [series], series.times);
        expect(single.transitions).toEqual(whole.transitions);
        expect(encodeState(single.state)).toEqual(encodeState(whole.state));
      }),
      { numRuns: 60 },
    );
  });

  it('several inputs (all/any over another field), cut at common times', () => {
    const conditions: Condition[] = [
      { kind: 'threshold', direction: 'high', level: 70 },
      { kind: 'any', conditions: [{ kind: 'threshold', direction: 'low', level: 30, field: 'power' }, { kind: 'stale', after_s: 20, field: 'power' }] },
    ];
    const binding = bind(rule({ kind: 'all', conditions }, { off_delay_s: 2, escalation: [{ severity: 'critical', condition: { kind: 'rate', direction: 'rise', per_s: 10, window_s: 2, field: 'power' } }] }));
    expect(binding.inputs).toHaveLength(2);
    fc.assert(
      fc.property(seriesArbitrary, seriesArbitrary, fc.array(fc.nat(), { maxLength: 12 }), (temp, power, cutPicks) => {
        const all = [...temp.times, ...power.times];
        const whole = evaluate(binding, [temp, power], []);
        const split = evaluate(binding, [temp, power], cutPicks.map((pick) => all[pick % all.length]!));
        expect(split.transitions).toEqual(whole.transitions);
        expect(encodeState(split.state)).toEqual(encodeState(whole.state));
        const single = evaluate(binding, [temp, power], all);
        expect(single.transitions).toEqual(whole.transitions);
      }),
      { numRuns: 60 },
    );
  });

  // Single-condition rules run in a specialised loop; the same condition wrapped in `any` takes the
  // general path. Both must give the same transitions (values and peaks included).
  it.each([
    rules[0]!,
    rules[1]!,
    ['threshold with auto-clear while active', rule({ kind: 'threshold', direction: 'high', level: 60, deadband: 10 }, { auto_clear_s: 2, escalation: [{ severity: 'high', after_s: 3 }] })],
    ['threshold with on delay and auto-clear', rule({ kind: 'threshold', direction: 'high', level: 50 }, { on_delay_s: 3, auto_clear_s: 1 })],
    ['anomaly level', rule({ kind: 'anomaly', level: 0.5 })],
    rules[3]!,
    rules[5]!,
    [
      'windows with escalation windows',
      rule(
        { kind: 'window', stat: 'kurtosis', window_s: 2, direction: 'high', level: 2, deadband: 0.3 },
        { off_delay_s: 3, escalation: [{ severity: 'high', condition: { kind: 'window', stat: 'max', window_s: 1, direction: 'high', level: 90 } }, { severity: 'critical', condition: { kind: 'window', stat: 'kurtosis', window_s: 5, direction: 'high', level: 3 } }] },
      ),
    ],
  ] as Array<[string, AlarmRule]>)('%s: the specialised loop = the general path', (_, r) => {
    const fast = bind(r);
    const general = bind({ ...r, condition: { kind: 'any', conditions: [r.condition] } });
    expect(general.conditionInputs.length).toBeGreaterThan(fast.conditionInputs.length);
    fc.assert(
      fc.property(seriesArbitrary, fc.array(fc.nat(), { maxLength: 6 }), (series, cutPicks) => {
        const scaled = r.condition.kind === 'anomaly' ? { times: series.times, values: series.values.map((value) => value / 100) } : series;
        const cuts = cutPicks.map((pick) => series.times[pick % series.times.length]!);
        // Wrapped, an anomaly condition reads the anomaly array as a second input (inputs[0] stays the raw one).
        const generalInputs = general.inputs.map((_, input) => (input === general.conditionInputs[1] ? scaled : { times: [], values: [] }));
        expect(evaluate(general, generalInputs, cuts).transitions).toEqual(evaluate(fast, [scaled], cuts).transitions);
      }),
      { numRuns: 80 },
    );
  });

  it('the transitions come out in data-time order', () => {
    const binding = bind(rules[0]![1]);
    fc.assert(
      fc.property(seriesArbitrary, (series) => {
        const { transitions } = evaluate(binding, [series], []);
        for (let k = 1; k < transitions.length; k++) expect(transitions[k]!.at).toBeGreaterThanOrEqual(transitions[k - 1]!.at);
      }),
      { numRuns: 60 },
    );
  });
});
