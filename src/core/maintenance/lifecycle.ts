/**
 * The work order lifecycle: which status changes exist, who may make them, and which buttons a
 * screen offers from a given status.
 *
 *   open → assigned (engineer/admin) | in_progress;   assigned → in_progress | open (engineer/admin);
 *   in_progress → on_hold | done;   on_hold → in_progress;
 *   done → verified (engineer/admin) | in_progress (reopen: engineer/admin, with a comment);
 *   verified → in_progress (reopen: engineer/admin, with a comment).
 *
 * Technicians may make every change not marked engineer/admin. The server enforces the part that
 * matters for trust (no verifying, no changing a verified work order, for technicians); the rest
 * is what the UI offers, since offline merges may legitimately skip a step.
 */
import type { roleNames } from '../api-schemas';
import type { WorkOrder, WorkOrderStatus } from '../model/work-order';

/** The roles of signed-in users. */
export type Role = (typeof roleNames)[number];

/** One allowed status change. */
export interface WorkOrderTransition {
  from: WorkOrderStatus;
  to: WorkOrderStatus;
  /** The button's words. */
  label: string;
  /** Who may make it. */
  roles: readonly Role[];
  /** A reopen: the history entry is `reopened`, and a comment saying why is required. */
  reopen: boolean;
  /** The work order must name an assignee (the Assign button asks for one). */
  needsAssignee: boolean;
}

const everyone: readonly Role[] = ['admin', 'engineer', 'technician'];
const supervisors: readonly Role[] = ['admin', 'engineer'];

function transition(from: WorkOrderStatus, to: WorkOrderStatus, label: string, roles: readonly Role[], extra: Partial<Pick<WorkOrderTransition, 'reopen' | 'needsAssignee'>> = {}): WorkOrderTransition {
  return { from, to, label, roles, reopen: extra.reopen ?? false, needsAssignee: extra.needsAssignee ?? false };
}

/** Every allowed status change, in the order a screen shows the buttons (forward first). */
export const workOrderTransitions: readonly WorkOrderTransition[] = [
  transition('open', 'in_progress', 'Start', everyone),
  transition('open', 'assigned', 'Assign', supervisors, { needsAssignee: true }),
  transition('assigned', 'in_progress', 'Start', everyone),
  transition('assigned', 'open', 'Unassign', supervisors),
  transition('in_progress', 'done', 'Mark done', everyone),
  transition('in_progress', 'on_hold', 'Put on hold', everyone),
  transition('on_hold', 'in_progress', 'Resume', everyone),
  transition('done', 'verified', 'Verify', supervisors),
  transition('done', 'in_progress', 'Reopen', supervisors, { reopen: true }),
  transition('verified', 'in_progress', 'Reopen', supervisors, { reopen: true }),
];

/** The transition from `from` to `to` (undefined: there is none, for anyone). */
export function transitionOf(from: WorkOrderStatus, to: WorkOrderStatus): WorkOrderTransition | undefined {
  return workOrderTransitions.find((t) => t.from === from && t.to === to);
}

/** Whether someone with `role` may change a work order's status from `from` to `to` (staying is not a change: false). */
export function canTransition(from: WorkOrderStatus, to: WorkOrderStatus, role: Role): boolean {
  return transitionOf(from, to)?.roles.includes(role) ?? false;
}

/** Whether someone with `role` may change anything on a work order in `status` (technicians leave verified work orders alone). */
export function mayEditWorkOrder(status: WorkOrderStatus, role: Role): boolean {
  return status !== 'verified' || role !== 'technician';
}

/** A button a screen shows for a work order. */
export interface WorkOrderAction {
  to: WorkOrderStatus;
  label: string;
  /** The user must write a comment (reopen). */
  needsComment: boolean;
  /** The user must pick an assignee (Assign, when the work order has none). */
  needsAssignee: boolean;
}

/** The status buttons `role` gets on `doc`, in display order (none for a status of no transitions). */
export function nextActions(doc: Pick<WorkOrder, 'status' | 'assignee'>, role: Role): WorkOrderAction[] {
  return workOrderTransitions
    .filter((t) => t.from === doc.status && t.roles.includes(role))
    .map((t) => ({ to: t.to, label: t.label, needsComment: t.reopen, needsAssignee: t.needsAssignee && !doc.assignee }));
}
