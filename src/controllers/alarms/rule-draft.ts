/**
 * The alarm rule editor's form model, pure: a rule document as form fields (numbers kept as the
 * typed text, so a half-typed value is not lost) and back, checked by the core's
 * `alarmRuleProblem`; and a rule in words for the list. The form edits a target, one condition
 * or an AND / OR of up to MAX_FORM_CONDITIONS plain ones, a severity, escalation steps, delays and
 * auto-clear; a condition nested deeper (the demo's icing rule) is edited as JSON instead.
 */
import { alarmRuleProblem, describeCondition, severities, type AlarmRule, type Condition, type Escalation, type Severity, type WindowStat } from '../../core';

/** Most conditions the form combines with AND / OR (deeper or longer: JSON). */
export const MAX_FORM_CONDITIONS = 4;

/** The condition kinds the form offers, in the order the menu lists them. */
export const leafKinds = ['threshold', 'rate', 'window', 'stale', 'flatline', 'anomaly'] as const;
export type LeafKind = (typeof leafKinds)[number];

export const leafKindLabels: Record<LeafKind, string> = {
  threshold: 'Threshold (above / below a level)',
  rate: 'Rate of change',
  window: 'Statistic over a window (RMS, band energy…)',
  stale: 'No data (stale)',
  flatline: 'Stuck value (flatline)',
  anomaly: 'Anomaly score',
};

/** One plain condition as form fields. `field` '' means the rule's target channel. */
export interface ConditionDraft {
  kind: LeafKind;
  field: string;
  direction: 'high' | 'low';
  rateDirection: 'rise' | 'fall' | 'either';
  level: string;
  deadband: string;
  per_s: string;
  window_s: string;
  stat: WindowStat;
  band_low: string;
  band_high: string;
  after_s: string;
  tolerance: string;
}

export interface EscalationDraft {
  severity: Severity;
  /** After a time active, or while a stricter condition holds. */
  mode: 'after' | 'condition';
  after_s: string;
  condition: ConditionDraft;
}

export interface RuleDraft {
  site: string;
  title: string;
  description: string;
  enabled: boolean;
  targetMode: 'channel' | 'template';
  channel: string;
  asset_type: string;
  field: string;
  /** One condition, AND / OR of several, or the condition as JSON (deeper nesting). */
  combine: 'one' | 'all' | 'any' | 'json';
  conditions: ConditionDraft[];
  json: string;
  severity: Severity;
  escalation: EscalationDraft[];
  on_delay_s: string;
  off_delay_s: string;
  auto_clear_s: string;
  message: string;
}

const text = (value: number | undefined): string => (value === undefined ? '' : String(value));

/** A fresh condition of `kind` (sensible starting values). */
export function emptyCondition(kind: LeafKind = 'threshold'): ConditionDraft {
  return { kind, field: '', direction: 'high', rateDirection: 'rise', level: '', deadband: '', per_s: '', window_s: kind === 'flatline' ? '900' : kind === 'window' ? '600' : kind === 'rate' ? '60' : '', stat: 'mean', band_low: '', band_high: '', after_s: kind === 'stale' ? '300' : '', tolerance: '' };
}

/** A new rule for `site`: a template on nothing yet, one threshold, medium. */
export function emptyDraft(site: string): RuleDraft {
  return { site, title: '', description: '', enabled: true, targetMode: 'template', channel: '', asset_type: '', field: '', combine: 'one', conditions: [emptyCondition()], json: '', severity: 'medium', escalation: [], on_delay_s: '', off_delay_s: '', auto_clear_s: '', message: '' };
}

const isLeaf = (condition: Condition): boolean => condition.kind !== 'all' && condition.kind !== 'any';

/** A plain condition as form fields (undefined: not a plain condition, or one the form cannot show: an explicit channel). */
function conditionDraft(condition: Condition): ConditionDraft | undefined {
  if (!isLeaf(condition) || condition.channel !== undefined) return undefined;
  const draft = emptyCondition(condition.kind as LeafKind);
  draft.field = condition.field ?? '';
  switch (condition.kind) {
    case 'threshold':
      return { ...draft, direction: condition.direction, level: text(condition.level), deadband: text(condition.deadband) };
    case 'rate':
      return { ...draft, rateDirection: condition.direction, per_s: text(condition.per_s), window_s: text(condition.window_s), deadband: text(condition.deadband) };
    case 'window':
      return { ...draft, stat: condition.stat, window_s: text(condition.window_s), direction: condition.direction, level: text(condition.level), deadband: text(condition.deadband), band_low: text(condition.band?.[0]), band_high: text(condition.band?.[1]) };
    case 'stale':
      return { ...draft, after_s: text(condition.after_s) };
    case 'flatline':
      return { ...draft, window_s: text(condition.window_s), tolerance: text(condition.tolerance) };
    case 'anomaly':
      return { ...draft, level: text(condition.level) };
    default:
      return undefined;
  }
}

