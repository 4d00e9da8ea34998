/**
 * The alarm lifecycle after ISA-18.2, as pure functions over alarm documents: what a rule
 * transition does to the alarm (with flood protection), and what a person's action does to it.
 *
 *   raise → active_unacked; ack → active_acked; clear → cleared_unacked (from active_unacked) or
 *   normal (from active_acked); ack of cleared_unacked → normal. A raise while the alarm is not
 *   normal re-activates the same alarm (count + 1); after normal, the next raise is a new alarm.
 */
import type { RuleBinding, RuleState, RuleTransition } from './rule-engine';
import {
  AlarmRuleError,
  MAX_ALARM_HISTORY,
  alarmActionProblem,
  type Alarm,
  type AlarmAction,
  type AlarmHistoryEntry,
} from './rule-model';

/** Whether the alarm still needs attention or follows its condition (every state but normal). */
export function alarmIsOpen(alarm: Alarm): boolean {
  return alarm.state !== 'normal';
}

/** Whether the alarm is shelved at `now` (a shelve past its `until` has expired: not shelved). */
export function isShelved(alarm: Alarm, now: number): boolean {
  return alarm.shelved !== undefined && alarm.shelved.until > now;
}

/** `alarm/<rule id without 'alarm_rule/'>/<channel id without 'channel/'>/<n>`. */
export function alarmIdFor(binding: Pick<RuleBinding, 'ruleId' | 'channel'>, n: number): string {
  const rule = binding.ruleId.startsWith('alarm_rule/') ? binding.ruleId.slice('alarm_rule/'.length) : binding.ruleId;
  const channel = binding.channel.startsWith('channel/') ? binding.channel.slice('channel/'.length) : binding.channel;
  return `alarm/${rule}/${channel}/${n}`;
}

/** The id of the latest alarm of this rule × channel (undefined: none yet): the `current` to pass to applyTransition. */
export function currentAlarmId(binding: Pick<RuleBinding, 'ruleId' | 'channel'>, state: Pick<RuleState, 'n'>): string | undefined {
  return state.n > 0 ? alarmIdFor(binding, state.n) : undefined;
}

/** Appends a history entry, keeping the last MAX_ALARM_HISTORY (older ones counted in history_dropped). */
function withHistory(alarm: Alarm, entry: AlarmHistoryEntry): Alarm {
  const history = [...alarm.history, entry];
  const drop = history.length - MAX_ALARM_HISTORY;
  if (drop <= 0) return { ...alarm, history };
  return { ...alarm, history: history.slice(drop), history_dropped: (alarm.history_dropped ?? 0) + drop };
}

function entryOf(t: RuleTransition, kind: AlarmHistoryEntry['kind']): AlarmHistoryEntry {
  const entry: AlarmHistoryEntry = { at: t.at, kind, severity: t.severity };
  if (t.value !== undefined) entry.value = t.value;
  return entry;
}

/** Copies a fresh copy of the alarm without the fields a re-activation resets. */
function reactivated(alarm: Alarm): Alarm {
  const copy = { ...alarm };
  delete copy.cleared_at;
  delete copy.acked_at;
  delete copy.acked_by;
  return copy;
}

/**
 * The alarm document after a rule transition. `current` is the document at the latest alarm id
 * (currentAlarmId; undefined: none). A raise when there is none, or the latest is normal, starts
 * alarm n + 1 (and advances `state.n`); a raise while it is open re-activates it (count + 1:
 * flood protection). Escalate / deescalate / clear change the open alarm; with none open (an admin
 * edited it away) an escalation starts a new alarm and a clear leaves the document as it is.
 * Pure: returns the id to write, the alarm and the new state.
 */
export function applyTransition(binding: RuleBinding, state: RuleState, current: Alarm | undefined, t: RuleTransition): { id: string; alarm: Alarm; state: RuleState } {
  const open = current !== undefined && alarmIsOpen(current);
  const peak = t.peak;
  if (!open && t.kind !== 'clear') {
    const n = state.n + 1;
    const alarm: Alarm = {
      type: 'alarm',
      site: binding.site,
      asset: binding.asset,
      channel: binding.channel,
      rule: binding.ruleId,
      rule_title: binding.rule.title,
      message: t.message,
      severity: t.severity,
      state: 'active_unacked',
      raised_at: t.at,
      count: 1,
      history: [entryOf(t, 'raised')],
    };
    if (t.value !== undefined) alarm.value = t.value;
    if (peak !== undefined) alarm.peak = peak;
    if (binding.simulated) alarm.simulated = true;
    return { id: alarmIdFor(binding, n), alarm, state: { ...state, n } };
  }
  const id = alarmIdFor(binding, state.n);
  if (!current) throw new AlarmRuleError(`no alarm to clear for ${binding.ruleId} on ${binding.channel}`, 'conflict');
  if (!open) return { id, alarm: current, state };
  let alarm: Alarm = { ...current, severity: t.severity, message: t.message };
  if (peak !== undefined) alarm.peak = peak;
  switch (t.kind) {
    case 'raise':
      // Flood protection: the same alarm again, counted.
      alarm = reactivated(alarm);
      alarm.state = 'active_unacked';
      alarm.count = current.count + 1;
      if (t.value !== undefined) alarm.value = t.value;
      alarm = withHistory(alarm, entryOf(t, 'reactivated'));
      break;
    case 'escalate':
    case 'deescalate':
      alarm = withHistory(alarm, entryOf(t, t.kind === 'escalate' ? 'escalated' : 'deescalated'));
      break;
    case 'clear':
      if (current.state === 'cleared_unacked') return { id, alarm: current, state };
      alarm.cleared_at = t.at;
      alarm.state = current.state === 'active_acked' ? 'normal' : 'cleared_unacked';
      alarm = withHistory(alarm, entryOf(t, 'cleared'));
      if (alarm.state === 'normal') alarm = withHistory(alarm, { at: t.at, kind: 'normal' });
      break;
  }
  return { id, alarm, state };
}

