/**
 * The simulated fleet's alarms against its ground truth (tests only), in two halves shared by
 * the pure test and the one on a real server:
 *
 * - `evaluateDemoRules`: the demo rules (src/server/demo/alarm-rules.ts) run by the core engine
 *   (bindRule → stepRule → applyTransition) over the samples the fleet stores for a schedule
 *   (plan.ts decides the times, the signal models the values), source by source so that only one
 *   source's history is in memory.
 * - `checkDemoAlarms`: what the ground truth says each fault must raise (rule, channel,
 *   severity, raised_at / cleared_at within stated tolerances of the fault's times) and that
 *   nothing else is raised on the healthy fleet — over alarms from either half.
 *
 * The tolerances follow from the rules' delays and windows and from the stored sample spacing
 * (10 s in the old part of the history, 1 s in its last two days): they are written next to each
 * check. Where a fault's visibility depends on the weather (icing needs wind), an oracle computed
 * from the signal models says whether it must, may or must not be seen.
 */
import { expect } from 'vitest';
import { applyTransition, bindRule, currentAlarmId, initRuleState, stepRule, type Alarm, type AssetDoc, type ChannelDoc, type RuleBinding, type RuleState } from '../../src/core';
import { demoAlarmRules } from '../../src/server/demo/alarm-rules';
import { fleetDefinition, turbineSlug, inverterSlug, type SourceDef } from '../../src/server/demo/fleet';
import { BURST_SAMPLES, OLD_DT_MS, RECENT_MS, SECOND, bulkBursts, bulkRuns, burstSamples, sourceSamples, timesOf } from '../../src/server/demo/plan';
import { wearSeverity, type FaultSchedule } from '../../src/server/demo/schedule';
import { scadaSamples } from '../../src/server/demo/wind';
import { inverterSamples } from '../../src/server/demo/solar';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** An alarm document with its id. */
export interface AlarmEntry {
  id: string;
  alarm: Alarm;
}

/** Channel id of a fleet source's field (by the source's key, "t03.scada"). */
export type ChannelOf = (sourceKey: string, field: string) => string;

/** Channel ids of the pure evaluation: the source key stands in for the registered source id. */
export const pureChannelOf: ChannelOf = (key, field) => `channel/${key}/${encodeURIComponent(field)}`;

/** Where the stored history switches from one sample per OLD_DT_MS to 1 Hz. */
function recentBoundary(schedule: FaultSchedule): number {
  return Math.ceil((schedule.liveFrom - RECENT_MS) / OLD_DT_MS) * OLD_DT_MS;
}

/** The stored spacing of a 1 Hz source's samples at `time`. */
export function spacingAt(schedule: FaultSchedule, time: number): number {
  return time < recentBoundary(schedule) - SECOND ? OLD_DT_MS : SECOND;
}

/** The times a 1 Hz source stores in (after, until] (the bulk plan; live data is every second, like the recent part). */
function storedTimes(schedule: FaultSchedule, def: SourceDef, after: number, until: number): Float64Array {
  const historyEnd = Math.min(until, schedule.liveFrom);
  const bulk = after < historyEnd ? timesOf(bulkRuns(schedule, def, after, historyEnd, schedule.liveFrom - RECENT_MS)) : new Float64Array(0);
  if (until <= schedule.liveFrom) return bulk;
  const live: number[] = [];
  for (let time = Math.max(after, schedule.liveFrom) + SECOND; time <= until; time += SECOND) live.push(time);
  const all = new Float64Array(bulk.length + live.length);
  all.set(bulk);
  all.set(live, bulk.length);
  return all;
}

/** The fleet's channel and asset documents as the demo fleet writes them (source key for source id). */
export function fleetDocuments(seed: number, channelOf: ChannelOf = pureChannelOf): { channels: Array<{ id: string; doc: ChannelDoc }>; assets: Array<{ id: string; doc: AssetDoc }> } {
  const fleet = fleetDefinition(seed);
  const channels = fleet.sources.flatMap((def) =>
    Object.entries(def.fields).map(([field, info]) => {
      const id = channelOf(def.key, field);
      const source = id.slice('channel/'.length, id.lastIndexOf('/'));
      return { id, doc: { type: 'channel' as const, site: def.site, asset: def.asset, source, array: `array/${source}/${encodeURIComponent(field)}`, title: info.title ?? field, unit: info.unit ?? '', field, simulated: true as const } };
    }),
  );
  return { channels, assets: fleet.assets };
}

export interface PureOptions {
  /** Only these sources (default: all). */
  sources?: (def: SourceDef) => boolean;
  /** Extra CMS bursts of the worn turbine after the history (the wear goes on live): up to this time, every `every` ms. */
  wearUntil?: number;
  every?: number;
}

