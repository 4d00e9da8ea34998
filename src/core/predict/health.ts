/**
 * An asset's health score (0..100, 100 = healthy), its level and the reasons behind it, from what
 * is known of the asset and its parts: open alarms, the recent anomaly score, the remaining useful
 * life against the lead time, and the degradation rate. Pure and total: every input may be partial
 * or malformed (documents from storage), a missing or non-finite value counts as unknown (no
 * penalty), and nothing throws.
 *
 * The score is 100 minus the sum of the penalties below (clamped to 0..100, rounded):
 *
 *   alarms       per open alarm: severity weight × state factor × 0.3 when shelved or out of service;
 *                weights low 6, medium 15, high 30, critical 50; factors active_unacked 1,
 *                active_acked 0.7, cleared_unacked 0.3 (normal: closed, 0). Several alarms add up
 *                with diminishing returns: the largest + half of the rest, at most 70.
 *   anomaly      the highest score s of the last 24 h: 0 under 0.5, then 30 × (s − 0.5) / 0.5.
 *   rul          e = the middle between the estimate and its interval's low end (a wide interval
 *                towards failure raises the risk), against the lead time L: 0 at e ≥ 3L, rising
 *                linearly to 25 at e = L; under the lead 45 + 40 × (1 − e/L), so 85 at e = 0.
 *                Of several predictions (an asset's parts) the worst counts.
 *   degradation  loss = minus the middle between the rate and its interval's upper end (the end
 *                nearest no loss), %/yr: 0 up to 0.5 %/yr (ordinary ageing of PV modules), then
 *                linearly to 30 at 2.5 %/yr.
 *
 * Levels: good ≥ 90, watch ≥ 65, warning ≥ 40, critical below. So one active critical alarm or a
 * remaining life under the lead is a warning at least; one of each is critical.
 *
 * Every penalty is non-decreasing as its input gets worse (higher severity, a less settled state,
 * a higher anomaly score, less remaining life or a longer lead, a faster loss), so a worse input
 * never raises the score. The explanation is the top reason's text.
 */

/** An open alarm of the asset or one of its parts, as the score reads it. */
export interface HealthAlarm {
  id?: string;
  title?: string;
  /** 'low' | 'medium' | 'high' | 'critical'. */
  severity?: string;
  /** The ISA-18.2 state ('active_unacked', 'active_acked', 'cleared_unacked', 'normal'). */
  state?: string;
  /** Shelved now (its `shelved.until` is ahead). */
  shelved?: boolean;
  /** Removed from service. */
  out_of_service?: boolean;
}

/** The highest anomaly score of the asset's channels over the last 24 h. */
export interface HealthAnomaly {
  /** 0..1. */
  score?: number;
  /** The channel's title. */
  title?: string;
  /** The channel's id. */
  channel?: string;
}

/** A remaining-life prediction of the asset or one of its parts. */
export interface HealthRul {
  rul_days?: number;
  low_days?: number;
  high_days?: number;
  /** The lead time of the model (days): a work order is proposed under it. */
  lead_days?: number;
  /** The prediction's summary ("RUL 23 days (17–31): main bearing temperature rising"): its evidence is reused. */
  summary?: string;
  /** The predicted part's title, when it is a part of the asset ("T03 main bearing"). */
  title?: string;
  /** The prediction document's id. */
  id?: string;
}

/** The asset's degradation estimate (%/yr; negative: losing performance). */
export interface HealthDegradation {
  rate_pct_per_year?: number;
  ci_low?: number;
  ci_high?: number;
  /** The degradation document's id. */
  id?: string;
}

/** What the score is computed from; every part optional. */
export interface HealthInput {
  alarms?: readonly HealthAlarm[];
  anomaly?: HealthAnomaly;
  /** One prediction, or several (the asset's parts): the worst counts. */
  rul?: HealthRul | readonly HealthRul[];
  degradation?: HealthDegradation;
}