/** The form fields of a stored rule. */
export function draftFromRule(rule: AlarmRule): RuleDraft {
  const draft = emptyDraft(rule.site);
  draft.title = rule.title;
  draft.description = rule.description ?? '';
  draft.enabled = rule.enabled;
  if ('channel' in rule.target) {
    draft.targetMode = 'channel';
    draft.channel = rule.target.channel;
  } else {
    draft.asset_type = rule.target.asset_type;
    draft.field = rule.target.field;
  }
  const condition = rule.condition;
  const single = conditionDraft(condition);
  const children = condition.kind === 'all' || condition.kind === 'any' ? condition.conditions.map(conditionDraft) : [];
  if (single) {
    draft.combine = 'one';
    draft.conditions = [single];
  } else if ((condition.kind === 'all' || condition.kind === 'any') && condition.field === undefined && condition.channel === undefined && children.length <= MAX_FORM_CONDITIONS && children.every((child) => child !== undefined)) {
    draft.combine = condition.kind;
    draft.conditions = children as ConditionDraft[];
  } else {
    draft.combine = 'json';
    draft.conditions = [emptyCondition()];
  }
  draft.json = JSON.stringify(condition, null, 2);
  draft.severity = rule.severity;
  draft.escalation = (rule.escalation ?? []).map((step) => {
    const stepCondition = step.condition ? conditionDraft(step.condition) : undefined;
    return { severity: step.severity, mode: step.condition ? 'condition' : 'after', after_s: text(step.after_s), condition: stepCondition ?? emptyCondition() };
  });
  draft.on_delay_s = text(rule.on_delay_s);
  draft.off_delay_s = text(rule.off_delay_s);
  draft.auto_clear_s = text(rule.auto_clear_s);
  draft.message = rule.message ?? '';
  return draft;
}

/** Whether every escalation condition of the rule can be shown by the form (else the form would lose it). */
export function escalationEditable(rule: AlarmRule): boolean {
  return (rule.escalation ?? []).every((step) => step.condition === undefined || conditionDraft(step.condition) !== undefined);
}

/** Thrown inside the conversion: the form field that is wrong, in words. */
class DraftProblem extends Error {}

function number(label: string, value: string, required: boolean): number | undefined {
  const trimmed = value.trim();
  if (trimmed === '') {
    if (required) throw new DraftProblem(`${label}: enter a number`);
    return undefined;
  }
  const parsed = Number(trimmed);
  if (!Number.isFinite(parsed)) throw new DraftProblem(`${label}: "${trimmed}" is not a number`);
  return parsed;
}

function conditionOf(draft: ConditionDraft, label: string): Condition {
  const on = draft.field.trim() === '' ? {} : { field: draft.field.trim() };
  const deadband = number(`${label}: deadband`, draft.deadband, false);
  const withDeadband = deadband === undefined ? {} : { deadband };
  switch (draft.kind) {
    case 'threshold':
      return { kind: 'threshold', direction: draft.direction, level: number(`${label}: level`, draft.level, true)!, ...withDeadband, ...on };
    case 'rate':
      return { kind: 'rate', direction: draft.rateDirection, per_s: number(`${label}: change per second`, draft.per_s, true)!, window_s: number(`${label}: window`, draft.window_s, true)!, ...withDeadband, ...on };
    case 'window': {
      const band: [number, number] | undefined = draft.stat === 'band_energy' ? [number(`${label}: band from`, draft.band_low, true)!, number(`${label}: band to`, draft.band_high, true)!] : undefined;
      return { kind: 'window', stat: draft.stat, window_s: number(`${label}: window`, draft.window_s, true)!, ...(band ? { band } : {}), direction: draft.direction, level: number(`${label}: level`, draft.level, true)!, ...withDeadband, ...on };
    }
    case 'stale':
      return { kind: 'stale', after_s: number(`${label}: no data for`, draft.after_s, true)!, ...on };
    case 'flatline': {
      const tolerance = number(`${label}: tolerance`, draft.tolerance, false);
      return { kind: 'flatline', window_s: number(`${label}: unchanged for`, draft.window_s, true)!, ...(tolerance === undefined ? {} : { tolerance }), ...on };
    }
    case 'anomaly':
      return { kind: 'anomaly', level: number(`${label}: score level`, draft.level, true)!, ...on };
  }
}

/** The keys of a rule document the form owns (others, like `simulated`, are kept as they were). */
const formKeys = ['site', 'title', 'description', 'enabled', 'target', 'condition', 'severity', 'escalation', 'on_delay_s', 'off_delay_s', 'auto_clear_s', 'message', 'updated_by'] as const;

