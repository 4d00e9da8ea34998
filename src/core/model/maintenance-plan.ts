/**
 * Preventive maintenance plans (`maintenance_plan/<slug-or-uuid>`): what to do to an asset, or to
 * every asset of a type in the plan's site, and when: every N days (calendar) or every N operating
 * hours / MWh computed from the asset's channels (usage). The server's plan scheduler generates
 * the work orders ahead of time (lead_days), with the plan's checklist copied as the template.
 */
import { checklistItemSchema, checklistProblem, type ChecklistItem } from './checklist';
import { workOrderPriorities, type WorkOrderPriority } from './work-order';
import { MAX_TEXT, dateProblem, firstProblem, integerProblem, isObject, numberProblem, optionalTextProblem, textProblem } from './checks';

/** What a usage plan counts. */
export const usageMeasures = ['operating_hours', 'energy_mwh'] as const;
export type UsageMeasure = (typeof usageMeasures)[number];

/** Longest interval of a calendar plan (ten years). */
export const MAX_EVERY_DAYS = 3650;
/** Longest lead: work orders exist at most a year before they are due. */
export const MAX_LEAD_DAYS = 365;
/** Largest usage interval (hours or MWh). */
export const MAX_USAGE_EVERY = 1e9;

/** When a plan's occurrences fall due. */
export type PlanTrigger =
  | { kind: 'calendar'; every_days: number; start: string }
  /** `field`: the asset's channel field the usage is computed from; `threshold`: operating above it (default 0). */
  | { kind: 'usage'; measure: UsageMeasure; every: number; field: string; threshold?: number };

/** What a plan applies to: one asset, or every asset of a type in the plan's site. */
export type PlanTarget = { asset: string } | { asset_type: string };

/** A preventive maintenance plan as stored. */
export interface MaintenancePlan {
  type: 'maintenance_plan';
  site: string;
  title: string;
  target: PlanTarget;
  trigger: PlanTrigger;
  /** Days before the due date the work order is generated (0: on the day). */
  lead_days: number;
  /** The template every generated work order copies. */
  checklist: ChecklistItem[];
  /** The generated work orders' priority (absent: theirs is absent, i.e. medium). */
  priority?: WorkOrderPriority;
  estimated_hours?: number;
  /** A user name the work orders are assigned to. */
  assignee?: string;
  /** false: generates nothing (absent = enabled). */
  enabled?: boolean;
  simulated?: true;
}

/** JSON Schema of a maintenance plan (other keys allowed). */
export const maintenancePlanSchema = {
  type: 'object',
  required: ['type', 'site', 'title', 'target', 'trigger', 'lead_days', 'checklist'],
  properties: {
    type: { const: 'maintenance_plan' },
    site: { type: 'string', minLength: 1, maxLength: 1000 },
    title: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
    target: {
      oneOf: [
        { type: 'object', required: ['asset'], additionalProperties: false, properties: { asset: { type: 'string', pattern: '^asset/.+', maxLength: 1000 } } },
        { type: 'object', required: ['asset_type'], additionalProperties: false, properties: { asset_type: { type: 'string', minLength: 1, maxLength: 100 } } },
      ],
    },
    trigger: {
      oneOf: [
        {
          type: 'object',
          required: ['kind', 'every_days', 'start'],
          additionalProperties: false,
          properties: { kind: { const: 'calendar' }, every_days: { type: 'integer', minimum: 1, maximum: MAX_EVERY_DAYS }, start: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } },
        },
        {
          type: 'object',
          required: ['kind', 'measure', 'every', 'field'],
          additionalProperties: false,
          properties: {
            kind: { const: 'usage' },
            measure: { type: 'string', enum: usageMeasures },
            every: { type: 'number', exclusiveMinimum: 0, maximum: MAX_USAGE_EVERY },
            field: { type: 'string', minLength: 1, maxLength: 200 },
            threshold: { type: 'number' },
          },
        },
      ],
    },
    lead_days: { type: 'integer', minimum: 0, maximum: MAX_LEAD_DAYS },
    checklist: { type: 'array', maxItems: 200, items: checklistItemSchema },
    priority: { type: 'string', enum: workOrderPriorities },
    estimated_hours: { type: 'number', minimum: 0, maximum: 10_000 },
    assignee: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
    enabled: { type: 'boolean' },
    simulated: { const: true },
  },
} as const;

