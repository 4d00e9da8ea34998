/**
 * The work order a preventive plan's occurrence becomes: kind 'preventive', the plan's title,
 * `plan: {id, occurrence}`, the plan's checklist copied as it is at generation (item ids are the
 * template's: stable per occurrence, and a later change of the plan leaves generated work orders
 * alone), priority, estimated hours, assignee and the due date, with a 'created' history entry by
 * 'fieldline' — made by the core's newWorkOrder like every other work order.
 */
import { newWorkOrder, type NewWorkOrderFields, type WorkOrder } from '../../core';
import type { PlanTarget } from './plan-targets';

/** Who the scheduler's work orders are created by. */
export const SCHEDULER_USER = 'fieldline';

/**
 * Occurrence `occurrence` of the target's plan due on `due` (YYYY-MM-DD), created at `at` (ISO).
 * The history entry's id is fixed (`plan-occurrence-<n>`: only unique within the document is
 * needed), so the document depends on nothing random.
 */
export function planWorkOrder(target: PlanTarget, occurrence: number, due: string, at: string): WorkOrder {
  const { plan } = target;
  const fields: NewWorkOrderFields = {
    site: plan.site,
    asset: target.assetId,
    title: plan.title,
    kind: 'preventive',
    due,
    plan: { id: target.planId, occurrence },
    checklist: plan.checklist.map((item) => ({ ...item })),
    ...(plan.priority === undefined ? {} : { priority: plan.priority }),
    ...(plan.estimated_hours === undefined ? {} : { estimated_hours: plan.estimated_hours }),
    ...(plan.assignee === undefined ? {} : { assignee: plan.assignee }),
  };
  return newWorkOrder(fields, { by: SCHEDULER_USER, at, id: `plan-occurrence-${occurrence}`, role: 'admin' });
}
