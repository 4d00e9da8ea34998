/**
 * The simulated fleet's alarm rules (`alarm_rule/demo-…`, `simulated: true`): templates by asset
 * type and field, so each applies to every turbine, gearbox, inverter or met station of its site.
 * demo-fleet.ts writes them on start where they are absent (an engineer's edits stay; to silence
 * one, disable it: a deleted one comes back on the next start).
 *
 * Each level was chosen against the signal models (wind.ts, solar.ts) and their scheduled faults
 * (schedule.ts), so that the fault raises its alarm and the healthy fleet, in any season, does not:
 *
 * - bearing wear (T03): kurtosis of the gearbox vibration bursts. Gear mesh and shaft lines are
 *   sines (kurtosis 1.5) and the sensor noise is nearly normal, so a healthy 10 s burst stays at
 *   2.0–2.8 whatever the load; the defect's impacts make it impulsive (≈ 4 at wear severity 0.25,
 *   ≈ 8 at 0.35, ≥ 11 at 0.4). Band energy in 150–250 Hz does not separate them: the gear mesh's
 *   second harmonic crosses that band at 10–14 rpm on every turbine. The 10-minute mean of the
 *   drive train's vibration RMS (healthy ≤ 3.4 mm/s) follows later, at high load.
 * - stuck gearbox temperature (T05): flatline; every healthy temperature carries sensor noise
 *   (σ 0.08 °C), so 15 minutes without any change is never healthy.
 * - SCADA dropout (T02): no power sample for 5 minutes (found from the gap in the history).
 * - icing (T04): a cold snap (ambient below 1 °C: the healthy farm never gets there) while the
 *   turbine makes clearly less power than its curve gives for the wind it sees (10-minute means,
 *   four points of the curve, ICING_CURVE: the iced turbine keeps 55 %). The cold snap reaches the whole farm;
 *   only the iced turbine falls below the curve. No wind, no sign of ice: when the iced turbine
 *   stands still nothing can tell.
 * - failed string (INV03 string 2): its current ≈ 0 A while a sibling string carries over
 *   0.5 A (healthy strings differ by ±1.5 %); a 20 h off delay keeps the alarm through the night.
 *   It shows at the first daylight after the failure (5 minutes' on delay).
 *
 * Not caught by any rule (a rule compares a channel with levels, not with another asset or a
 * model): the inverter's slow efficiency loss (INV02, 7.5 % over 21 days) and soiling (INV04, at
 * most 8 %, washed off by rain) are within the day-to-day spread of irradiance; they need a
 * performance ratio against the sibling inverters or the met station, which is issue 17's job.
 * The anomaly detector adapts to slow level shifts by design, so an anomaly rule misses them too.
 */
import type { AlarmRule, Condition } from '../../core';
import { SOLAR_SITE, STRINGS_PER_INVERTER, WIND_SITE } from './fleet';

/** A demo rule as stored: a rule document marked simulated. */
export type DemoAlarmRule = AlarmRule & { simulated: true };

const MINUTE = 60;
const HOUR = 3600;

const above = (level: number, deadband: number, field?: string): Condition => ({ kind: 'threshold', direction: 'high', level, deadband, ...(field === undefined ? {} : { field }) });
const below = (level: number, deadband: number, field?: string): Condition => ({ kind: 'threshold', direction: 'low', level, deadband, ...(field === undefined ? {} : { field }) });
/** The 10-minute mean of the target (or of `field`) above or below `level`. */
const mean10 = (direction: 'high' | 'low', level: number, field?: string): Condition => ({ kind: 'window', stat: 'mean', window_s: 10 * MINUTE, direction, level, ...(field === undefined ? {} : { field }) });
/** Kurtosis of one whole CMS burst (10 s windows on the epoch: bursts start on whole 10 s). */
const burstKurtosis = (level: number, deadband: number): Condition => ({ kind: 'window', stat: 'kurtosis', window_s: 10, direction: 'high', level, deadband });

function rule(slug: string, doc: Omit<DemoAlarmRule, 'type' | 'enabled' | 'simulated'>): { id: string; doc: DemoAlarmRule } {
  return { id: `alarm_rule/demo-${slug}`, doc: { type: 'alarm_rule', ...doc, enabled: true, simulated: true } };
}

/** Over-temperature of a turbine's temperature field: raised after `on` s above `level`, critical above `critical`. */
function overTemperature(slug: string, field: string, what: string, level: number, deadband: number, critical: { severity: 'high' | 'critical'; level: number }, severity: 'medium' | 'high', on: number) {
  return rule(slug, {
    site: WIND_SITE,
    title: `${what} over ${level} °C`,
    description: `The ${what.toLowerCase()} above ${level} °C for ${on} s (clears below ${level - deadband} °C); ${critical.severity} above ${critical.level} °C. The healthy fleet stays well below in every season.`,
    target: { asset_type: 'turbine', field },
    condition: above(level, deadband),
    severity,
    escalation: [{ severity: critical.severity, condition: above(critical.level, deadband) }],
    on_delay_s: on,
    message: `${what} above ${level} °C`,
  });
}

