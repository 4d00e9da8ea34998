/**
 * The alarm documents: rules (`alarm_rule/…`), alarms (`alarm/…`) and the actions people take on
 * alarms (`alarm_action/…`), their JSON Schemas and pure validation. Each `…Problem` returns a
 * message naming the field (undefined: fine), so a 400 says what to fix; none throws.
 */
import { MAX_LONG_TEXT, MAX_TEXT, firstProblem, isObject, numberProblem, optionalTextProblem, textProblem } from '../model/checks';

/** Alarm severities, ascending: escalation moves right. */
export const severities = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

/** ISA-18.2 alarm states. */
export const alarmStates = ['active_unacked', 'active_acked', 'cleared_unacked', 'normal'] as const;
export type AlarmState = (typeof alarmStates)[number];

/** What a condition reads, when not the rule's target channel: another field of the target's asset, or a channel by id. */
interface InputChoice {
  field?: string;
  channel?: string;
}

export interface ThresholdCondition extends InputChoice {
  kind: 'threshold';
  direction: 'high' | 'low';
  level: number;
  deadband?: number;
}
export interface RateCondition extends InputChoice {
  kind: 'rate';
  direction: 'rise' | 'fall' | 'either';
  per_s: number;
  window_s: number;
  deadband?: number;
}
export const windowStats = ['rms', 'mean', 'max', 'min', 'std', 'kurtosis', 'band_energy'] as const;
export type WindowStat = (typeof windowStats)[number];
export interface WindowCondition extends InputChoice {
  kind: 'window';
  stat: WindowStat;
  window_s: number;
  band?: [number, number];
  direction: 'high' | 'low';
  level: number;
  deadband?: number;
}
export interface StaleCondition extends InputChoice {
  kind: 'stale';
  after_s: number;
}
export interface FlatlineCondition extends InputChoice {
  kind: 'flatline';
  window_s: number;
  tolerance?: number;
}
export interface AnomalyCondition extends InputChoice {
  kind: 'anomaly';
  level: number;
}
export interface CompositeCondition extends InputChoice {
  kind: 'all' | 'any';
  conditions: Condition[];
}
/** One condition of a rule (recursive through all/any). */
export type Condition = ThresholdCondition | RateCondition | WindowCondition | StaleCondition | FlatlineCondition | AnomalyCondition | CompositeCondition;
export type ConditionKind = Condition['kind'];

/** A channel to watch, or a template for every channel of a matching asset of the site. */
export type AlarmTarget = { channel: string } | { asset_type: string; field: string };

export interface Escalation {
  severity: Severity;
  after_s?: number;
  condition?: Condition;
}

/** An alarm rule as stored (`alarm_rule/<slug or uuid>`). */
export interface AlarmRule {
  type: 'alarm_rule';
  site: string;
  title: string;
  description?: string;
  enabled: boolean;
  target: AlarmTarget;
  condition: Condition;
  severity: Severity;
  escalation?: Escalation[];
  on_delay_s?: number;
  off_delay_s?: number;
  auto_clear_s?: number;
  message?: string;
  updated_by?: string;
  /**
   * Epoch ms: samples stamped before it are not evaluated (read past, never folded in). For
   * history the rule was not made for, like the demo fleet's hourly long history, where a stale
   * condition would see every hour as a gap.
   */
  from?: number;
}

export const alarmHistoryKinds = [
  'raised',
  'reactivated',
  'escalated',
  'deescalated',
  'cleared',
  'acknowledged',
  'commented',
  'shelved',
  'unshelved',
  'removed_from_service',
  'returned_to_service',
  'normal',
  'work_order_created',
] as const;
export type AlarmHistoryKind = (typeof alarmHistoryKinds)[number];

export interface AlarmHistoryEntry {
  at: number;
  kind: AlarmHistoryKind;
  by?: string;
  severity?: Severity;
  value?: number;
  text?: string;
  action?: string;
}

