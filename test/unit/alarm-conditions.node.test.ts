// Every condition kind besides threshold: rate, window statistics (band energy, kurtosis…), stale, flatline, anomaly, all/any.
import { describe, expect, it } from 'vitest';
import { RATE_MAX_POINTS, WINDOW_MAX_SAMPLES, WINDOW_MIN_SAMPLES, bandEnergy, bindRule, encodeState, initRuleState, stepRule, tickRule } from '../../src/core';
import { T0, assets, bind, brief, channels, rule, run, samples } from '../support/alarm-fixtures';

/** `count` samples from `from` s, `step` s apart, values from `value(k)`. */
function series(from: number, count: number, step: number, value: (k: number) => number): Array<[number, number]> {
  return Array.from({ length: count }, (_, k) => [from + k * step, value(k)] as [number, number]);
}

describe('rate', () => {
  it('compares with the value window_s earlier, per second, with a deadband', () => {
    const binding = bind(rule({ kind: 'rate', direction: 'rise', per_s: 1, window_s: 10, deadband: 0.5 }));
    // Flat, then rising 2 per second from 20 s, then flat again from 40 s.
    const value = (s: number): number => (s < 20 ? 0 : s < 40 ? 2 * (s - 20) : 40);
    const { transitions } = run(binding, series(0, 61, 1, value));
    // At 25 s the rate is (10 − 0)/10 = 1: not above; 26 s: 1.2 → raise. Down again: at 48 s (40 − 36)/10 = 0.4 < 1 − 0.5 → clear; at 47 s it is 0.6.
    expect(brief(transitions)).toEqual(['raise@26:medium', 'clear@48:medium']);
    expect(transitions[0]!.value).toBeCloseTo(1.2, 6);
  });

  it('falls and either ways', () => {
    const falling = series(0, 30, 1, (s) => (s < 10 ? 100 : 100 - 5 * (s - 10)));
    expect(brief(run(bind(rule({ kind: 'rate', direction: 'fall', per_s: 2, window_s: 5 })), falling).transitions)[0]).toBe('raise@13:medium');
    expect(brief(run(bind(rule({ kind: 'rate', direction: 'either', per_s: 2, window_s: 5 })), falling).transitions)[0]).toBe('raise@13:medium');
    expect(run(bind(rule({ kind: 'rate', direction: 'rise', per_s: 2, window_s: 5 })), falling).transitions).toEqual([]);
  });

  it('decides nothing until it has a sample window_s old', () => {
    const binding = bind(rule({ kind: 'rate', direction: 'rise', per_s: 1, window_s: 10 }));
    expect(run(binding, [[0, 0], [5, 100], [9.999, 200]]).transitions).toEqual([]);
    expect(brief(run(binding, [[0, 0], [5, 100], [10, 200]]).transitions)).toEqual(['raise@10:medium']);
  });

  it('keeps a bounded ring whatever the rate of samples (1 kHz over a one-hour window)', () => {
    const binding = bind(rule({ kind: 'rate', direction: 'rise', per_s: 1, window_s: 3600 }));
    let state = initRuleState(binding);
    const count = 100_000;
    for (let chunk = 0; chunk < 10; chunk++) {
      const times = Float64Array.from({ length: count }, (_, k) => T0 + chunk * count + k);
      state = stepRule(binding, state, [{ input: 0, times, values: new Float32Array(count).fill(1) }]).state;
    }
    const ring = state.nodes[0] as unknown as { t: number[]; head: number };
    expect(ring.t.length - ring.head).toBeLessThanOrEqual(RATE_MAX_POINTS + 2);
    expect(JSON.stringify(encodeState(state)).length).toBeLessThan(200_000);
    // The ring is thinned but still spans the samples seen (the oldest kept is the first sample).
    expect(ring.t[ring.head]).toBe(T0);
  });
});