/** A turbine temperature sensor that stopped changing. */
function stuckSensor(slug: string, field: string, what: string) {
  return rule(slug, {
    site: WIND_SITE,
    title: `${what} sensor stuck`,
    description: `The ${what.toLowerCase()} has not changed for 15 minutes: a live sensor always shows some noise, so the sensor or its transmitter is stuck and the over-temperature protection reading it is blind.`,
    target: { asset_type: 'turbine', field },
    condition: { kind: 'flatline', window_s: 15 * MINUTE, tolerance: 0.001 },
    severity: 'medium',
    message: `${what} sensor stuck (no change for 15 min)`,
  });
}

/** String `string` (0-based) open: no current while a sibling string produces. */
function openString(string: number) {
  const name = `s${string + 1}_current`;
  const sibling = `s${((string + 1) % STRINGS_PER_INVERTER) + 1}_current`;
  return rule(`string-${string + 1}-open`, {
    site: SOLAR_SITE,
    title: `String ${string + 1} carries no current`,
    description: `String ${string + 1}'s DC current below 0.1 A for 5 minutes while string ${((string + 1) % STRINGS_PER_INVERTER) + 1} carries over 0.5 A (healthy strings differ by a few per cent): an open connector, a blown fuse or a tripped string breaker. The alarm stays through the night (20 h off delay) and clears after a day without it.`,
    target: { asset_type: 'inverter', field: name },
    condition: { kind: 'all', conditions: [below(0.1, 0.05), above(0.5, 0.2, sibling)] },
    severity: 'medium',
    on_delay_s: 5 * MINUTE,
    off_delay_s: 20 * HOUR,
    message: `String ${string + 1} carries no current while string ${((string + 1) % STRINGS_PER_INVERTER) + 1} produces`,
  });
}

/**
 * Points of the power curve (10-minute mean wind above m/s → mean power below kW) under which the
 * iced turbine falls and a healthy one does not: the healthy curve gives 855, 1238, 1612 and
 * 2300 kW at those winds (15–30 % above each level), the iced turbine 55 % of it, below the level
 * up to the next point's wind (8–8.8, 9–9.9, 9.8–11.2, 11–22 m/s). The last point stops at 22 m/s:
 * a storm stops every turbine (no power in strong wind), ice or not.
 */
const ICING_CURVE: ReadonlyArray<{ wind: number; power: number; until?: number }> = [
  { wind: 8, power: 650 },
  { wind: 9, power: 950 },
  { wind: 9.8, power: 1380 },
  { wind: 11, power: 2000, until: 22 },
];

/**
 * The demo fleet's rules, id → document (written where absent on start); with `from` (the
 * history's start, after a long hourly history) they judge no sample before it: every hour of the
 * long history would be a stale gap, and its past bearing failures are recorded as failures.
 */
