// Alarms: rule, alarm and alarm action documents, the incremental rule engine and the ISA-18.2 lifecycle (pure, isomorphic).
export type {
  Alarm,
  AlarmAction,
  AlarmActionKind,
  AlarmHistoryEntry,
  AlarmHistoryKind,
  AlarmRule,
  AlarmState,
  AlarmTarget,
  Condition,
  ConditionKind,
  Escalation,
  Severity,
  WindowStat,
} from './rule-model';
export {
  AlarmRuleError,
  MAX_ACTION_TEXT,
  MAX_ALARM_HISTORY,
  MAX_CONDITIONS,
  MAX_CONDITION_DEPTH,
  MAX_DURATION_S,
  MAX_ESCALATIONS,
  MAX_WINDOW_S,
  alarmActionKinds,
  alarmActionProblem,
  alarmActionSchema,
  alarmHistoryKinds,
  alarmProblem,
  alarmRuleProblem,
  alarmRuleSchema,
  alarmSchema,
  alarmStates,
  describeCondition,
  severities,
  windowStats,
} from './rule-model';
export type { AssetEntry, ChannelEntry, RuleBatchEntry, RuleBinding, RuleState, RuleTransition } from './rule-engine';
export { anomalyArrayOf, benchmarkRule, bindRule, initRuleState, stepRule, tickRule } from './rule-engine';
export { RATE_MAX_POINTS, WINDOW_MAX_SAMPLES, WINDOW_MIN_SAMPLES, bandEnergy } from './conditions';
export { alarmIdFor, alarmIsOpen, applyAction, applyTransition, currentAlarmId, isShelved } from './lifecycle';
