/**
 * The preventive plan editor's form model: a plan as the form holds it (numbers as typed text),
 * to and from the stored document, and the plan's words for the list. `planFromDraft` parses the
 * numbers with messages that name the form's labels, then checks the result with the core's
 * maintenancePlanProblem, so the form never writes a plan the scheduler would refuse.
 */
import {
  checklistItemKinds,
  describeTrigger,
  maintenancePlanProblem,
  type ChecklistItem,
  type ChecklistItemKind,
  type MaintenancePlan,
  type UsageMeasure,
  type WorkOrderPriority,
} from '../../core';

/** One checklist item as the form holds it. */
export interface ItemDraft {
  id: string;
  label: string;
  kind: ChecklistItemKind;
  unit: string;
  min: string;
  max: string;
  field: string;
}

/** A plan as the form holds it. */
export interface PlanDraft {
  title: string;
  site: string;
  targetMode: 'asset_type' | 'asset';
  asset: string;
  asset_type: string;
  triggerKind: 'calendar' | 'usage';
  every_days: string;
  start: string;
  measure: UsageMeasure;
  every: string;
  field: string;
  threshold: string;
  lead_days: string;
  /** '' = none (the work orders' default, medium). */
  priority: '' | WorkOrderPriority;
  estimated_hours: string;
  assignee: string;
  enabled: boolean;
  checklist: ItemDraft[];
}

/** Words for the item kinds (the editor's choices). */
export const itemKindLabels: Record<ChecklistItemKind, string> = { pass_fail: 'Pass / fail', value: 'Value with unit and limits', text: 'Text' };
export { checklistItemKinds };

const text = (value: number | undefined): string => (value === undefined ? '' : String(value));

/** A fresh checklist item id (stable once made: results and merges key on it). */
export function newItemId(): string {
  return `item-${crypto.randomUUID().slice(0, 8)}`;
}

/** An empty item of `kind`. */
export function emptyItem(kind: ChecklistItemKind = 'pass_fail'): ItemDraft {
  return { id: newItemId(), label: '', kind, unit: '', min: '', max: '', field: '' };
}

/** The form of a new plan in `site`, starting `today` (YYYY-MM-DD). */
export function emptyPlanDraft(site: string, today: string): PlanDraft {
  return {
    title: '',
    site,
    targetMode: 'asset_type',
    asset: '',
    asset_type: '',
    triggerKind: 'calendar',
    every_days: '30',
    start: today,
    measure: 'operating_hours',
    every: '',
    field: '',
    threshold: '',
    lead_days: '14',
    priority: '',
    estimated_hours: '',
    assignee: '',
    enabled: true,
    checklist: [],
  };
}

/** The form of a stored plan. */
export function draftFromPlan(plan: MaintenancePlan, today: string): PlanDraft {
  const draft = emptyPlanDraft(plan.site, today);
  draft.title = plan.title;
  if ('asset' in plan.target) {
    draft.targetMode = 'asset';
    draft.asset = plan.target.asset;
  } else draft.asset_type = plan.target.asset_type;
  if (plan.trigger.kind === 'calendar') {
    draft.every_days = String(plan.trigger.every_days);
    draft.start = plan.trigger.start;
  } else {
    draft.triggerKind = 'usage';
    draft.measure = plan.trigger.measure;
    draft.every = String(plan.trigger.every);
    draft.field = plan.trigger.field;
    draft.threshold = text(plan.trigger.threshold);
  }
  draft.lead_days = String(plan.lead_days);
  draft.priority = plan.priority ?? '';
  draft.estimated_hours = text(plan.estimated_hours);
  draft.assignee = plan.assignee ?? '';
  draft.enabled = plan.enabled !== false;
  draft.checklist = plan.checklist.map((item) => ({ id: item.id, label: item.label, kind: item.kind, unit: item.unit ?? '', min: text(item.min), max: text(item.max), field: item.field ?? '' }));
  return draft;
}

/** A number typed into the field labelled `label` ('' = absent when `optional`). */
function parse(label: string, value: string, optional: boolean): number | undefined | { problem: string } {
  const trimmed = value.trim();
  if (trimmed === '') return optional ? undefined : { problem: `${label}: enter a number` };
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : { problem: `${label}: "${trimmed}" is not a number` };
}

const isProblem = (value: unknown): value is { problem: string } => typeof value === 'object' && value !== null && 'problem' in value;

/**
 * The plan the form makes (keys of `base`, the stored plan, that the form does not own stay), or
 * the first problem in words naming the form's label.
 */