/** Why `value` is not a plan target. */
function targetProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'target must be {asset} or {asset_type}';
  const keys = Object.keys(value);
  if (keys.length !== 1 || (keys[0] !== 'asset' && keys[0] !== 'asset_type')) return 'target must have exactly one of asset, asset_type';
  if (keys[0] === 'asset') {
    const asset = value.asset;
    return textProblem('target.asset', asset, 1000) ?? (typeof asset === 'string' && asset.startsWith('asset/') && asset.length > 6 ? undefined : 'target.asset must be the id of an asset ("asset/…")');
  }
  return textProblem('target.asset_type', value.asset_type, 100);
}

/** Why `value` is not a plan trigger. */
function triggerProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'trigger must be an object {kind, …}';
  if (value.kind === 'calendar') {
    const extra = Object.keys(value).find((key) => key !== 'kind' && key !== 'every_days' && key !== 'start');
    if (extra !== undefined) return `trigger.${extra} is not a field of a calendar trigger`;
    return firstProblem(integerProblem('trigger.every_days', value.every_days, 1, MAX_EVERY_DAYS), dateProblem('trigger.start', value.start));
  }
  if (value.kind === 'usage') {
    const extra = Object.keys(value).find((key) => !['kind', 'measure', 'every', 'field', 'threshold'].includes(key));
    if (extra !== undefined) return `trigger.${extra} is not a field of a usage trigger`;
    return firstProblem(
      usageMeasures.includes(value.measure as UsageMeasure) ? undefined : `trigger.measure must be one of ${usageMeasures.join(', ')}`,
      numberProblem('trigger.every', value.every, 0, MAX_USAGE_EVERY) ?? ((value.every as number) > 0 ? undefined : 'trigger.every must be above 0'),
      textProblem('trigger.field', value.field, 200),
      value.threshold === undefined ? undefined : numberProblem('trigger.threshold', value.threshold),
    );
  }
  return 'trigger.kind must be calendar or usage';
}

/** Why `doc` is not a maintenance plan (undefined: it is); the message names the field. */
export function maintenancePlanProblem(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'a maintenance plan must be an object';
  if (doc.type !== 'maintenance_plan') return 'a maintenance plan has type "maintenance_plan"';
  return firstProblem(
    textProblem('site', doc.site, 1000),
    textProblem('title', doc.title),
    targetProblem(doc.target),
    triggerProblem(doc.trigger),
    integerProblem('lead_days', doc.lead_days, 0, MAX_LEAD_DAYS),
    checklistProblem(doc.checklist),
    doc.priority === undefined || workOrderPriorities.includes(doc.priority as WorkOrderPriority) ? undefined : `priority must be one of ${workOrderPriorities.join(', ')}`,
    doc.estimated_hours === undefined ? undefined : numberProblem('estimated_hours', doc.estimated_hours, 0, 10_000),
    optionalTextProblem('assignee', doc.assignee),
    doc.enabled === undefined || typeof doc.enabled === 'boolean' ? undefined : 'enabled must be true or false',
    doc.simulated === undefined || doc.simulated === true ? undefined : 'simulated must be true or absent',
  );
}

/** Whether the plan generates work orders (absent `enabled` = yes). */
export function planEnabled(plan: MaintenancePlan): boolean {
  return plan.enabled !== false;
}

/** The plan's trigger in words: "every 30 days", "every 2 000 operating hours", "every 500 MWh". */
export function describeTrigger(trigger: PlanTrigger): string {
  const number = (value: number): string => value.toLocaleString('en-GB', { maximumFractionDigits: 3 }).replace(/,/g, ' ');
  if (trigger.kind === 'calendar') return trigger.every_days === 1 ? 'every day' : `every ${number(trigger.every_days)} days`;
  return trigger.measure === 'operating_hours' ? `every ${number(trigger.every)} operating hours` : `every ${number(trigger.every)} MWh`;
}