/**
 * Runs every demo rule over the samples the fleet stores for `schedule` (its whole history;
 * CMS bursts of the worn turbine beyond it with `wearUntil`) and returns the alarm documents the
 * transitions make, by id — what the server's evaluator writes for the same history.
 */
export function evaluateDemoRules(schedule: FaultSchedule, options: PureOptions = {}): Map<string, Alarm> {
  const { channels, assets } = fleetDocuments(schedule.seed);
  const fleet = fleetDefinition(schedule.seed);
  const bindings = demoAlarmRules().flatMap(({ id, doc }) => bindRule(id, doc, channels, assets));
  const alarms = new Map<string, Alarm>();
  const fold = (binding: RuleBinding, state: RuleState, batch: Parameters<typeof stepRule>[2]): RuleState => {
    const stepped = stepRule(binding, state, batch);
    let next = stepped.state;
    for (const transition of stepped.transitions) {
      const current = currentAlarmId(binding, next);
      const applied = applyTransition(binding, next, current === undefined ? undefined : alarms.get(current), transition);
      alarms.set(applied.id, applied.alarm);
      next = applied.state;
    }
    return next;
  };
  const arrayOf = (def: SourceDef, field: string) => `array/${def.key}/${encodeURIComponent(field)}`;
  for (const def of fleet.sources.filter(options.sources ?? (() => true))) {
    const own = bindings.filter((binding) => binding.inputs.every((array) => array.startsWith(`array/${def.key}/`)));
    if (own.length === 0) continue;
    const fields = new Map(Object.keys(def.fields).map((field) => [arrayOf(def, field), field]));
    if (def.kind === 'cms') {
      // Burst by burst: a month of 1 kHz bursts would not fit in memory at once.
      const states = own.map((binding) => initRuleState(binding));
      const starts = bulkBursts(schedule, schedule.start - 1, schedule.liveFrom);
      if (options.wearUntil !== undefined && def.index === schedule.wear.turbine) {
        for (let t0 = schedule.liveFrom + (options.every ?? 4 * HOUR); t0 + 10_000 <= options.wearUntil; t0 += options.every ?? 4 * HOUR) starts.push(t0);
      }
      for (const t0 of starts) {
        const samples = burstSamples(schedule, def, t0);
        const times = new Float64Array(BURST_SAMPLES).map((_, index) => t0 + (index * 1000) / def.rate);
        own.forEach((binding, index) => {
          states[index] = fold(binding, states[index]!, binding.inputs.map((array, input) => ({ input, times, values: samples[fields.get(array)!]! })));
        });
      }
      continue;
    }
    const times = storedTimes(schedule, def, schedule.start - 1, schedule.liveFrom);
    const samples = sourceSamples(schedule, def, times);
    for (const binding of own) fold(binding, initRuleState(binding), binding.inputs.map((array, input) => ({ input, times, values: samples[fields.get(array)!]! })));
  }
  return alarms;
}

/** The 10-minute windows (epoch-aligned, as the rule's) of the iced turbine inside the icing window, with mean ambient and wind. */
function icingWindows(schedule: FaultSchedule): Array<{ start: number; ambient: number; wind: number }> {
  const def = fleetDefinition(schedule.seed).sources.find((source) => source.kind === 'scada' && source.index === schedule.icing.turbine)!;
  const { start, end } = schedule.icing;
  const times = storedTimes(schedule, def, start - 1, Math.min(end, schedule.liveFrom) - 1);
  const samples = scadaSamples(schedule.seed, schedule, def.index, times);
  const windows = new Map<number, { start: number; ambient: number; wind: number; n: number }>();
  times.forEach((time, index) => {
    const key = Math.floor(time / (10 * MINUTE)) * 10 * MINUTE;
    const window = windows.get(key) ?? { start: key, ambient: 0, wind: 0, n: 0 };
    window.ambient += samples.ambient_temp![index]!;
    window.wind += samples.wind_speed![index]!;
    window.n++;
    windows.set(key, window);
  });
  return [...windows.values()].filter((window) => window.start >= start && window.start + 10 * MINUTE <= end).map((window) => ({ start: window.start, ambient: window.ambient / window.n, wind: window.wind / window.n }));
}

/**
 * Whether the iced turbine's ice can be seen by the rule: 'must' when two consecutive 10-minute
 * windows had mean ambient below 0 °C and mean wind in 9.3–20 m/s (well inside the curve points'
 * range, where 55 % of the curve is at least 10 % under the level), 'never' when no window had
 * ambient below 1.5 °C with wind above 7.5 m/s, else 'may'.
 */