/** Health levels, best first. */
export type HealthLevel = 'good' | 'watch' | 'warning' | 'critical';

/** One reason a score is lower than 100 (penalty 0: known and fine, listed for information). */
export interface HealthReason {
  kind: 'alarm' | 'anomaly' | 'rul' | 'degradation';
  text: string;
  /** Points taken off (rounded to a tenth). */
  penalty: number;
  ref?: string;
}

/** An asset's health. */
export interface AssetHealth {
  score: number;
  level: HealthLevel;
  /** The top reason's text; 'No open issues' when nothing takes points off. */
  explanation: string;
  /** Worst first. */
  reasons: HealthReason[];
}

/** Severity weights (points off for an active, unacknowledged alarm). */
export const alarmSeverityWeights: Readonly<Record<string, number>> = { low: 6, medium: 15, high: 30, critical: 50 };
/** How much of the weight each alarm state keeps. */
export const alarmStateFactors: Readonly<Record<string, number>> = { active_unacked: 1, active_acked: 0.7, cleared_unacked: 0.3, normal: 0 };
/** What a shelved or out-of-service alarm keeps of its weight. */
const SET_ASIDE_FACTOR = 0.3;
const MAX_ALARM_PENALTY = 70;
const MAX_ANOMALY_PENALTY = 30;
const ANOMALY_FROM = 0.5;
const DEGRADATION_NORMAL = 0.5;
const DEGRADATION_FULL = 2.5;
const MAX_DEGRADATION_PENALTY = 30;
/** The lead time assumed when a prediction names none (the demo model's). */
const DEFAULT_LEAD_DAYS = 21;

/** Lowest score of each level. */
export const healthLevelFloors: Readonly<Record<HealthLevel, number>> = { good: 90, watch: 65, warning: 40, critical: 0 };

/** What the explanation says when nothing takes points off. */
export const HEALTHY_EXPLANATION = 'No open issues';

const kindOrder: Readonly<Record<HealthReason['kind'], number>> = { rul: 0, alarm: 1, anomaly: 2, degradation: 3 };

const finite = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const text = (value: unknown, fallback: string): string => (typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 200) : fallback);
const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));
const tenth = (value: number): number => Math.round(value * 10) / 10;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
/** A number in words with a real minus sign. */
const signed = (value: number, digits: number): string => {
  const fixed = Math.abs(value).toFixed(digits);
  return value < 0 && Number(fixed) !== 0 ? `−${fixed}` : fixed;
};

/** `table[key]` for an own string key, else 0 (a stored 'constructor' or an object is no severity). */
const lookup = (table: Readonly<Record<string, number>>, key: unknown): number => (typeof key === 'string' && Object.hasOwn(table, key) ? table[key]! : 0);

/** The level of a score. */
export function healthLevel(score: number): HealthLevel {
  if (!(score >= healthLevelFloors.warning)) return 'critical';
  if (score >= healthLevelFloors.good) return 'good';
  if (score >= healthLevelFloors.watch) return 'watch';
  return 'warning';
}

/** Points off for one alarm (0 when closed or unknown). */
function alarmPenalty(alarm: Record<string, unknown>): number {
  const weight = lookup(alarmSeverityWeights, alarm.severity);
  const factor = lookup(alarmStateFactors, alarm.state);
  const aside = alarm.shelved === true || alarm.out_of_service === true ? SET_ASIDE_FACTOR : 1;
  return weight * factor * aside;
}

/** What an alarm's state adds to its title in words. */
function alarmNote(alarm: Record<string, unknown>): string {
  const notes = [typeof alarm.severity === 'string' ? alarm.severity : 'alarm'];
  if (alarm.state === 'active_acked') notes.push('acknowledged');
  if (alarm.state === 'cleared_unacked') notes.push('cleared, not acknowledged');
  if (alarm.shelved === true) notes.push('shelved');
  if (alarm.out_of_service === true) notes.push('out of service');
  return notes.join(', ');
}

