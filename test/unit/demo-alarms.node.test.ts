/**
 * The demo fleet's scheduled faults raise the alarms they should, checked against its ground
 * truth (test/support/demo-alarm-truth.ts states the tolerances):
 *
 * - pure: the demo rules run by the core engine over the samples the fleet stores for fixed
 *   schedules (a month ending in winter and one ending in summer, and three days as the server
 *   test writes), precise and fast;
 * - on a real server (SQLite, the forward protocol, the alarm evaluator): three days of history
 *   written by the fleet, evaluated by the server, the alarm documents checked the same way.
 */
import { describe, expect, it } from 'vitest';
import { alarmRuleProblem, bindRule, type Alarm } from '../../src/core';
import { demoAlarmRules } from '../../src/server/demo/alarm-rules';
import { DEFAULT_SEED } from '../../src/server/demo/demo-fleet';
import { fleetDefinition } from '../../src/server/demo/fleet';
import { OLD_DT_MS, SECOND } from '../../src/server/demo/plan';
import { faultSchedule, type FaultSchedule } from '../../src/server/demo/schedule';
import { checkDemoAlarms, evaluateDemoRules, fleetDocuments, icingVisibility, type AlarmEntry } from '../support/demo-alarm-truth';

const DAY = 86_400_000;

/** The schedule the fleet makes on a first start at `now` with `days` of history (as DemoFleet does). */
function scheduleAt(now: number, days: number): FaultSchedule {
  const cut = Math.floor(now / SECOND) * SECOND;
  return faultSchedule(DEFAULT_SEED, Math.floor((cut - days * DAY) / OLD_DT_MS) * OLD_DT_MS, cut);
}

const entries = (alarms: Map<string, Alarm>): AlarmEntry[] => [...alarms].map(([id, alarm]) => ({ id, alarm }));

describe('the demo alarm rules', () => {
  it('are valid rule documents, marked simulated, and bind to the fleet (templates by asset type and field)', () => {
    const { channels, assets } = fleetDocuments(DEFAULT_SEED);
    const rules = demoAlarmRules();
    expect(new Set(rules.map((rule) => rule.id)).size).toBe(rules.length);
    for (const { id, doc } of rules) {
      expect(alarmRuleProblem(doc), id).toBeUndefined();
      expect(doc.simulated).toBe(true);
      expect(id.startsWith('alarm_rule/demo-')).toBe(true);
      expect('asset_type' in doc.target, `${id} is a template`).toBe(true);
      const bound = bindRule(id, doc, channels, assets);
      // Every turbine, gearbox or inverter of the site (one met station).
      expect(bound.length, id).toBeGreaterThan(0);
      expect(bound.every((binding) => binding.site === doc.site && binding.simulated === true)).toBe(true);
    }
    const fleet = fleetDefinition(DEFAULT_SEED);
    const icing = bindRule('alarm_rule/demo-icing', rules.find((rule) => rule.id === 'alarm_rule/demo-icing')!.doc, channels, assets);
    expect(icing.length).toBe(fleet.sources.filter((source) => source.kind === 'scada').length);
    // The icing rule reads power, ambient temperature and wind speed of the same turbine.
    expect(icing[0]!.inputs.map((array) => array.split('/').at(-1))).toEqual(['power', 'ambient_temp', 'wind_speed']);
  });
});

describe('the demo rules over the fleet\'s signals (pure: core engine, stored sample times)', () => {
  // Ten days ending in late autumn (eight of them stored at 10 s, two at 1 Hz), with the worn
  // bearing's bursts evaluated on towards its failure: its impacts show after the history. The
  // wind blows during its cold snap, so the iced turbine must be seen.
  const schedule = scheduleAt(Date.UTC(2026, 10, 20, 12), 10);

  it('ten days ending 20 November: every fault a rule catches raises its alarm in time, nothing else is raised', () => {
    const wearUntil = schedule.liveFrom + 12 * DAY;
    const alarms = evaluateDemoRules(schedule, { wearUntil });
    const findings = checkDemoAlarms(schedule, entries(alarms), (key, field) => `channel/${key}/${field}`, { until: schedule.liveFrom, wearUntil });
    const caught = findings.filter((finding) => finding.raised_at !== undefined).map((finding) => finding.fault.split('-')[0]);
    expect(caught.sort()).toEqual(['bearing_wear', 'dropout', 'icing', 'string_failure', 'stuck_sensor']);
    console.log(findings.map((finding) => `${finding.fault}: ${finding.rule} ${finding.severity ?? ''} ${finding.note ?? ''}`).join('\n'));
  }, 240_000);

  it('the ice of that schedule must be seen (the oracle is not "may" there)', () => {
    expect(icingVisibility(schedule)).toBe('must');
  });

  it('ten days ending 15 November, a calm cold snap: no wind, no sign of the ice, and the cold alone raises nothing on the iced turbine', () => {
    const calm = scheduleAt(Date.UTC(2026, 10, 15, 12), 10);
    expect(icingVisibility(calm)).toBe('never');
    const alarms = evaluateDemoRules(calm, { sources: (def) => def.kind === 'scada' && def.index === calm.icing.turbine });
    expect([...alarms.keys()]).toEqual([]);
  }, 240_000);

  it('a month ending 15 August (the warmest weather): the healthy-limit rules stay quiet on a healthy turbine, inverter and the met station', () => {
    const summer = scheduleAt(Date.UTC(2026, 7, 15, 6, 30), 30);
    const alarms = evaluateDemoRules(summer, { sources: (def) => def.key === 't01.scada' || def.key === 'inv01' || def.key === 'met' });
    expect([...alarms.keys()]).toEqual([]);
  }, 240_000);
});