export function icingVisibility(schedule: FaultSchedule): 'must' | 'may' | 'never' {
  const windows = icingWindows(schedule);
  const clear = windows.map((window) => window.ambient < 0 && window.wind >= 9.3 && window.wind <= 20);
  if (clear.some((visible, index) => visible && clear[index + 1] === true && windows[index + 1]!.start === windows[index]!.start + 10 * MINUTE)) return 'must';
  return windows.some((window) => window.ambient < 1.5 && window.wind > 7.5) ? 'may' : 'never';
}

/**
 * When the sibling string the rule compares with first carries over 0.5 A after the failure
 * (`first`), and when it began the first 5 minutes it stayed above 0.3 A (the deadband) after
 * that (`held`): passing clouds at dawn may interrupt the on delay. Undefined: not before `until`.
 */
export function siblingDaylight(schedule: FaultSchedule, until: number): { first: number; held: number } | undefined {
  const def = fleetDefinition(schedule.seed).sources.find((source) => source.kind === 'inverter' && source.index === schedule.stringFailure.inverter)!;
  const sibling = `s${((schedule.stringFailure.string + 1) % 3) + 1}_current`;
  let first: number | undefined;
  let since: number | undefined;
  for (let from = schedule.stringFailure.start - 1; from < until; from += 12 * HOUR) {
    const times = storedTimes(schedule, def, from, Math.min(until, from + 12 * HOUR));
    const currents = inverterSamples(schedule.seed, schedule, def.index, times)[sibling]!;
    for (let index = 0; index < times.length; index++) {
      const time = times[index]!;
      const current = currents[index]!;
      if (since === undefined) {
        if (current > 0.5) {
          since = time;
          first ??= time;
        }
      } else if (current < 0.3) since = undefined;
      if (since !== undefined && time - since >= 5 * MINUTE) return { first: first!, held: since };
    }
  }
  return undefined;
}

/** Alarms of one demo rule on one channel, oldest first. */
function alarmsOf(alarms: readonly AlarmEntry[], rule: string, channel: string): Alarm[] {
  return alarms
    .filter(({ alarm }) => alarm.rule === `alarm_rule/demo-${rule}` && alarm.channel === channel)
    .map(({ alarm }) => alarm)
    .sort((a, b) => a.raised_at - b.raised_at);
}

/** The time at which an alarm's history first reached `severity` (undefined: never). */
function reachedAt(alarm: Alarm, severity: Alarm['severity']): number | undefined {
  return alarm.history.find((entry) => (entry.kind === 'raised' || entry.kind === 'reactivated' || entry.kind === 'escalated') && entry.severity === severity)?.at;
}

export interface CheckOptions {
  /** Data time up to which the alarms were evaluated (faults ending later are checked as still active). */
  until: number;
  /** Data time up to which the worn turbine's bursts were evaluated, when beyond `until` (PureOptions.wearUntil). */
  wearUntil?: number;
}

/** What `checkDemoAlarms` found per fault, for the report. */
export interface FaultFinding {
  fault: string;
  rule: string;
  raised_at?: number;
  severity?: string;
  note?: string;
}

/**
 * Checks `alarms` against the ground truth of `schedule`: each fault a rule is meant to catch
 * raised the rule's alarm on the fault's channel with its severity, at the stated time after the
 * fault's start (never before it) and cleared after its end; and no alarm is raised on anything
 * else (bound: none). Returns what it found per fault.
 */
