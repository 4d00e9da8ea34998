// The asset health score (core/predict/health.ts): worked examples in words, the levels, ranking,
// and properties over arbitrary inputs — bounded, never throws on partial documents, and a worse
// input never raises the score.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HEALTHY_EXPLANATION, assetHealth, rankByRisk, type HealthAlarm, type HealthInput } from '../../src/core/predict/health';

const alarm = (severity: string, state = 'active_unacked', extra: Partial<HealthAlarm> = {}): HealthAlarm => ({ id: `alarm/r/${severity}/${state}`, title: 'High bearing temperature', severity, state, ...extra });

describe('assetHealth examples', () => {
  it('is 100 and good with nothing known', () => {
    expect(assetHealth({})).toEqual({ score: 100, level: 'good', explanation: HEALTHY_EXPLANATION, reasons: [] });
    expect(assetHealth({ alarms: [alarm('critical', 'normal')] }).score).toBe(100);
  });

  it('explains open alarms by the worst one, active unacknowledged weighing more than acked or shelved', () => {
    const health = assetHealth({ alarms: [alarm('medium'), { ...alarm('critical'), id: 'alarm/worst' }] });
    expect(health.explanation).toBe('2 open alarms: High bearing temperature (critical)');
    expect(health.reasons[0]).toMatchObject({ kind: 'alarm', ref: 'alarm/worst', penalty: 57.5 });
    expect(health.level).toBe('warning');
    const unacked = assetHealth({ alarms: [alarm('critical')] }).score;
    const acked = assetHealth({ alarms: [alarm('critical', 'active_acked')] }).score;
    const shelved = assetHealth({ alarms: [alarm('critical', 'active_unacked', { shelved: true })] }).score;
    expect(unacked).toBe(50);
    expect(acked).toBeGreaterThan(unacked);
    expect(shelved).toBeGreaterThan(acked);
    expect(assetHealth({ alarms: [alarm('critical', 'active_acked')] }).explanation).toBe('1 open alarm: High bearing temperature (critical, acknowledged)');
  });

  it('says the remaining life against the lead with its interval and the evidence', () => {
    const health = assetHealth({ rul: { rul_days: 23, low_days: 17, high_days: 31, lead_days: 21, summary: 'RUL 23 days (17–31): main bearing temperature rising', id: 'prediction/main-bearing/w/t03-main-bearing' } });
    expect(health.explanation).toBe('RUL 23 days (17–31) — its low end under the 21-day lead: main bearing temperature rising');
    // The middle of 23 and 17 is under the lead: a warning.
    expect(health.level).toBe('warning');
    expect(health.reasons[0]?.ref).toBe('prediction/main-bearing/w/t03-main-bearing');
    expect(assetHealth({ rul: { rul_days: 12, low_days: 8, high_days: 20, lead_days: 21, title: 'T03 main bearing' } }).explanation).toBe('T03 main bearing: RUL 12 days (8–20) — under the 21-day lead');
    // Far beyond the lead: known, no points off.
    const far = assetHealth({ rul: { rul_days: 90, low_days: 80, high_days: 90, lead_days: 21 } });
    expect(far).toMatchObject({ score: 100, level: 'good', explanation: HEALTHY_EXPLANATION });
    expect(far.reasons).toHaveLength(1);
  });

  it('takes the worst of several predictions (an asset and its parts)', () => {
    const health = assetHealth({ rul: [{ rul_days: 80, low_days: 70, high_days: 90, lead_days: 21, id: 'a' }, { rul_days: 5, low_days: 2, high_days: 9, lead_days: 21, id: 'b' }] });
    expect(health.reasons[0]?.ref).toBe('b');
    expect(health.level).toBe('critical');
  });

  it('says the degradation rate as a loss with its interval', () => {
    expect(assetHealth({ degradation: { rate_pct_per_year: -0.9, ci_low: -1.1, ci_high: -0.7, id: 'degradation/s/inv01' } }).reasons[0]).toEqual({ kind: 'degradation', text: 'Degrading 0.9 %/yr (0.7–1.1)', penalty: 4.5, ref: 'degradation/s/inv01' });
    expect(assetHealth({ degradation: { rate_pct_per_year: -0.2, ci_low: -0.5, ci_high: 0.1 } }).reasons[0]?.text).toBe('Degrading 0.2 %/yr (−0.1 to 0.5)');
    expect(assetHealth({ degradation: { rate_pct_per_year: 0.2, ci_low: -0.1, ci_high: 0.5 } }).reasons[0]?.text).toBe('No degradation: +0.2 %/yr (−0.1 to 0.5)');
    expect(assetHealth({ degradation: { rate_pct_per_year: -3, ci_low: -3.4, ci_high: -2.6 } })).toMatchObject({ score: 70, level: 'watch', explanation: 'Degrading 3.0 %/yr (2.6–3.4)' });
  });

  it('scores a recent anomaly', () => {
    const health = assetHealth({ anomaly: { score: 0.95, title: 'Main bearing temperature', channel: 'channel/x/main_bearing_temp/anomaly' } });
    expect(health).toMatchObject({ score: 73, level: 'watch', explanation: 'Anomaly score 0.95 on Main bearing temperature in the last 24 h' });
    expect(assetHealth({ anomaly: { score: 0.3, title: 'x' } }).score).toBe(100);
  });

  it('combines reasons, worst first, the explanation being the top one', () => {
    const health = assetHealth({ alarms: [alarm('high')], anomaly: { score: 0.9, title: 'Vibration' }, rul: { rul_days: 10, low_days: 6, high_days: 15, lead_days: 21 }, degradation: { rate_pct_per_year: -1, ci_low: -1.2, ci_high: -0.8 } });
    expect(health.reasons.map((reason) => reason.kind)).toEqual(['rul', 'alarm', 'anomaly', 'degradation']);
    expect(health.score).toBe(0);
    expect(health.level).toBe('critical');
    expect(health.explanation).toBe(health.reasons[0]!.text);
  });
});

