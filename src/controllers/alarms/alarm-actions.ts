/**
 * What a person does to an alarm, written as `alarm_action/<uuid>` documents into this device's
 * storage (offline too; sync takes them to the server, whose applier folds each into the alarm
 * once). The device never writes the alarm document itself, so two tablets acting on one alarm
 * never conflict. "Create work order" writes the work order (with `alarm: <id>` and the evidence
 * in its notes, built by the model's newWorkOrder) and a `link_work_order` action naming it.
 */
import { alarmActionProblem, newWorkOrder, type AlarmAction, type Severity, type WorkOrderPriority } from '../../core';
import type { Doc, Storage } from '../../storage';
import { ALARM_ACTION_EVENT } from './alarms-controller';
import type { AlarmRow } from './alarm-list';

/** The part of an action the caller chooses; type, site, alarm, by and at are filled in. */
export type AlarmActionChoice =
  | { action: 'acknowledge' | 'unshelve' | 'return_to_service'; text?: string }
  | { action: 'comment'; text: string }
  | { action: 'shelve'; until: number; text?: string }
  | { action: 'remove_from_service'; text?: string }
  | { action: 'link_work_order'; work_order: string };

export interface ActionContext {
  storage: Storage;
  /** The signed-in user's username (the server refuses an action by anyone else). */
  by: string;
  now?: number;
  /** Where `fl-alarm-action` is fired (default: window). */
  target?: EventTarget;
}

/** Writes one action on `alarm`; resolves with its id. Rejects with the reason for a malformed one (nothing written). */
export async function writeAlarmAction(alarm: Pick<AlarmRow, 'id' | 'site'>, choice: AlarmActionChoice, context: ActionContext): Promise<string> {
  if (!context.by) throw new Error('sign in to act on alarms: the action records who did it');
  const action = { type: 'alarm_action', site: alarm.site, alarm: alarm.id, by: context.by, at: context.now ?? Date.now(), ...choice } as AlarmAction;
  const problem = alarmActionProblem(action);
  if (problem) throw new Error(problem);
  const id = `alarm_action/${crypto.randomUUID()}`;
  await context.storage.put(id, action as unknown as Doc);
  (context.target ?? window).dispatchEvent(new Event(ALARM_ACTION_EVENT));
  return id;
}

const MAX_NOTES = 100_000;

/** The titles a work order's text uses (ids are never shown to people). */
export interface AlarmTitles {
  asset?: string;
  channel?: string;
  site?: string;
  unit?: string;
}

/** The work order's title: what the alarm says, where. */
export function workOrderTitle(alarm: AlarmRow, titles: AlarmTitles): string {
  const what = alarm.message || alarm.rule_title || 'Alarm';
  const title = titles.asset ? `${titles.asset}: ${what}` : what;
  return title.length > 200 ? `${title.slice(0, 199)}…` : title;
}

/** The evidence for whoever does the work: what, where, when, how bad, and the alarm's record so far. */
export function workOrderNotes(alarm: AlarmRow, titles: AlarmTitles): string {
  const time = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
  const value = (number: number | undefined) => (number === undefined ? undefined : `${Number(number.toPrecision(6))}${titles.unit ? ` ${titles.unit}` : ''}`);
  const lines = [
    `From alarm: ${alarm.message || alarm.rule_title}`,
    `Rule: ${alarm.rule_title}`,
    `Severity: ${alarm.severity}`,
    titles.asset ? `Asset: ${titles.asset}` : undefined,
    titles.channel ? `Channel: ${titles.channel}` : undefined,
    `Raised: ${time(alarm.raised_at)}`,
    alarm.cleared_at !== undefined ? `Cleared: ${time(alarm.cleared_at)}` : undefined,
    value(alarm.value) ? `Value at raise: ${value(alarm.value)}` : undefined,
    value(alarm.peak) ? `Peak: ${value(alarm.peak)}` : undefined,
    alarm.count > 1 ? `Activations: ${alarm.count}` : undefined,
    ...(alarm.history ?? []).filter((entry) => entry.kind === 'commented' && entry.text).map((entry) => `Comment by ${entry.by ?? 'someone'} (${time(entry.at)}): ${entry.text}`),
  ];
  const notes = lines.filter((line) => line !== undefined).join('\n');
  // A work order's notes hold at most 100 000 characters (the model's limit); the alarm keeps the rest.
  return notes.length > MAX_NOTES ? `${notes.slice(0, MAX_NOTES - 1)}…` : notes;
}

/** The work order's priority for an alarm's severity (a critical alarm is urgent work). */
export const priorityOfSeverity: Readonly<Record<Severity, WorkOrderPriority>> = { critical: 'urgent', high: 'high', medium: 'medium', low: 'low' };

/**
 * Creates a work order from `alarm` through the model's newWorkOrder (site, asset, title from the
 * alarm, the evidence in its notes, `alarm: <id>`, priority from the severity, a `created` history
 * entry by the signed-in user) and links it to the alarm with a `link_work_order` action.
 * Resolves with the work order's id.
 */
export async function createWorkOrderFromAlarm(alarm: AlarmRow, titles: AlarmTitles, context: ActionContext): Promise<string> {
  if (!context.by) throw new Error('sign in to create a work order: it records who did it');
  const id = `work_order/${crypto.randomUUID()}`;
  const order = newWorkOrder(
    {
      site: alarm.site,
      asset: alarm.asset || undefined,
      title: workOrderTitle(alarm, titles),
      notes: workOrderNotes(alarm, titles),
      alarm: alarm.id,
      priority: priorityOfSeverity[alarm.severity],
    },
    { by: context.by, at: new Date(context.now ?? Date.now()).toISOString(), id: crypto.randomUUID() },
  );
  await context.storage.put(id, order as unknown as Doc);
  await writeAlarmAction(alarm, { action: 'link_work_order', work_order: id }, context);
  return id;
}