export function checkDemoAlarms(schedule: FaultSchedule, alarms: readonly AlarmEntry[], channelOf: ChannelOf, options: CheckOptions): FaultFinding[] {
  const findings: FaultFinding[] = [];
  const expected = new Set<string>();
  const pair = (rule: string, channel: string) => {
    expected.add(`alarm_rule/demo-${rule}|${channel}`);
    return alarmsOf(alarms, rule, channel);
  };
  const ended = (end: number) => end <= options.until;

  // Stuck gearbox temperature (T05): the flatline's 15 min from the first stuck sample, which is
  // at most one sample after the start — or one before it: the sensor holds what it read at the
  // start, and a sample in the same second before it read the same; cleared at the first sample
  // that moves again.
  {
    const { stuck } = schedule;
    const channel = channelOf(`${turbineSlug(stuck.turbine)}.scada`, stuck.field);
    const found = pair('gearbox-temp-stuck', channel);
    const dt = spacingAt(schedule, stuck.start);
    expect(found.length, 'one stuck-sensor alarm').toBe(1);
    const alarm = found[0]!;
    expect(alarm.severity).toBe('medium');
    expect(alarm.raised_at).toBeGreaterThanOrEqual(stuck.start + 15 * MINUTE - dt);
    expect(alarm.raised_at).toBeLessThanOrEqual(stuck.start + 15 * MINUTE + dt);
    if (ended(stuck.end + OLD_DT_MS)) {
      expect(alarm.cleared_at, 'the stuck-sensor alarm clears when the value moves').toBeGreaterThanOrEqual(stuck.end);
      expect(alarm.cleared_at).toBeLessThanOrEqual(stuck.end + spacingAt(schedule, stuck.end));
    }
    findings.push({ fault: `stuck_sensor-${turbineSlug(stuck.turbine)}`, rule: 'demo-gearbox-temp-stuck', raised_at: alarm.raised_at, severity: alarm.severity, note: `${((alarm.raised_at - stuck.start) / MINUTE).toFixed(1)} min after the start` });
  }

  // SCADA dropout (T02): 5 min after the last sample before the gap (at most one sample spacing
  // before the start); cleared by the first sample after it.
  {
    const { dropout } = schedule;
    const channel = channelOf(`${turbineSlug(dropout.turbine)}.scada`, 'power');
    const found = pair('scada-stale', channel);
    const dt = spacingAt(schedule, dropout.start);
    expect(found.length, 'one stale alarm for the dropout').toBe(1);
    const alarm = found[0]!;
    expect(alarm.severity).toBe('high');
    expect(alarm.raised_at).toBeGreaterThan(dropout.start - dt + 5 * MINUTE - 1);
    expect(alarm.raised_at).toBeLessThanOrEqual(dropout.start + 5 * MINUTE);
    if (ended(dropout.end + OLD_DT_MS)) {
      expect(alarm.cleared_at, 'the stale alarm clears when data comes back').toBeGreaterThanOrEqual(dropout.end);
      expect(alarm.cleared_at).toBeLessThanOrEqual(dropout.end + spacingAt(schedule, dropout.end));
    }
    findings.push({ fault: `dropout-${turbineSlug(dropout.turbine)}`, rule: 'demo-scada-stale', raised_at: alarm.raised_at, severity: alarm.severity, note: `${((alarm.raised_at - dropout.start) / MINUTE).toFixed(1)} min after the start` });
  }

  // Icing (T04): every alarm inside the icing window (raised after its start, before its end),
  // cleared at the latest 45 min after the end (30 min off delay + a 10 min window + slack);
  // whether one must exist: the oracle.
  {
    const { icing } = schedule;
    const channel = channelOf(`${turbineSlug(icing.turbine)}.scada`, 'power');
    const found = pair('icing', channel);
    const visibility = icingVisibility(schedule);
    if (visibility === 'must') expect(found.length, 'ice seen in wind must raise the icing alarm').toBeGreaterThan(0);
    if (visibility === 'never') expect(found.length, 'no wind, no sign of ice: no icing alarm').toBe(0);
    for (const alarm of found) {
      expect(alarm.severity).toBe('high');
      expect(alarm.raised_at).toBeGreaterThan(icing.start);
      expect(alarm.raised_at).toBeLessThan(icing.end);
    }
    // It may clear earlier (the wind dropped, nothing shows the ice), never later than 45 min after it.
    if (ended(icing.end + HOUR)) {
      for (const alarm of found) {
        expect(alarm.cleared_at, 'the icing alarm clears after the ice').toBeDefined();
        expect(alarm.cleared_at!).toBeLessThanOrEqual(icing.end + 45 * MINUTE);
      }
    }
    findings.push({ fault: `icing-${turbineSlug(icing.turbine)}`, rule: 'demo-icing', ...(found[0] ? { raised_at: found[0].raised_at, severity: found[0].severity } : {}), note: `visibility ${visibility}; ${found.length} alarm(s)${found[0] ? `, first ${((found[0].raised_at - icing.start) / MINUTE).toFixed(0)} min after the start` : ''}` });
  }

  // Failed string (INV03 string 2): 5 min (on delay) after the sibling string carries over 0.5 A
  // (and stays over 0.3 A) after the failure; it stays active (the failure does not end).
  {
    const { stringFailure } = schedule;
    const channel = channelOf(inverterSlug(stringFailure.inverter), `s${stringFailure.string + 1}_current`);
    const found = pair(`string-${stringFailure.string + 1}-open`, channel);
    const daylight = siblingDaylight(schedule, options.until);
    if (daylight !== undefined && daylight.held + 5 * MINUTE <= options.until) {
      expect(found.length, 'one open-string alarm').toBe(1);
      const alarm = found[0]!;
      expect(alarm.severity).toBe('medium');
      expect(alarm.raised_at).toBeGreaterThanOrEqual(daylight.first + 5 * MINUTE);
      expect(alarm.raised_at).toBeLessThanOrEqual(daylight.held + 5 * MINUTE + 2 * spacingAt(schedule, daylight.held));
      expect(alarm.state, 'the string stays open: the alarm stays active').toBe('active_unacked');
      findings.push({ fault: `string_failure-${inverterSlug(stringFailure.inverter)}-s${stringFailure.string + 1}`, rule: `demo-string-${stringFailure.string + 1}-open`, raised_at: alarm.raised_at, severity: alarm.severity, note: `${((alarm.raised_at - stringFailure.start) / MINUTE).toFixed(0)} min after the failure (the sibling string produced ${((daylight.first - stringFailure.start) / MINUTE).toFixed(0)} min after it)` });
    } else {
      expect(found.length, 'no daylight since the failure: nothing to see yet').toBe(0);
      findings.push({ fault: 'string_failure', rule: `demo-string-${stringFailure.string + 1}-open`, note: 'no daylight since the failure yet' });
    }
  }

  // Bearing wear (T03): medium once the defect's impacts show (wear severity 0.15–0.32), high at
  // 0.25–0.42, critical at 0.33–0.6 (before the failure); never before the wear began. The
  // drive-train vibration rule may follow at high load, on T03 only and only once the wear shows.
  {
    const { wear } = schedule;
    const channel = channelOf(`${turbineSlug(wear.turbine)}.cms`, 'acc_x');
    const found = pair('main-bearing-impacts', channel);
    const severityAt = (time: number) => wearSeverity(schedule, time);
    const end = options.wearUntil ?? options.until;
    if (severityAt(end) < 0.15) {
      expect(found.length, `the wear is still too slight to see (severity ${severityAt(end).toFixed(3)})`).toBe(0);
      findings.push({ fault: `bearing_wear-${turbineSlug(wear.turbine)}`, rule: 'demo-main-bearing-impacts', note: `not visible yet: wear severity ${severityAt(end).toFixed(3)} at the end` });
    } else if (severityAt(end) >= 0.32) {
      expect(found.length, 'the worn bearing raises the impacts alarm').toBeGreaterThan(0);
      const first = found[0]!;
      expect(severityAt(first.raised_at)).toBeGreaterThanOrEqual(0.15);
      expect(severityAt(first.raised_at)).toBeLessThanOrEqual(0.32);
      const high = found.map((alarm) => reachedAt(alarm, 'high')).find((at) => at !== undefined);
      const critical = found.map((alarm) => reachedAt(alarm, 'critical')).find((at) => at !== undefined);
      if (severityAt(end) >= 0.42) {
        expect(high, 'escalated to high as it worsens').toBeDefined();
        expect(severityAt(high!)).toBeGreaterThanOrEqual(0.25);
      }
      if (severityAt(end) >= 0.6) {
        expect(critical, 'escalated to critical before the failure').toBeDefined();
        expect(severityAt(critical!)).toBeGreaterThanOrEqual(0.33);
      }
      if (high !== undefined) expect(severityAt(high)).toBeLessThanOrEqual(0.42);
      if (critical !== undefined) expect(severityAt(critical)).toBeLessThanOrEqual(0.6);
      findings.push({
        fault: `bearing_wear-${turbineSlug(wear.turbine)}`,
        rule: 'demo-main-bearing-impacts',
        raised_at: first.raised_at,
        severity: first.history[0]!.severity!,
        note: `medium at wear ${severityAt(first.raised_at).toFixed(2)}, high at ${high === undefined ? '–' : severityAt(high).toFixed(2)}, critical at ${critical === undefined ? '–' : severityAt(critical).toFixed(2)} (${found.length} alarm(s), ${found.reduce((sum, alarm) => sum + alarm.count, 0)} activation(s))`,
      });
    }
    for (const alarm of found) expect(alarm.raised_at).toBeGreaterThan(wear.start);
    const vibration = pair('drive-train-vibration', channelOf(`${turbineSlug(wear.turbine)}.scada`, 'vibration_rms'));
    for (const alarm of vibration) expect(severityAt(alarm.raised_at)).toBeGreaterThanOrEqual(0.15);
  }

  // The healthy fleet, and every other rule: no alarm at all.
  const unexpected = alarms.filter(({ alarm }) => !expected.has(`${alarm.rule}|${alarm.channel}`)).map(({ id, alarm }) => `${id} (${alarm.severity}, raised ${new Date(alarm.raised_at).toISOString()})`);
  expect(unexpected, 'alarms on healthy assets').toEqual([]);
  return findings;
}