describe('window statistics', () => {
  const windowRule = (stat: 'rms' | 'mean' | 'max' | 'min' | 'std' | 'kurtosis', level: number, direction: 'high' | 'low' = 'high') =>
    bind(rule({ kind: 'window', stat, window_s: 10, direction, level }));

  it('decides at the end of each tumbling window (aligned on the epoch), from the next sample or a tick', () => {
    const binding = windowRule('rms', 2);
    const { state, transitions } = run(binding, series(0, 10, 1, () => 3));
    expect(transitions, 'the window 0–10 s is still open').toEqual([]);
    expect(brief(tickRule(binding, state, T0 + 10_000).transitions)).toEqual(['raise@10:medium']);
    expect(brief(stepRule(binding, state, [samples([[10, 0]])]).transitions)).toEqual(['raise@10:medium']);
    expect(brief(run(binding, [...series(0, 10, 1, () => 3), ...series(10, 10, 1, () => 1), [20, 1]]).transitions)).toEqual(['raise@10:medium', 'clear@20:medium']);
  });

  it('skips windows with fewer than 8 samples', () => {
    const binding = windowRule('max', 2);
    expect(run(binding, [...series(0, WINDOW_MIN_SAMPLES - 1, 1, () => 5), [10, 0]]).transitions).toEqual([]);
    expect(brief(run(binding, [...series(0, WINDOW_MIN_SAMPLES, 1, () => 5), [10, 0]]).transitions)).toEqual(['raise@10:medium']);
  });

  it.each([
    ['mean', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5.5],
    ['max', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10],
    ['min', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 1],
    ['rms', [3, -3, 3, -3, 3, -3, 3, -3, 3, -3], 3],
    ['std', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], Math.sqrt(8.25)],
    ['kurtosis', [1, -1, 1, -1, 1, -1, 1, -1, 1, -1], 1],
    ['kurtosis', [0, 0, 0, 0, 0, 0, 0, 0, 0, 10], 8.111111111111],
  ] as const)('%s of %j is %d', (stat, values, expected) => {
    const binding = windowRule(stat, -1000);
    const { transitions } = run(binding, [...values.map((value, k) => [k, value] as [number, number]), [10, 0]]);
    expect(transitions).toHaveLength(1);
    expect(transitions[0]!.value).toBeCloseTo(expected, 6);
  });

  it('escalation steps on the same window statistic share the window and decide together (one escalation, not one per step)', () => {
    const kurtosis = (level: number) => ({ kind: 'window', stat: 'kurtosis', window_s: 10, direction: 'high', level }) as const;
    const binding = bind(rule(kurtosis(4), { escalation: [{ severity: 'high', condition: kurtosis(7) }, { severity: 'critical', condition: kurtosis(11) }] }));
    // 20 samples a window: three spikes (kurtosis 4.8), then one (kurtosis 18).
    const spikes = (from: number, count: number): Array<[number, number]> => series(from, 20, 0.5, (k) => (k < count ? 10 : 0));
    const { transitions, state } = run(binding, [...spikes(0, 3), ...spikes(10, 1), [20, 0]]);
    expect(brief(transitions)).toEqual(['raise@10:medium', 'escalate@20:critical']);
    expect(transitions[1]!.value).toBeCloseTo(18.05, 1);
    // Only the first of the three windows accumulates samples.
    expect(state.nodes.map((node) => (node as unknown as { n: number }).n)).toEqual([1, 0, 0]);
  });

  it('low direction with a deadband', () => {
    const binding = bind(rule({ kind: 'window', stat: 'mean', window_s: 10, direction: 'low', level: 5, deadband: 1 }));
    const windows = [4, 5.5, 6.5].flatMap((mean, w) => series(w * 10, 10, 1, () => mean));
    expect(brief(run(binding, [...windows, [30, 0]]).transitions)).toEqual(['raise@10:medium', 'clear@30:medium']);
  });

  it('band energy: the mean-square energy of the samples in [low, high] Hz, sample rate from the times', () => {
    const rate = 1000;
    const values = Float64Array.from({ length: 1000 }, (_, k) => 2 * Math.sin((2 * Math.PI * 50 * k) / rate) + Math.sin((2 * Math.PI * 200 * k) / rate));
    expect(bandEnergy(values, rate, 40, 60)).toBeGreaterThan(2 * 0.9);
    expect(bandEnergy(values, rate, 40, 60)).toBeLessThan(2 * 1.05);
    expect(bandEnergy(values, rate, 150, 250)).toBeGreaterThan(0.5 * 0.9);
    expect(bandEnergy(values, rate, 150, 250)).toBeLessThan(0.5 * 1.05);
    expect(bandEnergy(values, rate, 0, 500)).toBeCloseTo(2 + 0.5, 1);
    expect(bandEnergy(values, rate, 300, 400)).toBeLessThan(0.05);

    // A 1 kHz burst of one second: 200 Hz content alarms, 50 Hz content does not.
    const binding = bind(rule({ kind: 'window', stat: 'band_energy', band: [150, 250], window_s: 1, direction: 'high', level: 0.3 }));
    const burst = (amplitude200: number, from: number): Array<[number, number]> =>
      series(from, 1000, 0.001, (k) => 2 * Math.sin((2 * Math.PI * 50 * k) / rate) + amplitude200 * Math.sin((2 * Math.PI * 200 * k) / rate));
    expect(run(binding, [...burst(0, 0), [600, 0]]).transitions).toEqual([]);
    const { transitions } = run(binding, [...burst(1, 0), [600, 0]]);
    expect(brief(transitions)).toEqual(['raise@1:medium']);
    expect(transitions[0]!.value).toBeCloseTo(0.5, 1);
  });
});

