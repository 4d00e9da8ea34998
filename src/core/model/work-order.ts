/** Maintenance work orders (`work_order/<uuid>`): written on tablets, offline too, and synced. */
import { MAX_LONG_TEXT, MAX_TEXT, firstProblem, isObject, textProblem } from './checks';

/** Where a work order stands; the order of this list is the order of the Status choices. */
export const workOrderStatuses = ['open', 'in_progress', 'done'] as const;

export type WorkOrderStatus = (typeof workOrderStatuses)[number];

/** A maintenance work order as stored: one document of `type: 'work_order'`. */
export interface WorkOrder {
  type: 'work_order';
  site: string;
  asset?: string;
  title: string;
  status: WorkOrderStatus;
  notes: string;
  updated_by?: string;
  /** The alarm this work order was created from (`alarm/…`); the alarm lists it in `work_orders`. */
  alarm?: string;
}

/** JSON Schema of a work order (other keys allowed). */
export const workOrderSchema = {
  type: 'object',
  required: ['type', 'site', 'title', 'status'],
  properties: {
    type: { const: 'work_order' },
    site: { type: 'string', minLength: 1 },
    asset: { type: 'string', minLength: 1 },
    title: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
    status: { type: 'string', enum: workOrderStatuses },
    notes: { type: 'string', maxLength: MAX_LONG_TEXT },
    updated_by: { type: 'string' },
    alarm: { type: 'string', pattern: '^alarm/.+', maxLength: 1000 },
  },
} as const;

/** Whether `value` is a work order status. */
export function isWorkOrderStatus(value: unknown): value is WorkOrderStatus {
  return workOrderStatuses.includes(value as WorkOrderStatus);
}

/** Why a work order's `alarm` link is not an alarm id (`alarm/…`; absent is fine). */
function alarmLinkProblem(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return textProblem('alarm', value, 1000) ?? ((value as string).startsWith('alarm/') && (value as string).length > 'alarm/'.length ? undefined : 'alarm must be the id of an alarm ("alarm/…")');
}

/** Why `doc` is not a work order (undefined: it is). */
export function workOrderProblem(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'a work order must be an object';
  if (doc.type !== 'work_order') return 'a work order has type "work_order"';
  return firstProblem(
    textProblem('site', doc.site, 1000),
    doc.asset === undefined ? undefined : textProblem('asset', doc.asset, 1000),
    textProblem('title', doc.title),
    isWorkOrderStatus(doc.status) ? undefined : `status must be one of ${workOrderStatuses.join(', ')}`,
    doc.notes === undefined || (typeof doc.notes === 'string' && doc.notes.length <= MAX_LONG_TEXT) ? undefined : `notes must be a string of at most ${MAX_LONG_TEXT} characters`,
    alarmLinkProblem(doc.alarm),
  );
}
