/**
 * What the app shows of alarms, as pure functions over documents: an alarm with this device's
 * actions folded in (the same `applyAction` the server's applier runs, so what a technician sees
 * offline is what the server will make of it), the list's filters, the badge's count and an
 * asset's worst open alarm. The alarm document itself is only ever written by the server.
 */
import { alarmIsOpen, applyAction, isShelved, severities, type Alarm, type AlarmAction, type AlarmState, type Severity } from '../../core';

/** An alarm as shown: the document with the actions not yet applied by the server folded in. */
export type AlarmRow = Alarm & {
  id: string;
  /** Actions on this device the server has not applied yet (they show already; sync sends them). */
  pending: number;
  /** Provisional: raised by this device's own evaluation of readings recorded offline. */
  provisional?: true;
};

/** The state choice of the list: one state, every open one (not normal), or any. */
export type AlarmStateFilter = AlarmState | 'open' | 'any';

export interface AlarmFilter {
  site?: string;
  /** The asset chosen and its parts (an alarm of a turbine's gearbox is the turbine's too). */
  assets?: ReadonlySet<string>;
  severity?: Severity;
  /** Default `open`. */
  state?: AlarmStateFilter;
  /** Show shelved and out-of-service alarms too (hidden by default, as ISA-18.2 suppresses them). */
  showHidden?: boolean;
}

/** An action document read from the storage, with its id. */
export type ActionDoc = AlarmAction & { id: string };

/** Ids of the actions the server already applied to `alarm` (its history names them). */
function appliedActions(alarm: Alarm): Set<string> {
  const applied = new Set<string>();
  for (const entry of alarm.history ?? []) if (entry.action) applied.add(entry.action);
  return applied;
}

/**
 * The alarm with `actions` (this alarm's, any order) folded in by time. Those the history names
 * are applied already; so are those older than the kept history when entries were dropped (the
 * history keeps the last 200: an old comment must not come back as new). One `applyAction`
 * refuses (nonsense such as acknowledging twice) leaves the alarm as it was.
 */
export function foldActions(id: string, alarm: Alarm, actions: readonly ActionDoc[], now: number): AlarmRow {
  const applied = appliedActions(alarm);
  const keptSince = (alarm.history_dropped ?? 0) > 0 ? (alarm.history?.[0]?.at ?? -Infinity) : -Infinity;
  let folded: Alarm = alarm;
  let pending = 0;
  const ordered = [...actions].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const action of ordered) {
    if (applied.has(action.id) || action.at < keptSince) continue;
    pending++;
    try {
      folded = applyAction(folded, action.id, action, now);
    } catch {
      // Refused (the server refuses it the same way): shown as it stands.
    }
  }
  return { ...folded, id, pending };
}

/** Hidden from the default list and the badge: shelved (until it expires) or out of service. */
export function isHidden(alarm: Alarm, now: number): boolean {
  return isShelved(alarm, now) || alarm.out_of_service !== undefined;
}

/** Whether `alarm` wants someone's attention: open, not acknowledged, not hidden. */
export function needsAttention(alarm: Alarm, now: number): boolean {
  return (alarm.state === 'active_unacked' || alarm.state === 'cleared_unacked') && !isHidden(alarm, now);
}

/** The app badge's number: open, unshelved, in-service, unacknowledged alarms. */
export function badgeCount(alarms: readonly Alarm[], now: number): number {
  let count = 0;
  for (const alarm of alarms) if (needsAttention(alarm, now)) count++;
  return count;
}

const rank = (severity: Severity): number => severities.indexOf(severity);

/** Active before cleared before normal, then the most severe, then the newest. */
export function compareAlarms(a: AlarmRow, b: AlarmRow): number {
  const order = (row: AlarmRow) => (row.state.startsWith('active') ? 0 : row.state === 'cleared_unacked' ? 1 : 2);
  return order(a) - order(b) || rank(b.severity) - rank(a.severity) || b.raised_at - a.raised_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The alarms the filter lets through (order kept). */
export function filterAlarms(rows: readonly AlarmRow[], filter: AlarmFilter, now: number): AlarmRow[] {
  const state = filter.state ?? 'open';
  return rows.filter(
    (row) =>
      (!filter.site || row.site === filter.site) &&
      (!filter.assets || filter.assets.has(row.asset)) &&
      (!filter.severity || row.severity === filter.severity) &&
      (state === 'any' || (state === 'open' ? alarmIsOpen(row) : row.state === state)) &&
      (filter.showHidden === true || !isHidden(row, now)),
  );
}

/** An asset's alarm state for its tile: the worst open, shown alarm and how many are open. */
export interface WorstAlarm {
  severity: Severity;
  count: number;
  /** The worst one (the tile links to the list, a single alarm's page is one tap further). */
  alarm: AlarmRow;
}

/** The worst open, not hidden alarm of `assets` (undefined: none open). */
export function worstOpenAlarm(rows: readonly AlarmRow[], assets: ReadonlySet<string>, now: number): WorstAlarm | undefined {
  let worst: AlarmRow | undefined;
  let count = 0;
  for (const row of rows) {
    if (!assets.has(row.asset) || !alarmIsOpen(row) || isHidden(row, now)) continue;
    count++;
    if (!worst || rank(row.severity) > rank(worst.severity) || (row.severity === worst.severity && row.raised_at > worst.raised_at)) worst = row;
  }
  return worst ? { severity: worst.severity, count, alarm: worst } : undefined;
}

/** One activation of an alarm on a chart: raised (or active again) until cleared (open: still active). */
export interface ActivationBand {
  raised_at: number;
  cleared_at?: number;
  severity: Severity;
}

/**
 * Every activation of `alarms` as a band, from their histories: an alarm that chattered shows each
 * time it was active, not only the last. Escalations raise the band's severity. Where the history
 * lost its start (older entries dropped) the alarm's own raised_at/cleared_at stand in.
 */
export function activationBands(alarms: readonly Alarm[]): ActivationBand[] {
  const bands: ActivationBand[] = [];
  for (const alarm of alarms) {
    let open: ActivationBand | undefined;
    let found = false;
    for (const entry of alarm.history ?? []) {
      if (entry.kind === 'raised' || entry.kind === 'reactivated') {
        if (open) bands.push(open);
        open = { raised_at: entry.at, severity: entry.severity ?? alarm.severity };
        found = true;
      } else if ((entry.kind === 'escalated' || entry.kind === 'deescalated') && open && entry.severity) {
        if (rank(entry.severity) > rank(open.severity)) open.severity = entry.severity;
      } else if ((entry.kind === 'cleared' || entry.kind === 'normal') && open) {
        bands.push({ ...open, cleared_at: entry.at });
        open = undefined;
      }
    }
    if (open) bands.push(alarm.state.startsWith('active') ? open : { ...open, ...(alarm.cleared_at !== undefined ? { cleared_at: alarm.cleared_at } : {}) });
    if (!found) bands.push({ raised_at: alarm.raised_at, severity: alarm.severity, ...(alarm.cleared_at !== undefined ? { cleared_at: alarm.cleared_at } : {}) });
  }
  return bands;
}