/** An alarm as stored (`alarm/<rule>/<channel>/<n>`); written by the server only. */
export interface Alarm {
  type: 'alarm';
  site: string;
  asset: string;
  channel: string;
  rule: string;
  rule_title: string;
  message: string;
  severity: Severity;
  state: AlarmState;
  raised_at: number;
  cleared_at?: number;
  acked_at?: number;
  acked_by?: string;
  value?: number;
  peak?: number;
  count: number;
  shelved?: { until: number; by: string; at: number; reason?: string };
  out_of_service?: { by: string; at: number; reason?: string };
  work_orders?: string[];
  history: AlarmHistoryEntry[];
  history_dropped?: number;
  simulated?: true;
}

export const alarmActionKinds = ['acknowledge', 'comment', 'shelve', 'unshelve', 'remove_from_service', 'return_to_service', 'link_work_order'] as const;
export type AlarmActionKind = (typeof alarmActionKinds)[number];

/** What a person did to an alarm (`alarm_action/<uuid>`), written offline on any device. */
export interface AlarmAction {
  type: 'alarm_action';
  site: string;
  alarm: string;
  action: AlarmActionKind;
  by: string;
  at: number;
  text?: string;
  until?: number;
  work_order?: string;
}

/**
 * A rule that cannot be used, or an alarm action that makes no sense for the alarm as it is.
 * `status` is what the server answers: 400 for a bad document, 409 for an action the alarm's
 * current state refuses (acknowledging a normal alarm).
 */
export class AlarmRuleError extends Error {
  override name = 'AlarmRuleError';
  readonly code: 'invalid' | 'conflict';
  readonly status: 400 | 409;
  constructor(message: string, code: 'invalid' | 'conflict' = 'invalid') {
    super(message);
    this.code = code;
    this.status = code === 'conflict' ? 409 : 400;
  }
}

/** Deepest nesting of conditions (a leaf inside `all` is depth 2). */
export const MAX_CONDITION_DEPTH = 4;
/** Most conditions in one rule, counting every node of the condition and of the escalation conditions. */
export const MAX_CONDITIONS = 16;
/** Longest window (rate, window statistics, flatline). */
export const MAX_WINDOW_S = 86_400;
/** Longest delay, escalation time, auto-clear time or stale time: 30 days. */
export const MAX_DURATION_S = 30 * 86_400;
/** Most escalation steps (one per severity above the base is all that makes sense). */
export const MAX_ESCALATIONS = 3;
/** Entries kept in an alarm's history; older ones are counted in `history_dropped`. */
export const MAX_ALARM_HISTORY = 200;
/** Longest comment or reason on an action. */
export const MAX_ACTION_TEXT = 2000;

const isSeverity = (value: unknown): value is Severity => severities.includes(value as Severity);

function positiveDuration(name: string, value: unknown, max: number): string | undefined {
  const problem = numberProblem(name, value, 0, max);
  if (problem) return problem;
  return (value as number) > 0 ? undefined : `${name} must be above 0`;
}

function optionalNonNegative(name: string, value: unknown, max = Number.MAX_VALUE): string | undefined {
  return value === undefined ? undefined : numberProblem(name, value, 0, max);
}

function directionProblem(name: string, value: unknown, allowed: readonly string[]): string | undefined {
  return allowed.includes(value as string) ? undefined : `${name} must be one of ${allowed.join(', ')}`;
}

const conditionKeys: Record<ConditionKind, readonly string[]> = {
  threshold: ['direction', 'level', 'deadband'],
  rate: ['direction', 'per_s', 'window_s', 'deadband'],
  window: ['stat', 'window_s', 'band', 'direction', 'level', 'deadband'],
  stale: ['after_s'],
  flatline: ['window_s', 'tolerance'],
  anomaly: ['level'],
  all: ['conditions'],
  any: ['conditions'],
};

/** Counts nodes as it walks, so the limit on conditions covers escalation conditions too. */
interface Budget {
  count: number;
}

