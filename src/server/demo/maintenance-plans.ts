/**
 * The simulated fleet's preventive plans (`maintenance_plan/demo-…`, `simulated: true`), by asset
 * type so each applies to every turbine or inverter of its site. demo-fleet.ts writes them on start
 * where they are absent (an engineer's edits stay; to stop one, disable it: a deleted one comes
 * back on the next start). The plan scheduler then generates their work orders.
 *
 * Calendar plans start on the day the demo's live data began (the first start), so a fresh demo
 * shows work orders due today (gearbox oil) and in ten days (inverter filters) at once. Usage
 * plans count from the channels' history (DEMO_DAYS, 30 by default): a turbine's rotor turns
 * nearly all the time (the demo's wind makes power 719 of 720 hours in a month), so 2 000
 * operating hours are months away and the regreasing is forecast, not generated; an inverter
 * (24 kW peak) makes 1.7–1.9 MWh in a December month, so the 1.5 MWh inspection is reached within
 * the default history and generated at once.
 *
 * The value items' `field`s are the manual-reading channel fields their readings feed
 * (reading-applier.ts makes the channel on the first reading): gearbox_oil_level (%),
 * main_bearing_grease (g), inverter_cabinet_temp (°C), insulation_resistance (MΩ).
 */
import { dateOfTime, type MaintenancePlan } from '../../core';
import { SOLAR_SITE, WIND_SITE } from './fleet';

/** A demo plan as stored: a plan document marked simulated. */
export type DemoMaintenancePlan = MaintenancePlan & { simulated: true };

const DAY = 86_400_000;

function plan(slug: string, doc: Omit<DemoMaintenancePlan, 'type' | 'enabled' | 'simulated'>): { id: string; doc: DemoMaintenancePlan } {
  return { id: `maintenance_plan/demo-${slug}`, doc: { type: 'maintenance_plan', ...doc, enabled: true, simulated: true } };
}

/** The demo's plans; `liveFrom` is the epoch ms the demo's live data began (its first start). */
export function demoMaintenancePlans(liveFrom: number): Array<{ id: string; doc: DemoMaintenancePlan }> {
  const firstDay = dateOfTime(liveFrom);
  return [
    plan('gearbox-oil', {
      site: WIND_SITE,
      title: 'Gearbox oil check',
      target: { asset_type: 'turbine' },
      trigger: { kind: 'calendar', every_days: 30, start: firstDay },
      lead_days: 14,
      priority: 'medium',
      estimated_hours: 1.5,
      checklist: [
        { id: 'oil-level', label: 'Gearbox oil level (sight glass)', kind: 'value', unit: '%', min: 40, max: 90, field: 'gearbox_oil_level' },
        { id: 'leaks', label: 'No oil leaks at seals, hoses and the filter housing', kind: 'pass_fail' },
        { id: 'filter', label: 'Inline filter differential indicator green', kind: 'pass_fail' },
        { id: 'note', label: 'Oil colour and smell, anything unusual', kind: 'text' },
      ],
    }),
    plan('main-bearing-regreasing', {
      site: WIND_SITE,
      title: 'Main bearing regreasing',
      target: { asset_type: 'turbine' },
      trigger: { kind: 'usage', measure: 'operating_hours', every: 2000, field: 'rotor_speed', threshold: 3 },
      lead_days: 14,
      priority: 'high',
      estimated_hours: 3,
      checklist: [
        { id: 'grease', label: 'Grease pumped into the main bearing', kind: 'value', unit: 'g', min: 400, max: 600, field: 'main_bearing_grease' },
        { id: 'purge', label: 'Old grease purged at the outlet, no metal particles', kind: 'pass_fail' },
        { id: 'seals', label: 'Bearing seals intact', kind: 'pass_fail' },
        { id: 'note', label: 'Notes', kind: 'text' },
      ],
    }),
    plan('inverter-filters', {
      site: SOLAR_SITE,
      title: 'Filter and fan cleaning',
      target: { asset_type: 'inverter' },
      trigger: { kind: 'calendar', every_days: 90, start: dateOfTime(liveFrom + 10 * DAY) },
      lead_days: 14,
      priority: 'low',
      estimated_hours: 1,
      checklist: [
        { id: 'filters', label: 'Air filters cleaned or replaced', kind: 'pass_fail' },
        { id: 'fans', label: 'Fans run freely, no noise', kind: 'pass_fail' },
        { id: 'cabinet-temp', label: 'Cabinet temperature after 15 minutes at load', kind: 'value', unit: '°C', min: 0, max: 55, field: 'inverter_cabinet_temp' },
      ],
    }),
    plan('inverter-inspection', {
      site: SOLAR_SITE,
      title: 'Inverter inspection',
      target: { asset_type: 'inverter' },
      trigger: { kind: 'usage', measure: 'energy_mwh', every: 1.5, field: 'ac_power' },
      lead_days: 14,
      priority: 'medium',
      estimated_hours: 2,
      checklist: [
        { id: 'terminals', label: 'DC and AC terminals tight, no discolouration', kind: 'pass_fail' },
        { id: 'insulation', label: 'Insulation resistance of the DC side', kind: 'value', unit: 'MΩ', min: 1, field: 'insulation_resistance' },
        { id: 'display', label: 'No warnings in the event log', kind: 'pass_fail' },
        { id: 'note', label: 'Notes', kind: 'text' },
      ],
    }),
  ];
}