/**
 * The rule document the form describes, over `base` (the stored rule: keys the form does not own
 * stay), or why it cannot be saved: a form field in words, or the core check's message.
 */
export function ruleFromDraft(draft: RuleDraft, updatedBy: string | undefined, base?: Record<string, unknown>): { rule: AlarmRule } | { problem: string } {
  try {
    const target = draft.targetMode === 'channel' ? { channel: draft.channel } : { asset_type: draft.asset_type, field: draft.field };
    if (draft.targetMode === 'channel' && !draft.channel) throw new DraftProblem('Target: choose a channel');
    if (draft.targetMode === 'template' && (!draft.asset_type || !draft.field)) throw new DraftProblem('Target: choose an asset type and a field');
    let condition: Condition;
    if (draft.combine === 'json') {
      try {
        condition = JSON.parse(draft.json) as Condition;
      } catch (error) {
        throw new DraftProblem(`Condition (JSON): ${error instanceof Error ? error.message : String(error)}`);
      }
    } else if (draft.combine === 'one') condition = conditionOf(draft.conditions[0] ?? emptyCondition(), 'Condition');
    else {
      if (draft.conditions.length > MAX_FORM_CONDITIONS) throw new DraftProblem(`At most ${MAX_FORM_CONDITIONS} conditions in the form (more: edit as JSON)`);
      condition = { kind: draft.combine, conditions: draft.conditions.map((child, index) => conditionOf(child, `Condition ${index + 1}`)) };
    }
    const escalation: Escalation[] = draft.escalation.map((step, index) =>
      step.mode === 'after' ? { severity: step.severity, after_s: number(`Escalation ${index + 1}: after`, step.after_s, true)! } : { severity: step.severity, condition: conditionOf(step.condition, `Escalation ${index + 1}`) },
    );
    const owned = new Set<string>(formKeys);
    const rule: Record<string, unknown> = Object.fromEntries(Object.entries(base ?? {}).filter(([key]) => !owned.has(key)));
    Object.assign(rule, { type: 'alarm_rule', site: draft.site, title: draft.title.trim(), enabled: draft.enabled, target, condition, severity: draft.severity });
    if (draft.description.trim()) rule.description = draft.description.trim();
    if (escalation.length > 0) rule.escalation = escalation;
    const delays = { on_delay_s: number('Raise after', draft.on_delay_s, false), off_delay_s: number('Clear after', draft.off_delay_s, false), auto_clear_s: number('Auto-clear after', draft.auto_clear_s, false) };
    for (const [key, value] of Object.entries(delays)) if (value !== undefined) rule[key] = value;
    if (draft.message.trim()) rule.message = draft.message.trim();
    if (updatedBy) rule.updated_by = updatedBy;
    const problem = alarmRuleProblem(rule);
    if (problem) return { problem };
    return { rule: rule as unknown as AlarmRule };
  } catch (error) {
    if (error instanceof DraftProblem) return { problem: error.message };
    throw error;
  }
}

/** "12 s", "15 min", "2 h", "1.5 d". */
export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${+(seconds / 60).toFixed(1)} min`;
  if (seconds < 172_800) return `${+(seconds / 3600).toFixed(1)} h`;
  return `${+(seconds / 86_400).toFixed(1)} d`;
}

/** A condition in words, nested AND / OR in parentheses (so "a and (b or c)" reads as meant). */
function conditionWords(condition: Condition, nested = false): string {
  if (condition.kind !== 'all' && condition.kind !== 'any') return describeCondition(condition);
  const words = condition.conditions.map((child) => conditionWords(child, true)).join(condition.kind === 'all' ? ' and ' : ' or ');
  return nested && condition.conditions.length > 1 ? `(${words})` : words;
}

/** What the rule's condition and timing say, in words (for the list). */
export function ruleSummary(rule: AlarmRule): string {
  const parts = [conditionWords(rule.condition)];
  if (rule.on_delay_s) parts.push(`for ${formatSeconds(rule.on_delay_s)}`);
  if (rule.off_delay_s) parts.push(`clears after ${formatSeconds(rule.off_delay_s)} without`);
  if (rule.auto_clear_s) parts.push(`auto-clears after ${formatSeconds(rule.auto_clear_s)} quiet`);
  const escalation = (rule.escalation ?? []).map((step) => `${step.severity} ${step.after_s !== undefined ? `after ${formatSeconds(step.after_s)}` : `while ${conditionWords(step.condition!)}`}`);
  if (escalation.length > 0) parts.push(`escalates: ${escalation.join('; ')}`);
  return parts.join(', ');
}

/** Severities above `severity` (what an escalation step may choose). */
export function severitiesAbove(severity: Severity): Severity[] {
  return severities.slice(severities.indexOf(severity) + 1);
}