describe('bounded state', () => {
  it('a band-energy window keeps at most WINDOW_MAX_SAMPLES samples, however long the window', () => {
    const binding = bind(rule({ kind: 'window', stat: 'band_energy', band: [10, 100], window_s: 86_400, direction: 'high', level: 1 }));
    let state = initRuleState(binding);
    const count = 50_000;
    for (let chunk = 0; chunk < 3; chunk++) {
      const times = Float64Array.from({ length: count }, (_, k) => T0 + chunk * count + k);
      state = stepRule(binding, state, [{ input: 0, times, values: Float32Array.from({ length: count }, (_, k) => Math.sin(k / 3)) }]).state;
    }
    const window = state.nodes[0] as unknown as { buf: number[]; n: number };
    expect(window.n).toBe(3 * count);
    expect(window.buf).toHaveLength(WINDOW_MAX_SAMPLES);
  });
});

describe('stale', () => {
  const binding = bind(rule({ kind: 'stale', after_s: 60 }));

  it('is raised at last + after_s when a gap shows in the data, and cleared at the next sample', () => {
    const { transitions } = run(binding, [[0, 1], [30, 1], [200, 1], [210, 1]]);
    expect(brief(transitions)).toEqual(['raise@90:medium', 'clear@200:medium']);
    expect(transitions[0]!.value).toBe(60);
  });

  it('a sample exactly after_s late is on time', () => {
    expect(run(binding, [[0, 1], [60, 1], [120, 1]]).transitions).toEqual([]);
    expect(brief(run(binding, [[0, 1], [60.001, 1]]).transitions)).toEqual(['raise@60:medium', 'clear@60.001:medium']);
  });

  it('is raised by a clock tick when live, only once time is past last + after_s', () => {
    const { state } = run(binding, [[0, 1]]);
    expect(tickRule(binding, state, T0 + 60_000).transitions).toEqual([]);
    const ticked = tickRule(binding, state, T0 + 60_001);
    expect(brief(ticked.transitions)).toEqual(['raise@60:medium']);
    expect(tickRule(binding, ticked.state, T0 + 120_000).transitions, 'raised once').toEqual([]);
    expect(brief(stepRule(binding, ticked.state, [samples([[100, 1]])]).transitions)).toEqual(['clear@100:medium']);
  });

  it('never raises before the first sample (nothing to be late after)', () => {
    expect(tickRule(binding, initRuleState(binding), T0 + 10_000_000).transitions).toEqual([]);
  });

  it('NaN samples are no data', () => {
    expect(brief(run(binding, [[0, 1], [50, Number.NaN], [100, 1]]).transitions)).toEqual(['raise@60:medium', 'clear@100:medium']);
  });
});