/** Why `value` is not a condition (undefined: it is); `name` is its path for the message. */
function conditionProblem(name: string, value: unknown, depth: number, budget: Budget): string | undefined {
  if (!isObject(value)) return `${name} must be an object with a kind`;
  budget.count++;
  if (budget.count > MAX_CONDITIONS) return `a rule has at most ${MAX_CONDITIONS} conditions in all (condition and escalation conditions)`;
  if (depth > MAX_CONDITION_DEPTH) return `${name}: conditions nest at most ${MAX_CONDITION_DEPTH} deep`;
  const kind = value.kind as ConditionKind;
  const keys = Object.hasOwn(conditionKeys, kind as string) ? conditionKeys[kind] : undefined;
  if (!keys) return `${name}.kind must be one of ${Object.keys(conditionKeys).join(', ')}`;
  for (const key of Object.keys(value)) {
    if (key !== 'kind' && key !== 'field' && key !== 'channel' && !keys.includes(key)) return `${name} (${kind}) has no key ${JSON.stringify(key)} (${keys.join(', ')}, field, channel)`;
  }
  if (value.field !== undefined && value.channel !== undefined) return `${name} names either field or channel, not both`;
  const input = firstProblem(
    optionalTextProblem(`${name}.field`, value.field, 1000),
    value.channel === undefined || (typeof value.channel === 'string' && value.channel.startsWith('channel/') && value.channel.length <= 1000)
      ? undefined
      : `${name}.channel must be a channel id "channel/<source>/<field>"`,
  );
  if (input) return input;
  const deadband = optionalNonNegative(`${name}.deadband`, value.deadband);
  switch (kind) {
    case 'threshold':
      return firstProblem(directionProblem(`${name}.direction`, value.direction, ['high', 'low']), numberProblem(`${name}.level`, value.level), deadband);
    case 'rate': {
      const problem = firstProblem(
        directionProblem(`${name}.direction`, value.direction, ['rise', 'fall', 'either']),
        numberProblem(`${name}.per_s`, value.per_s),
        positiveDuration(`${name}.window_s`, value.window_s, MAX_WINDOW_S),
        deadband,
      );
      if (problem) return problem;
      return (value.per_s as number) > 0 ? undefined : `${name}.per_s must be above 0 (the direction says which way)`;
    }
    case 'window': {
      const problem = firstProblem(
        directionProblem(`${name}.stat`, value.stat, windowStats),
        positiveDuration(`${name}.window_s`, value.window_s, MAX_WINDOW_S),
        directionProblem(`${name}.direction`, value.direction, ['high', 'low']),
        numberProblem(`${name}.level`, value.level),
        deadband,
      );
      if (problem) return problem;
      if (value.stat === 'band_energy') {
        const band = value.band;
        if (!Array.isArray(band) || band.length !== 2) return `${name}.band must be [low_hz, high_hz] for band_energy`;
        const bounds = firstProblem(numberProblem(`${name}.band[0]`, band[0], 0), numberProblem(`${name}.band[1]`, band[1], 0));
        if (bounds) return bounds;
        if (!((band[0] as number) < (band[1] as number))) return `${name}.band: low_hz (${band[0]}) must be below high_hz (${band[1]})`;
      } else if (value.band !== undefined) return `${name}.band is for stat band_energy only`;
      return undefined;
    }
    case 'stale':
      return positiveDuration(`${name}.after_s`, value.after_s, MAX_DURATION_S);
    case 'flatline':
      return firstProblem(positiveDuration(`${name}.window_s`, value.window_s, MAX_WINDOW_S), optionalNonNegative(`${name}.tolerance`, value.tolerance));
    case 'anomaly':
      return numberProblem(`${name}.level`, value.level, 0, 1);
    case 'all':
    case 'any': {
      const list = value.conditions;
      if (!Array.isArray(list) || list.length === 0) return `${name}.conditions must be a non-empty list of conditions`;
      if (list.length > MAX_CONDITIONS) return `a rule has at most ${MAX_CONDITIONS} conditions in all (condition and escalation conditions)`;
      for (let index = 0; index < list.length; index++) {
        const problem = conditionProblem(`${name}.conditions[${index}]`, list[index], depth + 1, budget);
        if (problem) return problem;
      }
      return undefined;
    }
  }
}

function targetProblem(target: unknown): string | undefined {
  if (!isObject(target)) return 'target must be {channel} or {asset_type, field}';
  if (target.channel !== undefined) {
    if (Object.keys(target).length !== 1) return 'target is either {channel} or {asset_type, field}';
    return typeof target.channel === 'string' && target.channel.startsWith('channel/') && target.channel.length <= 1000 ? undefined : 'target.channel must be a channel id "channel/<source>/<field>"';
  }
  for (const key of Object.keys(target)) if (key !== 'asset_type' && key !== 'field') return `target has no key ${JSON.stringify(key)} (channel, or asset_type and field)`;
  return firstProblem(textProblem('target.asset_type', target.asset_type, 100), textProblem('target.field', target.field, 1000));
}