describe('rankByRisk', () => {
  it('sorts worst first, stable for equal scores, unknown scores last', () => {
    const docs = [{ asset: 'a', score: 80 }, { asset: 'b' }, { asset: 'c', score: 40 }, { asset: 'd', score: 80 }, { asset: 'e', score: Number.NaN }, { asset: 'f', score: 0 }];
    expect(rankByRisk(docs).map((doc) => doc.asset)).toEqual(['f', 'c', 'a', 'd', 'b', 'e']);
    expect(docs[0]!.asset).toBe('a');
  });
});

const severity = fc.constantFrom('low', 'medium', 'high', 'critical');
const state = fc.constantFrom('active_unacked', 'active_acked', 'cleared_unacked', 'normal');
const alarmArbitrary = fc.record({ id: fc.string(), title: fc.string(), severity, state, shelved: fc.boolean(), out_of_service: fc.boolean() }, { requiredKeys: ['severity', 'state'] });
const days = fc.double({ min: 0, max: 400, noNaN: true });
const inputArbitrary: fc.Arbitrary<HealthInput> = fc.record(
  {
    alarms: fc.array(alarmArbitrary, { maxLength: 6 }),
    anomaly: fc.record({ score: fc.double({ min: 0, max: 1, noNaN: true }), title: fc.string() }),
    rul: fc.record({ rul_days: days, low_days: days, high_days: days, lead_days: fc.double({ min: 1, max: 60, noNaN: true }), summary: fc.string() }),
    degradation: fc.record({ rate_pct_per_year: fc.double({ min: -5, max: 2, noNaN: true }), ci_low: fc.double({ min: -6, max: 2, noNaN: true }), ci_high: fc.double({ min: -5, max: 3, noNaN: true }) }),
  },
  { requiredKeys: [] },
);

