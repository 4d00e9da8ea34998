/**
 * Checklist items: what an inspection asks for. Work orders carry them (copied from a preventive
 * plan's template or written by hand) and plans keep the template; both check them here.
 */
import { MAX_TEXT, firstProblem, isObject, numberProblem, optionalTextProblem, textProblem } from './checks';

/** How an item is answered: pass / fail, a measured value (unit, limits), or free text. */
export const checklistItemKinds = ['pass_fail', 'value', 'text'] as const;
export type ChecklistItemKind = (typeof checklistItemKinds)[number];

/** The most items one checklist holds (a long inspection round has a few dozen). */
export const MAX_CHECKLIST_ITEMS = 200;
/** Longest item id (ids are keys of a work order's `results`). */
export const MAX_ITEM_ID = 200;
/** Longest unit ("°C", "mm/s", "bar"). */
export const MAX_UNIT = 50;

/** One question of a checklist. */
export interface ChecklistItem {
  /** Stable within the checklist: results are keyed by it and merges match items by it. */
  id: string;
  label: string;
  kind: ChecklistItemKind;
  /** Value items: the unit the value is in. */
  unit?: string;
  /** Value items: limits; a value outside [min, max] is "out of limits". */
  min?: number;
  max?: number;
  /** Value items: the field of the asset's manual-reading channel the value feeds. */
  field?: string;
}

/** Whether `value` is a checklist item kind. */
export function isChecklistItemKind(value: unknown): value is ChecklistItemKind {
  return checklistItemKinds.includes(value as ChecklistItemKind);
}

/** Why `item` is not a checklist item; `name` says where it is (`checklist[3]`). */
export function checklistItemProblem(item: unknown, name = 'checklist item'): string | undefined {
  if (!isObject(item)) return `${name} must be an object {id, label, kind}`;
  const problem = firstProblem(
    textProblem(`${name}.id`, item.id, MAX_ITEM_ID),
    textProblem(`${name}.label`, item.label, MAX_TEXT),
    isChecklistItemKind(item.kind) ? undefined : `${name}.kind must be one of ${checklistItemKinds.join(', ')}`,
    optionalTextProblem(`${name}.unit`, item.unit, MAX_UNIT),
    item.min === undefined ? undefined : numberProblem(`${name}.min`, item.min),
    item.max === undefined ? undefined : numberProblem(`${name}.max`, item.max),
    optionalTextProblem(`${name}.field`, item.field, MAX_ITEM_ID),
  );
  if (problem) return problem;
  if (typeof item.min === 'number' && typeof item.max === 'number' && item.min > item.max) return `${name}.min (${item.min}) must not be above ${name}.max (${item.max})`;
  return undefined;
}

/**
 * Why `items` is not a checklist: an array of at most MAX_CHECKLIST_ITEMS items with unique ids
 * (undefined: it is). `name` is the field it sits in (`checklist`).
 */
export function checklistProblem(items: unknown, name = 'checklist'): string | undefined {
  if (!Array.isArray(items)) return `${name} must be an array of items`;
  if (items.length > MAX_CHECKLIST_ITEMS) return `${name} must have at most ${MAX_CHECKLIST_ITEMS} items (it has ${items.length})`;
  const seen = new Set<string>();
  for (let index = 0; index < items.length; index++) {
    const item: unknown = items[index];
    const problem = checklistItemProblem(item, `${name}[${index}]`);
    if (problem) return problem;
    const id = (item as ChecklistItem).id;
    if (seen.has(id)) return `${name}[${index}].id ${JSON.stringify(id)} is used twice`;
    seen.add(id);
  }
  return undefined;
}

/** Whether a value answer is outside the item's limits (false for other kinds or without limits). */
export function outOfLimits(item: ChecklistItem, value: unknown): boolean {
  if (item.kind !== 'value' || typeof value !== 'number') return false;
  return (item.min !== undefined && value < item.min) || (item.max !== undefined && value > item.max);
}

/** JSON Schema of a checklist item. */
export const checklistItemSchema = {
  type: 'object',
  required: ['id', 'label', 'kind'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: MAX_ITEM_ID },
    label: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
    kind: { type: 'string', enum: checklistItemKinds },
    unit: { type: 'string', minLength: 1, maxLength: MAX_UNIT },
    min: { type: 'number' },
    max: { type: 'number' },
    field: { type: 'string', minLength: 1, maxLength: MAX_ITEM_ID },
  },
} as const;