/** Why `doc` is not an alarm rule (undefined: it is). Checks the limits: depth, count, windows, finite numbers. */
export function alarmRuleProblem(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'an alarm rule must be an object';
  if (doc.type !== 'alarm_rule') return 'an alarm rule has type "alarm_rule"';
  const budget: Budget = { count: 0 };
  const basic = firstProblem(
    typeof doc.site === 'string' && doc.site.startsWith('site/') && doc.site.length <= 1000 ? undefined : 'site must be a site id "site/<slug>"',
    textProblem('title', doc.title),
    optionalTextProblem('description', doc.description, MAX_LONG_TEXT),
    typeof doc.enabled === 'boolean' ? undefined : 'enabled must be true or false',
    targetProblem(doc.target),
    isSeverity(doc.severity) ? undefined : `severity must be one of ${severities.join(', ')}`,
    doc.on_delay_s === undefined ? undefined : numberProblem('on_delay_s', doc.on_delay_s, 0, MAX_DURATION_S),
    doc.off_delay_s === undefined ? undefined : numberProblem('off_delay_s', doc.off_delay_s, 0, MAX_DURATION_S),
    doc.auto_clear_s === undefined ? undefined : positiveDuration('auto_clear_s', doc.auto_clear_s, MAX_DURATION_S),
    optionalTextProblem('message', doc.message),
    doc.updated_by === undefined || typeof doc.updated_by === 'string' ? undefined : 'updated_by must be a string',
    doc.from === undefined ? undefined : numberProblem('from', doc.from),
    conditionProblem('condition', doc.condition, 1, budget),
  );
  if (basic) return basic;
  if (doc.escalation === undefined) return undefined;
  if (!Array.isArray(doc.escalation)) return 'escalation must be a list of {severity, after_s} or {severity, condition}';
  if (doc.escalation.length > MAX_ESCALATIONS) return `escalation has at most ${MAX_ESCALATIONS} steps`;
  const base = severities.indexOf(doc.severity as Severity);
  for (let index = 0; index < doc.escalation.length; index++) {
    const step: unknown = doc.escalation[index];
    const name = `escalation[${index}]`;
    if (!isObject(step)) return `${name} must be an object {severity, after_s} or {severity, condition}`;
    for (const key of Object.keys(step)) if (key !== 'severity' && key !== 'after_s' && key !== 'condition') return `${name} has no key ${JSON.stringify(key)} (severity, after_s, condition)`;
    if (!isSeverity(step.severity)) return `${name}.severity must be one of ${severities.join(', ')}`;
    if (severities.indexOf(step.severity) <= base) return `${name}.severity (${step.severity}) must be above the rule's severity (${String(doc.severity)})`;
    if ((step.after_s === undefined) === (step.condition === undefined)) return `${name} has either after_s or condition (exactly one)`;
    const problem =
      step.after_s !== undefined ? numberProblem(`${name}.after_s`, step.after_s, 0, MAX_DURATION_S) : conditionProblem(`${name}.condition`, step.condition, 1, budget);
    if (problem) return problem;
  }
  return undefined;
}

const historyKindSet = new Set<string>(alarmHistoryKinds);

function historyProblem(history: unknown): string | undefined {
  if (!Array.isArray(history)) return 'history must be a list';
  if (history.length > MAX_ALARM_HISTORY) return `history has at most ${MAX_ALARM_HISTORY} entries (older ones are counted in history_dropped)`;
  for (let index = 0; index < history.length; index++) {
    const entry: unknown = history[index];
    if (!isObject(entry)) return `history[${index}] must be an object {at, kind}`;
    const problem = firstProblem(
      numberProblem(`history[${index}].at`, entry.at),
      historyKindSet.has(entry.kind as string) ? undefined : `history[${index}].kind must be one of ${alarmHistoryKinds.join(', ')}`,
      entry.severity === undefined || isSeverity(entry.severity) ? undefined : `history[${index}].severity must be one of ${severities.join(', ')}`,
      entry.value === undefined ? undefined : numberProblem(`history[${index}].value`, entry.value),
      optionalTextProblem(`history[${index}].text`, entry.text, MAX_ACTION_TEXT),
      entry.by === undefined || typeof entry.by === 'string' ? undefined : `history[${index}].by must be a string`,
      entry.action === undefined || (typeof entry.action === 'string' && entry.action.startsWith('alarm_action/')) ? undefined : `history[${index}].action must be an alarm_action id`,
    );
    if (problem) return problem;
  }
  return undefined;
}