describe('flatline', () => {
  it('holds when max − min ≤ tolerance for at least window_s of consecutive samples', () => {
    const binding = bind(rule({ kind: 'flatline', window_s: 10, tolerance: 0.1 }));
    const stuck = series(0, 11, 1, (k) => 5 + (k % 3) * 0.05);
    expect(brief(run(binding, [...stuck, [11, 7]]).transitions)).toEqual(['raise@10:medium', 'clear@11:medium']);
    expect(run(binding, [...series(0, 10, 1, () => 5), [9.999 + 0.0005, 5.2]]).transitions, '1 ms short').toEqual([]);
  });

  it('tolerance 0 by default: any change restarts the run', () => {
    const binding = bind(rule({ kind: 'flatline', window_s: 10 }));
    expect(run(binding, series(0, 30, 1, (k) => k % 2)).transitions).toEqual([]);
    expect(brief(run(binding, [...series(0, 5, 1, (k) => k), ...series(5, 11, 1, () => 4)]).transitions)).toEqual(['raise@14:medium']);
  });
});

describe('anomaly', () => {
  it('reads the channel anomaly score array (inputs[0]) and holds above the level', () => {
    const binding = bind(rule({ kind: 'anomaly', level: 0.9 }));
    expect(binding.inputs).toEqual(['array/scada-t01/temp/anomaly']);
    expect(brief(run(binding, [[0, 0.2], [1, 0.9], [2, 0.95], [3, 0.9], [4, 0.5]]).transitions)).toEqual(['raise@2:medium', 'clear@4:medium']);
  });
});

describe('all / any', () => {
  it('combines each input latest state, inputs in a stable order', () => {
    const binding = bind(
      rule({
        kind: 'all',
        conditions: [
          { kind: 'threshold', direction: 'high', level: 80 },
          { kind: 'threshold', direction: 'low', level: 100, field: 'power' },
        ],
      }),
    );
    expect(binding.inputs).toEqual(['array/scada-t01/temp', 'array/scada-t01/power']);
    expect(binding.inputChannels).toEqual(['channel/scada-t01/temp', 'channel/scada-t01/power']);
    const temp = samples([[0, 90], [10, 90], [20, 70]], 0);
    const power = samples([[5, 500], [12, 50], [30, 50]], 1);
    const { transitions } = stepRule(binding, initRuleState(binding), [temp, power]);
    expect(brief(transitions)).toEqual(['raise@12:medium', 'clear@20:medium']);
    expect(transitions[0]!.message).toBe('value above 80 and value below 100 (power)');
  });

  it('any: either condition raises; a stale sub-condition on an explicit channel', () => {
    const binding = bind(rule({ kind: 'any', conditions: [{ kind: 'threshold', direction: 'high', level: 80 }, { kind: 'stale', after_s: 60, channel: 'channel/scada-t02/power' }] }));
    expect(binding.inputs).toEqual(['array/scada-t01/temp', 'array/scada-t02/power']);
    const temp = samples([[0, 50], [50, 90], [55, 50], [100, 50], [150, 50]], 0);
    const power = samples([[0, 1], [130, 1]], 1);
    expect(brief(stepRule(binding, initRuleState(binding), [temp, power]).transitions)).toEqual(['raise@50:medium', 'clear@55:medium', 'raise@60:medium', 'clear@130:medium']);
  });

  it('a template rule whose sub-condition names a field binds only the targets that have it', () => {
    const bindings = bindRule(
      'alarm_rule/hot',
      { ...rule({ kind: 'all', conditions: [{ kind: 'threshold', direction: 'high', level: 80 }, { kind: 'threshold', direction: 'low', level: 100, field: 'power' }] }), target: { asset_type: 'turbine', field: 'temp' } },
      channels,
      assets,
    );
    // cms-t01/temp sits on the gearbox (a turbine below), which has no power channel.
    expect(bindings.map((binding) => binding.channel)).toEqual(['channel/scada-t01/temp', 'channel/scada-t02/temp']);
    expect(bindings[1]!.inputs).toEqual(['array/scada-t02/temp', 'array/scada-t02/power']);
  });
});