const conflict = (message: string): AlarmRuleError => new AlarmRuleError(message, 'conflict');

/**
 * The alarm after a person's action (pure). Idempotent by action id: an action already in the
 * history returns the alarm unchanged. Refuses with AlarmRuleError: 400 for an invalid action
 * document, 409 for an action the alarm's state makes senseless (acknowledging an alarm that is
 * already acknowledged or normal, unshelving one not shelved, shelving a normal alarm, an expiry
 * already past at `now`). Shelving and service changes follow no condition, so they work in any
 * open state; linking a work order works in every state.
 */
export function applyAction(alarm: Alarm, actionId: string, action: AlarmAction, now: number): Alarm {
  const problem = alarmActionProblem(action);
  if (problem) throw new AlarmRuleError(problem);
  const ref = actionId.startsWith('alarm_action/') ? actionId : `alarm_action/${actionId}`;
  if (alarm.history.some((entry) => entry.action === ref)) return alarm;
  const entry = (kind: AlarmHistoryEntry['kind']): AlarmHistoryEntry => {
    const out: AlarmHistoryEntry = { at: action.at, kind, by: action.by, action: ref };
    if (action.text !== undefined) out.text = action.text;
    return out;
  };
  switch (action.action) {
    case 'acknowledge': {
      if (alarm.state === 'normal') throw conflict('the alarm is normal: there is nothing to acknowledge');
      if (alarm.state === 'active_acked') throw conflict(`the alarm is already acknowledged${alarm.acked_by ? ` (by ${alarm.acked_by})` : ''}`);
      const next: Alarm = { ...alarm, state: alarm.state === 'active_unacked' ? 'active_acked' : 'normal', acked_at: action.at, acked_by: action.by };
      const acked = withHistory(next, entry('acknowledged'));
      return next.state === 'normal' ? withHistory(acked, { at: action.at, kind: 'normal', by: action.by, action: ref }) : acked;
    }
    case 'comment':
      return withHistory(alarm, entry('commented'));
    case 'shelve': {
      if (alarm.state === 'normal') throw conflict('the alarm is normal: there is nothing to shelve');
      const until = action.until!;
      if (until <= now) throw conflict(`the shelve would already have expired (until ${new Date(until).toISOString()} is not after now)`);
      const shelved: NonNullable<Alarm['shelved']> = { until, by: action.by, at: action.at };
      if (action.text !== undefined) shelved.reason = action.text;
      return withHistory({ ...alarm, shelved }, entry('shelved'));
    }
    case 'unshelve': {
      if (!isShelved(alarm, now)) throw conflict(alarm.shelved ? 'the shelve has already expired' : 'the alarm is not shelved');
      const next = { ...alarm };
      delete next.shelved;
      return withHistory(next, entry('unshelved'));
    }
    case 'remove_from_service': {
      if (alarm.state === 'normal') throw conflict('the alarm is normal: there is nothing to take out of service');
      if (alarm.out_of_service) throw conflict(`the alarm is already out of service (since ${new Date(alarm.out_of_service.at).toISOString()}, by ${alarm.out_of_service.by})`);
      const outOfService: NonNullable<Alarm['out_of_service']> = { by: action.by, at: action.at };
      if (action.text !== undefined) outOfService.reason = action.text;
      return withHistory({ ...alarm, out_of_service: outOfService }, entry('removed_from_service'));
    }
    case 'return_to_service': {
      if (!alarm.out_of_service) throw conflict('the alarm is not out of service');
      const next = { ...alarm };
      delete next.out_of_service;
      return withHistory(next, entry('returned_to_service'));
    }
    case 'link_work_order': {
      const workOrder = action.work_order!;
      const workOrders = alarm.work_orders ?? [];
      const next: Alarm = { ...alarm, work_orders: workOrders.includes(workOrder) ? workOrders : [...workOrders, workOrder] };
      const out = entry('work_order_created');
      out.text = workOrder;
      return withHistory(next, out);
    }
  }
}