/** Why `doc` is not an alarm document (undefined: it is). */
export function alarmProblem(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'an alarm must be an object';
  if (doc.type !== 'alarm') return 'an alarm has type "alarm"';
  const optionalTime = (name: string, value: unknown): string | undefined => (value === undefined ? undefined : numberProblem(name, value));
  return firstProblem(
    textProblem('site', doc.site, 1000),
    textProblem('asset', doc.asset, 1000),
    textProblem('channel', doc.channel, 1000),
    typeof doc.rule === 'string' && doc.rule.startsWith('alarm_rule/') ? undefined : 'rule must be an alarm rule id "alarm_rule/…"',
    textProblem('rule_title', doc.rule_title),
    textProblem('message', doc.message, MAX_LONG_TEXT),
    isSeverity(doc.severity) ? undefined : `severity must be one of ${severities.join(', ')}`,
    alarmStates.includes(doc.state as AlarmState) ? undefined : `state must be one of ${alarmStates.join(', ')}`,
    numberProblem('raised_at', doc.raised_at),
    optionalTime('cleared_at', doc.cleared_at),
    optionalTime('acked_at', doc.acked_at),
    doc.acked_by === undefined || typeof doc.acked_by === 'string' ? undefined : 'acked_by must be a string',
    optionalTime('value', doc.value),
    optionalTime('peak', doc.peak),
    typeof doc.count === 'number' && Number.isInteger(doc.count) && doc.count >= 1 ? undefined : 'count must be an integer ≥ 1',
    doc.shelved === undefined || (isObject(doc.shelved) && Number.isFinite(doc.shelved.until) && typeof doc.shelved.by === 'string') ? undefined : 'shelved must be {until, by, at, reason?}',
    doc.out_of_service === undefined || (isObject(doc.out_of_service) && typeof doc.out_of_service.by === 'string') ? undefined : 'out_of_service must be {by, at, reason?}',
    doc.work_orders === undefined || (Array.isArray(doc.work_orders) && doc.work_orders.every((id) => typeof id === 'string')) ? undefined : 'work_orders must be a list of work order ids',
    historyProblem(doc.history),
    doc.history_dropped === undefined || (Number.isInteger(doc.history_dropped) && (doc.history_dropped as number) >= 0) ? undefined : 'history_dropped must be an integer ≥ 0',
    doc.simulated === undefined || doc.simulated === true ? undefined : 'simulated must be true or absent',
  );
}

/** Why `doc` is not an alarm action (undefined: it is); each action kind has the fields it needs. */
export function alarmActionProblem(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'an alarm action must be an object';
  if (doc.type !== 'alarm_action') return 'an alarm action has type "alarm_action"';
  const problem = firstProblem(
    textProblem('site', doc.site, 1000),
    typeof doc.alarm === 'string' && doc.alarm.startsWith('alarm/') && doc.alarm.length <= 2000 ? undefined : 'alarm must be an alarm id "alarm/…"',
    alarmActionKinds.includes(doc.action as AlarmActionKind) ? undefined : `action must be one of ${alarmActionKinds.join(', ')}`,
    textProblem('by', doc.by, 200),
    numberProblem('at', doc.at, 0),
    optionalTextProblem('text', doc.text, MAX_ACTION_TEXT),
    doc.until === undefined ? undefined : numberProblem('until', doc.until, 0),
    doc.work_order === undefined || (typeof doc.work_order === 'string' && doc.work_order.startsWith('work_order/') && doc.work_order.length <= 1000)
      ? undefined
      : 'work_order must be a work order id "work_order/…"',
  );
  if (problem) return problem;
  if (doc.action === 'comment' && doc.text === undefined) return 'a comment needs text';
  if (doc.action === 'shelve') {
    if (doc.until === undefined) return 'shelve needs until (epoch ms when the shelve expires)';
    if ((doc.until as number) <= (doc.at as number)) return `until (${String(doc.until)}) must be after at (${String(doc.at)})`;
  }
  if (doc.action === 'link_work_order' && doc.work_order === undefined) return 'link_work_order needs work_order';
  return undefined;
}