function alarmReason(alarms: unknown): HealthReason | undefined {
  if (!Array.isArray(alarms)) return undefined;
  const open = alarms.filter(isObject).map((alarm) => ({ alarm, penalty: alarmPenalty(alarm) })).filter(({ penalty }) => penalty > 0);
  if (open.length === 0) return undefined;
  // Worst first; the first of equals keeps its place (stable sort).
  open.sort((a, b) => b.penalty - a.penalty);
  const worst = open[0]!;
  const sum = open.reduce((total, { penalty }) => total + penalty, 0);
  const penalty = Math.min(MAX_ALARM_PENALTY, worst.penalty + (sum - worst.penalty) / 2);
  const count = open.length === 1 ? '1 open alarm' : `${open.length} open alarms`;
  return {
    kind: 'alarm',
    text: `${count}: ${text(worst.alarm.title, 'Alarm')} (${alarmNote(worst.alarm)})`,
    penalty: tenth(penalty),
    ...(typeof worst.alarm.id === 'string' ? { ref: worst.alarm.id } : {}),
  };
}

function anomalyReason(anomaly: unknown): HealthReason | undefined {
  if (!isObject(anomaly)) return undefined;
  const score = finite(anomaly.score);
  if (score === undefined) return undefined;
  const s = clamp(score, 0, 1);
  const penalty = MAX_ANOMALY_PENALTY * clamp((s - ANOMALY_FROM) / (1 - ANOMALY_FROM), 0, 1);
  return {
    kind: 'anomaly',
    text: `Anomaly score ${s.toFixed(2)} on ${text(anomaly.title, 'a channel')} in the last 24 h`,
    penalty: tenth(penalty),
    ...(typeof anomaly.channel === 'string' ? { ref: anomaly.channel } : {}),
  };
}

/** Days in words: "23 days", "1 day", "under a day". */
function days(value: number): string {
  const rounded = Math.round(value);
  if (value < 0.5) return value <= 0 ? '0 days' : 'under a day';
  return rounded === 1 ? '1 day' : `${rounded} days`;
}

/** The evidence of a prediction's summary (what follows its first ': '). */
function evidenceOf(summary: unknown): string | undefined {
  if (typeof summary !== 'string') return undefined;
  const at = summary.indexOf(': ');
  const rest = at < 0 ? '' : summary.slice(at + 2).trim();
  return rest === '' ? undefined : rest.slice(0, 200);
}

function oneRulReason(prediction: Record<string, unknown>): HealthReason | undefined {
  const rul = finite(prediction.rul_days);
  if (rul === undefined) return undefined;
  const estimate = Math.max(0, rul);
  const lowGiven = finite(prediction.low_days);
  const low = Math.max(0, Math.min(estimate, lowGiven ?? estimate));
  const highGiven = finite(prediction.high_days);
  const leadGiven = finite(prediction.lead_days);
  const lead = leadGiven !== undefined && leadGiven > 0 ? leadGiven : DEFAULT_LEAD_DAYS;
  const effective = (estimate + low) / 2;
  const ratio = effective / lead;
  const penalty = ratio <= 1 ? 45 + 40 * (1 - ratio) : 25 * clamp((3 - ratio) / 2, 0, 1);
  const interval = lowGiven !== undefined && highGiven !== undefined ? ` (${Math.round(Math.max(0, lowGiven))}–${Math.round(Math.max(0, highGiven))})` : '';
  const leadText = `${Math.round(lead)}-day lead`;
  const against = estimate <= lead ? ` — under the ${leadText}` : low <= lead ? ` — its low end under the ${leadText}` : '';
  const evidence = evidenceOf(prediction.summary);
  const part = typeof prediction.title === 'string' && prediction.title.trim() !== '' ? `${prediction.title.trim().slice(0, 200)}: ` : '';
  return {
    kind: 'rul',
    text: `${part}RUL ${days(estimate)}${interval}${against}${evidence ? `: ${evidence}` : ''}`,
    penalty: tenth(penalty),
    ...(typeof prediction.id === 'string' ? { ref: prediction.id } : {}),
  };
}