const severityOrder = ['low', 'medium', 'high', 'critical'];
const stateOrder = ['normal', 'cleared_unacked', 'active_acked', 'active_unacked'];

describe('assetHealth properties', () => {
  it('never throws on anything and stays within 0..100 with a level and an explanation', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const health = assetHealth(input as HealthInput);
        expect(health.score).toBeGreaterThanOrEqual(0);
        expect(health.score).toBeLessThanOrEqual(100);
        expect(['good', 'watch', 'warning', 'critical']).toContain(health.level);
        expect(typeof health.explanation).toBe('string');
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.record({ alarms: fc.array(fc.record({ severity: fc.anything(), state: fc.anything(), title: fc.anything() })), rul: fc.anything(), anomaly: fc.record({ score: fc.anything() }), degradation: fc.record({ rate_pct_per_year: fc.anything(), ci_low: fc.anything() }) }, { requiredKeys: [] }), (input) => {
        const health = assetHealth(input as HealthInput);
        expect(Number.isInteger(health.score) && health.score >= 0 && health.score <= 100).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('a worse input never raises the score', () => {
    fc.assert(
      fc.property(inputArbitrary, fc.nat(), fc.double({ min: 0, max: 1, noNaN: true }), (input, pick, amount) => {
        const worse: HealthInput = structuredClone(input);
        switch (pick % 8) {
          case 0: // one more alarm
            worse.alarms = [...(input.alarms ?? []), { severity: 'medium', state: 'active_acked' }];
            break;
          case 1: {
            // an alarm more severe or less settled, or no longer set aside
            const alarms = (worse.alarms ?? []) as HealthAlarm[];
            const target = alarms[pick % Math.max(1, alarms.length)];
            if (target) {
              target.severity = severityOrder[Math.max(severityOrder.indexOf(target.severity!), Math.min(3, Math.floor(amount * 4)))]!;
              target.state = stateOrder[Math.max(stateOrder.indexOf(target.state!), Math.min(3, Math.floor(amount * 4)))]!;
              if (amount > 0.5) target.shelved = false;
            }
            break;
          }
          case 2: // a higher anomaly score
            worse.anomaly = { ...input.anomaly, score: Math.max(input.anomaly?.score ?? 0, amount) };
            break;
          case 3: {
            // less remaining life, or a lower low end
            const rul = (input.rul ?? { rul_days: 400, low_days: 400, high_days: 400, lead_days: 21 }) as Required<Exclude<HealthInput['rul'], readonly unknown[] | undefined>>;
            worse.rul = { ...rul, rul_days: (rul.rul_days ?? 400) * amount, low_days: (rul.low_days ?? 400) * (pick % 2 ? amount : 1) };
            break;
          }
          case 4: {
            // a longer lead
            const rul = input.rul as { lead_days?: number } | undefined;
            if (rul) worse.rul = { ...rul, lead_days: (rul.lead_days ?? 21) * (1 + amount) };
            break;
          }
          case 5: {
            // a faster loss: the rate and its interval lower
            const degradation = input.degradation ?? { rate_pct_per_year: 0, ci_low: 0, ci_high: 0 };
            worse.degradation = { ...degradation, rate_pct_per_year: (degradation.rate_pct_per_year ?? 0) - amount * 3, ci_high: (degradation.ci_high ?? 0) - (pick % 2 ? amount * 3 : 0) };
            break;
          }
          case 6: // a second, worse prediction (a part)
            if (input.rul) worse.rul = [input.rul as never, { rul_days: amount * 30, low_days: amount * 20, high_days: 40, lead_days: 21 }];
            break;
          default: // an alarm no longer acknowledged
            worse.alarms = (input.alarms ?? []).map((entry) => (entry.state === 'active_acked' ? { ...entry, state: 'active_unacked' } : entry));
        }
        expect(assetHealth(worse).score).toBeLessThanOrEqual(assetHealth(input).score);
      }),
      { numRuns: 2000 },
    );
  });
});