const conditionSchema = { type: 'object', required: ['kind'], properties: { kind: { type: 'string', enum: Object.keys(conditionKeys) } } } as const;

/** JSON Schema of an alarm rule (shape only; alarmRuleProblem checks the rest, limits included). */
export const alarmRuleSchema = {
  type: 'object',
  required: ['type', 'site', 'title', 'enabled', 'target', 'condition', 'severity'],
  properties: {
    type: { const: 'alarm_rule' },
    site: { type: 'string', minLength: 1, maxLength: 1000 },
    title: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
    description: { type: 'string', maxLength: MAX_LONG_TEXT },
    enabled: { type: 'boolean' },
    target: { type: 'object' },
    condition: conditionSchema,
    severity: { type: 'string', enum: severities },
    escalation: { type: 'array', maxItems: MAX_ESCALATIONS, items: { type: 'object', required: ['severity'] } },
    on_delay_s: { type: 'number', minimum: 0, maximum: MAX_DURATION_S },
    off_delay_s: { type: 'number', minimum: 0, maximum: MAX_DURATION_S },
    auto_clear_s: { type: 'number', exclusiveMinimum: 0, maximum: MAX_DURATION_S },
    message: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
    updated_by: { type: 'string' },
    from: { type: 'number' },
  },
} as const;

/** JSON Schema of an alarm document (shape only; alarmProblem checks the rest). */
export const alarmSchema = {
  type: 'object',
  required: ['type', 'site', 'asset', 'channel', 'rule', 'rule_title', 'message', 'severity', 'state', 'raised_at', 'count', 'history'],
  properties: {
    type: { const: 'alarm' },
    severity: { type: 'string', enum: severities },
    state: { type: 'string', enum: alarmStates },
    raised_at: { type: 'number' },
    count: { type: 'integer', minimum: 1 },
    history: { type: 'array', maxItems: MAX_ALARM_HISTORY },
  },
} as const;

/** JSON Schema of an alarm action (shape only; alarmActionProblem checks the rest). */
export const alarmActionSchema = {
  type: 'object',
  required: ['type', 'site', 'alarm', 'action', 'by', 'at'],
  properties: {
    type: { const: 'alarm_action' },
    site: { type: 'string', minLength: 1, maxLength: 1000 },
    alarm: { type: 'string', minLength: 1, maxLength: 2000 },
    action: { type: 'string', enum: alarmActionKinds },
    by: { type: 'string', minLength: 1, maxLength: 200 },
    at: { type: 'number', minimum: 0 },
    text: { type: 'string', maxLength: MAX_ACTION_TEXT },
    until: { type: 'number' },
    work_order: { type: 'string', minLength: 1, maxLength: 1000 },
  },
} as const;

/** The alarm message a rule shows when it names none: the condition in words. */
export function describeCondition(condition: Condition): string {
  const on = condition.field !== undefined ? ` (${condition.field})` : condition.channel !== undefined ? ` (${condition.channel})` : '';
  switch (condition.kind) {
    case 'threshold':
      return `value ${condition.direction === 'high' ? 'above' : 'below'} ${condition.level}${on}`;
    case 'rate':
      return `${condition.direction === 'either' ? 'changing' : condition.direction === 'rise' ? 'rising' : 'falling'} faster than ${condition.per_s}/s over ${condition.window_s} s${on}`;
    case 'window':
      return `${condition.stat === 'band_energy' ? `band energy ${condition.band?.[0]}–${condition.band?.[1]} Hz` : condition.stat} over ${condition.window_s} s ${condition.direction === 'high' ? 'above' : 'below'} ${condition.level}${on}`;
    case 'stale':
      return `no data for ${condition.after_s} s${on}`;
    case 'flatline':
      return `value stuck for ${condition.window_s} s${on}`;
    case 'anomaly':
      return `anomaly score above ${condition.level}${on}`;
    case 'all':
    case 'any':
      return condition.conditions.map(describeCondition).join(condition.kind === 'all' ? ' and ' : ' or ');
  }
}