export function planFromDraft(draft: PlanDraft, base: Record<string, unknown> = {}): { plan: MaintenancePlan } | { problem: string } {
  if (draft.title.trim() === '') return { problem: 'Title: enter what the work is' };
  if (draft.site === '') return { problem: 'Site: choose the site' };
  if (draft.targetMode === 'asset' ? draft.asset === '' : draft.asset_type === '') return { problem: draft.targetMode === 'asset' ? 'Asset: choose the asset' : 'Asset type: choose the type' };
  const numbers: Record<string, number | undefined> = Object.create(null) as Record<string, number | undefined>;
  const fields: Array<[string, string, string, boolean]> = [
    ['lead_days', 'Generate ahead (days)', draft.lead_days, false],
    ['estimated_hours', 'Estimated hours', draft.estimated_hours, true],
    ...(draft.triggerKind === 'calendar'
      ? ([['every_days', 'Every (days)', draft.every_days, false]] as Array<[string, string, string, boolean]>)
      : ([
          ['every', draft.measure === 'operating_hours' ? 'Every (operating hours)' : 'Every (MWh)', draft.every, false],
          ['threshold', 'Running above', draft.threshold, true],
        ] as Array<[string, string, string, boolean]>)),
  ];
  for (const [key, label, value, optional] of fields) {
    const parsed = parse(label, value, optional);
    if (isProblem(parsed)) return parsed;
    numbers[key] = parsed;
  }
  if (draft.triggerKind === 'usage' && draft.field === '') return { problem: 'Computed from: choose the channel field' };
  const checklist: ChecklistItem[] = [];
  for (const [index, item] of draft.checklist.entries()) {
    const name = `Checklist item ${index + 1}`;
    if (item.label.trim() === '') return { problem: `${name}: enter what to check` };
    const next: ChecklistItem = { id: item.id, label: item.label.trim(), kind: item.kind };
    if (item.kind === 'value') {
      const min = parse(`${name} minimum`, item.min, true);
      const max = parse(`${name} maximum`, item.max, true);
      if (isProblem(min)) return min;
      if (isProblem(max)) return max;
      if (item.unit.trim()) next.unit = item.unit.trim();
      if (min !== undefined) next.min = min;
      if (max !== undefined) next.max = max;
      if (item.field.trim()) next.field = item.field.trim();
    }
    checklist.push(next);
  }
  // The form owns these optional keys: cleared in the form, they go.
  const kept: Record<string, unknown> = { ...base };
  for (const key of ['assignee', 'priority', 'estimated_hours']) Reflect.deleteProperty(kept, key);
  const plan: MaintenancePlan = {
    ...(kept as Partial<MaintenancePlan>),
    type: 'maintenance_plan',
    site: draft.site,
    title: draft.title.trim(),
    target: draft.targetMode === 'asset' ? { asset: draft.asset } : { asset_type: draft.asset_type },
    trigger:
      draft.triggerKind === 'calendar'
        ? { kind: 'calendar', every_days: numbers.every_days!, start: draft.start }
        : { kind: 'usage', measure: draft.measure, every: numbers.every!, field: draft.field, ...(numbers.threshold === undefined ? {} : { threshold: numbers.threshold }) },
    lead_days: numbers.lead_days!,
    checklist,
    enabled: draft.enabled,
    ...(draft.priority ? { priority: draft.priority } : {}),
    ...(numbers.estimated_hours === undefined ? {} : { estimated_hours: numbers.estimated_hours }),
    ...(draft.assignee.trim() ? { assignee: draft.assignee.trim() } : {}),
  };
  const problem = maintenancePlanProblem(plan);
  return problem ? { problem: readable(problem) } : { plan };
}

/** The core's field names in the form's words (the message is otherwise the core's). */
function readable(problem: string): string {
  return problem
    .replace(/^trigger\.every_days/, 'Every (days)')
    .replace(/^trigger\.every/, 'Every')
    .replace(/^trigger\.start/, 'Starting on')
    .replace(/^lead_days/, 'Generate ahead (days)')
    .replace(/^estimated_hours/, 'Estimated hours')
    .replace(/checklist\[(\d+)\]\.(\w+)/g, (_all, index: string, key: string) => `checklist item ${Number(index) + 1} ${key === 'min' ? 'minimum' : key === 'max' ? 'maximum' : key}`)
    .replace(/^checklist/, 'Checklist');
}

/** The plan's trigger in words ("every 30 days", "every 2 000 operating hours"). */
export function triggerText(plan: MaintenancePlan): string {
  return describeTrigger(plan.trigger);
}

/** Moves item `index` by `step` (−1 up, +1 down); the same list when it cannot move. */
export function moveItem(items: readonly ItemDraft[], index: number, step: -1 | 1): ItemDraft[] {
  const to = index + step;
  if (to < 0 || to >= items.length) return [...items];
  const next = [...items];
  [next[index], next[to]] = [next[to]!, next[index]!];
  return next;
}