function rulReason(rul: unknown): HealthReason | undefined {
  const predictions = Array.isArray(rul) ? rul : rul === undefined ? [] : [rul];
  let worst: HealthReason | undefined;
  for (const prediction of predictions) {
    if (!isObject(prediction)) continue;
    const reason = oneRulReason(prediction);
    if (reason && (!worst || reason.penalty > worst.penalty)) worst = reason;
  }
  return worst;
}

function degradationReason(degradation: unknown): HealthReason | undefined {
  if (!isObject(degradation)) return undefined;
  const rate = finite(degradation.rate_pct_per_year);
  if (rate === undefined) return undefined;
  const low = finite(degradation.ci_low);
  const high = finite(degradation.ci_high);
  // The end of the interval nearest no loss, never past the estimate's loss side.
  const settled = high === undefined ? rate : Math.max(rate, high);
  const loss = Math.max(0, -(rate + settled) / 2);
  const penalty = MAX_DEGRADATION_PENALTY * clamp((loss - DEGRADATION_NORMAL) / (DEGRADATION_FULL - DEGRADATION_NORMAL), 0, 1);
  let words: string;
  if (rate < 0) {
    // As a loss: "Degrading 0.9 %/yr (0.7–1.1)"; an interval reaching past no loss reads "−0.1 to 0.5".
    const from = high === undefined ? undefined : -high;
    const to = low === undefined ? undefined : -low;
    const interval = from === undefined || to === undefined ? '' : from < 0 || to < 0 ? ` (${signed(from, 1)} to ${signed(to, 1)})` : ` (${from.toFixed(1)}–${to.toFixed(1)})`;
    words = `Degrading ${(-rate).toFixed(1)} %/yr${interval}`;
  } else {
    const interval = low === undefined || high === undefined ? '' : ` (${signed(low, 1)} to ${signed(high, 1)})`;
    words = `No degradation: ${rate === 0 ? '0.0' : `+${rate.toFixed(1)}`} %/yr${interval}`;
  }
  return { kind: 'degradation', text: words, penalty: tenth(penalty), ...(typeof degradation.id === 'string' ? { ref: degradation.id } : {}) };
}

/**
 * The health of an asset from what is known of it and its parts (see the header for the weights).
 * Never throws: a partial or malformed input counts what it can.
 */
export function assetHealth(input: HealthInput): AssetHealth {
  const source: Record<string, unknown> = isObject(input) ? input : {};
  const reasons: HealthReason[] = [];
  for (const reason of [rulReason(source.rul), alarmReason(source.alarms), anomalyReason(source.anomaly), degradationReason(source.degradation)]) if (reason) reasons.push(reason);
  reasons.sort((a, b) => b.penalty - a.penalty || kindOrder[a.kind] - kindOrder[b.kind]);
  const total = reasons.reduce((sum, reason) => sum + reason.penalty, 0);
  const score = Math.round(clamp(100 - total, 0, 100));
  const top = reasons[0];
  return { score, level: healthLevel(score), explanation: top && top.penalty > 0 ? top.text : HEALTHY_EXPLANATION, reasons };
}

/**
 * Health documents (or anything with a `score`) worst first: lower score first; equal scores keep
 * their order; entries without a finite score go last. Returns a new array.
 */
export function rankByRisk<T extends { score?: unknown }>(docs: readonly T[]): T[] {
  const key = (doc: T): number => {
    const score = isObject(doc) ? finite(doc.score) : undefined;
    return score === undefined ? Number.POSITIVE_INFINITY : score;
  };
  return docs
    .map((doc, index) => ({ doc, index, score: key(doc) }))
    .sort((a, b) => (a.score === b.score ? a.index - b.index : a.score < b.score ? -1 : 1))
    .map(({ doc }) => doc);
}