export function demoAlarmRules(from?: number): Array<{ id: string; doc: DemoAlarmRule }> {
  const rules = [
    rule('main-bearing-impacts', {
      site: WIND_SITE,
      title: 'Impulsive gearbox vibration (bearing defect)',
      description:
        'Kurtosis of each 10 s vibration burst (radial, X) above 4: impacts of a rolling-element defect make the signal impulsive, while gear mesh and noise keep a healthy gearbox at 2–2.8 at any load. High above 7, critical above 11 (the defect is spreading: plan the bearing replacement). Clears after 6 h below 3.',
      target: { asset_type: 'gearbox', field: 'acc_x' },
      condition: burstKurtosis(4, 1),
      severity: 'medium',
      escalation: [
        { severity: 'high', condition: burstKurtosis(7, 2) },
        { severity: 'critical', condition: burstKurtosis(11, 3) },
      ],
      off_delay_s: 6 * HOUR,
      message: 'Impulsive vibration (kurtosis above 4): bearing defect, inspect the main bearing',
    }),
    rule('drive-train-vibration', {
      site: WIND_SITE,
      title: 'Drive train vibration over 4 mm/s',
      description: 'The 10-minute mean of the drive train vibration RMS above 4.0 mm/s (a healthy turbine stays below 3.4 even at full load); high above 4.5 mm/s (ISO 10816-21 zone boundary), critical above 6 mm/s.',
      target: { asset_type: 'turbine', field: 'vibration_rms' },
      condition: { kind: 'window', stat: 'mean', window_s: 10 * MINUTE, direction: 'high', level: 4, deadband: 0.3 },
      severity: 'medium',
      escalation: [
        { severity: 'high', condition: { kind: 'window', stat: 'mean', window_s: 10 * MINUTE, direction: 'high', level: 4.5, deadband: 0.3 } },
        { severity: 'critical', condition: { kind: 'window', stat: 'mean', window_s: 10 * MINUTE, direction: 'high', level: 6, deadband: 0.5 } },
      ],
      off_delay_s: 1 * HOUR,
      message: 'Drive train vibration above 4 mm/s (10-minute mean)',
    }),
    overTemperature('gearbox-overtemp', 'gearbox_temp', 'Gearbox bearing temperature', 80, 3, { severity: 'critical', level: 90 }, 'high', 60),
    overTemperature('generator-overtemp', 'generator_temp', 'Generator winding temperature', 100, 5, { severity: 'critical', level: 110 }, 'high', 60),
    overTemperature('main-bearing-overtemp', 'main_bearing_temp', 'Main bearing temperature', 50, 2, { severity: 'high', level: 55 }, 'medium', 5 * MINUTE),
    rule('nacelle-overtemp', {
      site: WIND_SITE,
      title: 'Nacelle temperature over 45 °C',
      description: 'The nacelle air above 45 °C for 5 minutes (clears below 43 °C): cooling fans or the nacelle ventilation failing.',
      target: { asset_type: 'turbine', field: 'nacelle_temp' },
      condition: above(45, 2),
      severity: 'medium',
      on_delay_s: 5 * MINUTE,
      message: 'Nacelle temperature above 45 °C',
    }),
    stuckSensor('gearbox-temp-stuck', 'gearbox_temp', 'Gearbox bearing temperature'),
    stuckSensor('generator-temp-stuck', 'generator_temp', 'Generator winding temperature'),
    stuckSensor('main-bearing-temp-stuck', 'main_bearing_temp', 'Main bearing temperature'),
    rule('scada-stale', {
      site: WIND_SITE,
      title: 'No SCADA data from the turbine',
      description: 'No active power sample for 5 minutes: the turbine controller or its link to the farm network is down (the turbine runs unsupervised).',
      target: { asset_type: 'turbine', field: 'power' },
      condition: { kind: 'stale', after_s: 5 * MINUTE },
      severity: 'high',
      message: 'No SCADA data for 5 minutes',
    }),
    rule('icing', {
      site: WIND_SITE,
      title: 'Icing: power below the curve in frost',
      description:
        'Ambient below 1 °C (clears above 2 °C) and the 10-minute mean power clearly below the power curve for the 10-minute mean wind (under 650 kW above 8 m/s, 950 kW above 9 m/s, 1380 kW above 9.8 m/s, 2000 kW from 11 to 22 m/s): ice on the blades. Raised after 10 minutes, cleared after 30 minutes without. Below 8 m/s (or standing still) ice cannot be told from the wind.',
      target: { asset_type: 'turbine', field: 'power' },
      condition: {
        kind: 'all',
        conditions: [
          below(1, 1, 'ambient_temp'),
          {
            kind: 'any',
            conditions: ICING_CURVE.map(({ wind, power, until }) => ({
              kind: 'all',
              conditions: [mean10('high', wind, 'wind_speed'), ...(until === undefined ? [] : [mean10('low', until, 'wind_speed')]), mean10('low', power)],
            })),
          },
        ],
      },
      severity: 'high',
      on_delay_s: 10 * MINUTE,
      off_delay_s: 30 * MINUTE,
      message: 'Power below the curve in frost: ice on the blades (risk of ice throw)',
    }),
    ...Array.from({ length: STRINGS_PER_INVERTER }, (_, string) => openString(string)),
    rule('inverter-stale', {
      site: SOLAR_SITE,
      title: 'No data from the inverter',
      description: 'No AC power sample for 5 minutes (the inverter reports at night too): its logger or link is down.',
      target: { asset_type: 'inverter', field: 'ac_power' },
      condition: { kind: 'stale', after_s: 5 * MINUTE },
      severity: 'high',
      message: 'No inverter data for 5 minutes',
    }),
    rule('module-overtemp', {
      site: SOLAR_SITE,
      title: 'Module temperature over 80 °C',
      description: 'The reference module above 80 °C for 5 minutes (clears below 77 °C): modules age fast and lose output; check ventilation behind the modules.',
      target: { asset_type: 'met_mast', field: 'module_temp' },
      condition: above(80, 3),
      severity: 'medium',
      on_delay_s: 5 * MINUTE,
      message: 'Module temperature above 80 °C',
    }),
  ];
  return from === undefined ? rules : rules.map(({ id, doc }) => ({ id, doc: { ...doc, from } }));
}
