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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmRuleProblem, bindRule, type Alarm } from '../../src/core';
import { demoAlarmRules } from '../../src/server/demo/alarm-rules';
import { DEFAULT_SEED } from '../../src/server/demo/demo-fleet';
import { fleetDefinition } from '../../src/server/demo/fleet';
import { BURST_SAMPLES, OLD_DT_MS, RECENT_MS, SECOND, bulkBursts, bulkRuns, timesOf } from '../../src/server/demo/plan';
import { faultSchedule, type FaultSchedule } from '../../src/server/demo/schedule';
import { checkDemoAlarms, evaluateDemoRules, fleetDocuments, icingVisibility, type AlarmEntry } from '../support/demo-alarm-truth';
import { startTestServer, type TestServer } from '../support/server-session';

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

describe('the demo fleet on a real server (SQLite, forward protocol, alarm evaluator): its faults raise the alarms its ground truth says', () => {
  // Three days: the history holds the icing, the stuck sensor, the dropout and the string failure
  // (the bearing's wear is still too slight to see: the check says so and expects no alarm).
  const DAYS = 3;
  let test: TestServer;
  let token: string;
  const api = async (path: string) => {
    const response = await fetch(`${test.server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status, path).toBe(200);
    return response.json() as Promise<unknown>;
  };

  beforeAll(async () => {
    test = await startTestServer({ DEMO: '1', DEMO_DAYS: String(DAYS), ALARMS_POLL_MS: '200' });
    await test.server.fleet!.start();
    token = await test.login('admin', 'correct horse battery');
  }, 240_000);
  afterAll(() => test?.stop(), 60_000);

  it('writes the demo rules, the evaluator catches up on the history, and the alarms match the ground truth', async () => {
    const schedule = test.server.fleet!.schedule!;
    const fleet = fleetDefinition(DEFAULT_SEED);
    const { sources } = (await api('/api/sources')) as { sources: Array<{ id: string; tag: string }> };
    const sourceOf = new Map(fleet.sources.map((def) => [def.key, sources.find((source) => source.tag === def.tag)!.id]));
    const channelOf = (key: string, field: string) => `channel/${sourceOf.get(key)!}/${encodeURIComponent(field)}`;
    // Samples each array holds up to the end of the history (the bulk plan).
    const historyLength = new Map<string, number>();
    for (const def of fleet.sources) {
      const count = def.kind === 'cms' ? bulkBursts(schedule, schedule.start - 1, schedule.liveFrom).length * BURST_SAMPLES : timesOf(bulkRuns(schedule, def, schedule.start - 1, schedule.liveFrom, schedule.liveFrom - RECENT_MS)).length;
      for (const field of Object.keys(def.fields)) historyLength.set(`array/${sourceOf.get(def.key)!}/${encodeURIComponent(field)}`, count);
    }
    const rules = demoAlarmRules();
    for (const { id, doc } of rules) expect(await test.server.store.documents.get(id)).toMatchObject({ type: 'alarm_rule', title: doc.title, simulated: true, enabled: true });
    const { channels, assets } = fleetDocuments(DEFAULT_SEED, channelOf);
    const bindings = rules.reduce((sum, { id, doc }) => sum + bindRule(id, doc, channels, assets).length, 0);

    // Caught up: every binding of a demo rule read its inputs past the history's end.
    interface Status {
      problems: unknown[];
      bindings: Array<{ rule: string; inputs: Array<{ array: string; position: number }>; error?: string }>;
    }
    await expect
      .poll(
        async () => {
          const status = (await api('/api/alarms/status')) as Status;
          const demo = status.bindings.filter((binding) => binding.rule.startsWith('alarm_rule/demo-'));
          const behind = demo.filter((binding) => binding.inputs.some((input) => input.position < (historyLength.get(input.array) ?? Infinity)));
          return { problems: status.problems, errors: demo.filter((binding) => binding.error !== undefined).length, bound: demo.length, behind: behind.length };
        },
        { timeout: 300_000, interval: 1000 },
      )
      .toEqual({ problems: [], errors: 0, bound: bindings, behind: 0 });

    const { rows } = await test.server.store.documents.allDocs({ query: 'type:alarm', include_docs: true });
    const alarms = rows.map((row) => ({ id: row.id, alarm: row.doc as unknown as Alarm }));
    // Alarms raised live (after the history) are not part of the schedule's checks, but they must not be false ones either.
    const historic = alarms.filter(({ alarm }) => alarm.raised_at <= schedule.liveFrom);
    const findings = checkDemoAlarms(schedule, historic, channelOf, { until: schedule.liveFrom });
    expect(alarms.filter(({ alarm }) => alarm.raised_at > schedule.liveFrom).map(({ id }) => id).filter((id) => !id.startsWith('alarm/demo-string-'))).toEqual([]);
    expect(historic.every(({ alarm }) => alarm.simulated === true)).toBe(true);
    const caught = findings.filter((finding) => finding.raised_at !== undefined).map((finding) => finding.fault.split('-')[0]);
    expect(caught).toEqual(expect.arrayContaining(['stuck_sensor', 'dropout']));
    console.log(`server, ${DAYS} days of history ending ${new Date(schedule.liveFrom).toISOString()}:\n${findings.map((finding) => `  ${finding.fault}: ${finding.rule} ${finding.severity ?? ''} ${finding.note ?? ''}`).join('\n')}`);

  }, 400_000);

  it('a restart writes no rule again: an engineer\'s edit of a demo rule stays, and a missing one comes back', async () => {
    const [first, second] = demoAlarmRules();
    const current = await test.server.store.documents.get(first!.id);
    await test.server.store.documents.put(first!.id, { ...current, title: 'Bearing impacts (tuned by an engineer)', condition: { kind: 'window', stat: 'kurtosis', window_s: 10, direction: 'high', level: 5, deadband: 1 } });
    await test.server.store.documents.remove(second!.id);
    const dataDir = test.dataDir;
    await test.stop(true);
    test = await startTestServer({ DEMO: '1', DEMO_DAYS: String(DAYS), ALARMS_POLL_MS: '200' }, dataDir);
    await test.server.fleet!.start();
    expect(await test.server.store.documents.get(first!.id)).toMatchObject({ title: 'Bearing impacts (tuned by an engineer)', condition: { level: 5 } });
    expect(await test.server.store.documents.get(second!.id)).toMatchObject({ title: second!.doc.title, simulated: true });
  }, 240_000);
});
